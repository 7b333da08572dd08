// A chain of elementwise primitives that compile evaluates as one node.
#pragma once

#include <memory>

#include "mlx/primitives.h"

namespace mlx::core {

// One step of a fused chain: an elementwise primitive applied to earlier
// values. An argument k >= 0 names the node's input k, -1 - j the value of
// step j.
struct FusedStep {
  std::shared_ptr<Primitive> primitive;
  std::vector<int> args;
  Dtype dtype;
};

// Elementwise steps over inputs of one shape (that of every step), run
// block by block: each block of elements passes through every step while
// it sits in cache, instead of each step streaming whole arrays through
// memory. outputs[k] is the value of step output_steps[k].
class Fused : public Primitive {
 public:
  Fused(Stream s, std::vector<FusedStep> steps, std::vector<int> output_steps)
      : Primitive(s), steps_(std::move(steps)), output_steps_(std::move(output_steps)) {}
  MLX_PRIMITIVE_BODY(Fused)
  MLX_TRANSFORM_RULES

  // The same computation as separate nodes (for the transformation rules).
  std::vector<array> expand(const std::vector<array>& inputs) const;

  const std::vector<FusedStep>& steps() const { return steps_; }
  const std::vector<int>& output_steps() const { return output_steps_; }

 private:
  std::vector<FusedStep> steps_;
  std::vector<int> output_steps_;
};

} // namespace mlx::core
