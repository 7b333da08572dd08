#include "mlx/ops/common.h"

#include "mlx/ops.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace mlx::core::detail {

ShapeElem checked_dim(int64_t dim, const char* op) {
  if (dim < INT32_MIN || dim > INT32_MAX) {
    std::ostringstream msg;
    msg << "[" << op << "] Shape dimension " << dim
        << " is outside the supported range [-2147483648, 2147483647]. MLX currently uses 32-bit "
           "integers for shape dimensions.";
    throw std::overflow_error(msg.str());
  }
  return static_cast<ShapeElem>(dim);
}

int normalize_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    std::ostringstream msg;
    msg << "[" << op << "] Invalid axis " << axis << " for array with " << ndim << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return a;
}

int check_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    std::ostringstream msg;
    msg << "[" << op << "] Axis " << axis << " is out of bounds for array with " << ndim << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return a;
}

std::vector<array> tangents_of_all(const std::vector<array>& primals, const std::vector<array>& tangents,
                                   const std::vector<int>& argnums, Stream s) {
  std::vector<array> tans;
  for (auto& p : primals) {
    tans.push_back(zeros_like(p, s));
  }
  for (size_t k = 0; k < argnums.size(); ++k) {
    tans[argnums[k]] = tangents[k];
  }
  return tans;
}

std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (int ax : axes) {
    out.push_back(normalize_axis(ax, ndim, op));
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    fail(op, "Received duplicate axes.");
  }
  return out;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << shape[i] << (i + 1 < shape.size() ? "," : "");
  }
  os << ")";
  return os.str();
}

} // namespace mlx::core::detail

namespace mlx::core::detail {

array batch_axis_off_last(const array& x, int& ax, const Stream& s) {
  if (ax != x.ndim() - 1) {
    return x;
  }
  ax = 0;
  return moveaxis(x, x.ndim() - 1, 0, s);
}

} // namespace mlx::core::detail
