// Fused: its steps as separate nodes, and the transformation rules, which
// differentiate or batch that expansion.
#include "mlx/primitives/fused.h"

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/transforms.h"

namespace mlx::core {

namespace {

std::vector<array> expand_steps(const std::vector<FusedStep>& steps, const std::vector<int>& output_steps,
                                const std::vector<array>& inputs) {
  std::vector<array> values;
  values.reserve(steps.size());
  for (const auto& step : steps) {
    std::vector<array> args;
    for (int a : step.args) {
      args.push_back(a >= 0 ? inputs[a] : values[-1 - a]);
    }
    // An elementwise step has its arguments' shape; a broadcast of a single
    // value (fusion.h) the one it broadcasts to.
    Shape shape =
        step.primitive->is_elementwise() ? args.front().shape() : step.primitive->output_shapes(args)[0];
    values.push_back(array(std::move(shape), step.dtype, step.primitive, std::move(args)));
  }
  std::vector<array> outs;
  for (int k : output_steps) {
    outs.push_back(values[k]);
  }
  return outs;
}

// The expansion as a function (the steps' primitives are shared).
Function expansion(const Fused& f) {
  auto steps = f.steps();
  auto outputs = f.output_steps();
  return [steps, outputs](const std::vector<array>& xs) { return expand_steps(steps, outputs, xs); };
}

} // namespace

std::vector<array> Fused::expand(const std::vector<array>& inputs) const {
  return expand_steps(steps_, output_steps_, inputs);
}

std::vector<array> Fused::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  auto tans = detail::tangents_of_all(primals, tangents, argnums, stream());
  return mlx::core::jvp(expansion(*this), primals, tans).second;
}

std::vector<array> Fused::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>& argnums, const std::vector<array>&) {
  // One cotangent per output (vjp gives zeros for outputs nobody holds).
  auto grads = mlx::core::vjp(expansion(*this), primals, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(grads[i]);
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Fused::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  std::vector<int> out_axes(output_steps_.size(), 0);
  return {mlx::core::vmap(expansion(*this), axes, out_axes)(inputs), out_axes};
}

} // namespace mlx::core
