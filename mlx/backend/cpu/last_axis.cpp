// eval_cpu of Softmax and LogSumExp: rows of the (row-contiguous) input
// along its last axis, split across the thread pool.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/last_axis_rows.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

namespace {

// float32 rows: max, then exp and sum in one pass (the exps stored in the
// output; row_softmax.h), then a scaling pass.
void softmax_row_f32(const float* x, float* y, int n, const float* next) {
  cpu::simd(MLX_SIMD_LAMBDA {
    float sum = cpu::exp_row_sum(x, y, n, cpu::row_max(x, n), next, next ? y + n : nullptr);
    // A NaN anywhere reaches the sum, so the whole row is NaN, as in MLX.
    float inv = 1.f / sum;
    for (int j = 0; j < n; ++j) {
      y[j] *= inv;
    }
  });
}

// Short float32 rows of a fixed length N (a multiple of 16: the attention
// and small-model widths), many per call: the same arithmetic as
// softmax_row_f32 (16 lanes, summed in order), with the loops fully known
// to the compiler and no per-row call.
template <int N>
void softmax_rows_n(const float* x, float* y, size_t rows) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (size_t r = 0; r < rows; ++r, x += N, y += N) {
      float m = cpu::reduce_lanes<float>(
          N, -std::numeric_limits<float>::infinity(), [](float a, float v) { return v > a ? v : a; },
          [&](size_t j) { return x[j]; });
      float lanes[16] = {};
      for (int j = 0; j < N; j += 16) {
        for (int l = 0; l < 16; ++l) {
          float e = cpu::fast::exp_nonpositive(x[j + l] - m);
          y[j + l] = e;
          lanes[l] += e;
        }
      }
      float sum = 0;
      for (int l = 0; l < 16; ++l) {
        sum += lanes[l];
      }
      float inv = 1.f / sum;
      for (int j = 0; j < N; ++j) {
        y[j] *= inv;
      }
    }
  });
}

// Runs softmax_rows_n for n in {32, 64, 128}; false for other lengths.
bool softmax_short_rows(const float* x, float* y, size_t rows, int n) {
  switch (n) {
    case 32:
      softmax_rows_n<32>(x, y, rows);
      return true;
    case 64:
      softmax_rows_n<64>(x, y, rows);
      return true;
    case 128:
      softmax_rows_n<128>(x, y, rows);
      return true;
    default:
      return false;
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
// bit for bit). The elementwise loops run through cpu::simd so that they vectorize
// (F16C on x86-64-v3).
template <typename T>
inline void exp_rounded(const float* x, float m, T* y, int n) {
  for (int j = 0; j < n; ++j) {
    float d = static_cast<float>(static_cast<T>(x[j] - m));
    y[j] = static_cast<T>(cpu::fast::exp(d));
  }
}

// Sequential, as the rounding order decides the result.
template <typename T>
inline T sum_rounded(const T* y, int n) {
  T sum = static_cast<T>(0.f);
  for (int j = 0; j < n; ++j) {
    sum = static_cast<T>(static_cast<float>(sum) + static_cast<float>(y[j]));
  }
  return sum;
}

template <typename T>
inline void scale_rounded(T* y, T inv, int n) {
  for (int j = 0; j < n; ++j) {
    y[j] = static_cast<T>(static_cast<float>(y[j]) * static_cast<float>(inv));
  }
}

template <typename T>
void softmax_row_half(const T* x, T* y, int n, bool precise, float* scratch) {
  cpu::widen_half(x, scratch, n);
  if (precise) {
    softmax_row_f32(scratch, scratch, n, nullptr);
    cpu::narrow_half(scratch, y, n);
    return;
  }
  cpu::simd(MLX_SIMD_LAMBDA {
    float m = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < n; ++j) {
      m = scratch[j] > m ? scratch[j] : m;
    }
    exp_rounded(scratch, m, y, n);
    T sum = sum_rounded(y, n);
    scale_rounded(y, static_cast<T>(1.f / static_cast<float>(sum)), n);
  });
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
      if constexpr (std::is_same_v<T, float>) {
        if (softmax_short_rows(src + begin * n, dst + begin * n, end - begin, n)) {
          return;
        }
      }
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

// ---- LogSumExp: per row, the maximum m, then log(sum(exp(x - m))) + m.
namespace mlx::core {

namespace {

// Pieces of a row summed apart: a long row split across the pool, or a
// row stored as one piece. m is the row's maximum (NaN ignored).
// `ahead`: the next row, prefetched meanwhile (rows below 2^30 only).
template <typename A>
A exp_sum_from(const A* x, size_t n, A m, const A* ahead = nullptr) {
  if (std::isfinite(m)) {
    A total = 0;
    for (size_t j = 0; j < n; j += size_t(1) << 30) {
      int piece = static_cast<int>(std::min(n - j, size_t(1) << 30));
      total += cpu::simd(MLX_SIMD_LAMBDA {
        return cpu::exp_row_sum(x + j, static_cast<A*>(nullptr), piece, m, j == 0 ? ahead : nullptr);
      });
    }
    return total;
  }
  // All -inf (or NaN), or some +inf: the maximum is not subtracted, as in
  // the composed form (an inf row gives inf, a NaN gives NaN).
  A total = 0;
  for (size_t j = 0; j < n; ++j) {
    total += std::exp(x[j]);
  }
  return total;
}

template <typename A>
A max_of(const A* x, size_t n) {
  A m = -std::numeric_limits<A>::infinity();
  for (size_t j = 0; j < n; j += size_t(1) << 30) {
    int piece = static_cast<int>(std::min(n - j, size_t(1) << 30));
    m = std::max(m, cpu::simd(MLX_SIMD_LAMBDA { return cpu::row_max(x + j, piece); }));
  }
  return m;
}

template <typename A>
A finish(A sum, A m) {
  return std::log(sum) + (std::isinf(m) ? A(0) : m);
}

// logsumexp of short float32 rows of a fixed length N (as
// softmax_rows_n); rows whose maximum is not finite take the general path.
template <int N>
void lse_rows_n(const float* x, float* out, size_t rows) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (size_t r = 0; r < rows; ++r, x += N) {
      float m = cpu::reduce_lanes<float>(
          N, -std::numeric_limits<float>::infinity(), [](float a, float v) { return v > a ? v : a; },
          [&](size_t j) { return x[j]; });
      if (!std::isfinite(m)) {
        out[r] = finish(exp_sum_from(x, N, m), m);
        continue;
      }
      float lanes[16] = {};
      for (int j = 0; j < N; j += 16) {
        for (int l = 0; l < 16; ++l) {
          lanes[l] += cpu::fast::exp_nonpositive(x[j + l] - m);
        }
      }
      float sum = 0;
      for (int l = 0; l < 16; ++l) {
        sum += lanes[l];
      }
      out[r] = std::log(sum) + m;
    }
  });
}

bool lse_short_rows(const float* x, float* out, size_t rows, size_t n) {
  switch (n) {
    case 32:
      lse_rows_n<32>(x, out, rows);
      return true;
    case 64:
      lse_rows_n<64>(x, out, rows);
      return true;
    case 128:
      lse_rows_n<128>(x, out, rows);
      return true;
    default:
      return false;
  }
}

// One long row over the whole pool: maxima of pieces, then sums.
template <typename A>
A long_row(const A* x, size_t n) {
  size_t pieces = std::min<size_t>(cpu::num_threads() * 4, (n + 8191) / 8192);
  size_t per = (n + pieces - 1) / pieces;
  std::vector<A> part(pieces);
  cpu::parallel_tasks(pieces, [&](size_t p) {
    size_t b = std::min(n, p * per), e = std::min(n, b + per);
    part[p] = b < e ? max_of(x + b, e - b) : -std::numeric_limits<A>::infinity();
  });
  A m = *std::max_element(part.begin(), part.end());
  cpu::parallel_tasks(pieces, [&](size_t p) {
    size_t b = std::min(n, p * per), e = std::min(n, b + per);
    part[p] = b < e ? exp_sum_from(x + b, e - b, m) : A(0);
  });
  A sum = 0;
  for (A v : part) {
    sum += v;
  }
  return finish(sum, m);
}

} // namespace

void LogSumExp::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  size_t n = x.shape(-1);
  size_t rows = out.size();
  if (rows == 0) {
    return;
  }
  cpu::dispatch(cpu::FloatTypes{}, x.dtype(), "LogSumExp", [&](auto t) {
    using T = decltype(t);
    using A = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    if constexpr (std::is_same_v<T, A>) {
      if (rows < size_t(cpu::num_threads()) && n >= (size_t(1) << 16)) {
        for (size_t r = 0; r < rows; ++r) {
          dst[r] = long_row(src + r * n, n);
        }
        return;
      }
    }
    size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n, 1));
    cpu::parallel_for(rows, grain, [&](size_t begin, size_t end) {
      if constexpr (std::is_same_v<T, float>) {
        if (lse_short_rows(src + begin * n, dst + begin, end - begin, n)) {
          return;
        }
      }
      std::vector<A> wide;
      for (size_t r = begin; r < end; ++r) {
        const A* row;
        if constexpr (std::is_same_v<T, A>) {
          row = src + r * n;
        } else {
          // Half types: the row in float32.
          wide.resize(n);
          for (size_t j = 0; j < n; ++j) {
            wide[j] = static_cast<A>(src[r * n + j]);
          }
          row = wide.data();
        }
        A m = max_of(row, n);
        const A* ahead = nullptr;
        if constexpr (std::is_same_v<T, A>) {
          ahead = r + 1 < end ? row + n : nullptr;
        }
        dst[r] = static_cast<T>(finish(exp_sum_from(row, n, m, ahead), m));
      }
    });
  });
}

} // namespace mlx::core
