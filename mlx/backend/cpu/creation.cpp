// eval_cpu of the creation primitives.
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/primitives.h"

namespace mlx::core {

void Arange::eval_cpu(const std::vector<array>&, std::vector<array>& out) {
  auto& o = out[0];
  o.set_data(allocator::malloc(o.nbytes()));
  cpu::dispatch(cpu::RealTypes{}, o.dtype(), "Arange", [&](auto t) {
    using T = decltype(t);
    T* p = o.data<T>();
    for (size_t i = 0; i < o.size(); ++i) {
      p[i] = scalar_cast<T>(start_ + double(i) * step_);
    }
  });
}

void Full::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::copy(in[0], out[0], /* keep_layout */ false);
}

} // namespace mlx::core
