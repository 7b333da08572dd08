// Sorting, partitioning, searching, scans and median.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <cctype>
#include <limits>

#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::fail;

array sort(const array& a, int axis, StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), "sort");
  return detail::make_node<Sort>(a.shape(), a.dtype(), {a}, to_stream(s), ax);
}
array sort(const array& a, StreamOrDevice s) { return sort(flatten(a, 0, -1, s), 0, s); }

array argsort(const array& a, int axis, StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), "argsort");
  return detail::make_node<ArgSort>(a.shape(), uint32, {a}, to_stream(s), ax);
}
array argsort(const array& a, StreamOrDevice s) { return argsort(flatten(a, 0, -1, s), 0, s); }

namespace {

int check_kth(const array& a, int kth, int ax, int axis, const char* op) {
  int n = a.shape(ax);
  int k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n) {
    std::ostringstream msg;
    msg << "[" << op << "] Received invalid kth " << kth << " along axis " << axis
        << " for array with shape: " << detail::shape_str(a.shape());
    throw std::invalid_argument(msg.str());
  }
  return k;
}

} // namespace

array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), "partition");
  int k = check_kth(a, kth, ax, axis, "partition");
  return detail::make_node<Partition>(a.shape(), a.dtype(), {a}, to_stream(s), k, ax);
}
array partition(const array& a, int kth, StreamOrDevice s) {
  return partition(flatten(a, 0, -1, s), kth, 0, s);
}

array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), "argpartition");
  int k = check_kth(a, kth, ax, axis, "argpartition");
  return detail::make_node<ArgPartition>(a.shape(), uint32, {a}, to_stream(s), k, ax);
}
array argpartition(const array& a, int kth, StreamOrDevice s) {
  return argpartition(flatten(a, 0, -1, s), kth, 0, s);
}

array topk(const array& a, int k, int axis, StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), "topk");
  int n = a.shape(ax);
  if (k < 0 || k > n) {
    std::ostringstream msg;
    msg << "[topk] Received invalid k=" << k << " along axis " << axis
        << " for array with shape: " << detail::shape_str(a.shape());
    throw std::invalid_argument(msg.str());
  }
  if (k == 0) {
    Shape shape = a.shape();
    shape[ax] = 0;
    return zeros(shape, a.dtype(), s);
  }
  auto p = k == n ? a : partition(a, n - k, ax, s);
  Shape start(a.ndim(), 0), stop = a.shape();
  start[ax] = n - k;
  return slice(p, start, stop, s);
}
array topk(const array& a, int k, StreamOrDevice s) { return topk(flatten(a, 0, -1, s), k, 0, s); }

array searchsorted(const array& a, const array& values, bool right, StreamOrDevice s) {
  if (a.ndim() != 1) {
    fail("searchsorted", "The sorted sequence must be 1-D but has ", a.ndim(), " dimensions.");
  }
  Dtype t = promote_types(a.dtype(), values.dtype());
  return detail::make_node<SearchSorted>(values.shape(), uint32, {astype(a, t, s), astype(values, t, s)},
                                         to_stream(s), right);
}

namespace {

array scan(const array& a, int axis, bool reverse, bool inclusive, Scan::ReduceType type, const char* op,
           StreamOrDevice s) {
  int ax = detail::check_axis(axis, a.ndim(), op);
  Dtype t = a.dtype();
  if (type == Scan::Sum && t == bool_) {
    t = int32;
  } else if (type == Scan::LogAddExp) {
    t = detail::at_least_float(t);
  }
  return detail::make_node<Scan>(a.shape(), t, {astype(a, t, s)}, to_stream(s), type, ax, reverse, inclusive);
}

} // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Sum, "cumsum", s);
}
array cumprod(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Prod, "cumprod", s);
}
array cummax(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Max, "cummax", s);
}
array cummin(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Min, "cummin", s);
}
array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::LogAddExp, "logcumsumexp", s);
}

array median(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  auto axes = detail::normalize_axes(axes_in, a.ndim(), "median");
  Dtype t = detail::at_least_float(a.dtype());
  if (axes.empty()) {
    return astype(a, t, s);
  }
  // Move the reduced axes last and merge them.
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      perm.push_back(i);
    }
  }
  Shape kept;
  for (int i : perm) {
    kept.push_back(a.shape(i));
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto x = transpose(a, perm, s);
  x = reshape(
      x,
      [&] {
        Shape sh = kept;
        sh.push_back(-1);
        return sh;
      }(),
      s);
  int n = x.shape(-1);
  if (n == 0) {
    fail("median", "Cannot compute the median of an empty array.");
  }
  auto sorted = sort(x, -1, s);
  int lo = (n - 1) / 2, hi = n / 2;
  auto at = [&](int i) { return take(sorted, i, -1, s); };
  auto m = lo == hi ? astype(at(lo), t, s)
                    : multiply(add(astype(at(lo), t, s), astype(at(hi), t, s), s), array(0.5, t), s);
  if (is_inexact(a.dtype())) {
    // A NaN anywhere (a complex one too) makes the median NaN (as in NumPy
    // and MLX).
    m = where(any(isnan(x, s), -1, false, s), array(std::numeric_limits<float>::quiet_NaN(), t), m, s);
  }
  if (keepdims) {
    Shape out = a.shape();
    for (int ax : axes) {
      out[ax] = 1;
    }
    m = reshape(m, out, s);
  }
  return m;
}

array median(const array& a, bool keepdims, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return median(a, axes, keepdims, s);
}

} // namespace mlx::core
