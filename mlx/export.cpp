// .mlxfn files: the byte layout MLX 0.32 writes (all little-endian), the
// exporter that traces functions into it and the importer that rebuilds
// them (import: export_import.cpp). Layout:
//   header: string version | int32 function count | bool shapeless | string metadata
//   per function: vector<string> kwarg keys | vector<u64> input ids
//     | vector<(Shape, Dtype)> inputs | vector<u64> output ids | u64 tape size
//     | tape entries: u64 id | bool has primitive, then
//       true:  vector<u64> input ids | stream (int32 index, int32 device type,
//              int32 device index) | string name | state (export_state.h)
//              | u64 siblings | 0 ? (Shape, Dtype) : (vector<u64>, vector<Shape>, vector<Dtype>)
//       false: bool constant | constant seen first: Shape, Dtype, raw bytes
//   string = u64 length + bytes; vector<T> = u64 n + n T; Shape = vector<int32>;
//   Dtype = int32 kind + uint8 size.
#include "mlx/export.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "mlx/allocator.h"
#include "mlx/compile.h"
#include "mlx/export_state.h"
#include "mlx/ops.h"
#include "mlx/transforms.h"
#include "mlx/utils.h"

namespace mlx::core {

namespace {

constexpr const char* kVersion = "0.32.4";

// ---- writing

struct Writer {
  std::string buf;
  template <typename T>
  void put(T v) {
    static_assert(std::is_arithmetic_v<T>);
    buf.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void str(const std::string& s) {
    put<uint64_t>(s.size());
    buf.append(s);
  }
  template <typename C>
  void ints(const C& v) {
    put<uint64_t>(v.size());
    for (auto x : v) {
      put<int32_t>(static_cast<int32_t>(x));
    }
  }
  void ids(const std::vector<uint64_t>& v) {
    put<uint64_t>(v.size());
    for (auto x : v) {
      put<uint64_t>(x);
    }
  }
  void dtype(Dtype t) {
    put<int32_t>(static_cast<int32_t>(t.val));
    put<uint8_t>(t.size);
  }
  void state(const StateT& item) {
    std::visit(
        [&](auto&& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>) {
            put<uint8_t>(x ? 1 : 0);
          } else if constexpr (std::is_arithmetic_v<T>) {
            put<T>(x);
          } else if constexpr (std::is_same_v<T, Dtype>) {
            dtype(x);
          } else if constexpr (std::is_same_v<T, Shape> || std::is_same_v<T, std::vector<int>>) {
            ints(x);
          } else if constexpr (std::is_same_v<T, Strides>) {
            put<uint64_t>(x.size());
            for (auto v : x) {
              put<int64_t>(v);
            }
          } else if constexpr (std::is_same_v<T, std::vector<size_t>>) {
            put<uint64_t>(x.size());
            for (auto v : x) {
              put<uint64_t>(v);
            }
          } else if constexpr (std::is_same_v<T, std::string>) {
            str(x);
          } else if constexpr (std::is_same_v<T, std::optional<float>>) {
            put<uint8_t>(x.has_value());
            if (x) {
              put<float>(*x);
            }
          } else if constexpr (std::is_same_v<T, std::vector<std::tuple<bool, bool, bool>>>) {
            put<uint64_t>(x.size());
            for (auto& [a, b, c] : x) {
              put<uint8_t>(a);
              put<uint8_t>(b);
              put<uint8_t>(c);
            }
          } else if constexpr (std::is_same_v<T, std::vector<std::variant<bool, int, float>>>) {
            put<uint64_t>(x.size());
            for (auto& v : x) {
              // MLX's tags: int 0, float 1, bool 2.
              if (auto* i = std::get_if<int>(&v)) {
                put<int32_t>(0);
                put<int32_t>(*i);
              } else if (auto* f = std::get_if<float>(&v)) {
                put<int32_t>(1);
                put<float>(*f);
              } else {
                put<int32_t>(2);
                put<uint8_t>(std::get<bool>(v));
              }
            }
          } else {
            throw std::invalid_argument("[export_function] Unsupported primitive state.");
          }
        },
        item);
  }
};

void write_header(std::string& buf, int count, bool shapeless, const std::string& metadata) {
  Writer w;
  w.str(kVersion);
  w.put<int32_t>(count);
  w.put<uint8_t>(shapeless);
  w.str(metadata);
  buf.replace(0, w.buf.size(), w.buf);
}

} // namespace

// ---- export

namespace {

// The graph of one trace rewritten into primitives MLX can serialize, in
// an order where every node follows its inputs.
struct ExportGraph {
  std::vector<array> inputs, outputs;
  std::vector<array> tape; // one entry per node (a single output of each), inputs and constants
  std::unordered_set<std::uintptr_t> input_ids;
  std::unordered_map<std::uintptr_t, detail::MlxForm> forced;
  std::unordered_map<std::uintptr_t, array> rewritten;
  // Every output of each node, stand-ins for those no longer referenced
  // (kept alive so that their ids stay unique in the file).
  std::unordered_map<std::uintptr_t, std::vector<array>> all_outputs;
  bool native = false; // write primitives without an MLX form as themselves

  const std::vector<array>& outs_of(const array& node) {
    auto it = all_outputs.find(node.id());
    if (it == all_outputs.end()) {
      auto outs = node.outputs_for_eval();
      for (auto& o : outs) {
        all_outputs.emplace(o.id(), outs);
      }
      it = all_outputs.find(node.id());
    }
    return it->second;
  }

  bool is_leaf(const array& a) const {
    return input_ids.count(a.id()) || !a.has_primitive() || a.is_available();
  }

  detail::MlxForm form(const array& node) {
    if (auto it = forced.find(node.id()); it != forced.end()) {
      return it->second;
    }
    auto f = detail::mlx_form(node);
    if (!f && native) {
      f = detail::native_form(node);
    }
    if (!f) {
      throw std::invalid_argument(std::string("[export_function] Unable to serialize primitive ") +
                                  node.primitive().name());
    }
    return *f;
  }

  // Rewrites the graph below `root` (without recursion), filling `rewritten`.
  array rewrite(const array& root) {
    std::vector<std::pair<array, bool>> stack{{root, false}};
    while (!stack.empty()) {
      auto [a, expanded] = stack.back();
      stack.pop_back();
      if (rewritten.count(a.id())) {
        continue;
      }
      if (is_leaf(a)) {
        if (!input_ids.count(a.id()) && !a.is_available()) {
          throw std::invalid_argument("[export_function] The function depends on an array without a value.");
        }
        rewritten.emplace(a.id(), a);
        continue;
      }
      if (!expanded) {
        stack.push_back({a, true});
        for (auto& in : a.inputs()) {
          if (!rewritten.count(in.id())) {
            stack.push_back({in, false});
          }
        }
        continue;
      }
      std::vector<array> ins;
      bool changed = false;
      for (auto& in : a.inputs()) {
        ins.push_back(rewritten.at(in.id()));
        changed |= ins.back().id() != in.id();
      }
      auto outs = outs_of(a);
      std::string prim = a.primitive().name();
      if ((prim == "StopGradient" || prim == "Copy") && ins.size() == 1) {
        // No-ops, left out as MLX's export leaves them out (its compile
        // simplification): the input stands for the output.
        rewritten.emplace(a.id(), ins[0]);
        continue;
      }
      bool has_form = forced.count(a.id()) || detail::mlx_form(a).has_value() ||
                      (native && detail::native_form(a).has_value());
      std::vector<array> made;
      if (has_form && !changed) {
        made = outs;
      } else if (has_form) {
        std::vector<Shape> shapes;
        std::vector<Dtype> dtypes;
        for (auto& o : outs) {
          shapes.push_back(o.shape());
          dtypes.push_back(o.dtype());
        }
        made = outs.size() == 1 ? std::vector<array>{array(shapes[0], dtypes[0], a.primitive_ptr(), ins)}
                                : array::make_arrays(std::move(shapes), dtypes, a.primitive_ptr(), ins);
        if (auto it = forced.find(a.id()); it != forced.end()) {
          for (auto& m : made) {
            forced.emplace(m.id(), it->second);
          }
        }
      } else {
        made = detail::lower_node(a, ins, forced);
        if (made.size() != outs.size()) {
          throw std::runtime_error("[export_function] Internal error lowering a primitive.");
        }
        for (auto& m : made) {
          m = rewrite(m);
        }
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        rewritten.emplace(outs[k].id(), made[k]);
        rewritten.emplace(made[k].id(), made[k]); // already in MLX's terms
      }
    }
    return rewritten.at(root.id());
  }

  // Orders the rewritten graph (post-order, siblings once).
  void order() {
    std::unordered_set<std::uintptr_t> seen;
    for (auto& in : inputs) {
      if (seen.insert(in.id()).second) {
        tape.push_back(in);
      }
    }
    for (auto& out : outputs) {
      std::vector<std::pair<array, bool>> stack{{out, false}};
      while (!stack.empty()) {
        auto [a, expanded] = stack.back();
        stack.pop_back();
        if (seen.count(a.id()) && !expanded) {
          continue;
        }
        if (is_leaf(a)) {
          seen.insert(a.id());
          tape.push_back(a);
          continue;
        }
        if (!expanded) {
          stack.push_back({a, true});
          for (auto it = a.inputs().rbegin(); it != a.inputs().rend(); ++it) {
            if (!seen.count(it->id())) {
              stack.push_back({*it, false});
            }
          }
          continue;
        }
        if (seen.count(a.id())) {
          continue;
        }
        for (auto& o : outs_of(a)) {
          seen.insert(o.id());
        }
        tape.push_back(a);
      }
    }
  }
};

thread_local bool export_tracing = false;

ExportGraph trace_for_export(const ExportedFunction& fun, const Args& args,
                             const std::map<std::string, array>& kwargs, bool shapeless, bool native,
                             std::vector<std::string>& keys) {
  std::vector<array> flat = args;
  for (auto& [k, v] : kwargs) {
    keys.push_back(k);
    flat.push_back(v);
  }
  size_t npos = args.size();
  auto flat_fun = [&](const std::vector<array>& ins) {
    Args a(ins.begin(), ins.begin() + npos);
    Kwargs kw;
    for (size_t i = 0; i < keys.size(); ++i) {
      kw.insert_or_assign(keys[i], ins[npos + i]);
    }
    return fun(a, kw);
  };
  struct Scope {
    bool saved = export_tracing;
    Scope() { export_tracing = true; }
    ~Scope() { export_tracing = saved; }
  };
  std::shared_ptr<detail::CompiledGraph> graph;
  {
    Scope scope;
    graph = detail::compile_trace(flat_fun, flat, shapeless);
  }
  ExportGraph g;
  g.native = native;
  g.inputs = graph->keep_alive;
  for (auto& in : g.inputs) {
    g.input_ids.insert(in.id());
  }
  for (auto& out : graph->outputs) {
    g.outputs.push_back(g.rewrite(out));
  }
  g.order();
  return g;
}

std::vector<uint64_t> ids_of(const std::vector<array>& arrays) {
  std::vector<uint64_t> ids;
  for (auto& a : arrays) {
    ids.push_back(a.id());
  }
  return ids;
}

// A row-contiguous array holding a's values.
array contiguous_values(const array& a) {
  if (a.flags().row_contiguous && a.data_size() == a.size()) {
    return a;
  }
  array c = copy(a);
  c.eval();
  return c;
}

std::string array_name(size_t i) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('A' + i % 26));
    i = i / 26;
  } while (i-- > 0);
  return s;
}

} // namespace

bool detail::in_export_tracing() { return export_tracing; }

struct FunctionExporter::State {
  std::string path;
  ExportCallback callback;
  ExportedFunction fun;
  std::string buf;
  std::string metadata;
  FunctionTable table;
  std::unordered_map<std::uintptr_t, array> constants;
  int count = 0;
  bool closed = false;
  bool native = false;

  void write_file() {
    std::ofstream os(path, std::ios::binary | std::ios::trunc);
    os.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (!os) {
      throw std::runtime_error("[export_function] Failed to write " + path);
    }
  }

  void export_trace(const Args& args, const Kwargs& kwargs_in) {
    if (closed) {
      throw std::runtime_error("[export_function] Attempting to write after exporting is closed.");
    }
    std::map<std::string, array> kwargs(kwargs_in.begin(), kwargs_in.end());
    if (table.find(args, kwargs)) {
      throw std::runtime_error(
          "[export_function] Attempting to export a function twice with the same signature is not allowed.");
    }
    std::vector<std::string> keys;
    auto g = [&] {
      try {
        return trace_for_export(fun, args, kwargs, table.shapeless, native, keys);
      } catch (const std::invalid_argument& e) {
        // MLX's words when a callback asks for a primitive's arguments.
        std::string msg = e.what(), from = "Unable to serialize primitive ";
        if (auto at = msg.find(from); callback && at != std::string::npos) {
          throw std::invalid_argument(msg.replace(at, from.size(), "Unable to get state for primitive "));
        }
        throw;
      }
    }();
    FunctionTable::Entry entry;
    entry.kwarg_keys = keys;
    for (auto& in : g.inputs) {
      entry.shapes.push_back(in.shape());
      entry.dtypes.push_back(in.dtype());
    }
    if (callback) {
      call_back(g, keys);
    } else {
      write(g, keys);
    }
    table.entries.push_back(std::move(entry));
  }

  void write(ExportGraph& g, const std::vector<std::string>& keys) {
    Writer w;
    w.put<uint64_t>(keys.size());
    for (auto& k : keys) {
      w.str(k);
    }
    w.ids(ids_of(g.inputs));
    w.put<uint64_t>(g.inputs.size());
    for (auto& in : g.inputs) {
      w.ints(in.shape());
      w.dtype(in.dtype());
    }
    w.ids(ids_of(g.outputs));
    w.put<uint64_t>(g.tape.size());
    for (auto& a : g.tape) {
      w.put<uint64_t>(a.id());
      if (g.is_leaf(a)) {
        w.put<uint8_t>(0);
        bool constant = !g.input_ids.count(a.id());
        w.put<uint8_t>(constant);
        if (constant && constants.emplace(a.id(), a).second) {
          auto c = contiguous_values(a);
          w.ints(c.shape());
          w.dtype(c.dtype());
          w.buf.append(c.data<char>(), c.nbytes());
        }
        continue;
      }
      w.put<uint8_t>(1);
      w.ids(ids_of(a.inputs()));
      auto& st = a.primitive().stream();
      w.put<int32_t>(st.index);
      w.put<int32_t>(static_cast<int32_t>(st.device.type));
      w.put<int32_t>(st.device.index);
      auto f = g.form(a);
      w.str(f.name);
      for (auto& item : f.state) {
        w.state(item);
      }
      auto outs = g.outs_of(a);
      if (outs.size() == 1) {
        w.put<uint64_t>(0);
        w.ints(a.shape());
        w.dtype(a.dtype());
      } else {
        w.put<uint64_t>(outs.size() - 1);
        w.ids(ids_of(outs));
        w.put<uint64_t>(outs.size());
        for (auto& o : outs) {
          w.ints(o.shape());
        }
        w.put<uint64_t>(outs.size());
        for (auto& o : outs) {
          w.dtype(o.dtype());
        }
      }
    }
    ++count;
    buf += w.buf;
    write_header(buf, count, table.shapeless, metadata);
    write_file();
  }

  void call_back(ExportGraph& g, const std::vector<std::string>& keys) {
    std::unordered_map<std::uintptr_t, std::string> names;
    auto name = [&](const array& a) {
      auto it = names.find(a.id());
      if (it == names.end()) {
        it = names.emplace(a.id(), array_name(names.size())).first;
      }
      return it->second;
    };
    auto data = [&](const std::vector<array>& arrays) {
      std::vector<std::tuple<std::string, Shape, Dtype>> d;
      for (auto& a : arrays) {
        d.emplace_back(name(a), a.shape(), a.dtype());
      }
      return d;
    };
    callback({{"type", std::string("inputs")}, {"inputs", data(g.inputs)}});
    std::vector<std::pair<std::string, std::string>> kw;
    size_t npos = g.inputs.size() - keys.size();
    for (size_t i = 0; i < keys.size(); ++i) {
      kw.emplace_back(keys[i], name(g.inputs[npos + i]));
    }
    callback({{"type", std::string("keyword_inputs")}, {"keywords", kw}});
    callback({{"type", std::string("outputs")}, {"outputs", data(g.outputs)}});
    std::vector<std::pair<std::string, array>> consts;
    for (auto& a : g.tape) {
      if (g.is_leaf(a) && !g.input_ids.count(a.id()) && constants.emplace(a.id(), a).second) {
        consts.emplace_back(name(a), a);
      }
    }
    callback({{"type", std::string("constants")}, {"constants", consts}});
    for (auto& a : g.tape) {
      if (g.is_leaf(a)) {
        continue;
      }
      auto f = g.form(a);
      callback({{"type", std::string("primitive")},
                {"inputs", data(a.inputs())},
                {"outputs", data(g.outs_of(a))},
                {"name", f.name},
                {"arguments", f.state}});
    }
    ++count;
  }
};

FunctionExporter::FunctionExporter(const std::string& file, ExportedFunction fun, bool shapeless,
                                   std::string metadata, ExportForm form)
    : state_(std::make_shared<State>()) {
  state_->native = form == ExportForm::Native;
  state_->path = file;
  state_->fun = std::move(fun);
  state_->table.shapeless = shapeless;
  state_->metadata = std::move(metadata);
  write_header(state_->buf, 0, shapeless, state_->metadata);
  std::ofstream os(file, std::ios::binary | std::ios::trunc);
  if (!os.is_open()) {
    throw std::runtime_error("[export_function] Failed to open " + file);
  }
  os.write(state_->buf.data(), static_cast<std::streamsize>(state_->buf.size()));
}

FunctionExporter::FunctionExporter(ExportCallback callback, ExportedFunction fun, bool shapeless,
                                   ExportForm form)
    : state_(std::make_shared<State>()) {
  state_->native = form == ExportForm::Native;
  state_->callback = std::move(callback);
  state_->fun = std::move(fun);
  state_->table.shapeless = shapeless;
}

void FunctionExporter::operator()(const Args& args, const Kwargs& kwargs) {
  state_->export_trace(args, kwargs);
}

void FunctionExporter::close() { state_->closed = true; }

namespace {

ExportedFunction from_args(const std::function<std::vector<array>(const Args&)>& fun) {
  return [fun](const Args& a, const Kwargs&) { return fun(a); };
}
ExportedFunction from_kwargs(const std::function<std::vector<array>(const Kwargs&)>& fun) {
  return [fun](const Args&, const Kwargs& k) { return fun(k); };
}

} // namespace

FunctionExporter exporter(const std::string& file, const std::function<std::vector<array>(const Args&)>& fun,
                          bool shapeless, const std::string& metadata, ExportForm form) {
  return FunctionExporter(file, from_args(fun), shapeless, metadata, form);
}
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Kwargs&)>& fun, bool shapeless,
                          const std::string& metadata, ExportForm form) {
  return FunctionExporter(file, from_kwargs(fun), shapeless, metadata, form);
}
FunctionExporter exporter(const std::string& file, const ExportedFunction& fun, bool shapeless,
                          const std::string& metadata, ExportForm form) {
  return FunctionExporter(file, fun, shapeless, metadata, form);
}
FunctionExporter exporter(const ExportCallback& callback,
                          const std::function<std::vector<array>(const Args&)>& fun, bool shapeless,
                          ExportForm form) {
  return FunctionExporter(callback, from_args(fun), shapeless, form);
}
FunctionExporter exporter(const ExportCallback& callback, const ExportedFunction& fun, bool shapeless,
                          ExportForm form) {
  return FunctionExporter(callback, fun, shapeless, form);
}

void export_function(const std::string& file, const std::function<std::vector<array>(const Args&)>& fun,
                     const Args& args, bool shapeless, const std::string& metadata, ExportForm form) {
  exporter(file, fun, shapeless, metadata, form)(args);
}
void export_function(const std::string& file, const std::function<std::vector<array>(const Kwargs&)>& fun,
                     const Kwargs& kwargs, bool shapeless, const std::string& metadata, ExportForm form) {
  exporter(file, fun, shapeless, metadata, form)(kwargs);
}
void export_function(const std::string& file, const ExportedFunction& fun, const Args& args,
                     const Kwargs& kwargs, bool shapeless, const std::string& metadata, ExportForm form) {
  exporter(file, fun, shapeless, metadata, form)(args, kwargs);
}
void export_function(const ExportCallback& callback,
                     const std::function<std::vector<array>(const Args&)>& fun, const Args& args,
                     bool shapeless, ExportForm form) {
  exporter(callback, fun, shapeless, form)(args);
}
void export_function(const ExportCallback& callback, const ExportedFunction& fun, const Args& args,
                     const Kwargs& kwargs, bool shapeless, ExportForm form) {
  exporter(callback, fun, shapeless, form)(args, kwargs);
}
} // namespace mlx::core
