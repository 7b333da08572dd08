// Ops that shape the graph: depends, custom_function and checkpoint
// (functions whose transformation rules are given rather than derived from
// their graph).
#include <ostream>
#include <unordered_map>
#include <unordered_set>

#include "mlx/graph_utils.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/fused.h"
#include "mlx/transforms.h"

namespace mlx::core {

std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies) {
  if (inputs.empty() || dependencies.empty()) {
    return inputs;
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  auto p = std::make_shared<Depends>(to_stream({}), static_cast<int>(inputs.size()));
  return array::make_arrays(std::move(shapes), dtypes, p, all);
}

Function custom_function(Function fun, std::optional<CustomVJP> fun_vjp, std::optional<CustomJVP> fun_jvp,
                         std::optional<CustomVmap> fun_vmap) {
  // With no rule, `fun` itself (as MLX: no node, so that export writes its
  // graph).
  if (!fun_vjp && !fun_jvp && !fun_vmap) {
    return fun;
  }
  // Rules not given transform `fun` itself.
  CustomVJP vjp_rule =
      fun_vjp ? *fun_vjp
              : CustomVJP([fun](const std::vector<array>& primals, const std::vector<array>& cots,
                                const std::vector<array>&) { return vjp(fun, primals, cots).second; });
  CustomJVP jvp_rule =
      fun_jvp ? *fun_jvp
              : CustomJVP([fun](const std::vector<array>& primals, const std::vector<array>& tans,
                                const std::vector<int>& argnums) {
                  std::vector<array> all_tans;
                  for (auto& p : primals) {
                    all_tans.push_back(zeros_like(p));
                  }
                  for (size_t k = 0; k < argnums.size(); ++k) {
                    all_tans[argnums[k]] = tans[k];
                  }
                  return jvp(fun, primals, all_tans).second;
                });
  CustomVmap vmap_rule =
      fun_vmap ? *fun_vmap
               : CustomVmap([fun](const std::vector<array>& inputs, const std::vector<int>& axes) {
                   auto outs = vmap(fun, axes, {})(inputs);
                   return std::make_pair(outs, std::vector<int>(outs.size(), 0));
                 });
  return [=](const std::vector<array>& inputs) {
    // The forward pass runs on untracked copies of the inputs, so that its
    // intermediates are freed after evaluation even inside a transform.
    std::vector<array> untracked;
    for (auto& in : inputs) {
      auto u = stop_gradient(in);
      u.set_tracer(false);
      untracked.push_back(u);
    }
    auto outs = fun(untracked);
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    std::vector<array> node_inputs = inputs;
    for (auto& o : outs) {
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
      node_inputs.push_back(o);
    }
    Stream s = default_stream(default_device());
    return array::make_arrays(
        std::move(shapes), dtypes,
        std::make_shared<CustomTransforms>(s, int(outs.size()), vjp_rule, jvp_rule, vmap_rule), node_inputs);
  };
}

Function checkpoint(Function fun) {
  // One node whose vjp runs fun again once its outputs exist (as MLX's: a
  // gradient graph that holds the node, which MLX's export refuses too).
  return custom_function(fun,
                         CustomVJP([fun](const std::vector<array>& primals, const std::vector<array>& cots,
                                         const std::vector<array>& outputs) {
                           return vjp(fun, depends(primals, outputs), cots).second;
                         }));
}

namespace {

// A node's name in a drawing: a compiled chain is "Compiled" and its steps'
// names, as MLX names its compiled nodes.
std::string label(const Primitive& p) {
  auto* fused = dynamic_cast<const Fused*>(&p);
  if (!fused) {
    return p.name();
  }
  std::string out = "Compiled";
  for (auto& step : fused->steps()) {
    out += step.primitive->name();
  }
  return out;
}

} // namespace

void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::unordered_map<std::uintptr_t, std::string>& names) {
  // The nodes in topological order (iterative, like eval).
  std::vector<array> tape;
  std::unordered_set<std::uintptr_t> seen;
  std::vector<std::pair<array, size_t>> stack;
  auto visit = [&](const array& a) {
    if (!a.has_primitive() || !seen.insert(a.id()).second) {
      return;
    }
    for (auto& s : a.siblings()) {
      seen.insert(s.id());
    }
    stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    visit(out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        array in = node.inputs()[next++];
        visit(in);
      } else {
        tape.push_back(std::move(stack.back().first));
        stack.pop_back();
      }
    }
  }
  std::unordered_map<std::uintptr_t, std::string> labels;
  size_t counter = 0;
  auto name = [&](const array& a) -> const std::string& {
    auto it = labels.find(a.id());
    if (it != labels.end()) {
      return it->second;
    }
    std::string label;
    if (auto given = names.find(a.id()); given != names.end()) {
      label = given->second;
    } else {
      for (size_t v = counter++;; v = v / 26 - 1) {
        label.insert(label.begin(), char('A' + v % 26));
        if (v < 26) {
          break;
        }
      }
    }
    return labels.emplace(a.id(), label).first->second;
  };
  std::unordered_set<std::uintptr_t> is_output;
  for (auto& o : outputs) {
    is_output.insert(o.id());
  }
  os << "digraph {\n";
  std::unordered_set<std::uintptr_t> sources;
  auto source = [&](const array& a) {
    if (!a.has_primitive() && sources.insert(a.id()).second) {
      os << "{ rank=source; \"" << name(a) << "\"; }\n";
    }
  };
  for (auto& o : outputs) {
    source(o);
  }
  for (auto& node : tape) {
    for (auto& in : node.inputs()) {
      source(in);
    }
  }
  for (auto& node : tape) {
    auto pid = reinterpret_cast<std::uintptr_t>(node.primitive_ptr().get());
    os << "{ " << pid << " [label =\"" << label(node.primitive()) << "\", shape=rectangle]; }\n";
    for (auto& in : node.inputs()) {
      os << "\"" << name(in) << "\" -> " << pid << "\n";
    }
    for (auto& o : node.outputs()) {
      os << "{ " << (is_output.count(o.id()) ? "rank=sink; " : "") << "\"" << name(o) << "\"; }\n";
      os << pid << " -> \"" << name(o) << "\"\n";
    }
  }
  os << "}\n";
}

} // namespace mlx::core
