// eval_cpu of Softmax: rows of the (row-contiguous) input along its last
// axis, split across the thread pool.
#include <cmath>
#include <limits>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/more.h"

namespace mlx::core {

namespace {

// float32 rows: max, then exp and sum in one pass (the exps stored in the
// output), then a scaling pass. Vectorizes with fast::exp.
MLX_SIMD_CLONES
void softmax_row_f32(const float* x, float* y, int n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < n; ++j) {
    m = x[j] > m ? x[j] : m;
  }
  float sum = 0.f;
  for (int j = 0; j < n; ++j) {
    float e = cpu::fast::exp(x[j] - m);
    y[j] = e;
    sum += e;
  }
  // A NaN anywhere reaches the sum, so the whole row is NaN, as in MLX.
  float inv = 1.f / sum;
  for (int j = 0; j < n; ++j) {
    y[j] *= inv;
  }
}

template <typename T>
void softmax_row_f64(const T* x, T* y, int n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < n; ++j) {
    m = x[j] > m ? x[j] : m;
  }
  double sum = 0.;
  for (int j = 0; j < n; ++j) {
    y[j] = std::exp(x[j] - m);
    sum += y[j];
  }
  double inv = 1. / sum;
  for (int j = 0; j < n; ++j) {
    y[j] *= inv;
  }
}

// Half types: computed in float32 and rounded once. MLX's non-precise
// kernels round intermediate steps to the half type; the results differ from
// these by about one unit in the last place. The conversions are separate
// cloned loops so that they vectorize (F16C on x86-64-v3).
MLX_SIMD_CLONES
void widen(const float16_t* x, float* y, int n) {
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<float>(x[j]);
  }
}
MLX_SIMD_CLONES
void narrow(const float* x, float16_t* y, int n) {
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<float16_t>(x[j]);
  }
}
MLX_SIMD_CLONES
void widen(const bfloat16_t* x, float* y, int n) {
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<float>(x[j]);
  }
}
MLX_SIMD_CLONES
void narrow(const float* x, bfloat16_t* y, int n) {
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<bfloat16_t>(x[j]);
  }
}

template <typename T>
void softmax_row_half(const T* x, T* y, int n, float* scratch) {
  widen(x, scratch, n);
  softmax_row_f32(scratch, scratch, n);
  narrow(scratch, y, n);
}

} // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  int n = x.shape(-1);
  size_t rows = n == 0 ? 0 : x.size() / n;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max(n, 1));
  cpu::dispatch(cpu::FloatTypes{}, x.dtype(), "Softmax", [&](auto t) {
    using T = decltype(t);
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    cpu::parallel_for(rows, grain, [&](size_t begin, size_t end) {
      std::vector<float> scratch;
      for (size_t r = begin; r < end; ++r) {
        const T* xr = src + r * n;
        T* yr = dst + r * n;
        if constexpr (std::is_same_v<T, float>) {
          softmax_row_f32(xr, yr, n);
        } else if constexpr (std::is_same_v<T, double>) {
          softmax_row_f64(xr, yr, n);
        } else {
          scratch.resize(n);
          softmax_row_half(xr, yr, n, scratch.data());
        }
      }
    });
  });
}

} // namespace mlx::core
