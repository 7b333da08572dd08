// Ops that shape the graph: depends, custom_function and checkpoint
// (functions whose transformation rules are given rather than derived from
// their graph).
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
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

Function custom_function(
    Function fun,
    std::optional<CustomVJP> fun_vjp,
    std::optional<CustomJVP> fun_jvp,
    std::optional<CustomVmap> fun_vmap) {
  // Rules not given transform `fun` itself.
  CustomVJP vjp_rule = fun_vjp ? *fun_vjp
                               : CustomVJP([fun](const std::vector<array>& primals,
                                                 const std::vector<array>& cots,
                                                 const std::vector<array>&) {
                                   return vjp(fun, primals, cots).second;
                                 });
  CustomJVP jvp_rule = fun_jvp ? *fun_jvp
                               : CustomJVP([fun](const std::vector<array>& primals,
                                                 const std::vector<array>& tans,
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
  CustomVmap vmap_rule = fun_vmap ? *fun_vmap
                                  : CustomVmap([fun](const std::vector<array>& inputs,
                                                     const std::vector<int>& axes) {
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
        std::make_shared<CustomTransforms>(s, int(outs.size()), vjp_rule, jvp_rule, vmap_rule),
        node_inputs);
  };
}

Function checkpoint(Function fun) {
  return custom_function(fun);
}

} // namespace mlx::core
