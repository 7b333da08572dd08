// Printing of arrays, and small helpers.
#pragma once

#include <ostream>

#include "mlx/array.h"

namespace mlx::core {

// Printing precision for floats (-1: MLX's default of 6 significant digits).
struct PrintOptions {
  int precision = -1;
};
PrintOptions& get_global_formatter();

// Writes the array the way MLX prints it: "array([1, 2], dtype=int32)".
// Evaluates the array.
std::ostream& operator<<(std::ostream& os, array a);

// The body of the printed array without "array(" and the dtype.
std::string format_values(array a, int indent);

} // namespace mlx::core
