#include "mlx/utils.h"

#include <iomanip>
#include <sstream>

#include "mlx/transforms.h"

namespace mlx::core {

PrintOptions& get_global_formatter() {
  static PrintOptions options;
  return options;
}

namespace {

// As in MLX, a dim longer than 2 * kEdgeItems prints its edges only,
// whatever the array's size.
constexpr int kEdgeItems = 3;

template <typename T>
void write_value(std::ostream& os, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "True" : "False");
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    os << v.real();
    os << (v.imag() >= 0 || std::isnan(v.imag()) ? "+" : "-") << std::abs(v.imag()) << "j";
  } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
    os << static_cast<float>(v);
  } else if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
    os << static_cast<int>(v);
  } else {
    os << v;
  }
}

template <typename T>
void write_dim(std::ostream& os, const array& a, int dim, int64_t offset, int indent, bool summarize) {
  if (dim == a.ndim()) {
    write_value(os, a.data<T>()[offset]);
    return;
  }
  os << "[";
  int n = a.shape(dim);
  bool cut = summarize && n > 2 * kEdgeItems;
  for (int i = 0; i < n; ++i) {
    if (cut && i == kEdgeItems) {
      os << "...";
      i = n - kEdgeItems - 1;
      if (dim + 1 < a.ndim()) {
        os << ",\n" << std::string(indent + 1, ' ');
      } else {
        os << ", ";
      }
      continue;
    }
    write_dim<T>(os, a, dim + 1, offset + i * a.strides(dim), indent + 1, summarize);
    if (i + 1 < n) {
      if (dim + 1 < a.ndim()) {
        os << ",\n" << std::string(indent + 1, ' ');
      } else {
        os << ", ";
      }
    }
  }
  os << "]";
}

} // namespace

std::string format_values(array a, int indent) {
  a.eval();
  std::ostringstream os;
  // MLX: the default (-1) prints 6 significant digits; any other value
  // prints that many digits after the point (a negative one gives 6).
  int precision = get_global_formatter().precision;
  if (precision == -1) {
    os << std::setprecision(6);
  } else {
    os << std::fixed << std::setprecision(precision);
  }
  dispatch_dtype(a.dtype(), [&](auto t) { write_dim<decltype(t)>(os, a, 0, 0, indent, true); });
  return os.str();
}

std::ostream& operator<<(std::ostream& os, array a) {
  os << "array(" << format_values(a, 6) << ", dtype=" << a.dtype() << ")";
  return os;
}

} // namespace mlx::core
