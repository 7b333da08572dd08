// custom_function and checkpoint: functions whose transformation rules are
// given rather than derived from their graph.
#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/transforms.h"

namespace mlx::core {

void CustomTransforms::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  size_t first = in.size() - out.size();
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].copy_shared_buffer(in[first + i]);
  }
}

std::vector<array> CustomTransforms::vjp(
    const std::vector<array>& p,
    const std::vector<array>& cots,
    const std::vector<int>& argnums,
    const std::vector<array>& outputs) {
  size_t n_in = p.size() - num_outputs_;
  std::vector<array> primals(p.begin(), p.begin() + n_in);
  // The rule sees every output and a cotangent for each: outputs nobody
  // holds any more get zeros (cotangents come for the held ones, each
  // knowing its place). The forward values are this node's last inputs.
  std::vector<array> values(p.begin() + n_in, p.end());
  std::vector<array> all_cots;
  for (auto& v : values) {
    all_cots.push_back(zeros_like(v, stream()));
  }
  for (size_t k = 0; k < cots.size(); ++k) {
    all_cots[cots.size() == values.size() ? k : size_t(outputs[k].sibling_position())] = cots[k];
  }
  auto grads = vjp_(primals, all_cots, values);
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(size_t(i) < n_in ? grads.at(i) : zeros_like(p[i], stream()));
  }
  return out;
}

std::vector<array> CustomTransforms::jvp(
    const std::vector<array>& p,
    const std::vector<array>& tangents,
    const std::vector<int>& argnums) {
  size_t n_in = p.size() - num_outputs_;
  std::vector<array> primals(p.begin(), p.begin() + n_in);
  std::vector<array> tans;
  std::vector<int> nums;
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (size_t(argnums[k]) < n_in) {
      tans.push_back(tangents[k]);
      nums.push_back(argnums[k]);
    }
  }
  return jvp_(primals, tans, nums);
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs,
    const std::vector<int>& axes) {
  size_t n_in = inputs.size() - num_outputs_;
  return vmap_(std::vector<array>(inputs.begin(), inputs.begin() + n_in),
               std::vector<int>(axes.begin(), axes.begin() + n_in));
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
