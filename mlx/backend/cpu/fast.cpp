// Fused CPU kernels of mx.fast: one pass per row over the last axis, rows
// split across the thread pool; 16-bit inputs accumulate in float32.
#include <algorithm>
#include <cmath>
#include <vector>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/lanes.h"
#include "mlx/backend/cpu/math.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/primitives/fast.h"

namespace mlx::core {

namespace {

array dense(const array& x) {
  if (x.flags().row_contiguous) {
    return x;
  }
  array out(x.shape(), x.dtype(), nullptr, {});
  cpu::copy(x, out, false);
  return out;
}

template <typename T>
using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;

// Rows of `d` elements; calls f(first_row, last_row) on the pool.
template <typename F>
void for_rows(size_t rows, size_t d, F&& f) {
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(d, 1));
  cpu::parallel_for(rows, grain, f);
}

// Sums of x and of (x - c)^2 over a row (lanes.h).
template <typename T, typename A>
inline A row_sum(const T* x, size_t d) {
  return cpu::reduce_lanes<A>(
      d, A(0), [](A a, A b) { return a + b; }, [&](size_t i) { return static_cast<A>(x[i]); });
}

template <typename T, typename A>
inline A row_sum_squares(const T* x, size_t d, A center) {
  return cpu::reduce_lanes<A>(
      d, A(0), [](A a, A b) { return a + b; },
      [&](size_t i) {
        A v = static_cast<A>(x[i]) - center;
        return v * v;
      });
}

// y[i] = f(i) for i < d, after asking for the next row's input (`ahead`,
// nullptr on the last row) so that its reads from memory overlap this
// row's work. One plain loop: the vectorizer takes it whole (a loop of
// fixed 16-element steps was unrolled and left scalar in the simd()
// wrappers).
template <typename T, typename F>
[[gnu::always_inline]] inline void write_values(T* y, size_t d, const T* ahead, F&& f) {
  if (ahead) {
    for (size_t i = 0; i < d; i += 64 / sizeof(T)) {
      __builtin_prefetch(ahead + i);
    }
  }
  for (size_t i = 0; i < d; ++i) {
    y[i] = f(i);
  }
}

// The output pass of a row: y[i] = f(i), with streaming stores when
// `stream` (a big output; streaming.h).
template <typename T, typename F>
[[gnu::always_inline]] inline void write_row(T* y, size_t d, const T* ahead, bool stream, F&& f) {
  cpu::write_blocks(y, 0, d, stream, [&](size_t first, size_t count, T* o) {
    write_values(o, count, ahead ? ahead + first : nullptr, [&](size_t i) { return f(first + i); });
  });
}

template <typename T>
void rms_rows(const T* x, const T* w, T* y, size_t r0, size_t r1, size_t d, float eps, bool stream) {
  cpu::simd(MLX_SIMD_LAMBDA {
    using A = Acc<T>;
    for (size_t r = r0; r < r1; ++r) {
      const T* xr = x + r * d;
      const T* ahead = r + 1 < r1 ? xr + d : nullptr;
      A ss = row_sum_squares<T, A>(xr, d, A(0));
      A scale = A(1) / std::sqrt(ss / A(d) + A(eps));
      if (w) {
        write_row(y + r * d, d, ahead, stream, [&](size_t i) {
          return static_cast<T>(static_cast<A>(xr[i]) * scale * static_cast<A>(w[i]));
        });
      } else {
        write_row(y + r * d, d, ahead, stream,
                  [&](size_t i) { return static_cast<T>(static_cast<A>(xr[i]) * scale); });
      }
    }
  });
}

template <typename T>
void layer_rows(const T* x, const T* w, const T* b, T* y, size_t r0, size_t r1, size_t d, float eps,
                bool stream) {
  cpu::simd(MLX_SIMD_LAMBDA {
    using A = Acc<T>;
    for (size_t r = r0; r < r1; ++r) {
      const T* xr = x + r * d;
      const T* ahead = r + 1 < r1 ? xr + d : nullptr;
      A mu = row_sum<T, A>(xr, d) / A(d);
      A ss = row_sum_squares<T, A>(xr, d, mu);
      A scale = A(1) / std::sqrt(ss / A(d) + A(eps));
      if (w && b) {
        write_row(y + r * d, d, ahead, stream, [&](size_t i) {
          return static_cast<T>((static_cast<A>(xr[i]) - mu) * scale * static_cast<A>(w[i]) +
                                static_cast<A>(b[i]));
        });
      } else {
        write_row(y + r * d, d, ahead, stream, [&](size_t i) {
          A v = (static_cast<A>(xr[i]) - mu) * scale;
          v = w ? v * static_cast<A>(w[i]) : v;
          return static_cast<T>(b ? v + static_cast<A>(b[i]) : v);
        });
      }
    }
  });
}

// NormGrad over rows [r0, r1) of x, w (ones when the norm has no weight)
// and the cotangent g: the statistics of each row again, then dx, with the
// row terms g * n and g added into dw and db.
template <typename T>
void norm_grad_rows(const T* x, const T* w, const T* g, T* dx, Acc<T>* dw, Acc<T>* db, size_t r0, size_t r1,
                    size_t d, float eps, bool layer) {
  cpu::simd(MLX_SIMD_LAMBDA {
    using A = Acc<T>;
    constexpr int L = 16;
    for (size_t r = r0; r < r1; ++r) {
      const T* xr = x + r * d;
      const T* gr = g + r * d;
      A mu = layer ? row_sum<T, A>(xr, d) / A(d) : A(0);
      A rs = A(1) / std::sqrt(row_sum_squares<T, A>(xr, d, mu) / A(d) + A(eps));
      // Sums of g w and of g w n over the row, in lanes.
      A lanes_gw[L] = {}, lanes_gwn[L] = {};
      size_t i = 0;
      for (; i + L <= d; i += L) {
        for (int l = 0; l < L; ++l) {
          A gv = static_cast<A>(gr[i + l]);
          A nv = (static_cast<A>(xr[i + l]) - mu) * rs;
          A gw = gv * static_cast<A>(w[i + l]);
          lanes_gw[l] += gw;
          lanes_gwn[l] += gw * nv;
          dw[i + l] += gv * nv;
          db[i + l] += gv;
        }
      }
      A sum_gw = 0, sum_gwn = 0;
      for (; i < d; ++i) {
        A gv = static_cast<A>(gr[i]);
        A nv = (static_cast<A>(xr[i]) - mu) * rs;
        A gw = gv * static_cast<A>(w[i]);
        sum_gw += gw;
        sum_gwn += gw * nv;
        dw[i] += gv * nv;
        db[i] += gv;
      }
      for (int l = 0; l < L; ++l) {
        sum_gw += lanes_gw[l];
        sum_gwn += lanes_gwn[l];
      }
      const A mean_gw = layer ? sum_gw / A(d) : A(0), mean_gwn = sum_gwn / A(d);
      T* dxr = dx + r * d;
      for (size_t k = 0; k < d; ++k) {
        A nv = (static_cast<A>(xr[k]) - mu) * rs;
        A gw = static_cast<A>(gr[k]) * static_cast<A>(w[k]);
        dxr[k] = static_cast<T>(rs * (gw - mean_gw - nv * mean_gwn));
      }
    }
  });
}

// Rotates `rows` consecutive rows of `d` features (row k at x + k d, with
// the cos and sin of its position at c + k half, sn + k half): pairs
// (x[i], x[i + half]), or (x[2i], x[2i + 1]) when traditional; features
// past dims are copied. One call per block of rows, so the per-call cost
// of the instruction-set dispatch is not paid per (short) row.
template <typename T, typename A>
void rope_rows(const T* __restrict__ x, T* __restrict__ y, const A* __restrict__ c, const A* __restrict__ sn,
               size_t rows, size_t d, int half, int dims, bool traditional) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (size_t k = 0; k < rows; ++k, x += d, y += d, c += half, sn += half) {
      if (traditional) {
        for (int i = 0; i < half; ++i) {
          A a = static_cast<A>(x[2 * i]), b = static_cast<A>(x[2 * i + 1]);
          y[2 * i] = static_cast<T>(a * c[i] - b * sn[i]);
          y[2 * i + 1] = static_cast<T>(a * sn[i] + b * c[i]);
        }
      } else {
        for (int i = 0; i < half; ++i) {
          A a = static_cast<A>(x[i]), b = static_cast<A>(x[i + half]);
          y[i] = static_cast<T>(a * c[i] - b * sn[i]);
          y[i + half] = static_cast<T>(a * sn[i] + b * c[i]);
        }
      }
      for (size_t i = dims; i < d; ++i) {
        y[i] = x[i];
      }
    }
  });
}

// Rotates rows [r0, r1) (float32 math) with cos and sin computed on the
// fly: row r is at position (r % t_len + offset) * scale, the offset of its
// batch entry (pos_of gives it), and feature pair i turns by position *
// inv[i]. Faster than streaming a table of every position's cos and sin
// from memory once per head; used where every angle is within sincos_small's
// range.
template <typename T>
void rope_rows_direct(const T* __restrict__ x, T* __restrict__ y, const float* __restrict__ inv,
                      const float* __restrict__ positions, size_t rows, size_t d, int half, int dims,
                      bool traditional, float sign) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (size_t k = 0; k < rows; ++k, x += d, y += d) {
      const float pos = positions[k];
      if (traditional) {
        for (int i = 0; i < half; ++i) {
          float sn, c;
          cpu::fast::sincos_small(pos * inv[i], sn, c);
          sn *= sign;
          float a = static_cast<float>(x[2 * i]), b = static_cast<float>(x[2 * i + 1]);
          y[2 * i] = static_cast<T>(a * c - b * sn);
          y[2 * i + 1] = static_cast<T>(a * sn + b * c);
        }
      } else {
        for (int i = 0; i < half; ++i) {
          float sn, c;
          cpu::fast::sincos_small(pos * inv[i], sn, c);
          sn *= sign;
          float a = static_cast<float>(x[i]), b = static_cast<float>(x[i + half]);
          y[i] = static_cast<T>(a * c - b * sn);
          y[i + half] = static_cast<T>(a * sn + b * c);
        }
      }
      for (size_t i = dims; i < d; ++i) {
        y[i] = x[i];
      }
    }
  });
}

} // namespace

void RMSNorm::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto x = dense(in[0]);
  std::optional<array> w;
  if (has_weight_) {
    w = dense(in[1]);
  }
  size_t d = x.shape(-1), rows = x.size() / d;
  bool stream = cpu::streams(out.nbytes());
  cpu::dispatch(cpu::FloatTypes{}, out.dtype(), "rms_norm", [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    const T* pw = w ? w->data<T>() : nullptr;
    T* py = out.data<T>();
    for_rows(rows, d, [&](size_t r0, size_t r1) { rms_rows<T>(px, pw, py, r0, r1, d, eps_, stream); });
  });
}

void LayerNorm::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto x = dense(in[0]);
  size_t next = 1;
  std::optional<array> w, b;
  if (has_weight_) {
    w = dense(in[next++]);
  }
  if (has_bias_) {
    b = dense(in[next++]);
  }
  size_t d = x.shape(-1), rows = x.size() / d;
  bool stream = cpu::streams(out.nbytes());
  cpu::dispatch(cpu::FloatTypes{}, out.dtype(), "layer_norm", [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    const T* pw = w ? w->data<T>() : nullptr;
    const T* pb = b ? b->data<T>() : nullptr;
    T* py = out.data<T>();
    for_rows(rows, d, [&](size_t r0, size_t r1) { layer_rows<T>(px, pw, pb, py, r0, r1, d, eps_, stream); });
  });
}

void NormGrad::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto x = dense(in[0]);
  auto g = dense(in.back());
  std::optional<array> w;
  if (has_weight_) {
    w = dense(in[1]);
  }
  for (auto& o : outs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  size_t d = x.ndim() ? x.shape(-1) : 1, rows = d ? x.size() / d : 0;
  cpu::dispatch(cpu::FloatTypes{}, x.dtype(), "NormGrad", [&](auto t) {
    using T = decltype(t);
    using A = Acc<T>;
    std::vector<T> ones;
    if (!w) {
      ones.assign(d, static_cast<T>(1.0f));
    }
    const T* pw = w ? w->data<T>() : ones.data();
    // Fixed row ranges, each with its own dw and db sums, added in order
    // afterwards: the same result whichever thread runs a range.
    size_t tasks = std::clamp<size_t>(rows * d / cpu::kParallelGrain, 1, size_t(cpu::num_threads()) * 4);
    tasks = std::max<size_t>(1, std::min(tasks, rows));
    size_t per = rows ? (rows + tasks - 1) / tasks : 0;
    std::vector<A> partial(tasks * 2 * d, A(0));
    cpu::parallel_tasks(tasks, [&](size_t k) {
      size_t r0 = k * per, r1 = std::min(rows, r0 + per);
      if (r0 < r1) {
        A* part = partial.data() + k * 2 * d;
        norm_grad_rows<T>(x.data<T>(), pw, g.data<T>(), outs[0].data<T>(), part, part + d, r0, r1, d, eps_,
                          layer_);
      }
    });
    // outs[1..]: dw (when there is a weight), then db.
    for (size_t o = 1; o < outs.size(); ++o) {
      size_t which = (o == 1 && has_weight_) ? 0 : 1;
      A* dst = outs[o].data<A>();
      for (size_t i = 0; i < d; ++i) {
        A total = 0;
        for (size_t k = 0; k < tasks; ++k) {
          total += partial[(k * 2 + which) * d + i];
        }
        dst[i] = total;
      }
    }
  });
}

void RoPE::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  auto x = dense(in[0]);
  auto offsets = dense(in[1]);
  size_t d = x.shape(-1), t_len = x.shape(-2), rows = x.size() / d;
  size_t per_batch = rows / std::max<size_t>(1, x.shape(0));
  int half = dims_ / 2;
  // Inverse frequencies of each feature pair.
  std::vector<float> inv(half);
  for (int i = 0; i < half; ++i) {
    inv[i] = has_freqs_ ? 1.0f / in[2].data<float>()[i]
                        : std::pow(base_, -2.0f * static_cast<float>(i) / static_cast<float>(dims_));
  }
  const int32_t* off = offsets.data<int32_t>();
  bool per_entry = offsets.ndim() == 1;
  float sign = inverse_ ? -1.0f : 1.0f;
  cpu::dispatch(cpu::FloatTypes{}, out.dtype(), "rope", [&](auto tag) {
    using T = decltype(tag);
    using A = Acc<T>;
    const T* px = x.data<T>();
    T* py = out.data<T>();
    size_t entries = per_entry ? offsets.size() : 1;
    auto position = [&](size_t entry, size_t t) {
      return (static_cast<A>(t) + static_cast<A>(off[entry])) * static_cast<A>(scale_);
    };
    if constexpr (std::is_same_v<A, float>) {
      // Positions are linear in t: the largest angle is at an end.
      float max_inv = 0, max_angle = 0;
      for (float f : inv) {
        max_inv = std::max(max_inv, std::abs(f));
      }
      for (size_t e = 0; e < entries; ++e) {
        for (size_t t : {size_t(0), t_len - 1}) {
          max_angle = std::max(max_angle, std::abs(position(e, t)) * max_inv);
        }
      }
      if (max_angle <= 8192.0f) {
        for_rows(rows, d, [&](size_t r0, size_t r1) {
          std::vector<float> positions(r1 - r0);
          for (size_t r = r0; r < r1; ++r) {
            positions[r - r0] = position(per_entry ? r / per_batch : 0, r % t_len);
          }
          rope_rows_direct<T>(px + r0 * d, py + r0 * d, inv.data(), positions.data(), r1 - r0, d, half, dims_,
                              traditional_, sign);
        });
        return;
      }
    }
    // Otherwise the C library's cos and sin of every (offset entry,
    // position, pair), computed once and shared by the rows (heads) that
    // use them.
    std::vector<A> cos_t(entries * t_len * half), sin_t(entries * t_len * half);
    cpu::parallel_for(entries * t_len, 64, [&](size_t b0, size_t b1) {
      for (size_t k = b0; k < b1; ++k) {
        A pos = position(k / t_len, k % t_len);
        for (int i = 0; i < half; ++i) {
          A a = pos * static_cast<A>(inv[i]);
          cos_t[k * half + i] = std::cos(a);
          sin_t[k * half + i] = sign * std::sin(a);
        }
      }
    });
    for_rows(rows, d, [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1;) {
        // Rows up to the end of this sequence share consecutive table rows.
        size_t entry = per_entry ? r / per_batch : 0, t = r % t_len;
        size_t n = std::min(r1 - r, t_len - t);
        size_t table = (entry * t_len + t) * half;
        rope_rows<T, A>(px + r * d, py + r * d, cos_t.data() + table, sin_t.data() + table, n, d, half, dims_,
                        traditional_);
        r += n;
      }
    });
  });
}

} // namespace mlx::core

namespace mlx::core {

namespace {

// One (batch, value head) sequence of the gated delta rule; S is Dv x Dk,
// row-major, in float (double for float64).
template <typename T>
void gated_delta_sequence(const T* q, const T* k, const T* v, const T* g, const T* b, const T* s0,
                          const bool* m, T* o, T* s_out, int t_len, int dk, int dv, int64_t qk_t, int64_t v_t,
                          int64_t gb_t, int64_t o_t) {
  using A = Acc<T>;
  std::vector<A> S(size_t(dv) * dk);
  for (size_t i = 0; i < S.size(); ++i) {
    S[i] = static_cast<A>(s0[i]);
  }
  std::vector<A> kt(dk), qt(dk);
  for (int t = 0; t < t_len; ++t) {
    T* ot = o + t * o_t;
    if (m && !m[t]) {
      std::fill(ot, ot + dv, T(0));
      continue;
    }
    for (int i = 0; i < dk; ++i) {
      kt[i] = static_cast<A>(k[t * qk_t + i]);
      qt[i] = static_cast<A>(q[t * qk_t + i]);
    }
    A gamma = static_cast<A>(g[t * gb_t]), beta = static_cast<A>(b[t * gb_t]);
    for (int r = 0; r < dv; ++r) {
      A* row = S.data() + size_t(r) * dk;
      A pred = 0;
      for (int i = 0; i < dk; ++i) {
        row[i] *= gamma;
        pred += row[i] * kt[i];
      }
      A delta = beta * (static_cast<A>(v[t * v_t + r]) - pred);
      A out = 0;
      for (int i = 0; i < dk; ++i) {
        row[i] += delta * kt[i];
        out += row[i] * qt[i];
      }
      ot[r] = static_cast<T>(out);
    }
  }
  for (size_t i = 0; i < S.size(); ++i) {
    s_out[i] = static_cast<T>(S[i]);
  }
}

} // namespace

void GatedDelta::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& o = outs[0];
  auto& s = outs[1];
  o.set_data(allocator::malloc(o.nbytes()));
  s.set_data(allocator::malloc(s.nbytes()));
  std::vector<array> d;
  for (auto& x : in) {
    d.push_back(dense(x));
  }
  int b = d[0].shape(0), t_len = d[0].shape(1), hk = d[0].shape(2), dk = d[0].shape(3);
  int hv = d[2].shape(2), dv = d[2].shape(3);
  int group = hv / std::max(hk, 1);
  const bool* mask = has_mask_ ? d[6].data<bool>() : nullptr;
  cpu::dispatch(cpu::FloatTypes{}, o.dtype(), "gated_delta_update", [&](auto tag) {
    using T = decltype(tag);
    cpu::parallel_tasks(size_t(b) * hv, [&](size_t task) {
      int bi = static_cast<int>(task / hv), h = static_cast<int>(task % hv), hki = h / group;
      size_t qk_off = (size_t(bi) * t_len * hk + hki) * dk;
      size_t v_off = (size_t(bi) * t_len * hv + h) * dv;
      size_t gb_off = size_t(bi) * t_len * hv + h;
      size_t s_off = (size_t(bi) * hv + h) * dv * dk;
      gated_delta_sequence<T>(d[0].data<T>() + qk_off, d[1].data<T>() + qk_off, d[2].data<T>() + v_off,
                              d[3].data<T>() + gb_off, d[4].data<T>() + gb_off, d[5].data<T>() + s_off,
                              mask ? mask + size_t(bi) * t_len : nullptr, o.data<T>() + v_off,
                              s.data<T>() + s_off, t_len, dk, dv, int64_t(hk) * dk, int64_t(hv) * dv, hv,
                              int64_t(hv) * dv);
    });
  });
}

void CustomKernel::eval_cpu(const std::vector<array>&, std::vector<array>&) {
  throw std::runtime_error("[metal_kernel] No Metal back-end.");
}

} // namespace mlx::core
