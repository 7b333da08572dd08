// Builds a small lazy graph with the C++ API, evaluates it and prints it.
#include <iostream>

#include "mlx/mlx.h"

namespace mx = mlx::core;

int main() {
  auto x = mx::arange(6.0, mx::float32);
  auto w = mx::reshape(x, {2, 3});
  auto y = mx::matmul(w, mx::transpose(w)); // (2, 2), not computed yet
  auto z = mx::sum(mx::exp(y / 100.0f), 1);
  mx::eval({z});
  std::cout << y << std::endl;
  std::cout << z << std::endl;
  std::cout << "dtype " << z.dtype() << ", device " << mx::default_device() << std::endl;
  return 0;
}
