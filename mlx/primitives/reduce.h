// Reduction primitives: sum, prod, min, max, all, any over axes, and the
// index of the min or max along one axis.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

class Reduce : public Primitive {
 public:
  enum ReduceType { And, Or, Sum, Prod, Min, Max };
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : Primitive(s), type_(type), axes_(std::move(axes)) {}
  MLX_PRIMITIVE_BODY(Reduce)
  MLX_TRANSFORM_RULES
  // The input's shape with the reduced axes kept as 1.
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

class ArgReduce : public Primitive {
 public:
  enum ReduceType { ArgMin, ArgMax };
  ArgReduce(Stream s, ReduceType type, int axis) : Primitive(s), type_(type), axis_(axis) {}
  MLX_PRIMITIVE_BODY(ArgReduce)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    Shape out = inputs[0].shape();
    out[axis_] = 1;
    return {out};
  }

 private:
  ReduceType type_;
  int axis_;
};

} // namespace mlx::core
