// mlx quantized ops: argument checks and node building. Affine quantize and
// quantized_matmul are primitives (primitives/quantized.h); dequantize, the
// fp modes' quantize, gather_qmm, qqmm and the fp8 conversions are composed
// of ops, as MLX's CPU path composes them, so they get gradients, vmap and
// compile from their parts.
#include "mlx/quantized.h"

#include <cmath>
#include <cstring>
#include <sstream>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/quantized.h"

namespace mlx::core {

using detail::fail;
using detail::shape_str;

namespace {

QuantMode mode_from_string(const std::string& mode, const char* op) {
  if (mode == "affine") {
    return QuantMode::Affine;
  }
  if (mode == "mxfp4") {
    return QuantMode::Mxfp4;
  }
  if (mode == "mxfp8") {
    return QuantMode::Mxfp8;
  }
  if (mode == "nvfp4") {
    return QuantMode::Nvfp4;
  }
  fail(op, "Invalid quantization mode '", mode, "'.");
}

// The mode's default group size and bits where not given.
std::pair<int, int> params_of(QuantMode m, std::optional<int> group_size, std::optional<int> bits) {
  int g = 64, b = 4;
  if (m == QuantMode::Nvfp4) {
    g = 16;
  } else if (m == QuantMode::Mxfp4) {
    g = 32;
  } else if (m == QuantMode::Mxfp8) {
    g = 32;
    b = 8;
  }
  return {group_size.value_or(g), bits.value_or(b)};
}

// The fp modes accept only their own group size and bits.
void check_fp_params(const char* op, QuantMode m, int group_size, int bits) {
  int gs = m == QuantMode::Nvfp4 ? 16 : 32;
  int b = m == QuantMode::Mxfp8 ? 8 : 4;
  if (group_size != gs) {
    fail(op, quant_mode_name(m), " quantization requires group size ", gs, " but got ", group_size, ".");
  }
  if (bits != b) {
    fail(op, quant_mode_name(m), " quantization requires bits to be ", b, " but got ", bits, ".");
  }
}

// The output type (affine: of scales and biases, else bfloat16, unless
// `out` is given) after checking the scales and biases fit the mode.
Dtype check_mode_types(const char* op, QuantMode m, const array& scales, const std::optional<array>& biases,
                       std::optional<Dtype> out, const std::string& mode) {
  if (out && !is_floating_point(*out)) {
    fail(op, "Only real floating types are supported but output dtype == ", *out, ".");
  }
  if (m == QuantMode::Affine) {
    if (!biases) {
      fail(op, "Biases must be provided for affine quantization.");
    }
    Dtype t = promote_types(scales.dtype(), biases->dtype());
    if (!is_floating_point(t)) {
      fail(op, "Only real floating types are supported but scales.dtype() == ", scales.dtype(),
           " and biases.dtype() == ", biases->dtype(), ".");
    }
    return out.value_or(t);
  }
  if (scales.dtype() != uint8) {
    fail(op, "Scale type must be uint8 but received type ", scales.dtype(), ".");
  }
  if (biases) {
    fail(op, "Biases must be null for quantization mode '", mode, "'.");
  }
  return out.value_or(bfloat16);
}

void check_global_scale(const char* op, QuantMode m, const std::optional<array>& g) {
  if (!g) {
    return;
  }
  if (m != QuantMode::Nvfp4) {
    fail(op, "Global scale is only supported for 'nvfp4' quantization mode.");
  }
  if (g->size() != 1) {
    fail(op, "Global scale must be a scalar but got shape ", shape_str(g->shape()), ".");
  }
  if (g->dtype() != float32) {
    fail(op, "Global scale must have dtype float32 but got ", g->dtype(), ".");
  }
}

// w (uint32 words), scales and biases agree for group_size and bits.
void check_packed(const char* op, const array& w, const array& scales, int group_size, int bits,
                  const std::optional<array>& biases) {
  if (w.dtype() != uint32) {
    fail(op, "The weight matrix should be uint32 but received ", w.dtype());
  }
  if (biases && scales.shape() != biases->shape()) {
    fail(op, "Scales and biases should have the same shape. Received scales with shape ",
         shape_str(scales.shape()), " and biases with ", shape_str(biases->shape()));
  }
  bool same_batch = w.ndim() >= 2 && scales.ndim() >= w.ndim() - 2;
  for (int i = 0; same_batch && i + 2 < w.ndim(); ++i) {
    same_batch = w.shape(i) == scales.shape(i);
  }
  if (!same_batch) {
    fail(op, "Weight and scales should have the same batch shape. Received weight with shape ",
         shape_str(w.shape()), ", scales with ", shape_str(scales.shape()), ".");
  }
  // (bits 0: MLX divides by it, SIGFPE; the same error as other bad bits)
  if (bits <= 0 || group_size <= 0 ||
      int64_t(w.shape(-1)) * 32 / bits != int64_t(scales.shape(-1)) * group_size) {
    fail(op,
         "The shapes of the weight and scales are incompatible based on bits and group_size. w.shape() == ",
         shape_str(w.shape()), " and scales.shape() == ", shape_str(scales.shape()),
         " with group_size=", group_size, " and bits=", bits);
  }
}

// The inner and outer sizes of the dequantized matrix, checked against x.
std::pair<int, int> matmul_dims(const char* op, const array& x, const array& w, const array& scales,
                                const std::optional<array>& biases, bool transpose, int group_size,
                                int bits) {
  check_packed(op, w, scales, group_size, bits, biases);
  int unpacked = static_cast<int>(int64_t(w.shape(-1)) * 32 / bits);
  int inner = transpose ? unpacked : w.shape(-2);
  int outer = transpose ? w.shape(-2) : unpacked;
  if (x.ndim() == 0 || x.shape(-1) != inner) {
    std::ostringstream m;
    m << "Last dimension of first input with shape (..., " << (x.ndim() ? x.shape(-1) : 0)
      << ") does not match the expanded quantized matrix (" << inner << ", " << outer
      << ") computed from shape " << shape_str(w.shape()) << " with group_size=" << group_size
      << ", bits=" << bits << " and transpose=" << (transpose ? "true" : "false");
    fail(op, m.str());
  }
  return {inner, outer};
}

// Broadcasts the batch dims (all but the last two) of the inputs together.
std::vector<array> broadcast_batch(std::vector<array> in, StreamOrDevice s) {
  int nb = 0;
  for (auto& a : in) {
    nb = std::max(nb, a.ndim() - 2);
  }
  Shape batch(nb, 1);
  for (auto& a : in) {
    int off = nb - (a.ndim() - 2);
    for (int i = 0; i < a.ndim() - 2; ++i) {
      int d = a.shape(i), &b = batch[off + i];
      if (b != d && b != 1 && d != 1) {
        fail("quantized_matmul", "Cannot broadcast the batch dims ", shape_str(a.shape()), ".");
      }
      b = b == 1 ? d : b;
    }
  }
  for (auto& a : in) {
    Shape target = batch;
    target.push_back(a.shape(-2));
    target.push_back(a.shape(-1));
    if (target != a.shape()) {
      a = broadcast_to(a, target, s);
    }
  }
  return in;
}

array u32(uint32_t v) { return array(v, uint32); }

// The codes of packed rows w (..., W) as uint32 (..., W * 32 / bits).
array unpack_codes(const array& w, int bits, StreamOrDevice s) {
  Shape out_shape = w.shape();
  out_shape.back() = static_cast<int>(int64_t(w.shape(-1)) * 32 / bits);
  uint32_t mask = (1u << bits) - 1;
  if (32 % bits == 0) {
    auto shifts = arange(0, 32, bits, uint32, s);
    auto q = bitwise_and(right_shift(expand_dims(w, -1, s), shifts, s), u32(mask), s);
    return reshape(q, out_shape, s);
  }
  // 32 codes fill `bits` words; code j starts at bit j * bits of them and
  // may run into the next word.
  std::vector<uint32_t> lo_word(32), hi_word(32), shift(32), hi_mask(32);
  for (int j = 0; j < 32; ++j) {
    int p = j * bits;
    lo_word[j] = p / 32;
    shift[j] = p % 32;
    bool straddles = p % 32 + bits > 32;
    hi_word[j] = straddles ? p / 32 + 1 : p / 32;
    hi_mask[j] = straddles ? 0xFFFFFFFFu : 0u;
  }
  Shape words = w.shape();
  words.back() = w.shape(-1) / bits;
  words.push_back(bits);
  auto wr = reshape(w, words, s);
  auto idx = [&](const std::vector<uint32_t>& v) { return array(v.begin(), Shape{32}, uint32); };
  auto sh = idx(shift);
  auto lo = right_shift(take(wr, idx(lo_word), -1, s), sh, s);
  // (hi << 1) << (31 - shift): no shift by 32 where the code does not straddle.
  auto hi = left_shift(left_shift(take(wr, idx(hi_word), -1, s), u32(1), s), subtract(u32(31), sh, s), s);
  hi = bitwise_and(hi, idx(hi_mask), s);
  return reshape(bitwise_and(bitwise_or(lo, hi, s), u32(mask), s), out_shape, s);
}

// The 16 fp4 (e2m1) values by code.
array fp4_table(Dtype t) {
  return array({+0.0f, +0.5f, +1.0f, +1.5f, +2.0f, +3.0f, +4.0f, +6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f,
                -3.0f, -4.0f, -6.0f},
               t);
}

// fp modes, composed as MLX's CPU path does (the same op sequence, so the
// same roundings): per group s = amax / maxval; e8m0 scales for mx modes
// (2^ceil(log2 s)), e4m3 scales for nvfp4; then the nearest code.
std::vector<array> fp_quantize(const array& w, int group_size, int bits, QuantMode m,
                               const std::optional<array>& global_scale, StreamOrDevice s) {
  float maxval = bits == 4 ? 6.0f : 448.0f;
  Shape new_shape = w.shape();
  new_shape.back() = -1;
  auto wq = reshape(w, {-1, group_size}, s);
  auto scales = divide(max(abs(wq, s), -1, true, s), array(maxval, w.dtype()), s);
  if (m == QuantMode::Nvfp4) {
    auto encode =
        global_scale ? divide(array(448.0f * 6.0f, float32), *global_scale, s) : array(1.0f, float32);
    scales = to_fp8(multiply(scales, encode, s), s);
    wq = multiply(divide(wq, from_fp8(scales, w.dtype(), s), s), encode, s);
  } else {
    // e = ceil(log2(s)) read from s's float32 bits (the exponent, plus one
    // when the mantissa is not zero), 0 where s is 0.
    auto z = array(0, scales.dtype());
    auto sb = view(astype(scales, float32, s), uint32, s);
    auto e =
        subtract(astype(bitwise_and(right_shift(sb, u32(23), s), u32(0xFF), s), int32, s), array(127), s);
    e = add(e, astype(not_equal(bitwise_and(sb, u32(0x7FFFFF), s), u32(0), s), int32, s), s);
    e = where(equal(scales, z, s), z, astype(e, scales.dtype(), s), s);
    wq = divide(wq, power(array(2.0f, w.dtype()), e, s), s);
    scales = astype(add(e, array(127, int32), s), uint8, s);
  }
  if (bits == 4) {
    auto lut = fp4_table(w.dtype());
    auto codes = astype(argmin(abs(subtract(expand_dims(wq, -1, s), lut, s), s), -1, false, s), uint32, s);
    codes = reshape(codes, {-1, 8}, s);
    wq = sum(left_shift(codes, arange(0, 32, 4, uint32, s), s), -1, false, s);
  } else {
    wq = view(to_fp8(wq, s), uint32, s);
  }
  return {reshape(wq, new_shape, s), reshape(scales, new_shape, s)};
}

array fp_dequantize(const array& w, const array& scales, int group_size, int bits, Dtype out_type,
                    QuantMode m, const std::optional<array>& global_scale, StreamOrDevice s) {
  Shape out_shape = w.shape();
  out_shape.back() = static_cast<int>(int64_t(w.shape(-1)) * 32 / bits);
  array out = bits == 4 ? take(fp4_table(out_type), unpack_codes(w, 4, s), 0, s)
                        : from_fp8(reshape(view(w, uint8, s), out_shape, s), out_type, s);
  out = reshape(out, {-1, group_size}, s);
  auto sc = reshape(scales, {-1, 1}, s);
  if (m == QuantMode::Nvfp4) {
    auto inv =
        global_scale ? divide(*global_scale, array(448.0f * 6.0f, out_type), s) : array(1.0f, out_type);
    sc = multiply(from_fp8(sc, out_type, s), inv, s);
  } else {
    sc = power(array(2.0f, out_type), subtract(astype(sc, out_type, s), array(127, out_type), s), s);
  }
  return reshape(multiply(out, sc, s), out_shape, s);
}

// Integer indices as uint32, or every batch matrix of x in order.
array indices_or_all(const char* op, const std::optional<array>& idx, const array& x, StreamOrDevice s) {
  if (x.ndim() < 2) {
    fail(op, "Input must have at least two dimensions but got input with shape ", shape_str(x.shape()), ".");
  }
  if (idx) {
    if (!is_integral(idx->dtype())) {
      fail(op, "Got indices with invalid dtype. Indices must be integral.");
    }
    return astype(*idx, uint32, s);
  }
  Shape batch(x.shape().begin(), x.shape().end() - 2);
  int64_t n = 1;
  for (int d : batch) {
    n *= d;
  }
  return reshape(arange(0, double(n), 1, uint32, s), batch, s);
}

} // namespace

const char* quant_mode_name(QuantMode m) {
  switch (m) {
    case QuantMode::Affine:
      return "affine";
    case QuantMode::Mxfp4:
      return "mxfp4";
    case QuantMode::Mxfp8:
      return "mxfp8";
    default:
      return "nvfp4";
  }
}

std::vector<array> quantize(const array& w, std::optional<int> group_size_, std::optional<int> bits_,
                            const std::string& mode, const std::optional<array>& global_scale,
                            StreamOrDevice s) {
  auto m = mode_from_string(mode, "quantize");
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  if (!is_floating_point(w.dtype())) {
    fail("quantize", "Only real floating types can be quantized but w has type ", w.dtype(), ".");
  }
  if (w.ndim() < 2) {
    fail("quantize", "The matrix to be quantized must have at least 2 dimension but it has only ", w.ndim(),
         ".");
  }
  if (group_size <= 0) { // (MLX divides by it: SIGFPE)
    if (m != QuantMode::Affine) {
      check_fp_params("quantize", m, group_size, bits);
    }
    fail("quantize", "The requested group size ", group_size,
         " is not supported. The supported group sizes are 32, 64, and 128.");
  }
  if (w.shape(-1) % group_size != 0) {
    fail("quantize", "The last dimension of the matrix needs to be divisible by the quantization group size ",
         group_size, ". However the provided  matrix has shape ", shape_str(w.shape()));
  }
  check_global_scale("quantize", m, global_scale);
  if (m != QuantMode::Affine) {
    check_fp_params("quantize", m, group_size, bits);
    return fp_quantize(w, group_size, bits, m, global_scale, s);
  }
  if (group_size != 32 && group_size != 64 && group_size != 128) {
    fail("quantize", "The requested group size ", group_size,
         " is not supported. The supported group sizes are 32, 64, and 128.");
  }
  if (bits < 2 || bits > 8 || bits == 7) {
    fail("quantize", "The requested number of bits ", bits,
         " is not supported. The supported bits are 2, 3, 4, 5, 6 and 8.");
  }
  return quantize_node(w, group_size, bits, to_stream(s));
}

array dequantize(const array& w, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size_, std::optional<int> bits_, const std::string& mode,
                 const std::optional<array>& global_scale, std::optional<Dtype> dtype, StreamOrDevice s) {
  auto m = mode_from_string(mode, "dequantize");
  Dtype out_type = check_mode_types("dequantize", m, scales, biases, dtype, mode);
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  if (bits <= 0) {
    fail("dequantize", "Invalid value for bits: ", bits);
  }
  if (group_size <= 0) {
    fail("dequantize", "Invalid value for group_size: ", group_size);
  }
  if (w.dtype() != uint32) {
    fail("dequantize", "The matrix should be given as a uint32");
  }
  if (w.ndim() < 2) {
    fail("dequantize", "The matrix to be dequantized must have at least 2 dimension but it has only ",
         w.ndim(), ".");
  }
  check_global_scale("dequantize", m, global_scale);
  const char* what = m == QuantMode::Affine ? "scales and biases" : "scales";
  bool shapes_ok = w.ndim() == scales.ndim() && (!biases || biases->ndim() == w.ndim());
  for (int i = 0; shapes_ok && i + 1 < w.ndim(); ++i) {
    shapes_ok = scales.shape(i) == w.shape(i) && (!biases || biases->shape(i) == w.shape(i));
  }
  if (!shapes_ok) {
    fail("dequantize", "Shape of ", what, " does not match the matrix");
  }
  if (m != QuantMode::Affine) {
    check_fp_params("dequantize", m, group_size, bits);
  }
  // (bits 0: MLX divides by it, SIGFPE; the same error as other bad bits)
  if (bits <= 0 || group_size <= 0 ||
      int64_t(w.shape(-1)) * 32 / bits != int64_t(scales.shape(-1)) * group_size) {
    std::ostringstream msg;
    msg << "Shape of " << what << " does not match the matrix given the quantization parameters. "
        << "Provided matrix of shape " << shape_str(w.shape()) << " and " << what << " of shape "
        << shape_str(scales.shape());
    if (m == QuantMode::Affine) {
      msg << " with group_size=" << group_size << " and bits=" << bits;
    }
    msg << ".";
    fail("dequantize", msg.str());
  }
  if (m != QuantMode::Affine) {
    return fp_dequantize(w, scales, group_size, bits, out_type, m, global_scale, s);
  }
  // scale * q + bias in the scales' type, then cast (as MLX does on a CPU).
  auto q = unpack_codes(w, bits, s);
  Shape grouped = q.shape();
  grouped.back() = scales.shape(-1);
  grouped.push_back(group_size);
  q = reshape(q, grouped, s);
  auto out = add(multiply(q, expand_dims(scales, -1, s), s), expand_dims(*biases, -1, s), s);
  Shape out_shape = w.shape();
  out_shape.back() = static_cast<int>(int64_t(w.shape(-1)) * 32 / bits);
  return astype(reshape(out, out_shape, s), out_type, s);
}

array quantized_matmul(const array& x, const array& w, const array& scales,
                       const std::optional<array>& biases, bool transpose, std::optional<int> group_size_,
                       std::optional<int> bits_, const std::string& mode, StreamOrDevice s) {
  auto m = mode_from_string(mode, "quantized_matmul");
  Dtype t = check_mode_types("quantized_matmul", m, scales, biases, std::nullopt, mode);
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  auto [inner, outer] = matmul_dims("quantized_matmul", x, w, scales, biases, transpose, group_size, bits);
  t = m == QuantMode::Affine ? promote_types(x.dtype(), t) : x.dtype();
  if (!is_floating_point(t)) {
    fail("quantized_matmul", "Only real floating types are supported but x.dtype() == ", x.dtype(), ".");
  }
  if (m != QuantMode::Affine) {
    check_fp_params("quantized_matmul", m, group_size, bits);
  }
  std::vector<array> inputs;
  if (m == QuantMode::Affine) {
    // 16-bit scales and biases stay as they are under a float32 product:
    // the kernels widen them a few rows at a time (a cast would write a
    // float32 copy at every call).
    auto param = [&](const array& a) {
      bool keep = t == float32 && (a.dtype() == float16 || a.dtype() == bfloat16);
      return keep ? a : astype(a, t, s);
    };
    inputs = {astype(x, t, s), w, param(scales), param(*biases)};
  } else {
    inputs = {x, w, scales};
  }
  if (x.ndim() > 2 && w.ndim() > 2) {
    inputs = broadcast_batch(std::move(inputs), s);
  }
  return quantized_matmul_node(std::move(inputs), t, outer, group_size, bits, m, transpose, to_stream(s));
}

array gather_qmm(const array& x, const array& w, const array& scales, const std::optional<array>& biases,
                 const std::optional<array>& lhs_indices_, const std::optional<array>& rhs_indices_,
                 bool transpose, std::optional<int> group_size_, std::optional<int> bits_,
                 const std::string& mode, bool, StreamOrDevice s) {
  if (!lhs_indices_ && !rhs_indices_) {
    return quantized_matmul(x, w, scales, biases, transpose, group_size_, bits_, mode, s);
  }
  auto m = mode_from_string(mode, "gather_qmm");
  Dtype t = check_mode_types("gather_qmm", m, scales, biases, std::nullopt, mode);
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  int outer = matmul_dims("gather_qmm", x, w, scales, biases, transpose, group_size, bits).second;
  t = m == QuantMode::Affine ? promote_types(x.dtype(), t) : x.dtype();
  if (!is_floating_point(t)) {
    fail("gather_qmm", "Only real floating types are supported but x.dtype() == ", x.dtype(), ".");
  }
  auto lhs = indices_or_all("gather_qmm", lhs_indices_, x, s);
  auto rhs = indices_or_all("gather_qmm", rhs_indices_, w, s);
  auto both = broadcast_arrays({lhs, rhs}, s);
  std::vector<array> inputs = {astype(x, t, s), w};
  if (m == QuantMode::Affine) {
    inputs.push_back(astype(scales, t, s));
    inputs.push_back(astype(*biases, t, s));
  } else {
    inputs.push_back(scales);
  }
  inputs.push_back(both[0]);
  inputs.push_back(both[1]);
  return gather_qmm_node(std::move(inputs), t, outer, group_size, bits, m, transpose, to_stream(s));
}

array qqmm(const array& x_in, const array& w, const std::optional<array>& scales,
           std::optional<int> group_size_, std::optional<int> bits_, const std::string& mode,
           const std::optional<array>& global_scale_x, const std::optional<array>& global_scale_w,
           StreamOrDevice s) {
  auto m = mode_from_string(mode, "qqmm");
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  if (m != QuantMode::Nvfp4 && m != QuantMode::Mxfp8) {
    fail("qqmm", "Only 'nvfp4' and 'mxfp8' quantization modes are supported but '", mode, "' was provided.");
  }
  array x = x_in.ndim() == 1 ? expand_dims(x_in, 0, s) : x_in;
  if (x.ndim() > 2 || w.ndim() > 2) {
    fail("qqmm", "Only 2D inputs are supported but x.ndim() == ", x.ndim(), " and w.ndim() == ", w.ndim(),
         ".");
  }
  if (!is_floating_point(x.dtype()) || x.dtype() == float64) {
    fail("qqmm",
         "Only real floating types except float64 are supported but first argument dtype == ", x.dtype(),
         ".");
  }
  check_global_scale("qqmm", m, global_scale_x);
  check_global_scale("qqmm", m, global_scale_w);
  if (m == QuantMode::Nvfp4 && global_scale_x.has_value() != global_scale_w.has_value()) {
    fail("qqmm",
         "For nvfp4 mode, either both global_scale_x and global_scale_w must be provided, or neither.");
  }
  array w_q = w;
  std::optional<array> w_s = scales;
  if (w.dtype() == uint32) {
    if (!scales) {
      fail("qqmm", "Scales must be provided if second argument is quantized.");
    }
    matmul_dims("qqmm", x, w, *scales, std::nullopt, true, group_size, bits);
  } else {
    if (!is_floating_point(w.dtype()) || w.dtype() == float64) {
      fail("qqmm",
           "Only real floating types except float64 are supported but second argument dtype == ", w.dtype(),
           ".");
    }
    if (x.shape(-1) != w.shape(-1)) {
      fail("qqmm", "Last dimension of first input with shape ", shape_str(x.shape()),
           " must match last dimension of second input with shape ", shape_str(w.shape()), ".");
    }
    auto q = quantize(w, group_size, bits, mode, global_scale_w, s);
    w_q = q[0];
    w_s = q[1];
  }
  // The activations go through the same quantization.
  auto xq = quantize(x, group_size, bits, mode, global_scale_x, s);
  auto x_hat = dequantize(xq[0], xq[1], std::nullopt, group_size, bits, mode, global_scale_x, float32, s);
  array out = global_scale_w
                  ? matmul(x_hat,
                           swapaxes(dequantize(w_q, *w_s, std::nullopt, group_size, bits, mode,
                                               global_scale_w, float32, s),
                                    -1, -2, s),
                           s)
                  : quantized_matmul(x_hat, w_q, *w_s, std::nullopt, true, group_size, bits, mode, s);
  out = astype(out, x.dtype(), s);
  return x_in.ndim() == 1 ? squeeze(out, 0, s) : out;
}

array gather_qqmm(const array& x, const array& w, const std::optional<array>& scales,
                  const std::optional<array>& lhs_indices, const std::optional<array>& rhs_indices,
                  std::optional<int> group_size_, std::optional<int> bits_, const std::string& mode,
                  const std::optional<array>& global_scale_x, const std::optional<array>& global_scale_w,
                  bool sorted_indices, StreamOrDevice s) {
  auto m = mode_from_string(mode, "gather_qqmm");
  auto [group_size, bits] = params_of(m, group_size_, bits_);
  if (m != QuantMode::Nvfp4 && m != QuantMode::Mxfp8) {
    fail("gather_qqmm", "Only 'nvfp4' and 'mxfp8' quantization modes are supported but '", mode,
         "' was provided.");
  }
  if (!is_floating_point(x.dtype()) || x.dtype() == float64) {
    fail("gather_qqmm",
         "Only real floating types except float64 are supported but first argument dtype == ", x.dtype(),
         ".");
  }
  check_global_scale("gather_qqmm", m, global_scale_x);
  check_global_scale("gather_qqmm", m, global_scale_w);
  // The activations go through the quantization; w is quantized unless it
  // is already (a global scale of w is applied by dequantizing it).
  auto xq = quantize(x, group_size, bits, mode, global_scale_x, s);
  auto x_hat = dequantize(xq[0], xq[1], std::nullopt, group_size, bits, mode, global_scale_x, float32, s);
  array w_q = w;
  std::optional<array> w_s = scales;
  if (w.dtype() != uint32) {
    auto q = quantize(w, group_size, bits, mode, global_scale_w, s);
    w_q = q[0];
    w_s = q[1];
  } else if (!scales) {
    fail("gather_qqmm", "Scales must be provided if second argument is quantized.");
  }
  array out = global_scale_w ? gather_mm(x_hat,
                                         swapaxes(dequantize(w_q, *w_s, std::nullopt, group_size, bits, mode,
                                                             global_scale_w, float32, s),
                                                  -1, -2, s),
                                         lhs_indices, rhs_indices, sorted_indices, s)
                             : gather_qmm(x_hat, w_q, *w_s, std::nullopt, lhs_indices, rhs_indices, true,
                                          group_size, bits, mode, sorted_indices, s);
  return astype(out, x.dtype(), s);
}

// fp8 (e4m3fn) conversions composed of ops: rounding to nearest even, values
// from 464 on (and inf, NaN) saturate to +-448 (0x7e).
array to_fp8(const array& x, StreamOrDevice s) {
  if (!is_floating_point(x.dtype())) {
    fail("to_fp8", "Only real floating types are supported but x.dtype() == ", x.dtype(), ".");
  }
  auto bits = view(astype(x, float32, s), uint32, s);
  auto sign = bitwise_and(bits, u32(0x80000000u), s);
  auto f = bitwise_xor(bits, sign, s);
  // Subnormal results: add 2^14 so that the float adder rounds the value to
  // a multiple of 2^-9, then read the low mantissa bits.
  auto denorm = subtract(view(add(view(f, float32, s), array(16384.0f), s), uint32, s), u32(141u << 23), s);
  // Normal results: rebias the exponent (127 -> 7) and round the mantissa
  // to 3 bits, ties to even.
  auto odd = bitwise_and(right_shift(f, u32(20), s), u32(1), s);
  auto normal = right_shift(add(add(f, u32(0xC4000000u + 0x7FFFFu), s), odd, s), u32(20), s);
  auto r = where(greater_equal(f, u32(0x43E00000u), s), u32(0x7E),
                 where(less(f, u32(121u << 23), s), denorm, normal, s), s);
  r = bitwise_or(r, right_shift(sign, u32(24), s), s);
  return astype(r, uint8, s);
}

array from_fp8(const array& x, Dtype t, StreamOrDevice s) {
  if (x.dtype() != uint8) {
    fail("from_fp8", "Input must have type uint8 but x.dtype() == ", x.dtype(), ".");
  }
  if (!is_floating_point(t)) {
    fail("from_fp8", "Only real floating types are supported but dtype == ", t, ".");
  }
  // The 256 values, looked up in a table of the output type (so that the
  // NaN codes 0x7f and 0xff carry MLX's bits: float32 0x7ff00000 and
  // 0xfff00000, float16 0x7d00 and 0xfd00, bfloat16 0x7fc0 for both).
  std::vector<float> values(256);
  for (int b = 0; b < 256; ++b) {
    int e = (b >> 3) & 0xF, mant = b & 7;
    float v = e == 0 ? std::ldexp(float(mant), -9) : std::ldexp(1.0f + mant / 8.0f, e - 7);
    values[b] = (b & 0x80) ? -v : v;
  }
  auto lookup = [&](const array& table) { return take(table, astype(x, int32, s), 0, s); };
  if (t == float16 || t == bfloat16) {
    std::vector<uint16_t> bits(256);
    for (int b = 0; b < 256; ++b) {
      if (t == float16) {
        float16_t h = static_cast<float16_t>(values[b]);
        std::memcpy(&bits[b], &h, 2);
      } else {
        bits[b] = bfloat16_t(values[b]).bits;
      }
    }
    bits[0x7F] = t == float16 ? 0x7D00 : 0x7FC0;
    bits[0xFF] = t == float16 ? 0xFD00 : 0x7FC0;
    return lookup(view(array(bits.begin(), Shape{256}, uint16), t, s));
  }
  uint32_t nan_bits[2] = {0x7ff00000u, 0xfff00000u};
  std::memcpy(&values[0x7F], &nan_bits[0], 4);
  std::memcpy(&values[0xFF], &nan_bits[1], 4);
  return astype(lookup(array(values.begin(), Shape{256}, float32)), t, s);
}

} // namespace mlx::core
