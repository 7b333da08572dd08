// Primitives that work row by row along the last axis: softmax, logsumexp
// and the Hadamard transform. Included only by their own sources.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Softmax over the last axis of a floating input, in one pass per row: the
// row maximum, then exp and sum, then scaling. `precise` computes half types
// in float32; otherwise their intermediate steps round to the half type, as
// in MLX.
class Softmax : public Primitive {
 public:
  Softmax(Stream s, bool precise) : Primitive(s), precise_(precise) {}
  MLX_PRIMITIVE_BODY(Softmax)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Softmax*>(&other);
    return o && o->precise_ == precise_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  bool precise_;
};

// log(sum(exp(x))) over the last axis of a floating input, in one pass
// per row after its maximum (no exponentials are stored). Half types
// compute in float32 and round once. logsumexp over other axes moves them
// last first.
class LogSumExp : public Primitive {
 public:
  explicit LogSumExp(Stream s) : Primitive(s) {}
  MLX_PRIMITIVE_BODY(LogSumExp)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    return dynamic_cast<const LogSumExp*>(&other) != nullptr;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    Shape shape = inputs[0].shape();
    shape.pop_back();
    return {shape};
  }

 private:
  // The op again, on this primitive's stream (for the rules).
  array apply_last_axis(const array& x);
};

// The Sylvester-Hadamard butterfly along the last axis (a power of two),
// times `scale`. Half types round after every stage and once more after the
// scaling, as MLX's kernels do. Symmetric, so its vjp is itself.
class Hadamard : public Primitive {
 public:
  Hadamard(Stream s, float scale) : Primitive(s), scale_(scale) {}
  MLX_PRIMITIVE_BODY(Hadamard)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Hadamard*>(&other);
    return o && o->scale_ == scale_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float scale_;
};

} // namespace mlx::core
