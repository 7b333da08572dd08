// compile: record the graph a function builds, replay it on new inputs.
#include "mlx/compile.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/fusion.h"

namespace mlx::core {

namespace {

std::atomic<bool> enabled{true};

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
    input_ids.insert(in.id());
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

} // namespace

std::shared_ptr<CompiledGraph> compile_trace(const Function& fun, const std::vector<array>& inputs) {
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
    candidate[i] = fusible_elementwise(tape[i]);
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

std::vector<array> compile_replay(const CompiledGraph& graph, const std::vector<array>& inputs) {
  std::unordered_map<std::uintptr_t, array> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env.insert_or_assign(graph.input_ids[i], inputs[i]);
  }
  auto lookup = [&](const array& a) {
    auto it = env.find(a.id());
    return it != env.end() ? it->second : a; // not found: a constant
  };
  // Traced callers (grad or vmap of a compiled function) get the nodes
  // unfused, so that their rules see the plain primitives.
  bool fuse = !in_tracing();
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
    auto outs = node.outputs();
    if (outs.size() == 1) {
      env.insert_or_assign(outs[0].id(),
                           array(outs[0].shape(), outs[0].dtype(), node.primitive_ptr(), std::move(ins)));
      continue;
    }
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : outs) {
      shapes.push_back(o.shape());
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
  (void)shapeless;
  using Key = std::vector<std::pair<Shape, int>>;
  struct Cache {
    std::mutex mutex;
    std::map<Key, std::shared_ptr<detail::CompiledGraph>> graphs;
  };
  auto cache = std::make_shared<Cache>();
  return [fun, cache](const std::vector<array>& inputs) {
    if (!compile_enabled()) {
      return fun(inputs);
    }
    Key key;
    for (auto& in : inputs) {
      key.emplace_back(in.shape(), static_cast<int>(in.dtype().val));
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
      graph = detail::compile_trace(fun, inputs);
      std::lock_guard<std::mutex> lk(cache->mutex);
      cache->graphs.emplace(key, graph);
    }
    return detail::compile_replay(*graph, inputs);
  };
}

} // namespace mlx::core
