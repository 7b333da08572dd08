// The convolution primitive (see mlx/conv.h for the layout).
#pragma once

#include <vector>

#include "mlx/primitives.h"

namespace mlx::core {

class Convolution : public Primitive {
 public:
  struct Params {
    std::vector<int> stride, padding_lo, padding_hi, kernel_dilation, input_dilation;
    int groups = 1;
    bool flip = false;
  };
  Convolution(Stream s, Params p) : Primitive(s), p_(std::move(p)) {}
  MLX_PRIMITIVE_BODY(Convolution)
  MLX_TRANSFORM_RULES
  // (N, spatial..., O) from the input (N, spatial..., C) and the weight.
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const Params& params() const { return p_; }

 private:
  Params p_;
};

} // namespace mlx::core
