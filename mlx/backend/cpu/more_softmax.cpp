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

// Half types. Precise: in float32, rounded once at the end. Otherwise each
// exp, the running sum and the reciprocal round to T, as MLX's half kernels
// (which compute in T) lose precision too.
template <typename T>
void softmax_row_half(const T* x, T* y, int n, bool precise, float* scratch) {
  for (int j = 0; j < n; ++j) {
    scratch[j] = static_cast<float>(x[j]);
  }
  if (precise) {
    softmax_row_f32(scratch, scratch, n);
    for (int j = 0; j < n; ++j) {
      y[j] = static_cast<T>(scratch[j]);
    }
    return;
  }
  float m = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < n; ++j) {
    m = scratch[j] > m ? scratch[j] : m;
  }
  T sum = static_cast<T>(0.f);
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<T>(cpu::fast::exp(scratch[j] - m));
    sum = static_cast<T>(static_cast<float>(sum) + static_cast<float>(y[j]));
  }
  T inv = static_cast<T>(1.f / static_cast<float>(sum));
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<T>(static_cast<float>(y[j]) * static_cast<float>(inv));
  }
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
          softmax_row_f32(xr, yr, n);
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
