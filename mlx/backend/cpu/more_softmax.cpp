// eval_cpu of Softmax: rows of the (row-contiguous) input along its last
// axis, split across the thread pool.
#include <cmath>
#include <limits>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/row_softmax.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/more.h"

namespace mlx::core {

namespace {

// float32 rows: max, then exp and sum in one pass (the exps stored in the
// output; row_softmax.h), then a scaling pass.
MLX_SIMD_CLONES
void softmax_row_f32(const float* x, float* y, int n, const float* next) {
  float sum = cpu::exp_row_sum(x, y, n, cpu::row_max(x, n), next);
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

// Half types. Precise: computed in float32 and rounded once. Otherwise as
// MLX's half kernels: x - max, each exp, the running sum and the reciprocal
// round to the half type (this reproduces MLX 0.32's float16 results
// bit for bit). The elementwise loops are cloned so that they vectorize
// (F16C on x86-64-v3).
#define MLX_HALF_LOOPS(T)                                      \
  MLX_SIMD_CLONES                                              \
  void widen(const T* x, float* y, int n) {                    \
    for (int j = 0; j < n; ++j) {                              \
      y[j] = static_cast<float>(x[j]);                         \
    }                                                          \
  }                                                            \
  MLX_SIMD_CLONES                                              \
  void narrow(const float* x, T* y, int n) {                   \
    for (int j = 0; j < n; ++j) {                              \
      y[j] = static_cast<T>(x[j]);                             \
    }                                                          \
  }                                                            \
  MLX_SIMD_CLONES                                              \
  void exp_rounded(const float* x, float m, T* y, int n) {     \
    for (int j = 0; j < n; ++j) {                              \
      float d = static_cast<float>(static_cast<T>(x[j] - m));  \
      y[j] = static_cast<T>(cpu::fast::exp(d));                \
    }                                                          \
  }                                                            \
  /* Sequential, as the rounding order decides the result. */   \
  MLX_SIMD_CLONES                                              \
  T sum_rounded(const T* y, int n) {                           \
    T sum = static_cast<T>(0.f);                               \
    for (int j = 0; j < n; ++j) {                              \
      sum = static_cast<T>(static_cast<float>(sum) +           \
                           static_cast<float>(y[j]));          \
    }                                                          \
    return sum;                                                \
  }                                                            \
  MLX_SIMD_CLONES                                              \
  void scale_rounded(T* y, T inv, int n) {                     \
    for (int j = 0; j < n; ++j) {                              \
      y[j] = static_cast<T>(static_cast<float>(y[j]) *         \
                            static_cast<float>(inv));          \
    }                                                          \
  }
MLX_HALF_LOOPS(float16_t)
MLX_HALF_LOOPS(bfloat16_t)
#undef MLX_HALF_LOOPS

template <typename T>
void softmax_row_half(const T* x, T* y, int n, bool precise, float* scratch) {
  widen(x, scratch, n);
  if (precise) {
    softmax_row_f32(scratch, scratch, n, nullptr);
    narrow(scratch, y, n);
    return;
  }
  float m = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < n; ++j) {
    m = scratch[j] > m ? scratch[j] : m;
  }
  exp_rounded(scratch, m, y, n);
  T sum = sum_rounded(y, n);
  scale_rounded(y, static_cast<T>(1.f / static_cast<float>(sum)), n);
}

} // namespace

void Softmax::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  int n = x.shape(-1);
  size_t rows = n == 0 ? 0 : x.size() / n;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max(n, 1));
  bool precise = precise_;
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
          softmax_row_f32(xr, yr, n, r + 1 < end ? xr + n : nullptr);
        } else if constexpr (std::is_same_v<T, double>) {
          softmax_row_f64(xr, yr, n);
        } else {
          scratch.resize(n);
          softmax_row_half(xr, yr, n, precise, scratch.data());
        }
      }
    });
  });
}

} // namespace mlx::core
