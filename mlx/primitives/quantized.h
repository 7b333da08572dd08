// Primitives of the quantized family (the other quantized ops are composed,
// see ops/quantized.cpp).
#pragma once

#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

enum class QuantMode { Affine, Mxfp4, Mxfp8, Nvfp4 };

// "affine", "mxfp4", "mxfp8" or "nvfp4".
const char* quant_mode_name(QuantMode m);

// Affine quantization of w (..., K) in groups of group_size along the last
// axis: outputs w_q (uint32, (..., K*bits/32)), scales and biases (w's
// dtype, (..., K/group_size)). Per group, in float32: the edge of larger
// magnitude is exact and 0 is representable (see mlx/quantized.h).
class Quantize : public Primitive {
 public:
  Quantize(Stream s, int group_size, int bits) : Primitive(s), group_size_(group_size), bits_(bits) {}
  MLX_PRIMITIVE_BODY(Quantize)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  int group_size_, bits_;
};

// x (..., M, K) times the dequantized w: inputs x, w, scales[, biases], their
// batch dims already broadcast together when both x and w have them (else w
// is one matrix). Affine: x, scales and biases of the output dtype; fp modes:
// scales uint8.
class QuantizedMatmul : public Primitive {
 public:
  QuantizedMatmul(Stream s, int group_size, int bits, QuantMode mode, bool transpose)
      : Primitive(s), group_size_(group_size), bits_(bits), mode_(mode), transpose_(transpose) {}
  MLX_PRIMITIVE_BODY(QuantizedMatmul)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  QuantMode mode() const { return mode_; }
  bool transpose() const { return transpose_; }

 private:
  int group_size_, bits_;
  QuantMode mode_;
  bool transpose_;
};

// quantized_matmul of x's matrix lhs[b] with w's matrix rhs[b] for every
// index b: inputs x (..., M, K), w, scales[, biases] (as QuantizedMatmul's,
// batch dims flattened by the indices), lhs and rhs (uint32, one shape);
// output lhs.shape + (M, N). Its rules are those of the same product
// composed of take and quantized_matmul.
class GatherQMM : public Primitive {
 public:
  GatherQMM(Stream s, int group_size, int bits, QuantMode mode, bool transpose)
      : Primitive(s), group_size_(group_size), bits_(bits), mode_(mode), transpose_(transpose) {}
  MLX_PRIMITIVE_BODY(GatherQMM)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  int group_size_, bits_;
  QuantMode mode_;
  bool transpose_;
};

// The Quantize node's three outputs (arguments already checked).
std::vector<array> quantize_node(const array& w, int group_size, int bits, Stream s);

// The GatherQMM node (inputs already cast, indices broadcast).
array gather_qmm_node(std::vector<array> inputs, Dtype out_type, int outer, int group_size, int bits,
                      QuantMode mode, bool transpose, Stream s);

// The QuantizedMatmul node (inputs already cast and broadcast).
array quantized_matmul_node(std::vector<array> inputs, Dtype out_type, int outer, int group_size, int bits,
                            QuantMode mode, bool transpose, Stream s);

} // namespace mlx::core
