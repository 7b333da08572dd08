// compile: record the graph a function builds, replay it on new inputs.
#include "mlx/compile.h"

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "mlx/ops.h"
#include "mlx/primitives.h"

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
  return graph;
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
  for (const auto& node : graph.tape) {
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
