// Random distributions, composed from RandomBits and ordinary ops.
#include "mlx/random.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>

#include "mlx/linalg.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"

namespace mlx::core::random {

using detail::fail;

namespace {

// The global key sequence, seeded from the clock as MLX does.
struct KeySequence {
  std::mutex mtx;
  array key_;
  // Where the key lives when it is kept outside (set_key_storage).
  std::optional<std::pair<std::function<array()>, std::function<void(array)>>> storage;
  KeySequence() : key_(key(uint64_t(std::chrono::system_clock::now().time_since_epoch().count()))) {}
  static KeySequence& global() {
    static KeySequence ks;
    return ks;
  }
};

Dtype bits_dtype(int width) { return width == 1 ? uint8 : width == 2 ? uint16 : uint32; }

// The largest value below 1 in `dtype` (uniform's upper clamp).
array below_one(Dtype dtype) {
  if (dtype == float32) {
    return array(std::nextafter(1.0f, 0.0f), float32);
  }
  if (dtype == float16) {
    return array(0.99951171875f, float16);
  }
  if (dtype == bfloat16) {
    return array(0.99609375f, bfloat16);
  }
  throw std::runtime_error("[uniform] Unsupported type.");
}

Shape without_axis(const Shape& shape, int axis) {
  Shape out = shape;
  out.erase(out.begin() + axis);
  return out;
}

} // namespace

array key(uint64_t seed) {
  uint32_t k1 = uint32_t(seed >> 32);
  uint32_t k2 = uint32_t(seed);
  return array({k1, k2});
}

void seed(uint64_t s) {
  auto& ks = KeySequence::global();
  std::lock_guard<std::mutex> lock(ks.mtx);
  if (ks.storage) {
    ks.storage->second(key(s));
    return;
  }
  ks.key_ = key(s);
}

array new_key() {
  auto& ks = KeySequence::global();
  std::lock_guard<std::mutex> lock(ks.mtx);
  auto [next, out] = random::split(ks.storage ? ks.storage->first() : ks.key_);
  if (ks.storage) {
    ks.storage->second(next);
  } else {
    ks.key_ = next;
  }
  return out;
}

void set_key_storage(std::function<array()> get, std::function<void(array)> set) {
  auto& ks = KeySequence::global();
  std::lock_guard<std::mutex> lock(ks.mtx);
  if (get && set) {
    set(ks.key_);
    ks.storage.emplace(std::move(get), std::move(set));
  } else {
    ks.storage.reset();
  }
}

array bits(const Shape& shape, int width, const std::optional<array>& key_in, StreamOrDevice s) {
  auto k = key_in ? *key_in : new_key();
  if (k.dtype() != uint32) {
    fail("bits", "Expected key type uint32 but received ", k.dtype(), ".");
  }
  if (k.shape() != Shape{2}) {
    fail("bits", "Expected key shape (2) but received ", detail::shape_str(k.shape()), ".");
  }
  if (width != 1 && width != 2 && width != 4) {
    fail("bits", "Width must be 1, 2 or 4 bytes but got ", width, ".");
  }
  // 4-byte elements: the float32 results drawn from these bits must fit too.
  detail::checked_shape_size(shape, uint32, "bits");
  return detail::make_node<RandomBits>(shape, bits_dtype(width), {k}, to_stream(s), shape, width);
}

array bits(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return bits(shape, 4, key, s);
}

array split(const array& key, int num, StreamOrDevice s) { return bits({num, 2}, 4, key, s); }

std::pair<array, array> split(const array& key, StreamOrDevice s) {
  auto keys = random::split(key, 2, s);
  auto first = reshape(slice(keys, Shape{0, 0}, Shape{1, 2}, s), Shape{2}, s);
  auto second = reshape(slice(keys, Shape{1, 0}, Shape{2, 2}, s), Shape{2}, s);
  return {first, second};
}

array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("uniform", "Can only generate uniform numbers with real floating point type.");
  }
  auto upper = below_one(dtype);
  auto lo = astype(low, dtype, s);
  auto hi = astype(high, dtype, s);
  auto range = subtract(hi, lo, s);
  auto out_shape = broadcast_shapes(shape, range.shape());
  if (out_shape != shape) {
    fail("uniform", "Cannot generate random values of shape ", detail::shape_str(shape),
         " from broadcasted shape ", detail::shape_str(out_shape), ".");
  }
  // 32 bits to [0, 1] in float32, then cast and clamp below 1 in `dtype`.
  auto out = bits(shape, 4, key, s);
  out = divide(astype(out, float32, s), array(float(UINT32_MAX), float32), s);
  out = minimum(astype(out, dtype, s), upper, s);
  return add(multiply(range, out, s), lo, s);
}

array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(array(0.0f, dtype), array(1.0f, dtype), shape, dtype, key, s);
}

array uniform(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return uniform(shape, float32, key, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype) && dtype != complex64) {
    fail("normal", "Only floating point and complex64 types are supported.");
  }
  array samples = array(0.0f);
  if (dtype == complex64) {
    // Real and imaginary parts from one float32 draw of shape + (2,).
    Shape pair_shape = shape;
    pair_shape.push_back(2);
    samples = normal(pair_shape, float32, std::nullopt, std::nullopt, key, s);
    samples = multiply(samples, array(float(1.0 / std::sqrt(2.0)), float32), s);
    samples = reshape(view(samples, complex64, s), shape, s);
  } else {
    // As MLX: erfinv of a float32 draw, rounded to `dtype`, then scaled by
    // sqrt(2) * scale computed in `dtype` (so 16-bit samples are the same
    // numbers as MLX's, and none overflows).
    auto low = array(std::nextafter(-1.0f, 0.0f), float32);
    auto high = array(1.0f, float32);
    samples = astype(erfinv(uniform(low, high, shape, float32, key, s), s), dtype, s);
    auto factor = array(float(std::sqrt(2.0)), dtype);
    if (scale) {
      factor = multiply(factor, astype(*scale, dtype, s), s);
    }
    samples = multiply(factor, samples, s);
  }
  if (dtype == complex64 && scale) {
    samples = multiply(astype(*scale, dtype, s), samples, s);
  }
  if (loc) {
    samples = add(astype(*loc, dtype, s), samples, s);
  }
  return samples;
}

array normal(const Shape& shape, Dtype dtype, float loc, float scale, const std::optional<array>& key,
             StreamOrDevice s) {
  std::optional<array> l, sc;
  if (loc != 0.0f) {
    l = array(loc, dtype);
  }
  if (scale != 1.0f) {
    sc = array(scale, dtype);
  }
  return normal(shape, dtype, l, sc, key, s);
}

array normal(const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  return normal(shape, float32, std::nullopt, std::nullopt, key, s);
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key, StreamOrDevice s) {
  if (dtype != float32) {
    fail("multivariate_normal", "dtype must be float32.");
  }
  if (mean.ndim() < 1) {
    fail("multivariate_normal", "mean must have at least one dimension.");
  }
  if (cov.ndim() < 2 || cov.shape(-1) != cov.shape(-2)) {
    fail("multivariate_normal", "cov must be a batch of square matrices but got shape ",
         detail::shape_str(cov.shape()), ".");
  }
  int n = mean.shape(-1);
  if (cov.shape(-1) != n) {
    fail("multivariate_normal", "The last dimension of mean (", n, ") does not match cov of shape ",
         detail::shape_str(cov.shape()), ".");
  }
  Shape out = shape;
  if (out.empty()) {
    out = broadcast_shapes(Shape(mean.shape().begin(), mean.shape().end() - 1),
                           Shape(cov.shape().begin(), cov.shape().end() - 2));
  }
  out.push_back(n);
  // z times the symmetric square root of cov (V sqrt(w) V^T, unique for a
  // positive semi-definite cov, hence the same samples as MLX's SVD form).
  auto z = normal(out, float32, std::nullopt, std::nullopt, key, s);
  auto [w, v] = linalg::eigh(astype(cov, float32, s), "L", s);
  auto root = matmul(multiply(v, expand_dims(sqrt(maximum(w, array(0.0f), s), s), -2, s), s),
                     swapaxes(v, -1, -2, s), s);
  auto samples = squeeze(matmul(expand_dims(z, -2, s), root, s), -2, s);
  return add(astype(mean, float32, s), samples, s);
}

array randint(const array& low, const array& high, const Shape& shape, Dtype dtype,
              const std::optional<array>& key, StreamOrDevice s) {
  if (is_inexact(dtype)) {
    fail("randint", "randint only accepts integer dtypes and bool.");
  }
  auto u = uniform(low, high, shape, float32, key, s);
  // MLX rounds toward negative infinity, so negative ranges stay unbiased.
  // The float32 draw can round up to `high` when the interval is not exactly
  // representable (2^24 + 2, say): clamp to [low, high - 1] in the integer type.
  Dtype t = dtype == bool_ ? int32 : dtype;
  auto out = astype(floor(u, s), t, s);
  out = minimum(out, subtract(astype(high, t, s), array(1, t), s), s);
  out = maximum(out, astype(low, t, s), s);
  return astype(out, dtype, s);
}

array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(p.dtype())) {
    fail("bernoulli", "bernoulli probability `p` must be a float type.");
  }
  auto res = uniform(shape, p.dtype(), key, s);
  res = less(res, p, s);
  if (res.shape() != shape) {
    fail("bernoulli", "shape of p ", detail::shape_str(p.shape()), " cannot be broadcast to ",
         detail::shape_str(shape), ".");
  }
  return res;
}

array bernoulli(const array& p, const std::optional<array>& key, StreamOrDevice s) {
  return bernoulli(p, p.shape(), key, s);
}

array bernoulli(const std::optional<array>& key, StreamOrDevice s) { return bernoulli(array(0.5f), key, s); }

array truncated_normal(const array& lower, const array& upper, const Shape& shape, Dtype dtype,
                       const std::optional<array>& key, StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("trunc_normal", "trunc_normal only accepts floating point dtypes.");
  }
  auto sqrt2 = array(float(std::sqrt(2.0)), dtype);
  auto lo = astype(lower, dtype, s);
  auto hi = astype(upper, dtype, s);
  auto a = erf(divide(lo, sqrt2, s), s);
  auto b = erf(divide(hi, sqrt2, s), s);
  auto u = uniform(a, b, shape, dtype, key, s);
  auto out = multiply(sqrt2, erfinv(u, s), s);
  return maximum(minimum(hi, out, s), lo, s);
}

array truncated_normal(const array& lower, const array& upper, Dtype dtype, const std::optional<array>& key,
                       StreamOrDevice s) {
  auto shape = broadcast_shapes(lower.shape(), upper.shape());
  return truncated_normal(lower, upper, shape, dtype, key, s);
}

array gumbel(const Shape& shape, Dtype dtype, const std::optional<array>& key, StreamOrDevice s) {
  auto u = uniform(array(std::numeric_limits<float>::min(), dtype), array(1.0f, dtype), shape, dtype, key, s);
  return negative(log(negative(log(u, s), s), s), s);
}

array laplace(const Shape& shape, Dtype dtype, float loc, float scale, const std::optional<array>& key,
              StreamOrDevice s) {
  if (!is_floating_point(dtype)) {
    fail("laplace", "Only real floating point types are supported.");
  }
  // Drawn and transformed in float32, then rounded to `dtype` (as MLX: a
  // 16-bit draw could reach |u| = 1 and give inf).
  auto low = array(std::nextafter(-1.0f, 0.0f), float32);
  auto high = array(1.0f, float32);
  auto u = uniform(low, high, shape, float32, key, s);
  // Inverse CDF, with MLX's sign convention: sign(u) * log(1 - |u|).
  auto samples = astype(multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s), dtype, s);
  if (scale != 1.0f) {
    samples = multiply(array(scale, dtype), samples, s);
  }
  if (loc != 0.0f) {
    samples = add(array(loc, dtype), samples, s);
  }
  return samples;
}

namespace {

// Gumbel-max over `axis` of logits broadcast against noise of `shape` with
// the category axis inserted.
array categorical_impl(const array& logits, int axis, const Shape& shape, const std::optional<array>& key,
                       StreamOrDevice s) {
  int classes = logits.shape(axis);
  if (!shape.empty() && classes > 0 && logits.size() == size_t(classes)) {
    // One distribution drawn several times: MLX 0.32 inverts its CDF with
    // one uniform per sample (not Gumbel noise per class), and so do we, to
    // give the same samples for the same key.
    auto p = softmax(astype(reshape(logits, {classes}, s), float32, s), -1, true, s);
    auto cdf = cumsum(p, 0, false, true, s);
    auto u = expand_dims(uniform(shape, float32, key, s), -1, s);
    auto below = sum(astype(less_equal(cdf, u, s), uint32, s), -1, false, s);
    return minimum(below, array(uint32_t(classes - 1)), s);
  }
  Shape noise_shape = shape;
  int offset = axis + int(shape.size()) - logits.ndim() + 1;
  noise_shape.insert(noise_shape.begin() + offset, logits.shape(axis));
  auto g = gumbel(noise_shape, float32, key, s);
  return argmax(add(g, logits, s), offset, false, s);
}

int categorical_axis(const array& logits, int axis) {
  int nd = logits.ndim();
  if (axis < -nd || axis >= nd) {
    std::ostringstream msg;
    msg << "[categorical] Invalid axis " << axis << " for logits with " << nd << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return axis < 0 ? axis + nd : axis;
}

} // namespace

array categorical(const array& logits, int axis, const Shape& shape, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(logits, axis);
  auto reduced = without_axis(logits.shape(), axis);
  if (broadcast_shapes(shape, reduced) != shape) {
    fail("categorical", "Requested shape ", detail::shape_str(shape), " is not compatible with logits shape ",
         detail::shape_str(logits.shape()), ".");
  }
  return categorical_impl(logits, axis, shape, key, s);
}

array categorical(const array& logits, int axis, int num_samples, const std::optional<array>& key,
                  StreamOrDevice s) {
  axis = categorical_axis(logits, axis);
  auto shape = without_axis(logits.shape(), axis);
  shape.push_back(num_samples);
  return categorical_impl(expand_dims(logits, -1, s), axis, shape, key, s);
}

array categorical(const array& logits, int axis, const std::optional<array>& key, StreamOrDevice s) {
  axis = categorical_axis(logits, axis);
  return categorical_impl(logits, axis, without_axis(logits.shape(), axis), key, s);
}

array permutation(int x, const std::optional<array>& key, StreamOrDevice s) {
  return argsort(bits({x}, key, s), s);
}

array permutation(const array& x, int axis, const std::optional<array>& key, StreamOrDevice s) {
  int nd = x.ndim();
  if (axis < -nd || axis >= nd) {
    std::ostringstream msg;
    msg << "[permutation] Invalid axis " << axis << " for array with " << nd << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  axis = axis < 0 ? axis + nd : axis;
  auto perm = argsort(bits({x.shape(axis)}, key, s), s);
  return take(x, perm, axis, s);
}

} // namespace mlx::core::random
