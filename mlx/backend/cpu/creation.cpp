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
    if constexpr (std::is_integral_v<T>) {
      // Integer steps in 64-bit integers: exact, and an explicit narrow
      // dtype wraps around as MLX's does.
      int64_t a = static_cast<int64_t>(start_), st = static_cast<int64_t>(step_);
      for (size_t i = 0; i < o.size(); ++i) {
        p[i] = static_cast<T>(static_cast<uint64_t>(a) + uint64_t(i) * static_cast<uint64_t>(st));
      }
    } else {
      for (size_t i = 0; i < o.size(); ++i) {
        // (The first value is start itself, also when step is infinite.)
        p[i] = scalar_cast<T>(i == 0 ? start_ : start_ + double(i) * step_);
      }
    }
  });
}

void Full::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::copy(in[0], out[0], /* keep_layout */ false);
}

} // namespace mlx::core
