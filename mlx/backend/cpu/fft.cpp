// eval_cpu of FFT: one-dimensional transforms along each axis in turn.
// Lengths whose prime factors are 2, 3, 5 and 7 go to the float32 kernels
// of fft_stockham.h; the others (and all of them under
// MLX_CPU_REFERENCE_KERNELS=1) to the reference kernels here, each line
// gathered into double precision. Power-of-two lengths use an
// iterative radix-2 transform; other lengths Bluestein's algorithm (a
// chirp-weighted convolution done with power-of-two transforms).
#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/fft_stockham.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/fft.h"

namespace mlx::core {

namespace {

using cd = std::complex<double>;

bool is_pow2(size_t n) { return n && !(n & (n - 1)); }

// a * b without the inf/NaN recovery of std::complex's operator* (a
// library call per product; the values here are finite).
inline cd mul(cd a, cd b) {
  return cd(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
}

// In-place radix-2 DFT of length n (a power of two), sign -1 or +1,
// unnormalized; `tw` holds exp(sign 2 pi i k / n) for k < n / 2.
void radix2(cd* x, size_t n, const std::vector<cd>& tw) {
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) {
      j ^= bit;
    }
    j ^= bit;
    if (i < j) {
      std::swap(x[i], x[j]);
    }
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    size_t half = len / 2, step = n / len;
    for (size_t b = 0; b < n; b += len) {
      for (size_t k = 0; k < half; ++k) {
        cd u = x[b + k], v = mul(x[b + k + half], tw[k * step]);
        x[b + k] = u + v;
        x[b + k + half] = u - v;
      }
    }
  }
}

std::vector<cd> twiddles(size_t n, double sign) {
  std::vector<cd> tw(n / 2);
  for (size_t k = 0; k < n / 2; ++k) {
    double a = sign * 2.0 * M_PI * double(k) / double(n);
    tw[k] = cd(std::cos(a), std::sin(a));
  }
  return tw;
}

// dst (cols x rows) = the transpose of src (rows x cols), in cache blocks,
// split over the pool.
void transpose(const cd* src, cd* dst, size_t rows, size_t cols) {
  constexpr size_t B = 32;
  size_t row_blocks = (rows + B - 1) / B;
  cpu::parallel_for(row_blocks, 1, [&](size_t b0, size_t b1) {
    for (size_t rb = b0; rb < b1; ++rb) {
      size_t r0 = rb * B, r1 = std::min(rows, r0 + B);
      for (size_t c0 = 0; c0 < cols; c0 += B) {
        size_t c1 = std::min(cols, c0 + B);
        for (size_t r = r0; r < r1; ++r) {
          for (size_t c = c0; c < c1; ++c) {
            dst[c * rows + r] = src[r * cols + c];
          }
        }
      }
    }
  });
}

// exp(sign 2 pi i t / n) for an integer t (reduced mod n: exact angles).
inline cd unit(size_t t, size_t n, double sign) {
  double a = sign * 2.0 * M_PI * double(t % n) / double(n);
  return cd(std::cos(a), std::sin(a));
}

// Power-of-two lengths from kSixStep on: the six-step algorithm (n = n1 n2
// as an n2 x n1 matrix: transpose, n1 transforms of length n2, twiddles,
// transpose, n2 transforms of length n1, transpose), whose transforms and
// blocked transposes work in cache (a plain radix-2 pass over 2^24 values
// misses the cache on every butterfly), split over the pool.
constexpr size_t kSixStep = size_t(1) << 16;

// The unnormalized DFT of length n with a given sign, for any n.
class Plan {
 public:
  Plan(size_t n, bool inverse) : n_(n), sign_(inverse ? 1.0 : -1.0) {
    if (is_pow2(n) && n >= kSixStep) {
      int bits = 0;
      while ((size_t(1) << bits) < n) {
        ++bits;
      }
      n1_ = size_t(1) << (bits / 2);
      n2_ = n / n1_;
      tw1_ = twiddles(n1_, sign_);
      tw2_ = twiddles(n2_, sign_);
      return;
    }
    if (is_pow2(n)) {
      tw_ = twiddles(n, sign_);
      return;
    }
    // Bluestein: X_k = conj-chirp_k * sum_j (x_j chirp'_j) b_{k-j}, with
    // chirp_j = exp(sign i pi j^2 / n) and b = its conjugate, a circular
    // convolution of length m >= 2n - 1.
    m_ = 1;
    while (m_ < 2 * n - 1) {
      m_ <<= 1;
    }
    chirp_.resize(n);
    for (size_t j = 0; j < n; ++j) {
      // j^2 mod 2n keeps the angle small (exact for any j).
      double a = sign_ * M_PI * double((j * j) % (2 * n)) / double(n);
      chirp_[j] = cd(std::cos(a), std::sin(a));
    }
    tw_ = twiddles(m_, -1.0);
    itw_ = twiddles(m_, 1.0);
    filter_.assign(m_, cd(0));
    filter_[0] = std::conj(chirp_[0]);
    for (size_t j = 1; j < n; ++j) {
      filter_[j] = filter_[m_ - j] = std::conj(chirp_[j]);
    }
    radix2(filter_.data(), m_, tw_);
  }

  // Transforms x (n values) in place; `work` is scratch.
  void run(cd* x, std::vector<cd>& work) const {
    if (n1_ != 0) {
      six_step(x, work);
      return;
    }
    if (m_ == 0) {
      radix2(x, n_, tw_);
      return;
    }
    work.assign(m_, cd(0));
    for (size_t j = 0; j < n_; ++j) {
      work[j] = mul(x[j], chirp_[j]);
    }
    radix2(work.data(), m_, tw_);
    for (size_t k = 0; k < m_; ++k) {
      work[k] = mul(work[k], filter_[k]);
    }
    radix2(work.data(), m_, itw_);
    double inv_m = 1.0 / double(m_);
    for (size_t k = 0; k < n_; ++k) {
      x[k] = mul(work[k], chirp_[k]) * inv_m;
    }
  }

 private:
  // x[j1 + n1 j2] -> X[k2 + n2 k1].
  void six_step(cd* x, std::vector<cd>& work) const {
    work.resize(n_);
    cd* w = work.data();
    transpose(x, w, n2_, n1_); // w[j1][j2]
    // Rows j1: transform over j2 (giving k2), then the twiddle w_n^(j1 k2),
    // as w_n^(j1 L h) w_n^(j1 l) for k2 = L h + l (two short tables per row).
    size_t L = 1;
    while (L * L < n2_) {
      L <<= 1;
    }
    size_t grain = std::max<size_t>(1, cpu::kParallelGrain / n2_);
    cpu::parallel_for(n1_, grain, [&](size_t r0, size_t r1) {
      std::vector<cd> hi(n2_ / L + 1), lo(L);
      for (size_t j1 = r0; j1 < r1; ++j1) {
        cd* row = w + j1 * n2_;
        radix2(row, n2_, tw2_);
        if (j1 == 0) {
          continue;
        }
        for (size_t h = 0; h * L < n2_; ++h) {
          hi[h] = unit(j1 * L * h, n_, sign_);
        }
        for (size_t l = 0; l < L; ++l) {
          lo[l] = unit(j1 * l, n_, sign_);
        }
        for (size_t k2 = 0; k2 < n2_; ++k2) {
          row[k2] = mul(row[k2], mul(hi[k2 / L], lo[k2 % L]));
        }
      }
    });
    transpose(w, x, n1_, n2_); // x[k2][j1]
    grain = std::max<size_t>(1, cpu::kParallelGrain / n1_);
    cpu::parallel_for(n2_, grain, [&](size_t r0, size_t r1) {
      for (size_t k2 = r0; k2 < r1; ++k2) {
        radix2(x + k2 * n1_, n1_, tw1_);
      }
    });
    transpose(x, w, n2_, n1_); // w[k1][k2]
    std::copy(w, w + n_, x);
  }

  size_t n_, m_ = 0, n1_ = 0, n2_ = 0;
  double sign_;
  std::vector<cd> tw_, itw_, chirp_, filter_, tw1_, tw2_;
};

// One pass along `axis` (shape: any of the arrays involved; only its other
// dims are read): each line's first `read` values come from get(start, i)
// (the line's start in an input with in_len values per line), zeros fill
// it up to `n`; after the transform the first `write` values go to
// put(start, i, value) (the start in an output with out_len per line).
template <typename Get, typename Put>
void pass(const Shape& shape, int axis, size_t n, bool inverse, size_t in_len, size_t read, size_t out_len,
          size_t write, Get get, Put put) {
  cpu::fft::Lines lines(shape, axis);
  if (lines.count == 0 || n == 0) {
    return;
  }
  Plan plan(n, inverse);
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(n, 1));
  cpu::parallel_for(lines.count, grain, [&](size_t l0, size_t l1) {
    std::vector<cd> line(n), work;
    for (size_t l = l0; l < l1; ++l) {
      size_t in_start = lines.start(l, in_len), out_start = lines.start(l, out_len);
      for (size_t i = 0; i < n; ++i) {
        line[i] = i < read ? get(in_start, i, lines.inner) : cd(0);
      }
      plan.run(line.data(), work);
      for (size_t i = 0; i < write; ++i) {
        put(out_start, i, lines.inner, line[i]);
      }
    }
  });
}

// Runs line(l, start_in, start_out, inner, buffers) over every line along
// `axis` on the pool (in_len and out_len values per line in the input and
// output), with per-thread buffers for it.
template <typename Line>
void each_line(const Shape& shape, int axis, size_t in_len, size_t out_len, size_t work, Line line) {
  cpu::fft::Lines lines(shape, axis);
  if (lines.count == 0) {
    return;
  }
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / std::max<size_t>(work, 1));
  cpu::parallel_for(lines.count, grain, [&](size_t l0, size_t l1) {
    std::vector<cd> buf(work), scratch;
    for (size_t l = l0; l < l1; ++l) {
      line(lines.start(l, in_len), lines.start(l, out_len), lines.inner, buf, scratch);
    }
  });
}

// Real forward transform of even length n = 2N along `axis` through one
// complex transform of length N: z_j = x_2j + i x_2j+1 gives Z = E + i O
// (the transforms of the even and odd samples), and X_k = E_k + w^k O_k
// for k <= N, w = exp(-2 pi i / n).
void real_forward_even(const float* x, complex64_t* out, const Shape& shape, int axis, size_t n) {
  size_t half = n / 2;
  Plan plan(half, false);
  std::vector<cd> w(half + 1);
  for (size_t k = 0; k <= half; ++k) {
    double a = -2.0 * M_PI * double(k) / double(n);
    w[k] = cd(std::cos(a), std::sin(a));
  }
  each_line(shape, axis, n, half + 1, half,
            [&](size_t in, size_t o, size_t inner, std::vector<cd>& z, std::vector<cd>& scratch) {
              for (size_t j = 0; j < half; ++j) {
                z[j] = cd(x[in + 2 * j * inner], x[in + (2 * j + 1) * inner]);
              }
              plan.run(z.data(), scratch);
              for (size_t k = 0; k <= half; ++k) {
                cd zk = z[k % half], zr = std::conj(z[(half - k) % half]);
                cd e = (zk + zr) * 0.5, d = (zk - zr) * 0.5;
                cd odd(d.imag(), -d.real()); // d / i
                out[o + k * inner] = complex64_t(e + mul(w[k], odd));
              }
            });
}

// The inverse: for the m = N + 1 stored values (the imaginary parts of X_0
// and X_N ignored, as the Hermitian extension does), E_k = (X_k +
// conj(X_N-k)) / 2 and O_k = w^-k (X_k - conj(X_N-k)) / 2 rebuild Z = E + i
// O; its inverse transform holds N (x_2j + i x_2j+1), doubled to the
// unnormalized result.
void real_inverse_even(const complex64_t* in, float* y, const Shape& shape, int axis, size_t n) {
  size_t half = n / 2;
  Plan plan(half, true);
  std::vector<cd> w(half);
  for (size_t k = 0; k < half; ++k) {
    double a = 2.0 * M_PI * double(k) / double(n);
    w[k] = cd(std::cos(a), std::sin(a));
  }
  each_line(shape, axis, half + 1, n, half,
            [&](size_t st, size_t o, size_t inner, std::vector<cd>& z, std::vector<cd>& scratch) {
              auto value = [&](size_t k) {
                cd v(in[st + k * inner]);
                return (k == 0 || k == half) ? cd(v.real(), 0.0) : v;
              };
              for (size_t k = 0; k < half; ++k) {
                cd xk = value(k), xr = std::conj(value(half - k));
                cd e = (xk + xr) * 0.5, odd = mul(w[k], (xk - xr) * 0.5);
                z[k] = e + cd(-odd.imag(), odd.real()); // e + i odd
              }
              plan.run(z.data(), scratch);
              for (size_t j = 0; j < half; ++j) {
                y[o + 2 * j * inner] = float(2.0 * z[j].real());
                y[o + (2 * j + 1) * inner] = float(2.0 * z[j].imag());
              }
            });
}

// A complex pass in place over `p` (shape `shape`) along `axis`.
void complex_pass(complex64_t* p, const Shape& shape, int axis, bool inverse) {
  size_t n = shape[axis];
  if (cpu::fft::fast_length(n)) {
    cpu::fft::complex_pass(p, p, shape, axis, inverse);
    return;
  }
  pass(
      shape, axis, n, inverse, n, n, n, n,
      [&](size_t st, size_t i, size_t inner) { return cd(p[st + i * inner]); },
      [&](size_t st, size_t i, size_t inner, cd v) { p[st + i * inner] = complex64_t(v); });
}

} // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array& out = outputs[0];
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  array in = cpu::ensure_row_contiguous(inputs[0]);
  int last = axes_.back();
  if (!real_) {
    // Complex: a (row-major) copy of the input, transformed in place axis
    // by axis; the fast kernels make the copy in their first pass.
    int first = axes_.front();
    size_t skip = 0;
    if (cpu::fft::fast_length(out.shape(first))) {
      out.set_data(allocator::malloc(out.nbytes()));
      cpu::fft::complex_pass(in.data<complex64_t>(), out.data<complex64_t>(), out.shape(), first, inverse_);
      skip = 1;
    } else {
      cpu::copy(in, out, false);
    }
    for (size_t k = skip; k < axes_.size(); ++k) {
      complex_pass(out.data<complex64_t>(), out.shape(), axes_[k], inverse_);
    }
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  if (!inverse_) {
    // Real forward: the last axis from the real values (the first n / 2 + 1
    // results kept), then the other axes.
    const float* x = in.data<float>();
    auto* p = out.data<complex64_t>();
    size_t n = in.shape(last), m = out.shape(last);
    if (n % 2 == 0 && cpu::fft::fast_length(n / 2)) {
      cpu::fft::real_forward(x, p, in.shape(), last);
    } else if (n % 2 == 0) {
      real_forward_even(x, p, in.shape(), last, n);
    } else {
      pass(
          in.shape(), last, n, false, n, n, m, m,
          [&](size_t st, size_t i, size_t inner) { return cd(x[st + i * inner], 0.0); },
          [&](size_t st, size_t i, size_t inner, cd v) { p[st + i * inner] = complex64_t(v); });
    }
    for (size_t k = 0; k + 1 < axes_.size(); ++k) {
      complex_pass(p, out.shape(), axes_[k], false);
    }
    return;
  }
  // Real inverse: the other axes on a complex copy, then the last axis,
  // each line Hermitian-extended from its m stored values to n (value i
  // past them is the conjugate of value n - i), keeping the real parts.
  // A single axis reads the input as it is.
  array work = in;
  if (axes_.size() > 1) {
    work = array(in.shape(), complex64, nullptr, {});
    size_t k = 0;
    if (cpu::fft::fast_length(in.shape(axes_[0]))) {
      work.set_data(allocator::malloc(work.nbytes()));
      cpu::fft::complex_pass(in.data<complex64_t>(), work.data<complex64_t>(), work.shape(), axes_[0], true);
      k = 1;
    } else {
      cpu::copy(in, work, false);
    }
    for (; k + 1 < axes_.size(); ++k) {
      complex_pass(work.data<complex64_t>(), work.shape(), axes_[k], true);
    }
  }
  const auto* w = work.data<complex64_t>();
  float* y = out.data<float>();
  size_t n = out.shape(last), m = work.shape(last);
  if (n % 2 == 0 && cpu::fft::fast_length(n / 2)) {
    cpu::fft::real_inverse(w, y, work.shape(), last, n);
    return;
  }
  if (n % 2 == 0) {
    real_inverse_even(w, y, work.shape(), last, n);
    return;
  }
  pass(
      work.shape(), last, n, true, m, n, n, n,
      [&](size_t st, size_t i, size_t inner) {
        return i < m ? cd(w[st + i * inner]) : std::conj(cd(w[st + (n - i) * inner]));
      },
      [&](size_t st, size_t i, size_t inner, cd v) { y[st + i * inner] = float(v.real()); });
}

} // namespace mlx::core
