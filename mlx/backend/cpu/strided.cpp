#include "mlx/backend/cpu/strided.h"

#include <algorithm>
#include <numeric>

namespace mlx::core::cpu {

array::Flags compute_flags(const Shape& shape, const Strides& strides) {
  size_t size = shape_size(shape);
  array::Flags f{true, true, true};
  if (size <= 1) {
    return f;
  }
  int64_t expect = 1;
  for (int d = int(shape.size()) - 1; d >= 0; --d) {
    if (shape[d] == 1) {
      continue;
    }
    f.row_contiguous &= strides[d] == expect;
    expect *= shape[d];
  }
  expect = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) {
      continue;
    }
    f.col_contiguous &= strides[d] == expect;
    expect *= shape[d];
  }
  if (f.row_contiguous || f.col_contiguous) {
    return f;
  }
  // Dense in some other order: sort dims by stride and check again (a
  // broadcast dimension, stride 0, never is: no need to sort).
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1 && strides[d] == 0) {
      f.contiguous = false;
      return f;
    }
  }
  std::vector<int> dims;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] != 1) {
      dims.push_back(int(d));
    }
  }
  std::sort(dims.begin(), dims.end(), [&](int a, int b) { return strides[a] < strides[b]; });
  expect = 1;
  for (int d : dims) {
    if (strides[d] != expect) {
      f.contiguous = false;
      break;
    }
    expect *= shape[d];
  }
  return f;
}

} // namespace mlx::core::cpu
