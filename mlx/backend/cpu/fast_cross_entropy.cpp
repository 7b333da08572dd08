// eval_cpu of CrossEntropy and CrossEntropyGrad: one row of logits per
// target, rows split across the pool; the max, the sum of exponentials and
// (for the gradient) the softmax row in vectorized passes.
#include <cmath>
#include <limits>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/fast.h"

namespace mlx::core {

namespace {

// The row's max (NaN if any is NaN) and the sum of exp(x - max), in 16
// lanes so that the loops vectorize.
template <typename A>
void max_and_sum(const A* x, int n, A& max_out, A& sum_out) {
  cpu::simd(MLX_SIMD_LAMBDA {
    constexpr int L = 16;
    A m = -std::numeric_limits<A>::infinity();
    bool nan = false;
    for (int j = 0; j < n; ++j) {
      m = x[j] > m ? x[j] : m;
      nan |= x[j] != x[j];
    }
    A lanes[L] = {};
    int j = 0;
    if (m != -std::numeric_limits<A>::infinity()) {
      for (; j + L <= n; j += L) {
        for (int l = 0; l < L; ++l) {
          lanes[l] += cpu::fast::exp_le0<A>(x[j + l] - m);
        }
      }
    }
    A total = 0;
    for (; j < n; ++j) {
      total += cpu::fast::exp_le0<A>(x[j] - m);
    }
    for (int l = 0; l < L; ++l) {
      total += lanes[l];
    }
    max_out = nan ? std::numeric_limits<A>::quiet_NaN() : m;
    sum_out = total;
  });
}

// g[j] = c * exp(x[j] - m) / sum.
template <typename A>
void scaled_softmax(const A* x, int n, A m, A c_over_sum, A* g) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (int j = 0; j < n; ++j) {
      g[j] = cpu::fast::exp_le0<A>(x[j] - m) * c_over_sum;
    }
  });
}

int class_of(int32_t t, int v) {
  t = t < 0 ? t + v : t;
  return t < 0 ? 0 : (t >= v ? v - 1 : t);
}

template <typename A>
void loss_rows(const A* logits, const int32_t* targets, A* out, size_t rows, int v) {
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max(v, 1));
  cpu::parallel_for(rows, grain, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const A* x = logits + r * v;
      A m, sum;
      max_and_sum(x, v, m, sum);
      // All -inf: the log-sum-exp is -inf, and -inf - -inf is NaN (as MLX).
      A lse = m == -std::numeric_limits<A>::infinity() ? m : m + std::log(sum);
      out[r] = lse - x[class_of(targets[r], v)];
    }
  });
}

template <typename A>
void grad_rows(const A* logits, const int32_t* targets, const A* cot, A* out, size_t rows, int v) {
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max(v, 1));
  cpu::parallel_for(rows, grain, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const A* x = logits + r * v;
      A* g = out + r * v;
      A m, sum;
      max_and_sum(x, v, m, sum);
      scaled_softmax(x, v, m, cot[r] / sum, g);
      g[class_of(targets[r], v)] -= cot[r];
    }
  });
}

array row_contiguous(const array& x) { return cpu::ensure_row_contiguous(x); }

} // namespace

void CrossEntropy::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  auto logits = row_contiguous(in[0]);
  auto targets = row_contiguous(in[1]);
  int v = logits.shape(-1);
  if (out.size() == 0) {
    return;
  }
  if (out.dtype() == float64) {
    loss_rows(logits.data<double>(), targets.data<int32_t>(), out.data<double>(), out.size(), v);
  } else {
    loss_rows(logits.data<float>(), targets.data<int32_t>(), out.data<float>(), out.size(), v);
  }
}

void CrossEntropyGrad::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  auto logits = row_contiguous(in[0]);
  auto targets = row_contiguous(in[1]);
  auto cot = row_contiguous(in[2]);
  int v = logits.shape(-1);
  size_t rows = targets.size();
  if (out.size() == 0) {
    return;
  }
  if (out.dtype() == float64) {
    grad_rows(logits.data<double>(), targets.data<int32_t>(), cot.data<double>(), out.data<double>(), rows,
              v);
  } else {
    grad_rows(logits.data<float>(), targets.data<int32_t>(), cot.data<float>(), out.data<float>(), rows, v);
  }
}

} // namespace mlx::core
