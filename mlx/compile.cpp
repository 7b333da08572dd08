// compile: record the graph a function builds, replay it on new inputs.
#include "mlx/compile.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/fusion.h"

namespace mlx::core {

namespace {

std::atomic<bool> enabled{true};
thread_local bool shapeless_trace = false;

} // namespace

void disable_compile() { enabled = false; }
void enable_compile() { enabled = true; }
bool compile_enabled() { return enabled; }

namespace detail {

namespace {

// A traced function must reach its inputs only through their stand-ins.
// Reaching an input itself (captured from outside, or through a value
// computed from it before the call) would bake that call's input into the
// graph: refuse, as MLX does.
void check_no_uncaptured_inputs(const std::vector<array>& inputs, const std::vector<array>& stand_ins,
                                const std::vector<array>& outputs) {
  std::unordered_set<std::uintptr_t> input_ids, seen;
  for (auto& in : inputs) {
    // An outer transform's tracer may be both passed and captured (a
    // compiled function defined inside a vmapped one): its graph is
    // rebuilt by that transform anyway.
    if (!in.is_tracer()) {
      input_ids.insert(in.id());
    }
  }
  for (auto& c : stand_ins) {
    seen.insert(c.id());
  }
  std::vector<array> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    array a = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(a.id()).second) {
      continue;
    }
    if (input_ids.count(a.id())) {
      throw std::invalid_argument(
          "[compile] Attempting to compile a function with uncaptured inputs is not allowed.");
    }
    if (a.is_available()) {
      continue; // a value: what made it no longer matters
    }
    for (auto& in : a.inputs()) {
      stack.push_back(in);
    }
  }
}

// A scalar constant's identity for merging: equal values are one input.
std::string constant_key(const array& a) {
  std::string key = "c" + std::to_string(static_cast<int>(a.dtype().val)) + ":";
  key.append(a.data<char>(), a.itemsize());
  return key;
}

// Merges nodes of the tape that compute the same thing: the same primitive
// (is_equivalent both ways) on the same inputs, with the same output shape
// and dtype; equal scalar constants count as the same input. Later nodes
// and the outputs then read the first of them (x + 1 written twice runs
// once).
void eliminate_common_subexpressions(CompiledGraph& graph) {
  std::unordered_map<std::uintptr_t, array> replaced;
  std::unordered_map<std::string, array> constants;
  std::unordered_map<std::string, std::vector<array>> seen;
  std::vector<array> kept;
  auto canonical = [&](const array& in, std::string& key) -> array {
    auto it = replaced.find(in.id());
    if (it != replaced.end()) {
      key += "n" + std::to_string(it->second.id()) + ",";
      return it->second;
    }
    if (!in.has_primitive() && in.is_available() && in.size() == 1 && in.ndim() == 0) {
      auto ck = constant_key(in);
      key += ck + ",";
      return constants.emplace(ck, in).first->second;
    }
    key += "n" + std::to_string(in.id()) + ",";
    return in;
  };
  for (auto& node : graph.tape) {
    std::string key = std::string(node.primitive().name()) + "|";
    for (auto& in : node.inputs()) {
      in = canonical(in, key);
    }
    if (node.siblings().empty()) {
      key += std::to_string(static_cast<int>(node.dtype().val)) + "|";
      for (auto d : node.shape()) {
        key += std::to_string(d) + ",";
      }
      auto& same = seen[key];
      bool merged = false;
      for (auto& other : same) {
        if (other.primitive().is_equivalent(node.primitive()) &&
            node.primitive().is_equivalent(other.primitive())) {
          replaced.emplace(node.id(), other);
          merged = true;
          break;
        }
      }
      if (merged) {
        continue;
      }
      same.push_back(node);
    }
    kept.push_back(node);
  }
  graph.tape = std::move(kept);
  for (auto& out : graph.outputs) {
    auto it = replaced.find(out.id());
    if (it != replaced.end()) {
      out = it->second;
    }
  }
}

} // namespace

bool in_shapeless_trace() { return shapeless_trace; }

std::shared_ptr<CompiledGraph> compile_trace(const Function& fun, const std::vector<array>& inputs,
                                             bool shapeless) {
  struct ShapelessScope {
    bool saved = shapeless_trace;
    explicit ShapelessScope(bool on) { shapeless_trace = on; }
    ~ShapelessScope() { shapeless_trace = saved; }
  } shapeless_scope(shapeless);
  TracingScope tracing;
  // Values inside a compiled function are not known at later calls: ops
  // that need them (data-dependent shapes) refuse, as under vmap.
  PlaceholderTracingScope placeholders;
  auto graph = std::make_shared<CompiledGraph>();
  for (auto& in : inputs) {
    auto c = copy(in);
    c.set_tracer(true);
    graph->keep_alive.push_back(c);
    graph->input_ids.push_back(c.id());
  }
  graph->outputs = fun(graph->keep_alive);
  check_no_uncaptured_inputs(inputs, graph->keep_alive, graph->outputs);
  graph->tape = dependent_tape(graph->keep_alive, graph->outputs);
  eliminate_common_subexpressions(*graph);
  // The stand-ins were made by copying the inputs: cut that link, so that
  // the cached graph does not keep the first call's inputs alive (they
  // could not be donated, and their memory would stay held).
  for (auto& c : graph->keep_alive) {
    c.detach();
  }
  fuse_elementwise(*graph);
  return graph;
}

void fuse_elementwise(CompiledGraph& graph) {
  const auto& tape = graph.tape;
  std::vector<bool> candidate(tape.size());
  for (size_t i = 0; i < tape.size(); ++i) {
    candidate[i] = fusible_elementwise(tape[i], /* small_too */ true);
  }
  auto groups = elementwise_groups(tape, candidate);
  // Values used outside their group: by other nodes or as outputs.
  std::unordered_map<std::uintptr_t, int> position, group_of;
  for (int i = 0; i < int(tape.size()); ++i) {
    position[tape[i].id()] = i;
  }
  for (int g = 0; g < int(groups.size()); ++g) {
    for (int i : groups[g]) {
      group_of[tape[i].id()] = g;
    }
  }
  auto group_at = [&](const array& a) {
    auto it = group_of.find(a.id());
    return it == group_of.end() ? -1 : it->second;
  };
  std::vector<bool> used_outside(tape.size(), false);
  for (int i = 0; i < int(tape.size()); ++i) {
    for (auto& in : tape[i].inputs()) {
      auto it = position.find(in.id());
      if (it != position.end() && (group_at(tape[i]) < 0 || group_at(tape[i]) != group_at(in))) {
        used_outside[it->second] = true;
      }
    }
  }
  for (auto& o : graph.outputs) {
    auto it = position.find(o.id());
    if (it != position.end()) {
      used_outside[it->second] = true;
    }
  }
  graph.group_of.assign(tape.size(), -1);
  for (auto& m : groups) {
    for (int i : m) {
      graph.group_of[i] = int(graph.groups.size());
    }
    graph.groups.push_back(make_fused_group(tape, m, [&](int i) { return bool(used_outside[i]); }));
  }
}

namespace {

// A gather replayed on a source of another shape. Its slice sizes were
// fixed at the trace: a slice that spanned a whole axis of the traced
// source (take along another axis) spans the new source's axis; other
// slices keep their sizes. A traced axis of size 1 is ambiguous (indexed,
// or spanned): refused when it changes.
std::vector<Shape> gather_shapes(const array& node, const std::vector<array>& ins) {
  auto out = node.primitive().output_shapes(ins)[0];
  const auto& traced_src = node.inputs()[0].shape();
  const auto& src = ins[0].shape();
  if (src == traced_src) {
    return {out};
  }
  if (src.size() != traced_src.size() || out.size() < src.size()) {
    throw std::invalid_argument("[Primitive::output_shapes] Gather cannot infer output shapes.");
  }
  size_t first = out.size() - src.size();
  for (size_t d = 0; d < src.size(); ++d) {
    if (src[d] == traced_src[d]) {
      continue;
    }
    if (traced_src[d] == 1 || out[first + d] != traced_src[d]) {
      throw std::invalid_argument("[Primitive::output_shapes] Gather cannot infer output shapes.");
    }
    out[first + d] = src[d];
  }
  return {out};
}

} // namespace

std::vector<array> compile_replay(const CompiledGraph& graph, const std::vector<array>& inputs) {
  std::unordered_map<std::uintptr_t, array> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env.insert_or_assign(graph.input_ids[i], inputs[i]);
  }
  auto lookup = [&](const array& a) {
    auto it = env.find(a.id());
    return it != env.end() ? it->second : a; // not found: a constant
  };
  // Inputs of other shapes than traced (shapeless compile): every node's
  // shape is inferred again.
  bool same_shapes = true;
  for (size_t i = 0; i < inputs.size(); ++i) {
    same_shapes &= inputs[i].shape() == graph.keep_alive[i].shape();
  }
  auto shapes_of = [&](const array& node, const std::vector<array>& ins) {
    if (same_shapes) {
      std::vector<Shape> shapes;
      for (auto& o : node.outputs_for_eval()) {
        shapes.push_back(o.shape());
      }
      return shapes;
    }
    if (std::string(node.primitive().name()) == "Gather") {
      return gather_shapes(node, ins);
    }
    return node.primitive().output_shapes(ins);
  };
  // Traced callers (grad or vmap of a compiled function) get the nodes
  // unfused, so that their rules see the plain primitives; so do replays on
  // new shapes (the groups were sized for the traced ones).
  bool fuse = !in_tracing() && same_shapes;
  for (size_t t = 0; t < graph.tape.size(); ++t) {
    const auto& node = graph.tape[t];
    int g = graph.group_of.empty() ? -1 : graph.group_of[t];
    if (fuse && g >= 0) {
      // Made where its last member was: every input of the group exists
      // by then, and no earlier node reads a member (see fusion.h).
      const auto& group = graph.groups[g];
      if (int(t) != group.members.back()) {
        continue;
      }
      std::vector<array> ins;
      for (const auto& in : group.inputs) {
        ins.push_back(lookup(in));
      }
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      for (int i : group.outputs) {
        shapes.push_back(graph.tape[i].shape());
        dtypes.push_back(graph.tape[i].dtype());
      }
      auto made = array::make_arrays(std::move(shapes), dtypes, group.primitive, ins);
      for (size_t k = 0; k < group.outputs.size(); ++k) {
        env.insert_or_assign(graph.tape[group.outputs[k]].id(), made[k]);
      }
      continue;
    }
    std::vector<array> ins;
    ins.reserve(node.inputs().size());
    for (const auto& in : node.inputs()) {
      ins.push_back(lookup(in));
    }
    auto outs = node.outputs_for_eval();
    auto shapes = shapes_of(node, ins);
    if (outs.size() == 1) {
      env.insert_or_assign(
          outs[0].id(), array(std::move(shapes[0]), outs[0].dtype(), node.primitive_ptr(), std::move(ins)));
      continue;
    }
    std::vector<Dtype> dtypes;
    for (auto& o : outs) {
      dtypes.push_back(o.dtype());
    }
    auto made = array::make_arrays(std::move(shapes), dtypes, node.primitive_ptr(), ins);
    for (size_t k = 0; k < outs.size(); ++k) {
      env.insert_or_assign(outs[k].id(), made[k]);
    }
  }
  std::vector<array> out;
  for (const auto& o : graph.outputs) {
    out.push_back(lookup(o));
  }
  return out;
}

} // namespace detail

Function compile(Function fun, bool shapeless) {
  // Keyed by each input's shape and dtype; shapeless: by its number of
  // dimensions and dtype.
  using Key = std::vector<std::pair<Shape, int>>;
  struct Cache {
    std::mutex mutex;
    std::map<Key, std::shared_ptr<detail::CompiledGraph>> graphs;
  };
  auto cache = std::make_shared<Cache>();
  return [fun, cache, shapeless](const std::vector<array>& inputs) {
    if (!compile_enabled()) {
      return fun(inputs);
    }
    Key key;
    for (auto& in : inputs) {
      key.emplace_back(shapeless ? Shape{ShapeElem(in.ndim())} : in.shape(),
                       static_cast<int>(in.dtype().val));
    }
    std::shared_ptr<detail::CompiledGraph> graph;
    {
      std::lock_guard<std::mutex> lk(cache->mutex);
      auto it = cache->graphs.find(key);
      if (it != cache->graphs.end()) {
        graph = it->second;
      }
    }
    if (!graph) {
      graph = detail::compile_trace(fun, inputs, shapeless);
      std::lock_guard<std::mutex> lk(cache->mutex);
      cache->graphs.emplace(key, graph);
    }
    return detail::compile_replay(*graph, inputs);
  };
}

} // namespace mlx::core
