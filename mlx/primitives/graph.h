// Primitives that shape the graph rather than compute: stop_gradient,
// depends and functions with custom transformation rules.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

// The identity whose gradient is zero.
class StopGradient : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(StopGradient)
  MLX_TRANSFORM_RULES
};

// Passes its first `n` inputs through; the others only have to be evaluated
// first. Outputs share the buffers of those inputs.
class Depends : public Primitive {
 public:
  Depends(Stream s, int n) : Primitive(s), n_(n) {}
  MLX_PRIMITIVE_BODY(Depends)
  MLX_TRANSFORM_RULES

 private:
  int n_;
};

// The outputs of a function with custom transformation rules. Its inputs
// are the function's inputs followed by its (already computed) outputs,
// which it passes through.
class CustomTransforms : public Primitive {
 public:
  using VJP = std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                               const std::vector<array>&)>;
  using JVP = std::function<std::vector<array>(const std::vector<array>&, const std::vector<array>&,
                                               const std::vector<int>&)>;
  using Vmap = std::function<std::pair<std::vector<array>, std::vector<int>>(const std::vector<array>&,
                                                                             const std::vector<int>&)>;
  CustomTransforms(Stream s, int num_outputs, VJP vjp, JVP jvp, Vmap vmap)
      : Primitive(s),
        num_outputs_(num_outputs),
        vjp_(std::move(vjp)),
        jvp_(std::move(jvp)),
        vmap_(std::move(vmap)) {}
  MLX_PRIMITIVE_BODY(CustomTransforms)
  MLX_TRANSFORM_RULES

 private:
  int num_outputs_;
  VJP vjp_;
  JVP jvp_;
  Vmap vmap_;
};

} // namespace mlx::core
