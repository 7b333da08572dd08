// Fast FFT kernels (fft_stockham.h). A block of B lines is gathered into
// split real / imaginary planes with the lines side by side (value i of
// line b at [i * B + b]); each Stockham stage of radix p then reads and
// writes runs of at least B contiguous floats with one twiddle per run, so
// the butterflies vectorize (MLX_SIMD_CLONES) and the block stays in L2.
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
#include "mlx/backend/cpu/simd.h"

// The vector types below only ever live inside always-inlined helpers of
// the clones (no AVX value crosses a call boundary).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace mlx::core::cpu::fft {

namespace {

using cd = std::complex<double>;

// exp(sign 2 pi i t / n), the angle reduced exactly.
cd unit(size_t t, size_t n, double sign) {
  double a = sign * 2.0 * M_PI * double(t % n) / double(n);
  return cd(std::cos(a), std::sin(a));
}

// The radices of n (4s first, one 2, then 3, 5, 7), or none if another
// prime divides it.
bool radices(size_t n, std::vector<int>& out) {
  out.clear();
  if (n == 0) {
    return false;
  }
  while (n % 4 == 0) {
    out.push_back(4);
    n /= 4;
  }
  if (n % 2 == 0) {
    out.push_back(2);
    n /= 2;
  }
  for (int p : {3, 5, 7}) {
    while (n % p == 0) {
      out.push_back(p);
      n /= p;
    }
  }
  return n == 1;
}

// ---- butterflies: b_k = sum_r a_r w_p^(r k), w_p = exp(sign 2 pi i / p) --
// T is float or a vector of floats (GCC vector extensions, which every
// clone lowers to its own instructions); `c` and `sn` hold cos(2 pi t / p)
// and sign sin(2 pi t / p) for t < p.

typedef float v8f __attribute__((vector_size(32)));

template <typename T>
[[gnu::always_inline]] inline T load(const float* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
[[gnu::always_inline]] inline void store(float* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

template <int P>
struct Butterfly;

template <>
struct Butterfly<2> {
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float*, const float*) {
    br[0] = ar[0] + ar[1];
    bi[0] = ai[0] + ai[1];
    br[1] = ar[0] - ar[1];
    bi[1] = ai[0] - ai[1];
  }
};

template <>
struct Butterfly<4> {
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float*, const float* sn) {
    T t0r = ar[0] + ar[2], t0i = ai[0] + ai[2];
    T t1r = ar[0] - ar[2], t1i = ai[0] - ai[2];
    T t2r = ar[1] + ar[3], t2i = ai[1] + ai[3];
    T t3r = ar[1] - ar[3], t3i = ai[1] - ai[3];
    br[0] = t0r + t2r;
    bi[0] = t0i + t2i;
    br[2] = t0r - t2r;
    bi[2] = t0i - t2i;
    // w_4 t3 = sign i t3, sn[1] = sign.
    T s = T{} + sn[1];
    br[1] = t1r - s * t3i;
    bi[1] = t1i + s * t3r;
    br[3] = t1r + s * t3i;
    bi[3] = t1i - s * t3r;
  }
};

// Odd p: b_k = a_0 + sum_{r <= h} cos(2 pi r k / p) (a_r + a_{p-r})
//            + sign i sin(2 pi r k / p) (a_r - a_{p-r}), and b_{p-k} the
// same with the sine terms negated.
template <int P>
struct Butterfly {
  static constexpr int H = (P - 1) / 2;
  template <typename T>
  [[gnu::always_inline]] static void run(const T* ar, const T* ai, T* br, T* bi, const float* c, const float* sn) {
    T tr[H + 1], ti[H + 1], dr[H + 1], di[H + 1];
    br[0] = ar[0];
    bi[0] = ai[0];
#pragma GCC unroll 8
    for (int r = 1; r <= H; ++r) {
      tr[r] = ar[r] + ar[P - r];
      ti[r] = ai[r] + ai[P - r];
      dr[r] = ar[r] - ar[P - r];
      di[r] = ai[r] - ai[P - r];
      br[0] += tr[r];
      bi[0] += ti[r];
    }
#pragma GCC unroll 8
    for (int k = 1; k <= H; ++k) {
      T cr = ar[0], ci = ai[0], sr = T{}, si = T{};
#pragma GCC unroll 8
      for (int r = 1; r <= H; ++r) {
        int t = (r * k) % P;
        cr += c[t] * tr[r];
        ci += c[t] * ti[r];
        sr += sn[t] * dr[r];
        si += sn[t] * di[r];
      }
      // sign i sin (a_r - a_{p-r}): real part -si, imaginary +sr.
      br[k] = cr - si;
      bi[k] = ci + sr;
      br[P - k] = cr + si;
      bi[P - k] = ci - sr;
    }
  }
};

// Lanes q .. q + |T| - 1 of one run of a stage.
template <int P, typename T>
[[gnu::always_inline]] inline void lanes(const float* xr0, const float* xi0, float* yr0, float* yi0, size_t q,
                                         size_t ms, size_t s, const float* twr, const float* twi, const float* c,
                                         const float* sn) {
  T ar[P], ai[P], br[P], bi[P];
#pragma GCC unroll 8
  for (int r = 0; r < P; ++r) {
    ar[r] = load<T>(xr0 + r * ms + q);
    ai[r] = load<T>(xi0 + r * ms + q);
  }
  Butterfly<P>::run(ar, ai, br, bi, c, sn);
  store<T>(yr0 + q, br[0]);
  store<T>(yi0 + q, bi[0]);
#pragma GCC unroll 8
  for (int k = 1; k < P; ++k) {
    store<T>(yr0 + k * s + q, br[k] * twr[k] - bi[k] * twi[k]);
    store<T>(yi0 + k * s + q, br[k] * twi[k] + bi[k] * twr[k]);
  }
}

// One stage over planes x -> y (see the top of the file); w holds the
// twiddles w_L^(j k) for k = 1 .. p - 1 at [j (p - 1) + k - 1].
template <int P>
MLX_SIMD_CLONES void stage(const float* __restrict xr, const float* __restrict xi, float* __restrict yr,
                           float* __restrict yi, size_t m, size_t s, const float* wr, const float* wi, float sign) {
  float c[P], sn[P];
  for (int t = 0; t < P; ++t) {
    c[t] = float(std::cos(2.0 * M_PI * t / P));
    sn[t] = sign * float(std::sin(2.0 * M_PI * t / P));
  }
  sn[0] = 0;
  if (P == 4) {
    c[1] = 0;
    sn[1] = sign;
  }
  const size_t ms = m * s;
  for (size_t j = 0; j < m; ++j) {
    float twr[P], twi[P];
    for (int k = 1; k < P; ++k) {
      twr[k] = wr[j * (P - 1) + k - 1];
      twi[k] = wi[j * (P - 1) + k - 1];
    }
    const float* xr0 = xr + j * s;
    const float* xi0 = xi + j * s;
    float* yr0 = yr + P * j * s;
    float* yi0 = yi + P * j * s;
    size_t q = 0;
    for (; q + 8 <= s; q += 8) {
      lanes<P, v8f>(xr0, xi0, yr0, yi0, q, ms, s, twr, twi, c, sn);
    }
    for (; q < s; ++q) {
      lanes<P, float>(xr0, xi0, yr0, yi0, q, ms, s, twr, twi, c, sn);
    }
  }
}

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

// The lines along `axis` of row-contiguous arrays whose shapes differ only
// there: how many, the distance between a line's elements, and where line
// l starts when the axis has `len` elements.
struct Lines {
  size_t count = 1, inner = 1;
  Lines(const Shape& shape, int axis) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (int(d) != axis) {
        count *= shape[d];
      }
      if (int(d) > axis) {
        inner *= shape[d];
      }
    }
  }
  size_t start(size_t l, size_t len) const { return (l / inner) * inner * len + l % inner; }
};

// Transforms lines of length n in blocks: get(l, b, B, xr, xi) fills line
// l as column b of B, put(l, b, B, zr, zi) takes the result.
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
      for (size_t b = 0; b < bb; ++b) {
        get(l0 + b, b, bb, xr, xi);
      }
      bool in_y = plan.run(xr, xi, yr, yi, bb);
      for (size_t b = 0; b < bb; ++b) {
        put(l0 + b, b, bb, in_y ? yr : xr, in_y ? yi : xi);
      }
    }
  });
}

// out[k2 n1 + b] = z[k2 bb + b] w_n^(c0 k2) w_n^(b k2) for k2 < n2, b < bb
// (the scalars s and the B-wide rows t of FourStep).
MLX_SIMD_CLONES void twiddle_rows(const float* __restrict zr, const float* __restrict zi, float* __restrict outr,
                                  float* __restrict outi, size_t n1, size_t n2, size_t bb, const float* sr,
                                  const float* si, const float* tr, const float* ti, size_t B) {
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

// One long line: get(i, re, im) reads value i, put(k, re, im) writes
// value k of the result.
template <typename Get, typename Put>
void long_line(const FourStep& f, Get get, Put put) {
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
      for (size_t j2 = 0; j2 < n2; ++j2) {
        for (size_t b = 0; b < bb; ++b) {
          get(j2 * n1 + c0 + b, xr[j2 * bb + b], xi[j2 * bb + b]);
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
      for (size_t b = 0; b < bb; ++b) {
        const float* rr = mr + (r0 + b) * n1;
        const float* ri = mi + (r0 + b) * n1;
        for (size_t j1 = 0; j1 < n1; ++j1) {
          xr[j1 * bb + b] = rr[j1];
          xi[j1 * bb + b] = ri[j1];
        }
      }
      bool in_y = f.rows->run(xr, xi, yr, yi, bb);
      const float* zr = in_y ? yr : xr;
      const float* zi = in_y ? yi : xi;
      for (size_t k1 = 0; k1 < n1; ++k1) {
        for (size_t b = 0; b < bb; ++b) {
          put(k1 * n2 + r0 + b, zr[k1 * bb + b], zi[k1 * bb + b]);
        }
      }
    }
  });
}

// The lines of `lines` (in_len values per line in the input, out_len in
// the output), transformed with length n, by blocks or one at a time:
// get(st, i, re, im) reads value i of the line starting at st in the
// input, put(st, k, re, im) writes value k of the one starting at st in
// the output.
template <typename Get, typename Put>
void transform(const Lines& lines, size_t n, size_t in_len, size_t out_len, bool inverse, Get get, Put put) {
  if (lines.count == 0 || n == 0) {
    return;
  }
  if (n > kFourStep) {
    auto f = four_step(n, inverse);
    for (size_t l = 0; l < lines.count; ++l) {
      size_t si = lines.start(l, in_len), so = lines.start(l, out_len);
      long_line(
          *f, [&](size_t i, float& re, float& im) { get(si, i, re, im); },
          [&](size_t k, float re, float im) { put(so, k, re, im); });
    }
    return;
  }
  auto plan = stockham(n, inverse);
  blocks(
      lines.count, *plan,
      [&](size_t l, size_t b, size_t B, float* xr, float* xi) {
        size_t si = lines.start(l, in_len);
        for (size_t i = 0; i < n; ++i) {
          get(si, i, xr[i * B + b], xi[i * B + b]);
        }
      },
      [&](size_t l, size_t b, size_t B, const float* zr, const float* zi) {
        size_t so = lines.start(l, out_len);
        for (size_t k = 0; k < n; ++k) {
          put(so, k, zr[k * B + b], zi[k * B + b]);
        }
      });
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
      [&](size_t st, size_t i, float& re, float& im) {
        size_t at = 2 * (st + i * inner);
        re = x[at];
        im = x[at + 1];
      },
      [&](size_t st, size_t k, float re, float im) {
        size_t at = 2 * (st + k * inner);
        y[at] = re;
        y[at + 1] = im;
      });
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
      [&](size_t l, size_t b, size_t B, float* xr, float* xi) {
        size_t si = lines.start(l, n);
        for (size_t j = 0; j < half; ++j) {
          get(si, j, xr[j * B + b], xi[j * B + b]);
        }
      },
      [&](size_t l, size_t b, size_t B, const float* zr, const float* zi) {
        size_t o = lines.start(l, half + 1);
        finish(o, 0, zr[b], zi[b], zr[b], zi[b]);
        for (size_t k = 1; k < half; ++k) {
          size_t a = k * B + b, c = (half - k) * B + b;
          finish(o, k, zr[a], zi[a], zr[c], zi[c]);
        }
        finish(o, half, zr[b], zi[b], zr[b], zi[b]);
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
  transform(lines, half, m, n, true, get, put);
}

} // namespace mlx::core::cpu::fft
