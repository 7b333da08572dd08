// Import of .mlxfn files (layout in export.cpp): a reader that checks every
// size against what is left of the file, the parse of each traced function
// and its replay with this project's ops, compiled.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "mlx/allocator.h"
#include "mlx/compile.h"
#include "mlx/export.h"
#include "mlx/export_state.h"
#include "mlx/ops.h"

namespace mlx::core {

using detail::shape_dtype_str;

namespace {

// ---- reading: every size is checked against what is left of the file

struct Reader {
  const std::string& buf;
  size_t pos = 0;
  [[noreturn]] static void bad(const std::string& what) {
    throw std::runtime_error("[import_function] Invalid or truncated file: " + what + ".");
  }
  size_t left() const { return buf.size() - pos; }
  template <typename T>
  T get() {
    if (left() < sizeof(T)) {
      bad("unexpected end of file");
    }
    T v;
    std::memcpy(&v, buf.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  bool flag() {
    auto b = get<uint8_t>();
    if (b > 1) {
      bad("a boolean is neither 0 nor 1");
    }
    return b;
  }
  // A count of elements of at least `elem` bytes each.
  size_t count(size_t elem) {
    auto n = get<uint64_t>();
    if (elem > 0 && n > left() / elem) {
      bad("a size field is larger than the file");
    }
    return n;
  }
  std::string str() {
    auto n = count(1);
    std::string s = buf.substr(pos, n);
    pos += n;
    return s;
  }
  Shape shape() {
    auto n = count(4);
    Shape s;
    s.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      s.push_back(get<int32_t>());
    }
    return s;
  }
  std::vector<uint64_t> ids() {
    auto n = count(8);
    std::vector<uint64_t> v(n);
    for (auto& x : v) {
      x = get<uint64_t>();
    }
    return v;
  }
  Dtype dtype() {
    auto v = get<int32_t>();
    auto size = get<uint8_t>();
    if (v < 0 || v > static_cast<int>(Dtype::Val::complex64)) {
      bad("unknown dtype");
    }
    Dtype t = dtype_from_val(static_cast<Dtype::Val>(v));
    if (t.size != size) {
      bad("a dtype's size does not match its kind");
    }
    return t;
  }
  static Dtype dtype_from_val(Dtype::Val v) {
    for (Dtype t : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64, float16, float32,
                    float64, bfloat16, complex64}) {
      if (t.val == v) {
        return t;
      }
    }
    bad("unknown dtype");
  }
  StateT state(detail::StateKind k) {
    using K = detail::StateKind;
    switch (k) {
      case K::Bool:
        return flag();
      case K::Int:
        return get<int32_t>();
      case K::SizeT:
        return static_cast<size_t>(get<uint64_t>());
      case K::Float:
        return get<float>();
      case K::Double:
        return get<double>();
      case K::Dtype:
        return dtype();
      case K::Shape:
        return shape();
      case K::VecInt: {
        auto s = shape();
        return std::vector<int>(s.begin(), s.end());
      }
      case K::Strides: {
        auto n = count(8);
        Strides s;
        for (size_t i = 0; i < n; ++i) {
          s.push_back(get<int64_t>());
        }
        return s;
      }
      case K::VecSizeT: {
        auto n = count(8);
        std::vector<size_t> v;
        for (size_t i = 0; i < n; ++i) {
          v.push_back(get<uint64_t>());
        }
        return v;
      }
      case K::String:
        return str();
    }
    bad("unknown state type");
  }
};

} // namespace

// ---- import

namespace {

struct TapeNode {
  uint64_t id;
  std::vector<uint64_t> input_ids;
  std::vector<uint64_t> output_ids; // this node's outputs (one, or all siblings)
  detail::ImportedNode node;
};

struct ParsedFunction {
  std::vector<std::string> kwarg_keys;
  std::vector<uint64_t> input_ids;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  std::vector<uint64_t> output_ids;
  std::vector<TapeNode> nodes;
  std::unordered_map<uint64_t, array> constants;
};

// The steps of a native Fused node, after its fixed state (the last item
// is their count): name, dtype, arguments, then that name's state.
void read_fused_steps(Reader& r, std::vector<StateT>& state) {
  int n = std::get<int>(state.back());
  if (n < 0 || static_cast<size_t>(n) > r.left() / 21) {
    Reader::bad("a size field is larger than the file");
  }
  for (int k = 0; k < n; ++k) {
    auto name = r.str();
    auto layout = detail::state_layout(name);
    if (!layout || name == std::string(detail::kNativePrefix) + "Fused") {
      throw std::invalid_argument("[import_function] Unable to deserialize primitive " + name);
    }
    state.push_back(name);
    state.push_back(r.dtype());
    state.push_back(r.state(detail::StateKind::VecInt));
    for (auto kind : *layout) {
      state.push_back(r.state(kind));
    }
  }
}

void check_shape(const Shape& s) {
  for (auto d : s) {
    if (d < 0) {
      Reader::bad("a negative dimension");
    }
  }
}

ParsedFunction parse_function(Reader& r, std::unordered_map<uint64_t, array>& file_constants) {
  ParsedFunction f;
  auto nkeys = r.count(8);
  for (size_t i = 0; i < nkeys; ++i) {
    f.kwarg_keys.push_back(r.str());
  }
  f.input_ids = r.ids();
  auto n_in = r.count(13);
  if (n_in != f.input_ids.size() || nkeys > n_in) {
    Reader::bad("the inputs do not match their ids");
  }
  for (size_t i = 0; i < n_in; ++i) {
    f.shapes.push_back(r.shape());
    check_shape(f.shapes.back());
    f.dtypes.push_back(r.dtype());
  }
  f.output_ids = r.ids();
  std::unordered_set<uint64_t> known(f.input_ids.begin(), f.input_ids.end());
  if (known.size() != f.input_ids.size()) {
    Reader::bad("two inputs share an id");
  }
  auto tape_size = r.count(9);
  for (size_t t = 0; t < tape_size; ++t) {
    auto id = r.get<uint64_t>();
    if (!r.flag()) {
      if (!r.flag()) {
        if (!known.count(id) || std::find(f.input_ids.begin(), f.input_ids.end(), id) == f.input_ids.end()) {
          Reader::bad("an input that is not among the function's inputs");
        }
        continue;
      }
      if (auto it = file_constants.find(id); it != file_constants.end()) {
        f.constants.insert_or_assign(id, it->second);
        known.insert(id);
        continue;
      }
      auto shape = r.shape();
      check_shape(shape);
      auto t_ = r.dtype();
      size_t n = 1;
      for (auto d : shape) {
        if (d != 0 && n > r.left() / static_cast<size_t>(d)) {
          Reader::bad("a constant is larger than the file");
        }
        n *= d;
      }
      if (n > r.left() / t_.size) {
        Reader::bad("a constant is larger than the file");
      }
      auto buffer = allocator::malloc(std::max<size_t>(n * t_.size, 1));
      std::memcpy(buffer.raw_ptr(), r.buf.data() + r.pos, n * t_.size);
      array c(buffer, shape, t_);
      r.pos += n * t_.size;
      file_constants.insert_or_assign(id, c);
      f.constants.insert_or_assign(id, c);
      known.insert(id);
      continue;
    }
    TapeNode node;
    node.id = id;
    node.input_ids = r.ids();
    for (auto in : node.input_ids) {
      if (!known.count(in)) {
        Reader::bad("a node reads an array defined nowhere before it");
      }
    }
    r.get<int32_t>();
    auto dev = r.get<int32_t>();
    r.get<int32_t>();
    if (dev != 0 && dev != 1) {
      Reader::bad("unknown device type");
    }
    node.node.name = r.str();
    auto layout = detail::state_layout(node.node.name);
    if (!layout) {
      throw std::invalid_argument("[import_function] Unable to deserialize primitive " + node.node.name);
    }
    for (auto k : *layout) {
      node.node.state.push_back(r.state(k));
    }
    if (node.node.name == std::string(detail::kNativePrefix) + "Fused") {
      read_fused_steps(r, node.node.state);
    }
    auto siblings = r.count(8);
    if (siblings == 0) {
      node.output_ids = {id};
      node.node.shapes.push_back(r.shape());
      check_shape(node.node.shapes.back());
      node.node.dtypes.push_back(r.dtype());
    } else {
      node.output_ids = r.ids();
      auto n_shapes = r.count(8);
      for (size_t i = 0; i < n_shapes; ++i) {
        node.node.shapes.push_back(r.shape());
        check_shape(node.node.shapes.back());
      }
      auto n_types = r.count(5);
      for (size_t i = 0; i < n_types; ++i) {
        node.node.dtypes.push_back(r.dtype());
      }
      if (node.output_ids.size() != n_shapes || n_shapes != n_types ||
          std::find(node.output_ids.begin(), node.output_ids.end(), id) == node.output_ids.end()) {
        Reader::bad("a node's outputs do not match");
      }
    }
    for (auto o : node.output_ids) {
      if (!known.insert(o).second) {
        Reader::bad("an array id is defined twice");
      }
    }
    f.nodes.push_back(std::move(node));
  }
  for (auto o : f.output_ids) {
    if (!known.count(o)) {
      Reader::bad("an output is defined nowhere");
    }
  }
  return f;
}

// Rebuilds the function's graph on `inputs` with this project's ops.
std::vector<array> replay(const ParsedFunction& f, const std::vector<array>& inputs) {
  std::unordered_map<uint64_t, array> env(f.constants.begin(), f.constants.end());
  bool traced_shapes = true;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env.insert_or_assign(f.input_ids[i], inputs[i]);
    traced_shapes &= inputs[i].shape() == f.shapes[i];
  }
  for (auto& n : f.nodes) {
    std::vector<array> ins;
    ins.reserve(n.input_ids.size());
    for (auto id : n.input_ids) {
      ins.push_back(env.at(id));
    }
    auto outs = detail::build_node(n.node, ins);
    if (outs.size() != n.output_ids.size()) {
      throw std::invalid_argument("[import_function] Primitive " + n.node.name +
                                  " has a different number of outputs than the file says.");
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      if (outs[k].dtype() != n.node.dtypes[k] || (traced_shapes && outs[k].shape() != n.node.shapes[k])) {
        throw std::invalid_argument("[import_function] Primitive " + n.node.name + " gives " +
                                    shape_dtype_str(outs[k].shape(), outs[k].dtype()) +
                                    " where the file says " +
                                    shape_dtype_str(n.node.shapes[k], n.node.dtypes[k]) + ".");
      }
      env.insert_or_assign(n.output_ids[k], outs[k]);
    }
  }
  std::vector<array> outs;
  for (auto id : f.output_ids) {
    outs.push_back(env.at(id));
  }
  return outs;
}

} // namespace

ImportedFunction import_function_from_bytes(std::string bytes) {
  ImportedFunction result;
  result.table_ = std::make_shared<FunctionTable>();
  auto data = std::make_shared<const std::string>(std::move(bytes));
  Reader r{*data};
  r.str(); // the version: read, not checked (as MLX)
  auto count = r.get<int32_t>();
  result.table_->shapeless = r.flag();
  result.metadata_ = r.str();
  if (count < 0) {
    Reader::bad("a negative function count");
  }
  std::unordered_map<uint64_t, array> constants;
  for (int i = 0; i < count; ++i) {
    auto parsed = std::make_shared<ParsedFunction>(parse_function(r, constants));
    FunctionTable::Entry e;
    e.kwarg_keys = parsed->kwarg_keys;
    e.shapes = parsed->shapes;
    e.dtypes = parsed->dtypes;
    e.fun = compile([parsed](const std::vector<array>& ins) { return replay(*parsed, ins); },
                    result.table_->shapeless);
    // Build the graph once now, on stand-ins of the traced inputs: a file
    // whose primitives do not fit their inputs fails here.
    std::vector<array> stand_ins;
    for (size_t k = 0; k < e.shapes.size(); ++k) {
      stand_ins.push_back(zeros(e.shapes[k], e.dtypes[k]));
    }
    e.fun(stand_ins);
    result.table_->entries.push_back(std::move(e));
  }
  return result;
}

ImportedFunction import_function(const std::string& file) {
  std::ifstream is(file, std::ios::binary);
  if (!is.is_open()) {
    throw std::runtime_error("[import_function] Failed to open " + file);
  }
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  return import_function_from_bytes(std::move(bytes));
}

std::vector<array> ImportedFunction::operator()(const Args& args, const Kwargs& kwargs_in) const {
  std::map<std::string, array> kwargs(kwargs_in.begin(), kwargs_in.end());
  auto* e = table_->find(args, kwargs);
  if (!e) {
    std::ostringstream msg;
    msg << "[import_function::call] No imported function found which matches the given positional and "
           "keyword arguments. Possible functions include:\n";
    table_->describe(msg);
    msg << "\nCalled with " << args.size() << " positional inputs and " << kwargs.size()
        << " keyword inputs:\n";
    for (size_t i = 0; i < args.size(); ++i) {
      msg << "  " << i + 1 << ": " << shape_dtype_str(args[i].shape(), args[i].dtype()) << "\n";
    }
    for (auto& [k, a] : kwargs) {
      msg << "  \"" << k << "\": " << shape_dtype_str(a.shape(), a.dtype()) << "\n";
    }
    throw std::invalid_argument(msg.str());
  }
  std::vector<array> inputs = args;
  for (auto& [_, a] : kwargs) {
    inputs.push_back(a);
  }
  return e->fun(inputs);
}
} // namespace mlx::core
