// compile: record the graph a function builds, replay it on new inputs.
#include "mlx/compile.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/primitives/fused.h"

namespace mlx::core {

namespace {

std::atomic<bool> enabled{true};

} // namespace

void disable_compile() { enabled = false; }
void enable_compile() { enabled = true; }
bool compile_enabled() { return enabled; }

namespace detail {

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
  graph->tape = dependent_tape(graph->keep_alive, graph->outputs);
  fuse_elementwise(*graph);
  return graph;
}

namespace {

// Chains shorter than this many elements gain nothing from fusing.
constexpr size_t kMinFusedSize = 4096;

bool fusible(const array& node) {
  if (!node.has_primitive() || !node.primitive().is_elementwise() || node.outputs().size() != 1 ||
      node.size() < kMinFusedSize) {
    return false;
  }
  for (auto& in : node.inputs()) {
    if (in.shape() != node.shape()) {
      return false;
    }
  }
  return true;
}

} // namespace

void fuse_elementwise(CompiledGraph& graph) {
  const auto& tape = graph.tape;
  std::unordered_map<std::uintptr_t, int> position;
  for (int i = 0; i < int(tape.size()); ++i) {
    position[tape[i].id()] = i;
  }
  auto producer = [&](const array& a) {
    auto it = position.find(a.id());
    return it == position.end() ? -1 : it->second;
  };
  // A group runs where its first member was, so every value it reads from
  // outside must be made before that: merge the groups of a node's inputs
  // with it while that holds.
  std::vector<int> group(tape.size(), -1);
  std::vector<std::vector<int>> members;
  auto runnable = [&](const std::vector<int>& m) {
    int start = *std::min_element(m.begin(), m.end());
    for (int i : m) {
      for (auto& in : tape[i].inputs()) {
        int j = producer(in);
        if (j >= start && std::find(m.begin(), m.end(), j) == m.end()) {
          return false;
        }
      }
    }
    return true;
  };
  for (int i = 0; i < int(tape.size()); ++i) {
    if (!fusible(tape[i])) {
      continue;
    }
    std::vector<int> candidates;
    for (auto& in : tape[i].inputs()) {
      int j = producer(in);
      if (j >= 0 && group[j] >= 0 && tape[j].shape() == tape[i].shape() &&
          std::find(candidates.begin(), candidates.end(), group[j]) == candidates.end()) {
        candidates.push_back(group[j]);
      }
    }
    // All of them at once, else the first that can take the node alone.
    std::vector<int> merged = {i};
    for (int g : candidates) {
      merged.insert(merged.end(), members[g].begin(), members[g].end());
    }
    std::vector<int> chosen;
    if (candidates.size() > 1 && runnable(merged)) {
      chosen = candidates;
    } else {
      for (int g : candidates) {
        std::vector<int> one = members[g];
        one.push_back(i);
        if (runnable(one)) {
          chosen = {g};
          break;
        }
      }
    }
    int target = chosen.empty() ? int(members.size()) : chosen.front();
    if (chosen.empty()) {
      members.emplace_back();
    }
    for (size_t c = 1; c < chosen.size(); ++c) {
      for (int j : members[chosen[c]]) {
        group[j] = target;
        members[target].push_back(j);
      }
      members[chosen[c]].clear();
    }
    group[i] = target;
    members[target].push_back(i);
    std::sort(members[target].begin(), members[target].end());
  }
  // Values used outside their group (by other nodes or as outputs).
  std::vector<bool> used_outside(tape.size(), false);
  for (int i = 0; i < int(tape.size()); ++i) {
    for (auto& in : tape[i].inputs()) {
      int j = producer(in);
      if (j >= 0 && (group[i] < 0 || group[i] != group[j])) {
        used_outside[j] = true;
      }
    }
  }
  for (auto& o : graph.outputs) {
    int j = producer(o);
    if (j >= 0) {
      used_outside[j] = true;
    }
  }
  graph.group_of.assign(tape.size(), -1);
  for (auto& m : members) {
    if (m.size() < 2) {
      continue;
    }
    FusedGroup g;
    g.members = m;
    std::unordered_map<std::uintptr_t, int> input_index, step_index;
    std::vector<FusedStep> steps;
    std::vector<int> output_steps;
    for (int i : m) {
      FusedStep step{tape[i].primitive_ptr(), {}, tape[i].dtype()};
      for (auto& in : tape[i].inputs()) {
        auto s = step_index.find(in.id());
        if (s != step_index.end()) {
          step.args.push_back(-1 - s->second);
          continue;
        }
        auto [it, fresh] = input_index.emplace(in.id(), int(g.inputs.size()));
        if (fresh) {
          g.inputs.push_back(in);
        }
        step.args.push_back(it->second);
      }
      step_index[tape[i].id()] = int(steps.size());
      if (used_outside[i]) {
        g.outputs.push_back(i);
        output_steps.push_back(int(steps.size()));
      }
      steps.push_back(std::move(step));
    }
    g.primitive = std::make_shared<Fused>(tape[m.front()].primitive().stream(), std::move(steps),
                                          std::move(output_steps));
    for (int i : m) {
      graph.group_of[i] = int(graph.groups.size());
    }
    graph.groups.push_back(std::move(g));
  }
}

std::vector<array> compile_replay(const CompiledGraph& graph, const std::vector<array>& inputs) {
  std::unordered_map<std::uintptr_t, array> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    env.insert_or_assign(graph.input_ids[i], inputs[i]);
  }
  auto lookup = [&](const array& a) {
    auto it = env.find(a.id());
    return it != env.end() ? it->second : a;  // not found: a constant
  };
  // Traced callers (grad or vmap of a compiled function) get the nodes
  // unfused, so that their rules see the plain primitives.
  bool fuse = !in_tracing();
  for (size_t t = 0; t < graph.tape.size(); ++t) {
    const auto& node = graph.tape[t];
    int g = graph.group_of.empty() ? -1 : graph.group_of[t];
    if (fuse && g >= 0) {
      // Made where its first member was: every input of the group exists
      // by then (see fuse_elementwise), and every use comes later.
      const auto& group = graph.groups[g];
      if (int(t) != group.members.front()) {
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
      env.insert_or_assign(outs[0].id(), array(outs[0].shape(), outs[0].dtype(), node.primitive_ptr(), std::move(ins)));
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
