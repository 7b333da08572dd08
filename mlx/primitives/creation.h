// Creation primitives: ranges and filled arrays.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

class Arange : public Primitive {
 public:
  Arange(Stream s, double start, double step) : Primitive(s), start_(start), step_(step) {}
  MLX_PRIMITIVE_BODY(Arange)
  MLX_TRANSFORM_RULES

 private:
  double start_, step_;
};

// Fills the output with its single (broadcast) input.
class Full : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(Full)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }
};

} // namespace mlx::core
