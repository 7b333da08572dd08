// Small reductions built from existing ops: positive, count_nonzero, minmax.
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"

namespace mlx::core {

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
