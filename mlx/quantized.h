// Quantized arrays (MLX's "quantized" family): packing a matrix into low-bit
// codes per group of its last axis, unpacking, and products with the packed
// form. Modes:
//   affine  w ~ scale * q + bias, q unsigned of `bits` (2, 3, 4, 5, 6, 8)
//           bits, groups of 32, 64 or 128; scales and biases in w's dtype.
//   mxfp4   fp4 (e2m1) codes, groups of 32, a power-of-two scale (e8m0, uint8).
//   mxfp8   fp8 (e4m3) codes, groups of 32, e8m0 scales.
//   nvfp4   fp4 codes, groups of 16, e4m3 scales (uint8), optional float32
//           global scale.
// Packed codes: each row is a little-endian bit stream (element i in bits
// [i*bits, (i+1)*bits)), stored as uint32 words: w_q.shape[-1] = K*bits/32.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

// {w_q, scales, biases} (affine) or {w_q, scales} (fp modes) of w (..., K),
// quantized in groups of group_size along the last axis. Defaults by mode:
// affine 64/4, mxfp4 32/4, mxfp8 32/8, nvfp4 16/4.
std::vector<array> quantize(const array& w, std::optional<int> group_size = std::nullopt,
                            std::optional<int> bits = std::nullopt, const std::string& mode = "affine",
                            const std::optional<array>& global_scale = std::nullopt, StreamOrDevice s = {});

// The matrix quantize packed: scale * q + bias (affine) or code * scale.
// dtype defaults to the scales' and biases' type (affine) or bfloat16.
array dequantize(const array& w, const array& scales, const std::optional<array>& biases = std::nullopt,
                 std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                 const std::string& mode = "affine", const std::optional<array>& global_scale = std::nullopt,
                 std::optional<Dtype> dtype = std::nullopt, StreamOrDevice s = {});

// x @ dequantize(w).T (transpose, w (..., N, K*bits/32)) or x @ dequantize(w)
// (w (..., K, N*bits/32)); batch dims broadcast when x and w both have them.
array quantized_matmul(const array& x, const array& w, const array& scales,
                       const std::optional<array>& biases = std::nullopt, bool transpose = true,
                       std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                       const std::string& mode = "affine", StreamOrDevice s = {});

// quantized_matmul of x[lhs_indices] with w[rhs_indices] (indices over the
// flattened batch dims; absent ones take every matrix in order).
array gather_qmm(const array& x, const array& w, const array& scales,
                 const std::optional<array>& biases = std::nullopt,
                 const std::optional<array>& lhs_indices = std::nullopt,
                 const std::optional<array>& rhs_indices = std::nullopt, bool transpose = true,
                 std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                 const std::string& mode = "affine", bool sorted_indices = false, StreamOrDevice s = {});

// x @ w.T with both quantized (modes nvfp4 and mxfp8): x is quantized and
// dequantized, w too unless it is already packed (uint32, with scales).
array qqmm(const array& x, const array& w, const std::optional<array>& scales = std::nullopt,
           std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
           const std::string& mode = "nvfp4", const std::optional<array>& global_scale_x = std::nullopt,
           const std::optional<array>& global_scale_w = std::nullopt, StreamOrDevice s = {});

// qqmm of x[lhs_indices] with w[rhs_indices] (as gather_qmm).
array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales = std::nullopt,
                  const std::optional<array>& lhs_indices = std::nullopt,
                  const std::optional<array>& rhs_indices = std::nullopt,
                  std::optional<int> group_size = std::nullopt, std::optional<int> bits = std::nullopt,
                  const std::string& mode = "nvfp4",
                  const std::optional<array>& global_scale_x = std::nullopt,
                  const std::optional<array>& global_scale_w = std::nullopt, bool sorted_indices = false,
                  StreamOrDevice s = {});

// x to fp8 (e4m3fn) bytes: round to nearest even, saturating at +-448
// (inf and NaN too).
array to_fp8(const array& x, StreamOrDevice s = {});

// fp8 (e4m3fn) bytes to dtype (0x7f and 0xff are NaN).
array from_fp8(const array& x, Dtype dtype = bfloat16, StreamOrDevice s = {});

} // namespace mlx::core
