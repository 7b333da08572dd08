// Reductions: sum, prod, max, min, all, any, mean, var, std, logsumexp, arg*.
#include <algorithm>
#include <numeric>

#include <optional>

#include "mlx/compile.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

using detail::fail;

namespace {

std::vector<int> all_axes(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

Shape reduced_shape(const array& a, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0, j = 0; i < a.ndim(); ++i) {
    bool reduced = j < static_cast<int>(axes.size()) && axes[j] == i;
    if (reduced) {
      ++j;
      if (keepdims) {
        out.push_back(1);
      }
    } else {
      out.push_back(a.shape(i));
    }
  }
  return out;
}

array reduce(const array& a, const std::vector<int>& axes_in, bool keepdims, Reduce::ReduceType type,
             Dtype out_dtype, const char* op, StreamOrDevice s) {
  auto axes = detail::normalize_axes(axes_in, a.ndim(), op);
  if (axes.empty()) {
    // As MLX: reducing over no axes returns the input, dtype unchanged.
    return type == Reduce::And || type == Reduce::Or ? astype(a, bool_, s) : a;
  }
  if ((type == Reduce::Min || type == Reduce::Max)) {
    for (int ax : axes) {
      if (a.shape(ax) == 0) {
        fail(op, "Cannot ", type == Reduce::Min ? "min" : "max", " reduce over axis ", ax, " with size 0.");
      }
    }
  }
  Shape kept = reduced_shape(a, axes, true);
  array out = detail::make_node<Reduce>(kept, out_dtype, {a}, to_stream(s), type, axes);
  if (!keepdims) {
    out = reshape(out, reduced_shape(a, axes, false), s);
  }
  return out;
}

// sum and prod accumulate small integers in 32 bits, as MLX.
Dtype sum_dtype(Dtype t) {
  switch (t.val) {
    case Dtype::Val::bool_:
    case Dtype::Val::int8:
    case Dtype::Val::int16:
      return int32;
    case Dtype::Val::uint8:
    case Dtype::Val::uint16:
      return uint32;
    default:
      return t;
  }
}

size_t reduced_count(const array& a, const std::vector<int>& axes) {
  auto ax = detail::normalize_axes(axes, a.ndim(), "mean");
  size_t n = 1;
  for (int i : ax) {
    n *= a.shape(i);
  }
  return n;
}

} // namespace

#define MLX_REDUCTION_OVERLOADS(name)                                     \
  array name(const array& a, int axis, bool keepdims, StreamOrDevice s) { \
    return name(a, std::vector<int>{axis}, keepdims, s);                  \
  }                                                                       \
  array name(const array& a, bool keepdims, StreamOrDevice s) { return name(a, all_axes(a), keepdims, s); }

array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Sum, sum_dtype(a.dtype()), "sum", s);
}
array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Prod, sum_dtype(a.dtype()), "prod", s);
}
array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Max, a.dtype(), "max", s);
}
array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Min, a.dtype(), "min", s);
}
array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(astype(a, bool_, s), axes, keepdims, Reduce::And, bool_, "all", s);
}
array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  return reduce(astype(a, bool_, s), axes, keepdims, Reduce::Or, bool_, "any", s);
}

// In a trace for shapeless compile, the number of elements reduced must
// follow the input's shape at later calls: it is counted by the graph (a
// sum over a stride-0 view of ones), not baked in as a constant.
std::optional<array> traced_count(const array& a, const std::vector<int>& axes, bool keepdims, Dtype t,
                                  StreamOrDevice s) {
  if (!detail::in_shapeless_trace()) {
    return std::nullopt;
  }
  auto ones = detail::broadcast_against(array(1, t), a.shape(), {a}, s);
  return sum(ones, axes, keepdims, s);
}

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto t = detail::at_least_float(a.dtype());
  size_t n = reduced_count(a, axes);
  // Integers are summed in their own accumulator type (wrapping as it does)
  // and then converted, as MLX: the mean of int64 extremes is exact (-0.5).
  auto total = is_inexact(a.dtype()) ? sum(a, axes, keepdims, s) : astype(sum(a, axes, keepdims, s), t, s);
  if (auto count = traced_count(a, axes, keepdims, t, s)) {
    return divide(total, *count, s);
  }
  return multiply(total, array(1.0 / double(n), t), s);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  auto t = detail::at_least_float(a.dtype());
  auto x = astype(a, t, s);
  size_t n = reduced_count(a, axes);
  auto mu = mean(x, axes, true, s);
  auto d = subtract(x, mu, s);
  auto sq = is_complex(t) ? real(multiply(d, conjugate(d, s), s), s) : square(d, s);
  auto total = sum(sq, axes, keepdims, s);
  if (auto count = traced_count(a, axes, keepdims, total.dtype(), s)) {
    auto denom = maximum(subtract(*count, array(ddof, total.dtype()), s), array(0, total.dtype()), s);
    return divide(total, denom, s);
  }
  double denom = std::max(double(n) - ddof, 0.0);
  return divide(total, array(denom, total.dtype()), s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}

array logsumexp(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  if (a.size() == 0) {
    fail("logsumexp", "Received empty array.");
  }
  auto axes = detail::normalize_axes(axes_in, a.ndim(), "logsumexp");
  auto t = detail::at_least_float(a.dtype());
  auto x = astype(a, t, s);
  array out = x;
  if (t == complex64) {
    auto m = max(x, axes, true, s);
    // A row of -inf (or inf) would give nan through x - m; keep m finite there.
    auto safe_m = where(isinf(m, s), zeros_like(m, s), m, s);
    out = squeeze(add(log(sum(exp(subtract(x, safe_m, s), s), axes, true, s), s), safe_m, s), axes, s);
  } else if (axes.empty()) {
    // Over no axes: log(exp(x)) = x, with the same special values.
    out = detail::make_node<LogSumExp>(x.shape(), t, {expand_dims(x, -1, s)}, to_stream(s));
  } else {
    // The reduced axes last, flattened into one, then the fused row kernel.
    std::vector<int> order;
    Shape kept;
    for (int i = 0; i < x.ndim(); ++i) {
      if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
        order.push_back(i);
        kept.push_back(x.shape(i));
      }
    }
    order.insert(order.end(), axes.begin(), axes.end());
    // No extra nodes when the reduced axes already trail (the common last
    // axis): small inputs pay per node.
    array moved = std::is_sorted(order.begin(), order.end()) ? x : transpose(x, order, s);
    if (axes.size() > 1) {
      Shape rows = kept;
      rows.push_back(-1);
      moved = reshape(moved, rows, s);
    }
    out = detail::make_node<LogSumExp>(kept, t, {moved}, to_stream(s));
  }
  if (keepdims) {
    out = expand_dims(out, axes, s);
  }
  return out;
}

MLX_REDUCTION_OVERLOADS(sum)
MLX_REDUCTION_OVERLOADS(prod)
MLX_REDUCTION_OVERLOADS(max)
MLX_REDUCTION_OVERLOADS(min)
MLX_REDUCTION_OVERLOADS(all)
MLX_REDUCTION_OVERLOADS(any)
MLX_REDUCTION_OVERLOADS(mean)
MLX_REDUCTION_OVERLOADS(logsumexp)
#undef MLX_REDUCTION_OVERLOADS

#define MLX_VAR_OVERLOADS(name)                                                     \
  array name(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) { \
    return name(a, std::vector<int>{axis}, keepdims, ddof, s);                      \
  }                                                                                 \
  array name(const array& a, bool keepdims, int ddof, StreamOrDevice s) {           \
    return name(a, all_axes(a), keepdims, ddof, s);                                 \
  }
MLX_VAR_OVERLOADS(var)
MLX_VAR_OVERLOADS(std)
#undef MLX_VAR_OVERLOADS

namespace {
array arg_reduce(const array& a, int axis, bool keepdims, ArgReduce::ReduceType type, const char* op,
                 StreamOrDevice s) {
  int ax = detail::normalize_axis(axis, a.ndim(), op);
  if (a.size() == 0) {
    fail(op, "Cannot ", op, " reduce zero size array.");
  }
  Shape kept = a.shape();
  kept[ax] = 1;
  auto out = detail::make_node<ArgReduce>(kept, uint32, {a}, to_stream(s), type, ax);
  return keepdims ? out : squeeze(out, ax, s);
}
} // namespace

array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMin, "argmin", s);
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmax(reshape(a, {-1}, s), 0, false, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : out;
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  auto out = argmin(reshape(a, {-1}, s), 0, false, s);
  return keepdims ? reshape(out, Shape(a.ndim(), 1), s) : out;
}

// ------------------------------------------------ reductions composed of others

namespace {
std::vector<int> every_axis(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}
} // namespace

array positive(const array& a, StreamOrDevice) {
  // Arrays are immutable values, so the identity needs no copy.
  return a;
}

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  // Cast before summing: a sum over no axes would keep the bool dtype.
  array nz = astype(not_equal(a, zeros({}, a.dtype(), s), s), int32, s);
  return sum(nz, axes, keepdims, s);
}

array count_nonzero(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, std::vector<int>{axis}, keepdims, s);
}

array count_nonzero(const array& a, bool keepdims, StreamOrDevice s) {
  return count_nonzero(a, every_axis(a), keepdims, s);
}

std::pair<array, array> minmax(const array& a, const std::vector<int>& axes, bool keepdims,
                               StreamOrDevice s) {
  return {min(a, axes, keepdims, s), max(a, axes, keepdims, s)};
}

std::pair<array, array> minmax(const array& a, bool keepdims, StreamOrDevice s) {
  return minmax(a, every_axis(a), keepdims, s);
}

} // namespace mlx::core
