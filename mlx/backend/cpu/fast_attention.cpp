// eval_cpu of ScaledDotProductAttention. Each task is one (batch, head,
// block of up to 64 queries): scores against blocks of up to 256 keys by a
// GEMM, an online softmax (a running max and sum per query; the partial
// output is rescaled when the max grows), and the value GEMM accumulated
// into the output rows. The L x S score matrix is never materialized, and
// keys past the causal limit of a block are skipped. 16-bit types compute
// in float32.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/fast_attention_avx2.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/last_axis_rows.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/primitives/fast.h"

namespace mlx::core {

namespace {

constexpr int kQueryBlock = 64;
constexpr int kKeyBlock = 256;

// c (m x n) = alpha op(a) op(b) + beta c, row-major; op(a) is m x k (a
// stored k x m when trans_a), op(b) is k x n (b stored n x k when trans_b).
template <typename A>
void gemm(bool trans_a, bool trans_b, int m, int n, int k, A alpha, const A* a, int lda, const A* b, int ldb,
          A beta, A* c, int ldc) {
  int ta = trans_a ? MlxCblasTrans : MlxCblasNoTrans;
  int tb = trans_b ? MlxCblasTrans : MlxCblasNoTrans;
  if constexpr (std::is_same_v<A, float>) {
    scipy_cblas_sgemm(MlxCblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    scipy_cblas_dgemm(MlxCblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

template <typename A>
void gemm(bool trans_b, int m, int n, int k, A alpha, const A* a, int lda, const A* b, int ldb, A beta, A* c,
          int ldc) {
  gemm(false, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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

// s (rows x kb) = alpha q k^T for a few query rows (decoding): dot
// products in 8 lanes, no GEMM call (its set-up costs more than the work).
template <typename A>
void few_rows_scores(int rows, int kb, int D, A alpha, const A* Q, const A* K, A* s) {
  if constexpr (std::is_same_v<A, float>) {
    if (cpu::few_rows_scores_avx2(rows, kb, D, alpha, Q, K, s)) {
      return;
    }
  }
  cpu::simd(MLX_SIMD_LAMBDA {
    for (int j = 0; j < kb; ++j) {
      const A* kj = K + size_t(j) * D;
      for (int r = 0; r < rows; ++r) {
        const A* qr = Q + size_t(r) * D;
        A p[8] = {};
        int d = 0;
        for (; d + 8 <= D; d += 8) {
          for (int l = 0; l < 8; ++l) {
            p[l] += qr[d + l] * kj[d + l];
          }
        }
        for (; d < D; ++d) {
          p[0] += qr[d] * kj[d];
        }
        s[size_t(r) * kb + j] = alpha * (((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7])));
      }
    }
  });
}

// o (rows x Dv) += s v for a few rows.
template <typename A>
void few_rows_values(int rows, int kb, int Dv, const A* s, const A* V, A* o) {
  if constexpr (std::is_same_v<A, float>) {
    if (cpu::few_rows_values_avx2(rows, kb, Dv, s, V, o)) {
      return;
    }
  }
  cpu::simd(MLX_SIMD_LAMBDA {
    for (int j = 0; j < kb; ++j) {
      const A* vj = V + size_t(j) * Dv;
      for (int r = 0; r < rows; ++r) {
        A w = s[size_t(r) * kb + j];
        A* orow = o + size_t(r) * Dv;
        for (int c = 0; c < Dv; ++c) {
          orow[c] += w * vj[c];
        }
      }
    }
  });
}

// Rows per task up to which the direct loops beat a GEMM call.
constexpr int kFewRows = 8;

template <typename A>
void attend(const array& q, const array& k, const array& v, const std::optional<array>& mask,
            ScaledDotProductAttention::Mask kind, const A* sinks, float scale, A* out) {
  using Mask = ScaledDotProductAttention::Mask;
  int B = q.shape(0), Hq = q.shape(1), L = q.shape(2), D = q.shape(3);
  int Hkv = k.shape(1), S = k.shape(2), Dv = v.shape(3);
  int group = Hq / Hkv;
  // A task is a run of consecutive query rows of one batch that share a kv
  // head: a block of up to 64 queries of one head or, when the queries are
  // fewer, those of several heads of one kv group (their rows are adjacent
  // in q and out), so that decoding (L = 1) makes one product per kv head.
  int heads_per_task = 1;
  if (L < kQueryBlock) {
    heads_per_task = std::max(1, std::min(group, kQueryBlock / L));
    while (group % heads_per_task != 0) {
      --heads_per_task;
    }
  }
  int qblocks = (L + kQueryBlock - 1) / kQueryBlock;
  int head_tasks = Hq / heads_per_task;
  const A* pq = q.data<A>();
  const A* pk = k.data<A>();
  const A* pv = v.data<A>();
  // Keys and values through their batch and head strides (a KV cache's
  // slice of a larger buffer is read in place; see heads_in_place).
  auto batch_head = [](const array& a, int b, int h) { return b * a.strides(0) + h * a.strides(1); };
  MaskView mv = mask ? MaskView(*mask) : MaskView();
  const A inf = std::numeric_limits<A>::infinity();
  // Masked keys (bool or causal) score the lowest finite value, as in MLX: a
  // row with every key masked then attends uniformly instead of giving NaN.
  const A masked = std::numeric_limits<A>::lowest();
  cpu::use_pool_threads();
  cpu::parallel_tasks(size_t(B) * head_tasks * qblocks, [&](size_t task) {
    int b = int(task / (size_t(head_tasks) * qblocks));
    int h0 = int(task / qblocks % head_tasks) * heads_per_task;
    int q0 = int(task % qblocks) * kQueryBlock;
    int head_rows = std::min(kQueryBlock, L - q0);
    int rows = head_rows * heads_per_task;
    int kvh = h0 / group;
    const A* Q = pq + ((size_t(b) * Hq + h0) * L + q0) * D;
    const A* K = pk + batch_head(k, b, kvh);
    const A* V = pv + batch_head(v, b, kvh);
    A* O = out + ((size_t(b) * Hq + h0) * L + q0) * Dv;
    bool few = rows <= kFewRows;
    std::vector<A> scores(size_t(rows) * kKeyBlock), mx(rows), sum(rows);
    std::fill(O, O + size_t(rows) * Dv, A(0));
    // A sink is one more logit with a zero value: it starts the running
    // max and sum.
    for (int r = 0; r < rows; ++r) {
      mx[r] = sinks ? sinks[h0 + r / head_rows] : -inf;
      sum[r] = sinks ? A(1) : A(0);
    }
    // Query i (absolute) sees keys j <= i + S - L when causal.
    int key_end = S;
    if (kind == Mask::Causal) {
      // A row that sees no key (more queries than keys) attends to all.
      key_end = q0 + S - L < 0 ? S : std::min(S, q0 + head_rows + S - L);
    }
    for (int k0 = 0; k0 < key_end; k0 += kKeyBlock) {
      int kb = std::min(kKeyBlock, key_end - k0);
      if (few) {
        few_rows_scores<A>(rows, kb, D, A(scale), Q, K + size_t(k0) * D, scores.data());
      } else {
        gemm<A>(true, rows, kb, D, A(scale), Q, D, K + size_t(k0) * D, D, A(0), scores.data(), kb);
      }
      cpu::simd(MLX_SIMD_LAMBDA {
        for (int r = 0; r < rows; ++r) {
          A* s = scores.data() + size_t(r) * kb;
          int h = h0 + r / head_rows;
          int i = q0 + r % head_rows;
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
      if (few) {
        few_rows_values<A>(rows, kb, Dv, scores.data(), V + size_t(k0) * Dv, O);
      } else {
        gemm<A>(false, rows, Dv, kb, A(1), scores.data(), kb, V + size_t(k0) * Dv, Dv, A(1), O, Dv);
      }
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

// The gradients of q, k and v (dq, dk, dv, zeroed here) for outputs o and
// their cotangents g, without a mask array or sinks; causal only when
// every query sees a key (L <= S). Each task is one (batch, kv head): its
// query heads in turn, blocks of queries, and for each block two sweeps over
// the visible key blocks: the first finds each row's log-sum-exp, the second
// recomputes the probabilities p and accumulates
//   dv += p^T g,  ds = p (g v^T - rowsum(g o)),  dq += scale ds k,
//   dk += scale ds^T q.
template <typename A>
void attend_vjp(const array& q, const array& k, const array& v, const array& o, const array& g, bool causal,
                float scale, A* dq, A* dk, A* dv) {
  int B = q.shape(0), Hq = q.shape(1), L = q.shape(2), D = q.shape(3);
  int Hkv = k.shape(1), S = k.shape(2), Dv = v.shape(3);
  int group = Hq / Hkv;
  const A inf = std::numeric_limits<A>::infinity();
  const A masked = std::numeric_limits<A>::lowest(); // as in the forward kernel
  std::fill(dq, dq + q.size(), A(0));
  std::fill(dk, dk + k.size(), A(0));
  std::fill(dv, dv + v.size(), A(0));
  cpu::use_pool_threads();
  cpu::parallel_tasks(size_t(B) * Hkv, [&](size_t task) {
    int b = int(task / Hkv), kvh = int(task % Hkv);
    const A* K = k.data<A>() + (size_t(b) * Hkv + kvh) * S * D;
    const A* V = v.data<A>() + (size_t(b) * Hkv + kvh) * S * Dv;
    A* dK = dk + (size_t(b) * Hkv + kvh) * S * D;
    A* dV = dv + (size_t(b) * Hkv + kvh) * S * Dv;
    std::vector<A> p(size_t(kQueryBlock) * kKeyBlock), dp(p.size()), lse(kQueryBlock), delta(kQueryBlock);
    for (int h = kvh * group; h < (kvh + 1) * group; ++h) {
      size_t head = (size_t(b) * Hq + h) * L;
      for (int q0 = 0; q0 < L; q0 += kQueryBlock) {
        int rows = std::min(kQueryBlock, L - q0);
        const A* Q = q.data<A>() + (head + q0) * D;
        const A* O = o.data<A>() + (head + q0) * Dv;
        const A* G = g.data<A>() + (head + q0) * Dv;
        A* dQ = dq + (head + q0) * D;
        // Query i sees keys j <= i + S - L when causal.
        int key_end = causal ? std::min(S, q0 + rows + S - L) : S;
        auto scores = [&](int k0, int kb) {
          gemm<A>(true, rows, kb, D, A(scale), Q, D, K + size_t(k0) * D, D, A(0), p.data(), kb);
          if (causal) {
            for (int r = 0; r < rows; ++r) {
              for (int j = std::max(0, q0 + r + S - L + 1 - k0); j < kb; ++j) {
                p[size_t(r) * kb + j] = masked;
              }
            }
          }
        };
        std::vector<A> mx(rows, -inf), sum(rows, A(0));
        for (int k0 = 0; k0 < key_end; k0 += kKeyBlock) {
          int kb = std::min(kKeyBlock, key_end - k0);
          scores(k0, kb);
          cpu::simd(MLX_SIMD_LAMBDA {
            // Every row sees a key of the first block, so its max is finite
            // from there on.
            for (int r = 0; r < rows; ++r) {
              A* s = p.data() + size_t(r) * kb;
              A new_max = std::max(mx[r], cpu::row_max(s, kb));
              sum[r] = sum[r] * (mx[r] == -inf ? A(0) : std::exp(mx[r] - new_max)) +
                       cpu::exp_row_sum(s, static_cast<A*>(nullptr), kb, new_max);
              mx[r] = new_max;
            }
          });
        }
        for (int r = 0; r < rows; ++r) {
          lse[r] = mx[r] + std::log(sum[r]);
          A d = 0;
          for (int c = 0; c < Dv; ++c) {
            d += G[size_t(r) * Dv + c] * O[size_t(r) * Dv + c];
          }
          delta[r] = d;
        }
        for (int k0 = 0; k0 < key_end; k0 += kKeyBlock) {
          int kb = std::min(kKeyBlock, key_end - k0);
          scores(k0, kb);
          cpu::simd(MLX_SIMD_LAMBDA {
            for (int r = 0; r < rows; ++r) {
              A* s = p.data() + size_t(r) * kb;
              cpu::exp_row_sum(s, s, kb, lse[r]); // s = exp(s - lse): the probabilities
            }
          });
          gemm<A>(true, false, kb, Dv, rows, A(1), p.data(), kb, G, Dv, A(1), dV + size_t(k0) * Dv, Dv);
          gemm<A>(true, rows, kb, Dv, A(1), G, Dv, V + size_t(k0) * Dv, Dv, A(0), dp.data(), kb);
          cpu::simd(MLX_SIMD_LAMBDA {
            for (int r = 0; r < rows; ++r) {
              A* s = p.data() + size_t(r) * kb;
              const A* d = dp.data() + size_t(r) * kb;
              for (int j = 0; j < kb; ++j) {
                s[j] *= d[j] - delta[r];
              }
            }
          });
          gemm<A>(false, false, rows, D, kb, A(scale), p.data(), kb, K + size_t(k0) * D, D, A(1), dQ, D);
          gemm<A>(true, false, kb, D, rows, A(scale), p.data(), kb, Q, D, A(1), dK + size_t(k0) * D, D);
        }
      }
    }
  });
}

} // namespace

void ScaledDotProductAttentionVJP::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  Dtype compute = float32;
  for (auto& a : in) {
    compute = a.dtype() == float64 ? float64 : compute;
  }
  std::vector<array> x;
  for (auto& a : in) {
    x.push_back(cpu::row_contiguous_as(a, compute));
  }
  std::vector<array> grads;
  for (auto& out : outs) {
    grads.push_back(out.dtype() == compute ? out : array(out.shape(), compute, nullptr, {}));
    grads.back().set_data(allocator::malloc(grads.back().nbytes()));
  }
  if (compute == float32) {
    attend_vjp<float>(x[0], x[1], x[2], x[3], x[4], causal_, scale_, grads[0].data<float>(),
                      grads[1].data<float>(), grads[2].data<float>());
  } else {
    attend_vjp<double>(x[0], x[1], x[2], x[3], x[4], causal_, scale_, grads[0].data<double>(),
                       grads[1].data<double>(), grads[2].data<double>());
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    if (outs[i].dtype() != compute) {
      cpu::copy(grads[i], outs[i], false);
    }
  }
}

namespace {

// Whether the forward kernel reads a (B, H, S, D) key or value array as it
// is: the compute type, each head's S x D rows contiguous, any batch and
// head strides (a slice of a KV cache's buffer, broadcast heads).
bool heads_in_place(const array& a, Dtype compute) {
  return a.dtype() == compute && a.ndim() == 4 && (a.shape(3) <= 1 || a.strides(3) == 1) &&
         (a.shape(2) <= 1 || a.strides(2) == a.shape(3));
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
    auto k = heads_in_place(in[1], compute) ? in[1] : cpu::row_contiguous_as(in[1], compute);
    auto v = heads_in_place(in[2], compute) ? in[2] : cpu::row_contiguous_as(in[2], compute);
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
