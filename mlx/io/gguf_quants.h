// Quantized GGUF tensors. Q4_0, Q4_1 and Q8_0 map exactly onto MLX's affine
// quantization and load as three arrays (packed uint32 weights, float16
// scales and biases, groups of 32) as MLX does; the K-quants Q2_K, Q4_K and
// Q6_K are dequantized to float16, also as MLX does.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/io.h"

namespace mlx::core::io {

struct QuantType {
  uint32_t id; // ggml_type
  const char* name;
  uint32_t block; // elements per block
  uint32_t bytes; // bytes per block
};

// The quantized type with ggml id `id`, or nullptr if we cannot load it.
const QuantType* gguf_quant_type(uint32_t id);

// Reads the tensor `name` (row-major `dims`) stored at `offset` of `in` and
// adds its arrays to `out`. `available` bounds the bytes it may occupy.
void load_gguf_quantized(Reader& in, uint64_t offset, uint64_t available, const QuantType& q,
                         const std::string& name, const std::vector<uint64_t>& dims,
                         std::unordered_map<std::string, array>& out);

} // namespace mlx::core::io
