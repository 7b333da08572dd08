// eval_cpu of ScaledDotProductAttention. Each task is one (batch, head,
// block of up to 64 queries): scores against blocks of up to 256 keys by a
// GEMM, an online softmax (a running max and sum per query; the partial
// output is rescaled when the max grows), and the value GEMM accumulated
// into the output rows. The L x S score matrix is never materialized, and
// keys past the causal limit of a block are skipped. 16-bit types compute
// in float32.
#include <cmath>
#include <limits>
#include <vector>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/last_axis_rows.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/fast.h"

namespace mlx::core {

namespace {

constexpr int kQueryBlock = 64;
constexpr int kKeyBlock = 256;

// c (m x n) = alpha a (m x k) b^T + beta c, b stored (n x k) when trans_b,
// else c = alpha a b + beta c with b stored (k x n).
template <typename A>
void gemm(bool trans_b, int m, int n, int k, A alpha, const A* a, int lda, const A* b, int ldb, A beta, A* c,
          int ldc) {
  int tb = trans_b ? MlxCblasTrans : MlxCblasNoTrans;
  if constexpr (std::is_same_v<A, float>) {
    scipy_cblas_sgemm(MlxCblasRowMajor, MlxCblasNoTrans, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    scipy_cblas_dgemm(MlxCblasRowMajor, MlxCblasNoTrans, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

template <typename A>
inline void scale_row(A* o, int n, A alpha) {
  for (int c = 0; c < n; ++c) {
    o[c] *= alpha;
  }
}

// Where each mask element of (b, h, i, j) lives: the mask's strides
// aligned to (B, Hq, L, S), 0 along broadcast dims.
struct MaskView {
  const void* data = nullptr;
  int64_t stride[4] = {0, 0, 0, 0};
  MaskView() = default;
  explicit MaskView(const array& m) : data(m.data<void>()) {
    int off = 4 - m.ndim();
    for (int d = 0; d < m.ndim(); ++d) {
      stride[off + d] = m.shape(d) == 1 ? 0 : m.strides(d);
    }
  }
  int64_t at(int b, int h, int i, int j) const {
    return b * stride[0] + h * stride[1] + i * stride[2] + j * stride[3];
  }
};

template <typename A>
void attend(const array& q, const array& k, const array& v, const std::optional<array>& mask,
            ScaledDotProductAttention::Mask kind, const A* sinks, float scale, A* out) {
  using Mask = ScaledDotProductAttention::Mask;
  int B = q.shape(0), Hq = q.shape(1), L = q.shape(2), D = q.shape(3);
  int Hkv = k.shape(1), S = k.shape(2), Dv = v.shape(3);
  int group = Hq / Hkv;
  int qblocks = (L + kQueryBlock - 1) / kQueryBlock;
  const A* pq = q.data<A>();
  const A* pk = k.data<A>();
  const A* pv = v.data<A>();
  MaskView mv = mask ? MaskView(*mask) : MaskView();
  const A inf = std::numeric_limits<A>::infinity();
  // Masked keys (bool or causal) score the lowest finite value, as in MLX: a
  // row with every key masked then attends uniformly instead of giving NaN.
  const A masked = std::numeric_limits<A>::lowest();
  cpu::use_pool_threads();
  cpu::parallel_tasks(size_t(B) * Hq * qblocks, [&](size_t task) {
    int b = int(task / (size_t(Hq) * qblocks));
    int h = int(task / qblocks % Hq);
    int q0 = int(task % qblocks) * kQueryBlock;
    int rows = std::min(kQueryBlock, L - q0);
    int kvh = h / group;
    const A* Q = pq + ((size_t(b) * Hq + h) * L + q0) * D;
    const A* K = pk + (size_t(b) * Hkv + kvh) * S * D;
    const A* V = pv + (size_t(b) * Hkv + kvh) * S * Dv;
    A* O = out + ((size_t(b) * Hq + h) * L + q0) * Dv;
    std::vector<A> scores(size_t(rows) * kKeyBlock), mx(rows), sum(rows);
    std::fill(O, O + size_t(rows) * Dv, A(0));
    // A sink is one more logit with a zero value: it starts the running
    // max and sum.
    std::fill(mx.begin(), mx.end(), sinks ? sinks[h] : -inf);
    std::fill(sum.begin(), sum.end(), sinks ? A(1) : A(0));
    // Query i (absolute) sees keys j <= i + S - L when causal.
    int key_end = S;
    if (kind == Mask::Causal) {
      // A row that sees no key (more queries than keys) attends to all.
      key_end = q0 + S - L < 0 ? S : std::min(S, q0 + rows + S - L);
    }
    for (int k0 = 0; k0 < key_end; k0 += kKeyBlock) {
      int kb = std::min(kKeyBlock, key_end - k0);
      gemm<A>(true, rows, kb, D, A(scale), Q, D, K + size_t(k0) * D, D, A(0), scores.data(), kb);
      cpu::simd(MLX_SIMD_LAMBDA {
        for (int r = 0; r < rows; ++r) {
          A* s = scores.data() + size_t(r) * kb;
          int i = q0 + r;
          if (kind == Mask::Causal) {
            for (int j = std::max(0, i + S - L + 1 - k0); j < kb; ++j) {
              s[j] = masked;
            }
          } else if (kind == Mask::Bool) {
            const bool* m = static_cast<const bool*>(mv.data);
            for (int j = 0; j < kb; ++j) {
              s[j] = m[mv.at(b, h, i, k0 + j)] ? s[j] : masked;
            }
          } else if (kind == Mask::Additive) {
            const A* m = static_cast<const A*>(mv.data);
            for (int j = 0; j < kb; ++j) {
              s[j] += m[mv.at(b, h, i, k0 + j)];
            }
          }
          A new_max = std::max(mx[r], cpu::row_max(s, kb));
          if (new_max == -inf) {
            // Every key so far is masked: nothing to add.
            std::fill(s, s + kb, A(0));
            continue;
          }
          A alpha = mx[r] == -inf ? A(0) : std::exp(mx[r] - new_max);
          sum[r] = sum[r] * alpha + cpu::exp_row_sum(s, s, kb, new_max);
          mx[r] = new_max;
          if (alpha != A(1)) {
            scale_row(O + size_t(r) * Dv, Dv, alpha);
          }
        }
      });
      gemm<A>(false, rows, Dv, kb, A(1), scores.data(), kb, V + size_t(k0) * Dv, Dv, A(1), O, Dv);
    }
    // A row whose scores are all -inf (an additive mask, no sink) is
    // 0 / 0 = NaN, as the softmax of all -inf scores.
    for (int r = 0; r < rows; ++r) {
      A inv = A(1) / sum[r];
      A* o = O + size_t(r) * Dv;
      for (int c = 0; c < Dv; ++c) {
        o[c] = sum[r] == A(0) ? std::numeric_limits<A>::quiet_NaN() : o[c] * inv;
      }
    }
  });
}

} // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  Dtype compute = out.dtype() == float64 ? float64 : float32;
  bool widen = out.dtype() != compute;
  array result = widen ? array(out.shape(), compute, nullptr, {}) : out;
  result.set_data(allocator::malloc(result.nbytes()));
  if (result.size() > 0) {
    auto q = cpu::row_contiguous_as(in[0], compute);
    auto k = cpu::row_contiguous_as(in[1], compute);
    auto v = cpu::row_contiguous_as(in[2], compute);
    size_t next = 3;
    std::optional<array> mask, sinks;
    if (mask_ == Mask::Bool || mask_ == Mask::Additive) {
      // The mask is read through its own strides (broadcast dims are 0).
      mask = mask_ == Mask::Bool ? in[next] : cpu::row_contiguous_as(in[next], compute);
      ++next;
    }
    if (has_sinks_) {
      sinks = cpu::row_contiguous_as(in[next], compute);
    }
    if (compute == float32) {
      attend<float>(q, k, v, mask, mask_, sinks ? sinks->data<float>() : nullptr, scale_,
                    result.data<float>());
    } else {
      attend<double>(q, k, v, mask, mask_, sinks ? sinks->data<double>() : nullptr, scale_,
                     result.data<double>());
    }
  }
  if (widen) {
    cpu::copy(result, out, false);
  }
}

} // namespace mlx::core
