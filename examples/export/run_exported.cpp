// Imports a function exported from Python (see export_mlp.py) and runs it on
// an input of the shape it was traced with, filled with `value`:
//   run_exported model.mlxfn rows cols value
#include <cstdlib>
#include <iostream>

#include "mlx/mlx.h"

namespace mx = mlx::core;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " file.mlxfn rows cols value" << std::endl;
    return 2;
  }
  try {
    auto model = mx::import_function(argv[1]);
    std::cout << "metadata: " << model.metadata() << std::endl;
    auto x = mx::full({std::atoi(argv[2]), std::atoi(argv[3])}, static_cast<float>(std::atof(argv[4])));
    auto outputs = model({x});
    mx::eval(outputs);
    for (auto& y : outputs) {
      std::cout << y << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << e.what() << std::endl;
    return 1;
  }
  return 0;
}
