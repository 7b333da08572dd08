// Matrix products.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

// Batched matrix product of inputs already broadcast in their batch dims.
class Matmul : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(Matmul)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
};

} // namespace mlx::core
