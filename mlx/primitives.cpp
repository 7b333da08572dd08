#include "mlx/primitives.h"

#include <sstream>
#include <stdexcept>

namespace mlx::core {

namespace {
[[noreturn]] void not_supported(const Primitive& p, const char* what) {
  std::ostringstream msg;
  msg << "[" << p.name() << "] " << what << " is not yet implemented.";
  throw std::runtime_error(msg.str());
}
} // namespace

void Primitive::eval_gpu(const std::vector<array>&, std::vector<array>&) {
  std::ostringstream msg;
  msg << "[" << name() << "] has no GPU implementation.";
  throw std::runtime_error(msg.str());
}

std::vector<array> Primitive::jvp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&) {
  not_supported(*this, "jvp");
}

std::vector<array> Primitive::vjp(const std::vector<array>&, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  not_supported(*this, "vjp");
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(const std::vector<array>&,
                                                                const std::vector<int>&) {
  not_supported(*this, "vmap");
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) {
  // Asked by shapeless compile for inputs of new shapes (as MLX words it).
  std::ostringstream msg;
  msg << "[Primitive::output_shapes] " << name() << " cannot infer output shapes.";
  throw std::invalid_argument(msg.str());
}

} // namespace mlx::core
