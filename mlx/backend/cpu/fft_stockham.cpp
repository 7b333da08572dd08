// Fast FFT kernels (fft_stockham.h). A block of B lines is gathered into
// split real / imaginary planes with the lines side by side (value i of
// line b at [i * B + b]); each Stockham stage of radix p then reads and
// writes runs of at least B contiguous floats with one twiddle per run, so
// the butterflies vectorize (cpu::simd, simd.h) and the block stays in L2.
// Stage with length L left and stride s (L s = n B), m = L / p:
//   y[(p j + k) s + q] = w_L^(j k) sum_r x[(j + r m) s + q] w_p^(r k)
// which leaves the transform in natural order after the last stage.
#include "mlx/backend/cpu/fft_stockham.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/fft_butterflies.h"
#include "mlx/backend/cpu/simd.h"

// The vector types below only ever live inside always-inlined helpers of
// the kernels (no AVX value crosses a call boundary).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mlx::core::cpu::fft {

namespace {

// The mixed-radix transform of one length, in one direction.
class Stockham {
 public:
  Stockham(size_t n, bool inverse) : n_(n), sign_(inverse ? 1.0f : -1.0f) {
    std::vector<int> ps;
    radices(n, ps);
    size_t len = n;
    for (int p : ps) {
      Stage st{p, len / p, {}, {}};
      st.wr.resize(st.m * (p - 1));
      st.wi.resize(st.m * (p - 1));
      for (size_t j = 0; j < st.m; ++j) {
        for (int k = 1; k < p; ++k) {
          cd w = unit(j * k, len, sign_);
          st.wr[j * (p - 1) + k - 1] = float(w.real());
          st.wi[j * (p - 1) + k - 1] = float(w.imag());
        }
      }
      stages_.push_back(std::move(st));
      len /= p;
    }
  }

  size_t size() const { return n_; }

  // Transforms the B lines of planes (xr, xi) (value i of line b at
  // [i B + b]), with (yr, yi) as scratch of the same size; returns
  // whether the result ended in y.
  bool run(float* xr, float* xi, float* yr, float* yi, size_t B) const {
    bool in_y = false;
    size_t s = B;
    for (const Stage& st : stages_) {
      const float* ar = in_y ? yr : xr;
      const float* ai = in_y ? yi : xi;
      float* br = in_y ? xr : yr;
      float* bi = in_y ? xi : yi;
      switch (st.p) {
        case 2:
          stage<2>(ar, ai, br, bi, st.m, s, st.wr.data(), st.wi.data(), sign_);
          break;
        case 3:
          stage<3>(ar, ai, br, bi, st.m, s, st.wr.data(), st.wi.data(), sign_);
          break;
        case 4:
          stage<4>(ar, ai, br, bi, st.m, s, st.wr.data(), st.wi.data(), sign_);
          break;
        case 5:
          stage<5>(ar, ai, br, bi, st.m, s, st.wr.data(), st.wi.data(), sign_);
          break;
        default:
          stage<7>(ar, ai, br, bi, st.m, s, st.wr.data(), st.wi.data(), sign_);
          break;
      }
      s *= st.p;
      in_y = !in_y;
    }
    return in_y;
  }

 private:
  struct Stage {
    int p;
    size_t m;
    std::vector<float> wr, wi;
  };
  size_t n_;
  float sign_;
  std::vector<Stage> stages_;
};

// Lines of at most kBlockBytes of planes (x and y) per block.
constexpr size_t kBlockFloats = size_t(1) << 16;
// Lengths above this go through the four-step algorithm.
constexpr size_t kFourStep = 4096;

size_t block_width(size_t n) { return std::clamp<size_t>(kBlockFloats / (4 * n), 8, 64); }

// n = n1 n2 viewed as n2 rows of n1 (index j1 + n1 j2): the n2-point
// transforms of the columns (in blocks of B columns), the twiddles
// w_n^(j1 k2), then the n1-point transforms of the rows, read transposed,
// leaving X[k2 + n2 k1] in natural order.
struct FourStep {
  size_t n, n1, n2, B;
  std::shared_ptr<const Stockham> cols, rows;
  // w_n^(b k2) at [k2 B + b]; w_n^(c0 k2) at [block n2 + k2].
  std::vector<float> tr, ti, sr, si;
};

bool reference_forced() {
  static const bool forced = [] {
    const char* e = std::getenv("MLX_CPU_REFERENCE_KERNELS");
    return e != nullptr && e[0] != '\0' && e[0] != '0';
  }();
  return forced;
}

// Plans, cached by (kind, n, inverse).
std::mutex cache_mutex;
std::map<std::tuple<int, size_t, bool>, std::shared_ptr<const void>> plan_cache;

template <typename T, typename Make>
std::shared_ptr<const T> cached(int kind, size_t n, bool inverse, Make make) {
  auto key = std::make_tuple(kind, n, inverse);
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = plan_cache.find(key);
    if (it != plan_cache.end()) {
      return std::static_pointer_cast<const T>(it->second);
    }
  }
  std::shared_ptr<const T> plan = make();
  std::lock_guard<std::mutex> lock(cache_mutex);
  if (plan_cache.size() >= 64) {
    plan_cache.clear();
  }
  plan_cache[key] = plan;
  return plan;
}

std::shared_ptr<const Stockham> stockham(size_t n, bool inverse) {
  return cached<Stockham>(0, n, inverse, [&] { return std::make_shared<const Stockham>(n, inverse); });
}

std::shared_ptr<const FourStep> four_step(size_t n, bool inverse) {
  return cached<FourStep>(1, n, inverse, [&] {
    auto f = std::make_shared<FourStep>();
    f->n = n;
    std::vector<int> ps;
    radices(n, ps);
    // n1 about sqrt(n), from the largest factors down.
    size_t n1 = 1;
    for (auto it = ps.rbegin(); it != ps.rend(); ++it) {
      if (n1 * n1 < n) {
        n1 *= *it;
      }
    }
    f->n1 = n1;
    f->n2 = n / n1;
    f->B = block_width(f->n2);
    f->cols = stockham(f->n2, inverse);
    f->rows = stockham(f->n1, inverse);
    double sign = inverse ? 1.0 : -1.0;
    f->tr.resize(f->n2 * f->B);
    f->ti.resize(f->n2 * f->B);
    for (size_t k2 = 0; k2 < f->n2; ++k2) {
      for (size_t b = 0; b < f->B; ++b) {
        cd w = unit(b * k2, n, sign);
        f->tr[k2 * f->B + b] = float(w.real());
        f->ti[k2 * f->B + b] = float(w.imag());
      }
    }
    size_t blocks = (n1 + f->B - 1) / f->B;
    f->sr.resize(blocks * f->n2);
    f->si.resize(blocks * f->n2);
    for (size_t c = 0; c < blocks; ++c) {
      for (size_t k2 = 0; k2 < f->n2; ++k2) {
        cd w = unit((c * f->B % n) * k2, n, sign);
        f->sr[c * f->n2 + k2] = float(w.real());
        f->si[c * f->n2 + k2] = float(w.imag());
      }
    }
    return std::shared_ptr<const FourStep>(f);
  });
}

// exp(sign 2 pi i k / n) for k <= n / 2, for the real transforms.
struct RealTwiddles {
  std::vector<float> wr, wi;
};

std::shared_ptr<const RealTwiddles> real_twiddles(size_t n, bool inverse) {
  return cached<RealTwiddles>(2, n, inverse, [&] {
    auto t = std::make_shared<RealTwiddles>();
    t->wr.resize(n / 2 + 1);
    t->wi.resize(n / 2 + 1);
    for (size_t k = 0; k <= n / 2; ++k) {
      cd w = unit(k, n, inverse ? 1.0 : -1.0);
      t->wr[k] = float(w.real());
      t->wi[k] = float(w.imag());
    }
    return std::shared_ptr<const RealTwiddles>(t);
  });
}

// A per-thread buffer of at least n floats.
float* scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) {
    buf.resize(n);
  }
  return buf.data();
}

// Transforms lines of length n in blocks: get(l0, bb, xr, xi, yr, yi)
// fills the columns x with lines l0 .. l0 + bb - 1 (y: scratch), put(l0,
// bb, zr, zi, fr, fi) takes the results z (f: scratch).
template <typename Get, typename Put>
void blocks(size_t count, const Stockham& plan, Get get, Put put) {
  size_t n = plan.size(), B = block_width(n);
  size_t nb = (count + B - 1) / B;
  size_t grain = std::max<size_t>(1, kParallelGrain / (n * B));
  parallel_for(nb, grain, [&](size_t b0, size_t b1) {
    float* buf = scratch(4 * n * B);
    for (size_t blk = b0; blk < b1; ++blk) {
      size_t l0 = blk * B, bb = std::min(B, count - l0);
      float *xr = buf, *xi = xr + n * bb, *yr = xi + n * bb, *yi = yr + n * bb;
      get(l0, bb, xr, xi, yr, yi);
      bool in_y = plan.run(xr, xi, yr, yi, bb);
      put(l0, bb, in_y ? yr : xr, in_y ? yi : xi, in_y ? xr : yr, in_y ? xi : yi);
    }
  });
}

// out[k2 n1 + b] = z[k2 bb + b] w_n^(c0 k2) w_n^(b k2) for k2 < n2, b < bb
// (the scalars s and the B-wide rows t of FourStep).
[[gnu::always_inline]] inline void twiddle_rows_body(const float* __restrict zr, const float* __restrict zi,
                                                     float* __restrict outr, float* __restrict outi,
                                                     size_t n1, size_t n2, size_t bb, const float* sr,
                                                     const float* si, const float* tr, const float* ti,
                                                     size_t B) {
  for (size_t k2 = 0; k2 < n2; ++k2) {
    float cr = sr[k2], ci = si[k2];
    const float* r = tr + k2 * B;
    const float* i = ti + k2 * B;
    float* o_r = outr + k2 * n1;
    float* o_i = outi + k2 * n1;
    const float* vr = zr + k2 * bb;
    const float* vi = zi + k2 * bb;
    for (size_t b = 0; b < bb; ++b) {
      float wr = cr * r[b] - ci * i[b], wi = cr * i[b] + ci * r[b];
      o_r[b] = vr[b] * wr - vi[b] * wi;
      o_i[b] = vr[b] * wi + vi[b] * wr;
    }
  }
}

void twiddle_rows(const float* __restrict zr, const float* __restrict zi, float* __restrict outr,
                  float* __restrict outi, size_t n1, size_t n2, size_t bb, const float* sr, const float* si,
                  const float* tr, const float* ti, size_t B) {
  simd(MLX_SIMD_LAMBDA { twiddle_rows_body(zr, zi, outr, outi, n1, n2, bb, sr, si, tr, ti, B); });
}

// Rows j < rows of bb interleaved complex values at src + 2 j stride, into
// planes (value b of row j at [j bb + b]).
[[gnu::always_inline]] inline void deinterleave_rows_body(const float* __restrict src, size_t stride,
                                                          size_t rows, size_t bb, float* __restrict xr,
                                                          float* __restrict xi) {
  for (size_t j = 0; j < rows; ++j) {
    const float* p = src + 2 * j * stride;
    for (size_t b = 0; b < bb; ++b) {
      xr[j * bb + b] = p[2 * b];
      xi[j * bb + b] = p[2 * b + 1];
    }
  }
}

void deinterleave_rows(const float* __restrict src, size_t stride, size_t rows, size_t bb,
                       float* __restrict xr, float* __restrict xi) {
  simd(MLX_SIMD_LAMBDA { deinterleave_rows_body(src, stride, rows, bb, xr, xi); });
}

// The inverse: planes into rows of interleaved values at dst + 2 j stride.
[[gnu::always_inline]] inline void interleave_rows_body(const float* __restrict zr,
                                                        const float* __restrict zi, size_t rows, size_t bb,
                                                        float* __restrict dst, size_t stride) {
  for (size_t j = 0; j < rows; ++j) {
    float* p = dst + 2 * j * stride;
    for (size_t b = 0; b < bb; ++b) {
      p[2 * b] = zr[j * bb + b];
      p[2 * b + 1] = zi[j * bb + b];
    }
  }
}

void interleave_rows(const float* __restrict zr, const float* __restrict zi, size_t rows, size_t bb,
                     float* __restrict dst, size_t stride) {
  simd(MLX_SIMD_LAMBDA { interleave_rows_body(zr, zi, rows, bb, dst, stride); });
}

// bb rows of n values (at mr / mi + b n) as bb columns of planes.
[[gnu::always_inline]] inline void rows_to_columns_body(const float* __restrict mr,
                                                        const float* __restrict mi, size_t n, size_t bb,
                                                        float* __restrict xr, float* __restrict xi) {
  for (size_t b = 0; b < bb; ++b) {
    for (size_t j = 0; j < n; ++j) {
      xr[j * bb + b] = mr[b * n + j];
      xi[j * bb + b] = mi[b * n + j];
    }
  }
}

void rows_to_columns(const float* __restrict mr, const float* __restrict mi, size_t n, size_t bb,
                     float* __restrict xr, float* __restrict xi) {
  simd(MLX_SIMD_LAMBDA { rows_to_columns_body(mr, mi, n, bb, xr, xi); });
}

// One long line: get(i, re, im) reads value i, put(k, re, im) writes
// value k of the result.
// With `src` (`dst`), the line is read from (written to) there as
// contiguous interleaved complex values instead.
template <typename Get, typename Put>
void long_line(const FourStep& f, Get get, Put put, const float* src = nullptr, float* dst = nullptr) {
  size_t n1 = f.n1, n2 = f.n2, B = f.B;
  thread_local std::vector<float> mid;
  if (mid.size() < 2 * f.n) {
    mid.resize(2 * f.n);
  }
  float *mr = mid.data(), *mi = mr + f.n;
  size_t nb = (n1 + B - 1) / B;
  parallel_for(nb, 1, [&](size_t b0, size_t b1) {
    float* buf = scratch(4 * n2 * B);
    for (size_t blk = b0; blk < b1; ++blk) {
      size_t c0 = blk * B, bb = std::min(B, n1 - c0);
      float *xr = buf, *xi = xr + n2 * bb, *yr = xi + n2 * bb, *yi = yr + n2 * bb;
      if (src != nullptr) {
        deinterleave_rows(src + 2 * c0, n1, n2, bb, xr, xi);
      } else {
        for (size_t j2 = 0; j2 < n2; ++j2) {
          for (size_t b = 0; b < bb; ++b) {
            get(j2 * n1 + c0 + b, xr[j2 * bb + b], xi[j2 * bb + b]);
          }
        }
      }
      bool in_y = f.cols->run(xr, xi, yr, yi, bb);
      const float* zr = in_y ? yr : xr;
      const float* zi = in_y ? yi : xi;
      twiddle_rows(zr, zi, mr + c0, mi + c0, n1, n2, bb, f.sr.data() + blk * n2, f.si.data() + blk * n2,
                   f.tr.data(), f.ti.data(), B);
    }
  });
  size_t B2 = block_width(n1);
  nb = (n2 + B2 - 1) / B2;
  parallel_for(nb, 1, [&](size_t b0, size_t b1) {
    float* buf = scratch(4 * n1 * B2);
    for (size_t blk = b0; blk < b1; ++blk) {
      size_t r0 = blk * B2, bb = std::min(B2, n2 - r0);
      float *xr = buf, *xi = xr + n1 * bb, *yr = xi + n1 * bb, *yi = yr + n1 * bb;
      rows_to_columns(mr + r0 * n1, mi + r0 * n1, n1, bb, xr, xi);
      bool in_y = f.rows->run(xr, xi, yr, yi, bb);
      const float* zr = in_y ? yr : xr;
      const float* zi = in_y ? yi : xi;
      if (dst != nullptr) {
        interleave_rows(zr, zi, n1, bb, dst + 2 * r0, n2);
      } else {
        for (size_t k1 = 0; k1 < n1; ++k1) {
          for (size_t b = 0; b < bb; ++b) {
            put(k1 * n2 + r0 + b, zr[k1 * bb + b], zi[k1 * bb + b]);
          }
        }
      }
    }
  });
}

// ---- gathers and scatters of a block of bb lines (line b's first value
// at base + st[b]; step: floats between a line's values). Lines of
// strided values (inner > 1) lie side by side, so the loops run across
// lines; contiguous lines (inner == 1, often 4 KiB apart: the same cache
// sets) go line by line in tiles of kTile values. ----

constexpr size_t kTile = 256;

// Runs f(b, i) over b < bb, i < n in the order above.
template <typename F>
[[gnu::always_inline]] inline void block_order(bool contiguous, size_t bb, size_t n, F f) {
  if (contiguous) {
    for (size_t i0 = 0; i0 < n; i0 += kTile) {
      size_t i1 = std::min(n, i0 + kTile);
      for (size_t b = 0; b < bb; ++b) {
        for (size_t i = i0; i < i1; ++i) {
          f(b, i);
        }
      }
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t b = 0; b < bb; ++b) {
      f(b, i);
    }
  }
}

// r[j][i] <- r[i][j] for an 8 x 8 block.
[[gnu::always_inline]] inline void transpose8(v8f* r) {
  typedef int v8i __attribute__((vector_size(32)));
  v8f t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shuffle(r[i], r[i + 1], v8i{0, 8, 1, 9, 4, 12, 5, 13});
    t[i + 1] = __builtin_shuffle(r[i], r[i + 1], v8i{2, 10, 3, 11, 6, 14, 7, 15});
  }
  for (int h = 0; h < 8; h += 4) {
    u[h] = __builtin_shuffle(t[h], t[h + 2], v8i{0, 1, 8, 9, 4, 5, 12, 13});
    u[h + 1] = __builtin_shuffle(t[h], t[h + 2], v8i{2, 3, 10, 11, 6, 7, 14, 15});
    u[h + 2] = __builtin_shuffle(t[h + 1], t[h + 3], v8i{0, 1, 8, 9, 4, 5, 12, 13});
    u[h + 3] = __builtin_shuffle(t[h + 1], t[h + 3], v8i{2, 3, 10, 11, 6, 7, 14, 15});
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = __builtin_shuffle(u[j], u[j + 4], v8i{0, 1, 2, 3, 8, 9, 10, 11});
    r[j + 4] = __builtin_shuffle(u[j], u[j + 4], v8i{4, 5, 6, 7, 12, 13, 14, 15});
  }
}

// Contiguous interleaved lines (step 2, off 1) by 8 x 8 transposes of 8
// lines and 4 values; returns how many lines (a multiple of 8) and values
// (a multiple of 4) it did.
[[gnu::always_inline]] inline void load_tiles(const float* base, const size_t* st, size_t b8, size_t n4,
                                              float* xr, float* xi, size_t bb) {
  for (size_t b0 = 0; b0 < b8; b0 += 8) {
    for (size_t i0 = 0; i0 < n4; i0 += 4) {
      v8f r[8];
      for (int j = 0; j < 8; ++j) {
        r[j] = load<v8f>(base + st[b0 + j] + 2 * i0);
      }
      transpose8(r);
      for (int i = 0; i < 4; ++i) {
        store<v8f>(xr + (i0 + i) * bb + b0, r[2 * i]);
        store<v8f>(xi + (i0 + i) * bb + b0, r[2 * i + 1]);
      }
    }
  }
}

[[gnu::always_inline]] inline void store_tiles(const float* zr, const float* zi, size_t bb, size_t b8,
                                               size_t n4, float* base, const size_t* st, float scale) {
  for (size_t b0 = 0; b0 < b8; b0 += 8) {
    for (size_t i0 = 0; i0 < n4; i0 += 4) {
      v8f r[8];
      for (int i = 0; i < 4; ++i) {
        r[2 * i] = load<v8f>(zr + (i0 + i) * bb + b0) * scale;
        r[2 * i + 1] = load<v8f>(zi + (i0 + i) * bb + b0) * scale;
      }
      transpose8(r);
      for (int j = 0; j < 8; ++j) {
        store<v8f>(base + st[b0 + j] + 2 * i0, r[j]);
      }
    }
  }
}

// xr[i bb + b] = line b [i step], xi[...] = line b [i step + off], i < n.
[[gnu::always_inline]] inline void load_pairs_body(const float* __restrict base, const size_t* st, size_t bb,
                                                   size_t step, size_t off, size_t n, float* __restrict xr,
                                                   float* __restrict xi) {
  if (step == 2 && off == 1) {
    size_t b8 = bb & ~size_t(7), n4 = n & ~size_t(3);
    load_tiles(base, st, b8, n4, xr, xi, bb);
    for (size_t b = 0; b < bb; ++b) {
      for (size_t i = b < b8 ? n4 : 0; i < n; ++i) {
        xr[i * bb + b] = base[st[b] + 2 * i];
        xi[i * bb + b] = base[st[b] + 2 * i + 1];
      }
    }
    return;
  }
  block_order(step <= 2, bb, n, [&](size_t b, size_t i) {
    const float* p = base + st[b] + i * step;
    xr[i * bb + b] = p[0];
    xi[i * bb + b] = p[off];
  });
}

void load_pairs(const float* __restrict base, const size_t* st, size_t bb, size_t step, size_t off, size_t n,
                float* __restrict xr, float* __restrict xi) {
  simd(MLX_SIMD_LAMBDA { load_pairs_body(base, st, bb, step, off, n, xr, xi); });
}

// line b [k step] = scale zr[k bb + b], line b [k step + off] = scale
// zi[k bb + b], k < n.
[[gnu::always_inline]] inline void store_pairs_body(const float* __restrict zr, const float* __restrict zi,
                                                    size_t n, float* __restrict base, const size_t* st,
                                                    size_t bb, size_t step, size_t off, float scale) {
  if (step == 2 && off == 1) {
    size_t b8 = bb & ~size_t(7), n4 = n & ~size_t(3);
    store_tiles(zr, zi, bb, b8, n4, base, st, scale);
    for (size_t b = 0; b < bb; ++b) {
      for (size_t k = b < b8 ? n4 : 0; k < n; ++k) {
        base[st[b] + 2 * k] = scale * zr[k * bb + b];
        base[st[b] + 2 * k + 1] = scale * zi[k * bb + b];
      }
    }
    return;
  }
  block_order(step <= 2, bb, n, [&](size_t b, size_t k) {
    float* p = base + st[b] + k * step;
    p[0] = scale * zr[k * bb + b];
    p[off] = scale * zi[k * bb + b];
  });
}

void store_pairs(const float* __restrict zr, const float* __restrict zi, size_t n, float* __restrict base,
                 const size_t* st, size_t bb, size_t step, size_t off, float scale) {
  simd(MLX_SIMD_LAMBDA { store_pairs_body(zr, zi, n, base, st, bb, step, off, scale); });
}

// Real forward: X_k (k <= half) from Z_k and Z_{half-k} (indices mod
// half) of the packed transforms, to line b [k step] (complex).
[[gnu::always_inline]] inline void finish_forward_body(const float* __restrict zr, const float* __restrict zi,
                                                       size_t half, const float* wr, const float* wi,
                                                       float* __restrict base, const size_t* st, size_t bb,
                                                       size_t step) {
  block_order(step <= 2, bb, half + 1, [&](size_t b, size_t k) {
    size_t a = (k == half ? 0 : k * bb) + b, c = (k == 0 ? 0 : (half - k) * bb) + b;
    // zk = a, zr = conj(c): e = (zk + zr) / 2, d = (zk - zr) / 2, odd = d / i.
    float er = 0.5f * (zr[a] + zr[c]), ei = 0.5f * (zi[a] - zi[c]);
    float odr = 0.5f * (zi[a] + zi[c]), odi = -0.5f * (zr[a] - zr[c]);
    float* p = base + st[b] + k * step;
    p[0] = er + wr[k] * odr - wi[k] * odi;
    p[1] = ei + wr[k] * odi + wi[k] * odr;
  });
}

void finish_forward(const float* __restrict zr, const float* __restrict zi, size_t half, const float* wr,
                    const float* wi, float* __restrict base, const size_t* st, size_t bb, size_t step) {
  simd(MLX_SIMD_LAMBDA { finish_forward_body(zr, zi, half, wr, wi, base, st, bb, step); });
}

// finish_forward's X_k for k < half into planes f (column stride bb).
[[gnu::always_inline]] inline void finish_planes_body(const float* __restrict zr, const float* __restrict zi,
                                                      size_t half, const float* wr, const float* wi,
                                                      float* __restrict fr, float* __restrict fi, size_t bb) {
  for (size_t k = 0; k < half; ++k) {
    const float* ar = zr + k * bb;
    const float* ai = zi + k * bb;
    const float* cr = zr + (k == 0 ? 0 : (half - k) * bb);
    const float* ci = zi + (k == 0 ? 0 : (half - k) * bb);
    float w_r = wr[k], w_i = wi[k];
    for (size_t b = 0; b < bb; ++b) {
      float er = 0.5f * (ar[b] + cr[b]), ei = 0.5f * (ai[b] - ci[b]);
      float odr = 0.5f * (ai[b] + ci[b]), odi = -0.5f * (ar[b] - cr[b]);
      fr[k * bb + b] = er + w_r * odr - w_i * odi;
      fi[k * bb + b] = ei + w_r * odi + w_i * odr;
    }
  }
}

void finish_planes(const float* __restrict zr, const float* __restrict zi, size_t half, const float* wr,
                   const float* wi, float* __restrict fr, float* __restrict fi, size_t bb) {
  simd(MLX_SIMD_LAMBDA { finish_planes_body(zr, zi, half, wr, wi, fr, fi, bb); });
}

// Real inverse from planes: X_k (k < half) in a, X_half in h (bb values
// each), Z_k into x.
[[gnu::always_inline]] inline void start_planes_body(const float* __restrict ar_, const float* __restrict ai_,
                                                     const float* hr, const float* hi, size_t half,
                                                     const float* wr, const float* wi, float* __restrict xr,
                                                     float* __restrict xi, size_t bb) {
  for (size_t k = 0; k < half; ++k) {
    const float* ar = ar_ + k * bb;
    const float* ai = ai_ + k * bb;
    const float* cr = k == 0 ? hr : ar_ + (half - k) * bb;
    const float* ci = k == 0 ? hi : ai_ + (half - k) * bb;
    float w_r = wr[k], w_i = wi[k], keep = k == 0 ? 0.0f : 1.0f;
    for (size_t b = 0; b < bb; ++b) {
      float xar = ar[b], xai = keep * ai[b];
      float xcr = cr[b], xci = -keep * ci[b]; // conj(X_{half-k})
      float er = 0.5f * (xar + xcr), ei = 0.5f * (xai + xci);
      float dr = 0.5f * (xar - xcr), di = 0.5f * (xai - xci);
      float odr = w_r * dr - w_i * di, odi = w_r * di + w_i * dr;
      xr[k * bb + b] = er - odi;
      xi[k * bb + b] = ei + odr;
    }
  }
}

void start_planes(const float* __restrict ar_, const float* __restrict ai_, const float* hr, const float* hi,
                  size_t half, const float* wr, const float* wi, float* __restrict xr, float* __restrict xi,
                  size_t bb) {
  simd(MLX_SIMD_LAMBDA { start_planes_body(ar_, ai_, hr, hi, half, wr, wi, xr, xi, bb); });
}

// Real inverse: Z_k (k < half) from X_k and X_{half-k} at line b [k step]
// (complex; the imaginary parts of X_0 and X_half ignored).
[[gnu::always_inline]] inline void start_inverse_body(const float* __restrict base, const size_t* st,
                                                      size_t bb, size_t step, size_t half, const float* wr,
                                                      const float* wi, float* __restrict xr,
                                                      float* __restrict xi) {
  block_order(step <= 2, bb, half, [&](size_t b, size_t k) {
    float keep = k == 0 ? 0.0f : 1.0f;
    const float* a = base + st[b] + k * step;
    const float* c = base + st[b] + (half - k) * step;
    float ar = a[0], ai = keep * a[1];
    float cr = c[0], ci = -keep * c[1]; // conj(X_{half-k})
    float er = 0.5f * (ar + cr), ei = 0.5f * (ai + ci);
    float dr = 0.5f * (ar - cr), di = 0.5f * (ai - ci);
    float odr = wr[k] * dr - wi[k] * di, odi = wr[k] * di + wi[k] * dr;
    xr[k * bb + b] = er - odi;
    xi[k * bb + b] = ei + odr;
  });
}

void start_inverse(const float* __restrict base, const size_t* st, size_t bb, size_t step, size_t half,
                   const float* wr, const float* wi, float* __restrict xr, float* __restrict xi) {
  simd(MLX_SIMD_LAMBDA { start_inverse_body(base, st, bb, step, half, wr, wi, xr, xi); });
}

// The lines of `lines` (in_len values per line in the input, out_len in
// the output), transformed with length n: short ones by blocks, with
// get_block(st, bb, xr, xi, yr, yi) filling the columns x from the input
// lines starting at st[b] (y: scratch) and put_block(st, bb, zr, zi) writing them; long ones one at a time,
// with get(st, i, re, im) and put(st, k, re, im) per value, or, given
// `src` and `dst` (interleaved complex lines, inner == 1), directly.
template <typename GetLine, typename PutLine, typename Get, typename Put>
void transform(const Lines& lines, size_t n, size_t in_len, size_t out_len, bool inverse, GetLine get_line,
               PutLine put_line, Get get, Put put, const float* src = nullptr, float* dst = nullptr) {
  if (lines.count == 0 || n == 0) {
    return;
  }
  if (n > kFourStep) {
    auto f = four_step(n, inverse);
    for (size_t l = 0; l < lines.count; ++l) {
      size_t si = lines.start(l, in_len), so = lines.start(l, out_len);
      long_line(
          *f, [&](size_t i, float& re, float& im) { get(si, i, re, im); },
          [&](size_t k, float re, float im) { put(so, k, re, im); }, src ? src + 2 * si : nullptr,
          dst ? dst + 2 * so : nullptr);
    }
    return;
  }
  auto plan = stockham(n, inverse);
  blocks(
      lines.count, *plan,
      [&](size_t l0, size_t bb, float* xr, float* xi, float* yr, float* yi) {
        size_t st[64] = {};
        lines.starts(l0, bb, in_len, st);
        get_line(st, bb, xr, xi, yr, yi);
      },
      [&](size_t l0, size_t bb, const float* zr, const float* zi, float*, float*) {
        size_t st[64] = {};
        lines.starts(l0, bb, out_len, st);
        put_line(st, bb, zr, zi);
      });
}

// Complex starts as float offsets.
void twice(size_t* st, size_t bb) {
  for (size_t b = 0; b < bb; ++b) {
    st[b] *= 2;
  }
}

} // namespace

bool fast_length(size_t n) {
  std::vector<int> ps;
  return !reference_forced() && radices(n, ps);
}

void complex_pass(const complex64_t* in, complex64_t* out, const Shape& shape, int axis, bool inverse) {
  Lines lines(shape, axis);
  size_t n = shape[axis], inner = lines.inner;
  const float* x = reinterpret_cast<const float*>(in);
  float* y = reinterpret_cast<float*>(out);
  transform(
      lines, n, n, n, inverse,
      [&](size_t* st, size_t bb, float* xr, float* xi, float*, float*) {
        twice(st, bb);
        load_pairs(x, st, bb, 2 * inner, 1, n, xr, xi);
      },
      [&](size_t* st, size_t bb, const float* zr, const float* zi) {
        twice(st, bb);
        store_pairs(zr, zi, n, y, st, bb, 2 * inner, 1, 1.0f);
      },
      [&](size_t st, size_t i, float& re, float& im) {
        size_t at = 2 * (st + i * inner);
        re = x[at];
        im = x[at + 1];
      },
      [&](size_t st, size_t k, float re, float im) {
        size_t at = 2 * (st + k * inner);
        y[at] = re;
        y[at + 1] = im;
      },
      inner == 1 ? x : nullptr, inner == 1 ? y : nullptr);
}

// z_j = x_2j + i x_2j+1 transformed gives Z = E + i O (the transforms of
// the even and odd samples): X_k = E_k + w^k O_k for k <= n / 2.
void real_forward(const float* x, complex64_t* out, const Shape& shape, int axis) {
  Lines lines(shape, axis);
  size_t n = shape[axis], half = n / 2, inner = lines.inner;
  auto tw = real_twiddles(n, false);
  const float *wr = tw->wr.data(), *wi = tw->wi.data();
  float* y = reinterpret_cast<float*>(out);
  // X_k from Z_k and Z_{half-k} (indices mod half).
  auto finish = [&](size_t o, size_t k, float ar, float ai, float cr, float ci) {
    // zk = a, zr = conj(c): e = (zk + zr) / 2, d = (zk - zr) / 2, odd = d / i.
    float er = 0.5f * (ar + cr), ei = 0.5f * (ai - ci);
    float dr = 0.5f * (ar - cr), di = 0.5f * (ai + ci);
    float odr = di, odi = -dr;
    size_t at = 2 * (o + k * inner);
    y[at] = er + wr[k] * odr - wi[k] * odi;
    y[at + 1] = ei + wr[k] * odi + wi[k] * odr;
  };
  auto get = [&](size_t st, size_t j, float& re, float& im) {
    re = x[st + 2 * j * inner];
    im = x[st + (2 * j + 1) * inner];
  };
  if (half > kFourStep) {
    auto f = four_step(half, false);
    std::vector<float> zr(half), zi(half);
    for (size_t l = 0; l < lines.count; ++l) {
      size_t si = lines.start(l, n);
      long_line(
          *f, [&](size_t i, float& re, float& im) { get(si, i, re, im); },
          [&](size_t k, float re, float im) {
            zr[k] = re;
            zi[k] = im;
          });
      size_t o = lines.start(l, half + 1);
      finish(o, 0, zr[0], zi[0], zr[0], zi[0]);
      for (size_t k = 1; k < half; ++k) {
        finish(o, k, zr[k], zi[k], zr[half - k], zi[half - k]);
      }
      finish(o, half, zr[0], zi[0], zr[0], zi[0]);
    }
    return;
  }
  auto plan = stockham(half, false);
  blocks(
      lines.count, *plan,
      [&](size_t l0, size_t bb, float* xr, float* xi, float*, float*) {
        size_t st[64] = {};
        lines.starts(l0, bb, n, st);
        load_pairs(x, st, bb, 2 * inner, inner, half, xr, xi);
      },
      [&](size_t l0, size_t bb, const float* zr, const float* zi, float* fr, float* fi) {
        size_t st[64] = {};
        lines.starts(l0, bb, half + 1, st);
        twice(st, bb);
        if (inner == 1) {
          // X_k for k < half as planes, stored by transposes; X_half apart.
          finish_planes(zr, zi, half, wr, wi, fr, fi, bb);
          store_pairs(fr, fi, half, y, st, bb, 2, 1, 1.0f);
          for (size_t b = 0; b < bb; ++b) {
            y[st[b] + 2 * half] = zr[b] - zi[b];
            y[st[b] + 2 * half + 1] = 0.0f;
          }
          return;
        }
        finish_forward(zr, zi, half, wr, wi, y, st, bb, 2 * inner);
      });
}

// E_k = (X_k + conj(X_{half-k})) / 2 and O_k = w^-k (X_k - conj(X_{half-k}))
// / 2 rebuild Z = E + i O, whose inverse transform holds half (x_2j + i
// x_2j+1); doubled, the unnormalized result.
void real_inverse(const complex64_t* in, float* y, const Shape& shape, int axis, size_t n) {
  Lines lines(shape, axis);
  size_t half = n / 2, m = half + 1, inner = lines.inner;
  auto tw = real_twiddles(n, true);
  const float *wr = tw->wr.data(), *wi = tw->wi.data();
  const float* x = reinterpret_cast<const float*>(in);
  auto get = [&](size_t st, size_t k, float& re, float& im) {
    size_t a = 2 * (st + k * inner), c = 2 * (st + (half - k) * inner);
    float ar = x[a], ai = k == 0 ? 0.0f : x[a + 1];
    float cr = x[c], ci = k == 0 ? 0.0f : -x[c + 1]; // conj(X_{half-k})
    float er = 0.5f * (ar + cr), ei = 0.5f * (ai + ci);
    float dr = 0.5f * (ar - cr), di = 0.5f * (ai - ci);
    float odr = wr[k] * dr - wi[k] * di, odi = wr[k] * di + wi[k] * dr;
    re = er - odi;
    im = ei + odr;
  };
  auto put = [&](size_t o, size_t j, float re, float im) {
    y[o + 2 * j * inner] = 2.0f * re;
    y[o + (2 * j + 1) * inner] = 2.0f * im;
  };
  transform(
      lines, half, m, n, true,
      [&](size_t* st, size_t bb, float* xr, float* xi, float* yr, float* yi) {
        twice(st, bb);
        if (inner == 1) {
          // X_k for k < half as planes by transposes, X_half apart.
          float hr[64], hi[64];
          load_pairs(x, st, bb, 2, 1, half, yr, yi);
          for (size_t b = 0; b < bb; ++b) {
            hr[b] = x[st[b] + 2 * half];
            hi[b] = x[st[b] + 2 * half + 1];
          }
          start_planes(yr, yi, hr, hi, half, wr, wi, xr, xi, bb);
          return;
        }
        start_inverse(x, st, bb, 2 * inner, half, wr, wi, xr, xi);
      },
      [&](size_t* st, size_t bb, const float* zr, const float* zi) {
        store_pairs(zr, zi, half, y, st, bb, 2 * inner, inner, 2.0f);
      },
      get, put);
}

} // namespace mlx::core::cpu::fft
