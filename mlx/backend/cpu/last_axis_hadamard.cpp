// eval_cpu of Hadamard: in-place butterflies on each row of a row-contiguous
// copy of the input, rows split across the thread pool.
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

namespace {

// One stage of half-width h over a row of n floats.
inline void stage(float* x, int n, int h) {
  for (int i = 0; i < n; i += 2 * h) {
    for (int j = i; j < i + h; ++j) {
      float a = x[j], b = x[j + h];
      x[j] = a + b;
      x[j + h] = a - b;
    }
  }
}

inline void scale_row(float* x, int n, float s) {
  for (int j = 0; j < n; ++j) {
    x[j] *= s;
  }
}

// Rounding a float row to T's precision in place.
template <typename T>
inline void round_to(float* x, int n) {
  for (int j = 0; j < n; ++j) {
    x[j] = static_cast<float>(static_cast<T>(x[j]));
  }
}

template <typename T>
inline void hadamard_row(const T* in, T* out, int n, float scale, float* scratch) {
  if constexpr (std::is_same_v<T, float>) {
    std::copy(in, in + n, out);
    for (int h = 1; h < n; h *= 2) {
      stage(out, n, h);
    }
    if (scale != 1.f) {
      scale_row(out, n, scale);
    }
  } else {
    cpu::widen_half(in, scratch, n);
    for (int h = 1; h < n; h *= 2) {
      stage(scratch, n, h);
      round_to<T>(scratch, n);
    }
    if (scale != 1.f) {
      scale_row(scratch, n, scale);
    }
    cpu::narrow_half(scratch, out, n);
  }
}

} // namespace

void Hadamard::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  int n = x.ndim() == 0 ? 1 : x.shape(-1);
  size_t rows = n == 0 ? 0 : x.size() / n;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / (4 * std::max(n, 1)));
  float scale = scale_;
  cpu::dispatch(cpu::TypeList<float16_t, bfloat16_t, float>{}, x.dtype(), "Hadamard", [&](auto t) {
    using T = decltype(t);
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    cpu::parallel_for(rows, grain, [&](size_t begin, size_t end) {
      std::vector<float> scratch(std::is_same_v<T, float> ? 0 : n);
      cpu::simd(MLX_SIMD_LAMBDA {
        for (size_t r = begin; r < end; ++r) {
          hadamard_row<T>(src + r * n, dst + r * n, n, scale, scratch.data());
        }
      });
    });
  });
}

} // namespace mlx::core
