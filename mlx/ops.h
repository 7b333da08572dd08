// The public ops: one free function each. Each validates its arguments and
// builds a graph node; nothing is computed until evaluation.
#pragma once

#include <map>
#include <variant>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

// ------------------------------------------------------------------ creation

// Values in [start, stop) spaced by step.
array arange(double start, double stop, double step, Dtype dtype, StreamOrDevice s = {});
array arange(double start, double stop, double step, StreamOrDevice s = {});
array arange(double start, double stop, Dtype dtype, StreamOrDevice s = {});
array arange(double start, double stop, StreamOrDevice s = {});
array arange(double stop, Dtype dtype, StreamOrDevice s = {});
array arange(double stop, StreamOrDevice s = {});
array arange(int start, int stop, int step, StreamOrDevice s = {});
array arange(int start, int stop, StreamOrDevice s = {});
array arange(int stop, StreamOrDevice s = {});

// `num` evenly spaced values over [start, stop].
array linspace(double start, double stop, int num = 50, Dtype dtype = float32, StreamOrDevice s = {});

// An array of `shape` filled with `vals` (broadcast), cast to `dtype`.
array full(Shape shape, array vals, Dtype dtype, StreamOrDevice s = {});
array full(Shape shape, array vals, StreamOrDevice s = {});
template <typename T>
array full(Shape shape, T val, Dtype dtype, StreamOrDevice s = {}) {
  return full(std::move(shape), array(val, dtype), s);
}
template <typename T>
array full(Shape shape, T val, StreamOrDevice s = {}) {
  return full(std::move(shape), array(val), s);
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s = {});
array zeros(const Shape& shape, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s = {});
array ones(const Shape& shape, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array full_like(const array& a, array vals, StreamOrDevice s = {});

// n x m with ones on the k-th diagonal.
array eye(int n, int m, int k, Dtype dtype = float32, StreamOrDevice s = {});
array eye(int n, Dtype dtype = float32, StreamOrDevice s = {});
array identity(int n, Dtype dtype = float32, StreamOrDevice s = {});
// Ones at and below the k-th diagonal.
array tri(int n, int m, int k, Dtype dtype = float32, StreamOrDevice s = {});
array tri(int n, Dtype dtype = float32, StreamOrDevice s = {});
array tril(array x, int k = 0, StreamOrDevice s = {});
array triu(array x, int k = 0, StreamOrDevice s = {});

// ------------------------------------------------------------ dtypes, layout

array astype(array a, Dtype dtype, StreamOrDevice s = {});
// Reinterprets the bytes as `dtype` (the last axis scales by the size ratio).
array view(const array& a, Dtype dtype, StreamOrDevice s = {});
// A row-contiguous copy when `a` is not (or always, with allow_col_major false).
array contiguous(const array& a, bool allow_col_major = false, StreamOrDevice s = {});
array copy(array a, StreamOrDevice s = {});
// The identity, with no gradient flowing through it.
array stop_gradient(const array& a, StreamOrDevice s = {});

array reshape(const array& a, Shape shape, StreamOrDevice s = {});
array flatten(const array& a, int start_axis = 0, int end_axis = -1, StreamOrDevice s = {});
array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array squeeze(const array& a, int axis, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});
array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array expand_dims(const array& a, int axis, StreamOrDevice s = {});
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
array moveaxis(const array& a, int source, int destination, StreamOrDevice s = {});
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& inputs, StreamOrDevice s = {});
Shape broadcast_shapes(const Shape& a, const Shape& b);
// a[start:stop:strides] per axis; start/stop are clamped as NumPy slices.
array slice(const array& a, Shape start, Shape stop, Shape strides, StreamOrDevice s = {});
array slice(const array& a, Shape start, Shape stop, StreamOrDevice s = {});

// --------------------------------------------------------------- elementwise

array abs(const array& a, StreamOrDevice s = {});
array negative(const array& a, StreamOrDevice s = {});
array operator-(const array& a);
array sign(const array& a, StreamOrDevice s = {});
array square(const array& a, StreamOrDevice s = {});
array sqrt(const array& a, StreamOrDevice s = {});
array rsqrt(const array& a, StreamOrDevice s = {});
array reciprocal(const array& a, StreamOrDevice s = {});
array exp(const array& a, StreamOrDevice s = {});
array expm1(const array& a, StreamOrDevice s = {});
array log(const array& a, StreamOrDevice s = {});
array log2(const array& a, StreamOrDevice s = {});
array log10(const array& a, StreamOrDevice s = {});
array log1p(const array& a, StreamOrDevice s = {});
array sin(const array& a, StreamOrDevice s = {});
array cos(const array& a, StreamOrDevice s = {});
array tan(const array& a, StreamOrDevice s = {});
array arcsin(const array& a, StreamOrDevice s = {});
array arccos(const array& a, StreamOrDevice s = {});
array arctan(const array& a, StreamOrDevice s = {});
array sinh(const array& a, StreamOrDevice s = {});
array cosh(const array& a, StreamOrDevice s = {});
array tanh(const array& a, StreamOrDevice s = {});
array arcsinh(const array& a, StreamOrDevice s = {});
array arccosh(const array& a, StreamOrDevice s = {});
array arctanh(const array& a, StreamOrDevice s = {});
array sigmoid(const array& a, StreamOrDevice s = {});
array erf(const array& a, StreamOrDevice s = {});
array erfinv(const array& a, StreamOrDevice s = {});
array floor(const array& a, StreamOrDevice s = {});
array ceil(const array& a, StreamOrDevice s = {});
array round(const array& a, int decimals = 0, StreamOrDevice s = {});
array trunc(const array& a, StreamOrDevice s = {});
array degrees(const array& a, StreamOrDevice s = {});
array radians(const array& a, StreamOrDevice s = {});
array real(const array& a, StreamOrDevice s = {});
array imag(const array& a, StreamOrDevice s = {});
array conjugate(const array& a, StreamOrDevice s = {});
array logical_not(const array& a, StreamOrDevice s = {});
array bitwise_invert(const array& a, StreamOrDevice s = {});
array operator~(const array& a);
array isnan(const array& a, StreamOrDevice s = {});
array isinf(const array& a, StreamOrDevice s = {});
array isfinite(const array& a, StreamOrDevice s = {});
array isposinf(const array& a, StreamOrDevice s = {});
array isneginf(const array& a, StreamOrDevice s = {});
array nan_to_num(const array& a, float nan = 0.0f, std::optional<float> posinf = std::nullopt,
                 std::optional<float> neginf = std::nullopt, StreamOrDevice s = {});

array add(const array& a, const array& b, StreamOrDevice s = {});
array subtract(const array& a, const array& b, StreamOrDevice s = {});
array multiply(const array& a, const array& b, StreamOrDevice s = {});
array divide(const array& a, const array& b, StreamOrDevice s = {});
array floor_divide(const array& a, const array& b, StreamOrDevice s = {});
array remainder(const array& a, const array& b, StreamOrDevice s = {});
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s = {});
array power(const array& a, const array& b, StreamOrDevice s = {});
array maximum(const array& a, const array& b, StreamOrDevice s = {});
array minimum(const array& a, const array& b, StreamOrDevice s = {});
array logaddexp(const array& a, const array& b, StreamOrDevice s = {});
array arctan2(const array& a, const array& b, StreamOrDevice s = {});
array equal(const array& a, const array& b, StreamOrDevice s = {});
array not_equal(const array& a, const array& b, StreamOrDevice s = {});
array greater(const array& a, const array& b, StreamOrDevice s = {});
array greater_equal(const array& a, const array& b, StreamOrDevice s = {});
array less(const array& a, const array& b, StreamOrDevice s = {});
array less_equal(const array& a, const array& b, StreamOrDevice s = {});
array logical_and(const array& a, const array& b, StreamOrDevice s = {});
array logical_or(const array& a, const array& b, StreamOrDevice s = {});
array logical_xor(const array& a, const array& b, StreamOrDevice s = {});
array bitwise_and(const array& a, const array& b, StreamOrDevice s = {});
array bitwise_or(const array& a, const array& b, StreamOrDevice s = {});
array bitwise_xor(const array& a, const array& b, StreamOrDevice s = {});
array left_shift(const array& a, const array& b, StreamOrDevice s = {});
array right_shift(const array& a, const array& b, StreamOrDevice s = {});
array array_equal(const array& a, const array& b, bool equal_nan = false, StreamOrDevice s = {});
array isclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
              StreamOrDevice s = {});
array allclose(const array& a, const array& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false,
               StreamOrDevice s = {});

array where(const array& condition, const array& x, const array& y, StreamOrDevice s = {});
array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s = {});

array operator+(const array& a, const array& b);
array operator-(const array& a, const array& b);
array operator*(const array& a, const array& b);
array operator/(const array& a, const array& b);
array operator%(const array& a, const array& b);
array operator==(const array& a, const array& b);
array operator!=(const array& a, const array& b);
array operator<(const array& a, const array& b);
array operator<=(const array& a, const array& b);
array operator>(const array& a, const array& b);
array operator>=(const array& a, const array& b);
array operator&&(const array& a, const array& b);
array operator||(const array& a, const array& b);
array operator!(const array& a);
array operator&(const array& a, const array& b);
array operator|(const array& a, const array& b);
array operator^(const array& a, const array& b);
array operator<<(const array& a, const array& b);
array operator>>(const array& a, const array& b);

// Scalar operands take the array's dtype where MLX's weak scalars would.
#define MLX_SCALAR_OPERATOR(op)            \
  template <typename T>                    \
  array operator op(const array& a, T b) { \
    return a op array(b, a.dtype());       \
  }                                        \
  template <typename T>                    \
  array operator op(T a, const array& b) { \
    return array(a, b.dtype()) op b;       \
  }
MLX_SCALAR_OPERATOR(+)
MLX_SCALAR_OPERATOR(-)
MLX_SCALAR_OPERATOR(*)
MLX_SCALAR_OPERATOR(/)
#undef MLX_SCALAR_OPERATOR

// ---------------------------------------------------------------- reductions

array sum(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array sum(const array& a, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array prod(const array& a, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array max(const array& a, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array min(const array& a, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array all(const array& a, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array any(const array& a, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array mean(const array& a, bool keepdims = false, StreamOrDevice s = {});
array var(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array var(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array var(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, const std::vector<int>& axes, bool keepdims = false, int ddof = 0,
          StreamOrDevice s = {});
array std(const array& a, int axis, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array std(const array& a, bool keepdims = false, int ddof = 0, StreamOrDevice s = {});
array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array logsumexp(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmax(const array& a, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array argmin(const array& a, bool keepdims = false, StreamOrDevice s = {});

// -------------------------------------------------------------------- linalg

// NumPy's matmul: batched, broadcast in the batch dims, 1-d operands promoted.
array matmul(const array& a, const array& b, StreamOrDevice s = {});

// ------------------------------------------ shape manipulation (shape_more)

// Joins arrays along an existing axis (all axes flattened when none given).
array concatenate(std::vector<array> arrays, int axis, StreamOrDevice s = {});
array concatenate(std::vector<array> arrays, StreamOrDevice s = {});
// Joins arrays along a new axis.
array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, StreamOrDevice s = {});
// Splits into `num_splits` equal parts, or at the given indices.
std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s = {});
std::vector<array> split(const array& a, int num_splits, StreamOrDevice s = {});
std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s = {});
std::vector<array> split(const array& a, const Shape& indices, StreamOrDevice s = {});
// The slices along `axis`, that axis removed.
std::vector<array> unstack(const array& a, int axis = 0, StreamOrDevice s = {});
// Repeats each element `repeats` times along `axis` (flattened when none).
array repeat(const array& a, int repeats, int axis, StreamOrDevice s = {});
array repeat(const array& a, int repeats, StreamOrDevice s = {});
array tile(const array& a, std::vector<int> reps, StreamOrDevice s = {});
// Pads `axes` by low/high entries; mode "constant", "edge", "reflect" or "symmetric".
array pad(const array& a, const std::vector<int>& axes, const Shape& low_pad, const Shape& high_pad,
          const array& pad_value = array(0), const std::string& mode = "constant", StreamOrDevice s = {});
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value = array(0), const std::string& mode = "constant", StreamOrDevice s = {});
array pad(const array& a, const std::pair<int, int>& pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", StreamOrDevice s = {});
array pad(const array& a, int pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", StreamOrDevice s = {});
// Reverses the order of elements along the axes (all axes when none given).
array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});
array flip(const array& a, StreamOrDevice s = {});
// Rolls elements along axes (the flattened array when none given).
array roll(const array& a, int shift, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, StreamOrDevice s = {});
array roll(const array& a, int shift, int axis, StreamOrDevice s = {});
array roll(const array& a, int shift, const std::vector<int>& axes, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, int axis, StreamOrDevice s = {});
array roll(const array& a, const Shape& shift, const std::vector<int>& axes, StreamOrDevice s = {});
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse = false,
                            const std::string& indexing = "xy", StreamOrDevice s = {});
array atleast_1d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s = {});
array atleast_2d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s = {});
array atleast_3d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s = {});
Shape broadcast_shapes(const std::vector<Shape>& shapes);
// Swaps the last two axes.
array matrix_transpose(const array& a, StreamOrDevice s = {});
// Splits `axis` into `shape` (one entry may be -1).
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});
// A view with the given shape, element strides and element offset into a's
// row-contiguous data.
array as_strided(array a, Shape shape, Strides strides, size_t offset, StreamOrDevice s = {});
// The k-th diagonal of a 2-d array, or a 2-d array with a 1-d one on its k-th diagonal.
array diag(const array& a, int k = 0, StreamOrDevice s = {});
array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1, StreamOrDevice s = {});
array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype, StreamOrDevice s = {});
array trace(const array& a, int offset, int axis1, int axis2, StreamOrDevice s = {});
array trace(const array& a, StreamOrDevice s = {});
// n-th discrete difference along axis.
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

// ------------------------------------------------------------------ indexing

// Slices of `a` at `indices` (broadcast together) along `axes`; the output
// shape is the indices' shape followed by slice_sizes.
array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s = {});
array gather(const array& a, const array& indices, int axis, const Shape& slice_sizes, StreamOrDevice s = {});
// Writes `updates` (shape: indices' shape followed by a slice of a.ndim()
// dims) into a copy of `a` at `indices` along `axes`. Duplicates: the last
// write wins (scatter) or they accumulate (the reducing forms).
array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});
array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s = {});
array take(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take(const array& a, int index, int axis, StreamOrDevice s = {});
array take(const array& a, int index, StreamOrDevice s = {});
array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s = {});
array take_along_axis(const array& a, const array& indices, StreamOrDevice s = {});
array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s = {});
array put_along_axis(const array& a, const array& indices, const array& values, StreamOrDevice s = {});
// Slice of `slice_size` starting at the (traced) `start` along `axes`.
array slice(const array& a, const array& start, std::vector<int> axes, Shape slice_size,
            StreamOrDevice s = {});
// A copy of `src` with src[start:stop:strides] replaced by `update` (broadcast).
array slice_update(const array& src, const array& update, Shape start, Shape stop, Shape strides,
                   StreamOrDevice s = {});
array slice_update(const array& src, const array& update, Shape start, Shape stop, StreamOrDevice s = {});
array slice_update(const array& src, const array& update, const array& start, std::vector<int> axes,
                   StreamOrDevice s = {});
// Sorted unique values of the flattened array, padded/truncated to `size`;
// returns {values, index, inverse, counts}.
std::vector<array> unique(const array& a, int size, const std::optional<array>& fill_value = std::nullopt,
                          StreamOrDevice s = {});

// ------------------------------------------- data-dependent output shapes
// These evaluate (part of) their input when called, because the shape of
// the result depends on its values; inside vmap they raise.

// The indices of the non-zero elements, one int32 array per dimension.
std::vector<array> nonzero(const array& a, StreamOrDevice s = {});
// Counts (or summed weights) of each value of a 1-d non-negative integer
// array, with at least `minlength` bins.
array bincount(const array& x, const std::optional<array>& weights = std::nullopt, int minlength = 0,
               StreamOrDevice s = {});
// unique with the size taken from the number of unique values, as NumPy.
std::vector<array> unique(const array& a, const std::optional<array>& fill_value, StreamOrDevice s);
// The elements (or sub-arrays) of `a` where `mask` (matching a's leading
// dims) is true, flattened over the mask's dims: NumPy's a[mask].
array boolean_mask(const array& a, const array& mask, StreamOrDevice s = {});
// `a` with the entries where `mask` (matching a's leading dims) is true
// replaced, in order, by the entries of `values` (MLX's a[mask] = values):
// a 0-d value fills them all; otherwise values' first dim runs over the
// selected entries and its other dims broadcast to the dims the mask leaves.
// Evaluates the mask to check that there are enough values.
array masked_scatter(const array& a, const array& mask, const array& values, StreamOrDevice s = {});

// ----------------------------------------------------------- sorting, scans

array sort(const array& a, int axis, StreamOrDevice s = {});
array sort(const array& a, StreamOrDevice s = {});
array argsort(const array& a, int axis, StreamOrDevice s = {});
array argsort(const array& a, StreamOrDevice s = {});
array partition(const array& a, int kth, int axis, StreamOrDevice s = {});
array partition(const array& a, int kth, StreamOrDevice s = {});
array argpartition(const array& a, int kth, int axis, StreamOrDevice s = {});
array argpartition(const array& a, int kth, StreamOrDevice s = {});
// The k largest values along axis (in no particular order).
array topk(const array& a, int k, int axis, StreamOrDevice s = {});
array topk(const array& a, int k, StreamOrDevice s = {});
// Insertion indices of `values` into the 1-d sorted `a` (uint32).
array searchsorted(const array& a, const array& values, bool right = false, StreamOrDevice s = {});
array cumsum(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cumprod(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummax(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array cummin(const array& a, int axis, bool reverse = false, bool inclusive = true, StreamOrDevice s = {});
array logcumsumexp(const array& a, int axis, bool reverse = false, bool inclusive = true,
                   StreamOrDevice s = {});
array median(const array& a, const std::vector<int>& axes, bool keepdims = false, StreamOrDevice s = {});
array median(const array& a, bool keepdims = false, StreamOrDevice s = {});

// ------------------------------------------------------- products, einsum

array outer(const array& a, const array& b, StreamOrDevice s = {});
array inner(const array& a, const array& b, StreamOrDevice s = {});
array kron(const array& a, const array& b, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, int axes = 2, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s = {});
array einsum(const std::string& subscripts, const std::vector<array>& operands, StreamOrDevice s = {});

// ------------------------------------------------------------ convolutions

// Convolutions, channels-last as MLX: inputs (N, spatial..., C_in), weights
// (C_out, kernel spatial..., C_in / groups), outputs (N, spatial..., C_out).
// The general convolution (cross-correlation unless `flip`), with 1 to 3
// spatial dims: per-dim stride, low and high padding (negative pads crop),
// kernel dilation and input dilation (zeros inserted between inputs).
array conv_general(array input, array weight, std::vector<int> stride = {}, std::vector<int> padding_lo = {},
                   std::vector<int> padding_hi = {}, std::vector<int> kernel_dilation = {},
                   std::vector<int> input_dilation = {}, int groups = 1, bool flip = false,
                   StreamOrDevice s = {});

array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0, int dilation = 1,
             int groups = 1, StreamOrDevice s = {});
array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
             const std::pair<int, int>& padding = {0, 0}, const std::pair<int, int>& dilation = {1, 1},
             int groups = 1, StreamOrDevice s = {});
array conv3d(const array& input, const array& weight, const std::vector<int>& stride = {1, 1, 1},
             const std::vector<int>& padding = {0, 0, 0}, const std::vector<int>& dilation = {1, 1, 1},
             int groups = 1, StreamOrDevice s = {});

// Transposed convolutions (the gradient of conv with respect to its input).
array conv_transpose_general(const array& input, const array& weight, const std::vector<int>& stride,
                             const std::vector<int>& padding, const std::vector<int>& dilation,
                             const std::vector<int>& output_padding, int groups, StreamOrDevice s = {});
array conv_transpose1d(const array& input, const array& weight, int stride = 1, int padding = 0,
                       int dilation = 1, int output_padding = 0, int groups = 1, StreamOrDevice s = {});
array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
                       const std::pair<int, int>& padding = {0, 0},
                       const std::pair<int, int>& dilation = {1, 1},
                       const std::pair<int, int>& output_padding = {0, 0}, int groups = 1,
                       StreamOrDevice s = {});
array conv_transpose3d(const array& input, const array& weight, const std::vector<int>& stride = {1, 1, 1},
                       const std::vector<int>& padding = {0, 0, 0},
                       const std::vector<int>& dilation = {1, 1, 1},
                       const std::vector<int>& output_padding = {0, 0, 0}, int groups = 1,
                       StreamOrDevice s = {});

// NumPy's 1-d convolve: mode "full", "same" or "valid".
array convolve(const array& a, const array& v, const std::string& mode = "full", StreamOrDevice s = {});

// ------------------------------------------------------------------ softmax

// exp(a) / sum(exp(a)) over `axes`, computed stably (the maximum is
// subtracted first). Over the last axis alone it is one fused kernel and
// integer inputs give float32; `precise` accumulates half types in float32.
// Over other axes it is composed of reductions in the input's dtype, as MLX.
array softmax(const array& a, const std::vector<int>& axes, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, int axis, bool precise = false, StreamOrDevice s = {});
array softmax(const array& a, bool precise = false, StreamOrDevice s = {});

// ------------------------------------------------------- small reductions

// The identity (unary plus): a copy of `a` with the same dtype.
array positive(const array& a, StreamOrDevice s = {});

// Number of non-zero (NaN counts) elements over `axes`, as int32.
array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims = false,
                    StreamOrDevice s = {});
array count_nonzero(const array& a, int axis, bool keepdims = false, StreamOrDevice s = {});
array count_nonzero(const array& a, bool keepdims = false, StreamOrDevice s = {});

// {min, max} over `axes` (all axes when none given).
std::pair<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims = false,
                               StreamOrDevice s = {});
std::pair<array, array> minmax(const array& a, bool keepdims = false, StreamOrDevice s = {});

// ---------------------------------------------------------- matrix products

// beta * c + alpha * (a @ b); c must broadcast to the shape of a @ b.
array addmm(array c, array a, array b, const float& alpha = 1.f, const float& beta = 1.f,
            StreamOrDevice s = {});

// sum(conj(a) * b) along `axis`, the other axes broadcast.
array vecdot(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

// Matrix products of a[lhs_indices] and b[rhs_indices], the indices running
// over the (flattened) batch dims of each operand and broadcast together;
// missing indices run over the whole batch.
array gather_mm(array a, array b, std::optional<array> lhs_indices = std::nullopt,
                std::optional<array> rhs_indices = std::nullopt, bool sorted_indices = false,
                StreamOrDevice s = {});

// One product per segment [start, end) of the shared inner dimension of the
// 2-d `a` and `b`: out[..., i] = a[:, start:end] @ b[start:end, :], with
// `segments` of shape (..., 2).
array segmented_mm(array a, array b, array segments, StreamOrDevice s = {});

// a @ b with block masks (block_size 32 or 64) on the output and operands:
// boolean masks drop blocks, float masks scale them.
array block_masked_mm(array a, array b, int block_size = 64, std::optional<array> mask_out = std::nullopt,
                      std::optional<array> mask_lhs = std::nullopt,
                      std::optional<array> mask_rhs = std::nullopt, StreamOrDevice s = {});

// The Walsh-Hadamard transform along the last axis (size m * 2^k with m in
// 1, 12, 20, 28), times `scale` (default 1/sqrt(n)).
array hadamard_transform(const array& a, std::optional<float> scale = std::nullopt, StreamOrDevice s = {});

// ------------------------------------------------------------------ windows

// NumPy's window functions of length M, float32.
array bartlett(int M, StreamOrDevice s = {});
array blackman(int M, StreamOrDevice s = {});
array hamming(int M, StreamOrDevice s = {});
array hanning(int M, StreamOrDevice s = {});

// ------------------------------------------------------------- dtype queries

// Whether `from` converts to `to` without loss under MLX's promotion rules.
bool can_cast(Dtype from, Dtype to);
// The promoted dtype of all inputs (arrays are never weak).
Dtype result_type(const std::vector<Dtype>& dtypes);
// Whether `dtype` belongs to an array-API kind ("bool", "signed integer",
// "unsigned integer", "integral", "real floating", "complex floating",
// "numeric"); throws invalid_argument for other names.
bool isdtype(Dtype dtype, const std::string& kind);

// ------------------------------------------------------------------- einsum

// The contraction order einsum would choose (pairs of positions in the
// shrinking operand list, as NumPy) and a printed summary of its cost.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(const std::string& subscripts,
                                                                  const std::vector<array>& operands);

// ------------------------------------------------------------- dependencies

// `inputs`, unchanged, but evaluated only after `dependencies`.
std::vector<array> depends(const std::vector<array>& inputs, const std::vector<array>& dependencies);

// ------------------------------------------------------------------ streams

// A handle that stands for a different stream in each thread, made on first
// use in that thread.
struct ThreadLocalStream {
  int index;
  Device device;
  bool operator==(const ThreadLocalStream& o) const { return index == o.index; }
};
ThreadLocalStream new_thread_local_stream(Device d);
// The calling thread's stream for `s`.
Stream resolve(const ThreadLocalStream& s);
// A stream meant for use from one thread at a time.
Stream new_thread_unsafe_stream(Device d);
// Waits for the work queued so far and forgets this thread's local streams.
void clear_streams();

// Properties of a device (architecture and name for the CPU; none for an
// unavailable GPU).
std::map<std::string, std::variant<std::string, size_t>> device_info(const Device& d);

} // namespace mlx::core
