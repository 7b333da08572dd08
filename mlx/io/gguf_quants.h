// Quantized GGUF tensors, loaded as MLX's affine triplets: "<p>.weight"
// (packed uint32 codes), "<p>.scales" and "<p>.biases", for
// quantized_matmul and dequantize with the group size and bits below.
//   Q4_0, Q4_1, Q8_0: bits 4, 4, 8, groups of 32, float16 parameters; the
//     same arrays as MLX.
//   K-quants (beyond MLX): Q2_K (bits 2, groups of 16), Q3_K (3, 16),
//     Q4_K (4, 32), Q5_K (5, 32), Q6_K (6, 16), Q8_K (8, 128), with float32
//     scales and biases: scale * code + bias gives ggml's values exactly
//     (Q8_K, whose block scale is a float32: within an ulp). Groups of 16
//     are accepted by dequantize and quantized_matmul, not by quantize.
// With MLX_GGUF_KQUANTS=float16 in the environment, K-quants load as MLX
// loads them: Q2_K, Q4_K and Q6_K dequantized to one float16 array, the
// others refused.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/io.h"

namespace mlx::core::io {

struct QuantType {
  uint32_t id; // ggml_type
  const char* name;
  uint32_t block;  // elements per block
  uint32_t bytes;  // bytes per block
  int bits, group; // of the affine form
  bool mlx;        // MLX loads it too
};

// Whether MLX_GGUF_KQUANTS asks for MLX's float16 K-quants.
bool gguf_kquants_as_float16();

// The quantized type with ggml id `id`, or nullptr if we cannot load it.
const QuantType* gguf_quant_type(uint32_t id);

// Reads the tensor `name` (row-major `dims`) stored at `offset` of `in` and
// adds its arrays to `out`. `available` bounds the bytes it may occupy.
void load_gguf_quantized(Reader& in, uint64_t offset, uint64_t available, const QuantType& q,
                         const std::string& name, const std::vector<uint64_t>& dims,
                         std::unordered_map<std::string, array>& out);

} // namespace mlx::core::io
