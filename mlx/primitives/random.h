// The random bits generator.
#pragma once

#include "mlx/primitive.h"

namespace mlx::core {

// Threefry-2x32 bits from keys of shape (..., 2): the output has shape
// keys.shape[:-1] + shape_ and `width_` bytes per element.
class RandomBits : public Primitive {
 public:
  RandomBits(Stream s, Shape shape, int width) : Primitive(s), shape_(std::move(shape)), width_(width) {}
  MLX_PRIMITIVE_BODY(RandomBits)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override;

 private:
  Shape shape_;
  int width_;
};

} // namespace mlx::core
