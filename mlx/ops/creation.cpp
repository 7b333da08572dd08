// Array creation: arange, linspace, full, zeros, ones, eye, tri, and the
// window functions.
#include <algorithm>
#include <cmath>

#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::fail;

array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s) {
  if (dtype == bool_) {
    fail("arange", "Cannot compute length of arange with bool type.");
  }
  if (std::isnan(start) || std::isnan(step) || std::isnan(stop)) {
    fail("arange", "Cannot compute length.");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    fail("arange", "Cannot compute length.");
  }
  if (step == 0) {
    fail("arange", "step must be nonzero.");
  }
  // An infinite step gives the start alone when it points towards stop.
  double real_size =
      std::isinf(step) ? double(step > 0 ? start < stop : start > stop) : std::ceil((stop - start) / step);
  if (real_size > static_cast<double>(INT32_MAX)) {
    fail("arange", "Maximum size exceeded.");
  }
  ShapeElem size = static_cast<ShapeElem>(std::max(real_size, 0.0));
  if (is_integral(dtype)) {
    // As MLX: the integer step is int(start + step) - int(start).
    double first = std::trunc(start);
    step = std::trunc(start + step) - first;
    start = first;
  }
  return detail::make_node<Arange>({size}, dtype, {}, to_stream(s), start, step);
}
array arange(double start, double stop, double step, StreamOrDevice s) {
  return arange(start, stop, step, float32, s);
}
array arange(double start, double stop, Dtype dtype, StreamOrDevice s) {
  return arange(start, stop, 1.0, dtype, s);
}
array arange(double start, double stop, StreamOrDevice s) { return arange(start, stop, 1.0, float32, s); }
array arange(double stop, Dtype dtype, StreamOrDevice s) { return arange(0.0, stop, 1.0, dtype, s); }
array arange(double stop, StreamOrDevice s) { return arange(0.0, stop, 1.0, float32, s); }
array arange(int start, int stop, int step, StreamOrDevice s) {
  return arange(double(start), double(stop), double(step), int32, s);
}
array arange(int start, int stop, StreamOrDevice s) {
  return arange(double(start), double(stop), 1.0, int32, s);
}
array arange(int stop, StreamOrDevice s) { return arange(0.0, double(stop), 1.0, int32, s); }

array linspace(double start, double stop, int num, Dtype dtype, StreamOrDevice s) {
  if (num < 0) {
    fail("linspace", "number of samples, ", num, ", must be non-negative.");
  }
  if (num == 1) {
    return astype(array({start}), dtype, s);
  }
  double step = num > 1 ? (stop - start) / (num - 1) : 0.0;
  // start + i * step in float64 keeps the endpoints exact before the cast.
  array t = arange(0.0, double(num), 1.0, float64, s);
  array out = add(multiply(t, array(step, float64), s), array(start, float64), s);
  if (num > 1) {
    out = where(equal(t, array(double(num - 1), float64), s), array(stop, float64), out, s);
  }
  return astype(out, dtype, s);
}

array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s) {
  detail::checked_shape_size(shape, dtype, "full");
  auto in = broadcast_to(astype(std::move(vals), dtype, s), shape, s);
  return detail::make_node<Full>(std::move(shape), dtype, {in}, to_stream(s));
}
array full(Shape shape, array vals, StreamOrDevice s) {
  auto dtype = vals.dtype();
  return full(std::move(shape), std::move(vals), dtype, s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) { return full(shape, array(0, dtype), s); }
array zeros(const Shape& shape, StreamOrDevice s) { return zeros(shape, float32, s); }
array zeros_like(const array& a, StreamOrDevice s) { return full_like(a, array(0, a.dtype()), s); }
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) { return full(shape, array(1, dtype), s); }
array ones(const Shape& shape, StreamOrDevice s) { return ones(shape, float32, s); }
array ones_like(const array& a, StreamOrDevice s) { return full_like(a, array(1, a.dtype()), s); }
array full_like(const array& a, array vals, StreamOrDevice s) {
  // In a trace for shapeless compile the result follows a's shape at later
  // calls.
  auto value = detail::broadcast_against(astype(std::move(vals), a.dtype(), s), a.shape(), {a}, s);
  return detail::make_node<Full>(a.shape(), a.dtype(), {value}, to_stream(s));
}

namespace {

// rows + k compared with cols, k clamped to [-n, m]: beyond that every
// comparison has the same answer, and row + k cannot overflow int32.
array diagonal_offset(int n, int m, int64_t k, StreamOrDevice s) {
  k = std::clamp<int64_t>(k, -int64_t(n), int64_t(m));
  auto rows = reshape(arange(0, n, s), {n, 1}, s);
  return add(rows, array(static_cast<int32_t>(k)), s);
}

array tri_mask(int n, int m, int64_t k, Dtype dtype, StreamOrDevice s) {
  auto cols = reshape(arange(0, m, s), {1, m}, s);
  return astype(greater_equal(diagonal_offset(n, m, k, s), cols, s), dtype, s);
}

} // namespace

array eye(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) {
    fail("eye", "N and M must be positive integers.");
  }
  detail::checked_shape_size({n, m}, dtype, "eye");
  auto cols = reshape(arange(0, m, s), {1, m}, s);
  return astype(equal(diagonal_offset(n, m, k, s), cols, s), dtype, s);
}
array eye(int n, Dtype dtype, StreamOrDevice s) { return eye(n, n, 0, dtype, s); }
array identity(int n, Dtype dtype, StreamOrDevice s) { return eye(n, n, 0, dtype, s); }

array tri(int n, int m, int k, Dtype dtype, StreamOrDevice s) {
  detail::checked_shape_size({n, m}, dtype, "tri");
  return tri_mask(n, m, k, dtype, s);
}
array tri(int n, Dtype dtype, StreamOrDevice s) { return tri(n, n, 0, dtype, s); }

array tril(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    fail("tril", "array must have at least 2 dimensions");
  }
  auto mask = tri_mask(x.shape(-2), x.shape(-1), k, bool_, s);
  return where(mask, x, zeros_like(x, s), s);
}

array triu(array x, int k, StreamOrDevice s) {
  if (x.ndim() < 2) {
    fail("triu", "array must have at least 2 dimensions");
  }
  auto mask = tri_mask(x.shape(-2), x.shape(-1), int64_t(k) - 1, bool_, s);
  return where(mask, zeros_like(x, s), x, s);
}

// ------------------------------------------------------------------ windows

namespace {

// sum_i coef[i] * cos(2 pi i n / (M - 1)) for n in [0, M), float32 (the
// cosine windows of NumPy); lengths below 2 give empty or [1].
array cosine_window(int M, std::initializer_list<float> coefs, StreamOrDevice s) {
  if (M < 1) {
    return zeros({0}, float32, s);
  }
  if (M == 1) {
    return ones({1}, float32, s);
  }
  array n = arange(0.0, static_cast<double>(M), float32, s);
  std::vector<float> c(coefs);
  // The highest harmonic is added first: in float32 that makes Blackman's
  // ends exactly 0 (0.42 + 0.08 rounds to 0.5), as in MLX.
  array out = full({M}, c[0], float32, s);
  for (int i = static_cast<int>(c.size()) - 1; i > 0; --i) {
    array phase = multiply(n, array(static_cast<float>(2.0 * M_PI * i / (M - 1))), s);
    out = add(out, multiply(array(c[i]), cos(phase, s), s), s);
  }
  return out;
}

} // namespace

array bartlett(int M, StreamOrDevice s) {
  if (M < 1) {
    return zeros({0}, float32, s);
  }
  if (M == 1) {
    return ones({1}, float32, s);
  }
  // 1 - |2n / (M - 1) - 1|: a triangle peaking at the middle.
  array n = arange(0.0, static_cast<double>(M), float32, s);
  array r = subtract(multiply(n, array(2.0f / (M - 1)), s), array(1.0f), s);
  return subtract(array(1.0f), abs(r, s), s);
}

array hanning(int M, StreamOrDevice s) { return cosine_window(M, {0.5f, -0.5f}, s); }

array hamming(int M, StreamOrDevice s) { return cosine_window(M, {0.54f, -0.46f}, s); }

array blackman(int M, StreamOrDevice s) { return cosine_window(M, {0.42f, -0.5f, 0.08f}, s); }

} // namespace mlx::core
