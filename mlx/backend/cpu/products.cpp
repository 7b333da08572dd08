// eval_cpu of Matmul: batched GEMM through OpenBLAS. 16-bit floats are
// widened to float32 for the product and rounded back.
#include <algorithm>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <cstring>
#include <mutex>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/products_amx.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace cpu {

void use_pool_threads() {
  static std::once_flag once;
  std::call_once(once, [] { scipy_openblas_set_num_threads(1); });
}

} // namespace cpu

namespace {

// A matrix operand as BLAS sees it: its transpose flag and leading dim.
struct Operand {
  array arr;
  bool trans;
  int ld;
};

// Uses the operand in place when its matrices are row or column major,
// and copies it otherwise.
Operand prepare(const array& x, Dtype compute) {
  int nd = x.ndim();
  int rows = x.shape(-2), cols = x.shape(-1);
  int64_t sr = x.strides()[nd - 2], sc = x.strides()[nd - 1];
  if (x.dtype() == compute) {
    if (sc == 1 && (sr >= cols || rows == 1) && sr > 0) {
      return {x, false, int(std::max<int64_t>(sr, std::max(cols, 1)))};
    }
    if (sc == 1 && rows == 1) {
      return {x, false, std::max(cols, 1)};
    }
    if (sr == 1 && (sc >= rows || cols == 1) && sc > 0) {
      return {x, true, int(std::max<int64_t>(sc, std::max(rows, 1)))};
    }
  }
  if (rows > 1 && cols > 1 && sr == 1 && sc == rows) {
    // Matrices stored column-major (a transposed 16-bit operand): widened
    // in their own layout, one run of elements, and read transposed; an
    // element-by-element gather into row-major took twice the product.
    Shape ts = x.shape();
    Strides st = x.strides();
    std::swap(ts[nd - 2], ts[nd - 1]);
    std::swap(st[nd - 2], st[nd - 1]);
    int64_t expect = 1;
    bool row_major = true;
    for (int d = nd - 1; d >= 0; --d) {
      row_major = row_major && (ts[d] == 1 || st[d] == expect);
      expect *= ts[d];
    }
    if (row_major) {
      array view(ts, x.dtype(), nullptr, {});
      view.copy_shared_buffer(x, st, {true, true, false}, x.data_size());
      array dense(ts, compute, nullptr, {});
      cpu::copy(view, dense, false);
      return {dense, true, rows};
    }
  }
  array dense(x.shape(), compute, nullptr, {});
  cpu::copy(x, dense, false);
  return {dense, false, std::max(cols, 1)};
}

template <typename T>
void gemm(const Operand& a, const Operand& b, T* c, int m, int n, int k, const T* pa, const T* pb) {
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, 1.0f, pa, a.ld, pb, b.ld, 0.0f, c,
                      std::max(n, 1));
  } else if constexpr (std::is_same_v<T, double>) {
    scipy_cblas_dgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, 1.0, pa, a.ld, pb, b.ld, 0.0, c,
                      std::max(n, 1));
  } else {
    const complex64_t one(1, 0), zero(0, 0);
    scipy_cblas_cgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, &one, pa, a.ld, pb, b.ld, &zero, c,
                      std::max(n, 1));
  }
}

// Row-vector times matrix (m == 1) in float64: y = a B, with B (k x n)
// stored row-major, or its transpose when b.trans.
void dgemv(bool trans, int64_t ld, const double* a, const double* pb, double* y, int n, int k) {
  if (trans) {
    scipy_cblas_dgemv(MlxCblasRowMajor, MlxCblasNoTrans, n, k, 1.0, pb, int(ld), a, 1, 0.0, y, 1);
  } else {
    scipy_cblas_dgemv(MlxCblasRowMajor, MlxCblasTrans, k, n, 1.0, pb, int(ld), a, 1, 0.0, y, 1);
  }
}

// dot(w[0:k], a[0:k]) in 16 float lanes (vectorizes, converts 16-bit w).
template <typename W>
float dot_lanes(const W* w, const float* a, int k) {
  return cpu::simd(MLX_SIMD_LAMBDA {
    float lanes[16] = {};
    int i = 0;
    for (; i + 16 <= k; i += 16) {
      for (int l = 0; l < 16; ++l) {
        lanes[l] += static_cast<float>(w[i + l]) * a[i + l];
      }
    }
    float total = 0;
    for (; i < k; ++i) {
      total += static_cast<float>(w[i]) * a[i];
    }
    for (int l = 0; l < 16; ++l) {
      total += lanes[l];
    }
    return total;
  });
}

// The dots of four float32 rows (ld apart) with a, into out[0], out[os],
// out[2 os], out[3 os]: four streams of reads in flight instead of one, and
// each load of a serves four rows.
void dot_rows4(const float* w, int64_t ld, const float* a, int k, float* out, int64_t os) {
  cpu::simd(MLX_SIMD_LAMBDA {
    float lanes[4][16] = {};
    int i = 0;
    for (; i + 16 <= k; i += 16) {
      for (int r = 0; r < 4; ++r) {
        for (int l = 0; l < 16; ++l) {
          lanes[r][l] += w[r * ld + i + l] * a[i + l];
        }
      }
    }
    for (int r = 0; r < 4; ++r) {
      float total = 0;
      for (int j = i; j < k; ++j) {
        total += w[r * ld + j] * a[j];
      }
      for (int l = 0; l < 16; ++l) {
        total += lanes[r][l];
      }
      out[r * os] = total;
    }
  });
}

// y[0:n] += s[0] w[0:n] + ... + s[3] w[3 ld:3 ld + n] (four rows of B in the
// (k x n) layout): four streams of reads, one pass over y.
template <typename W>
void axpy_rows4(const W* w, int64_t ld, const float* s, float* y, int n) {
  cpu::simd(MLX_SIMD_LAMBDA {
    const W *w0 = w, *w1 = w + ld, *w2 = w + 2 * ld, *w3 = w + 3 * ld;
    float s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (int j = 0; j < n; ++j) {
      y[j] += (s0 * static_cast<float>(w0[j]) + s1 * static_cast<float>(w1[j])) +
              (s2 * static_cast<float>(w2[j]) + s3 * static_cast<float>(w3[j]));
    }
  });
}

// y[0:n] += s * w[0:n] (a row of B in the (k x n) layout).
template <typename W>
void axpy_row(const W* w, float s, float* y, int n) {
  cpu::simd(MLX_SIMD_LAMBDA {
    for (int j = 0; j < n; ++j) {
      y[j] += s * static_cast<float>(w[j]);
    }
  });
}

#if defined(__x86_64__)
// float16 weights: GCC does not vectorize _Float16 -> float conversions,
// so these use F16C (vcvtph2ps) directly, chosen at run time.
__attribute__((target("avx2,fma,f16c"))) float dot_f16c(const float16_t* w, const float* a, int k) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
    __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i + 8)));
    acc0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(a + i), acc0);
    acc1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(a + i + 8), acc1);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
  float total = 0;
  for (; i < k; ++i) {
    total += static_cast<float>(w[i]) * a[i];
  }
  for (float l : lanes) {
    total += l;
  }
  return total;
}

__attribute__((target("avx2,fma,f16c"))) void axpy_f16c(const float16_t* w, float s, float* y, int n) {
  __m256 vs = _mm256_set1_ps(s);
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 wv = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + j)));
    _mm256_storeu_ps(y + j, _mm256_fmadd_ps(vs, wv, _mm256_loadu_ps(y + j)));
  }
  for (; j < n; ++j) {
    y[j] += s * static_cast<float>(w[j]);
  }
}

// The dots of four 16-bit rows (ld apart; BF16: bfloat16, else float16)
// with a, as dot_rows4: widened in registers (vcvtph2ps, or a shift for
// bfloat16), four streams of reads.
template <bool BF16>
__attribute__((always_inline, target("avx2,fma,f16c"))) inline __m256 widen8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (BF16) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else {
    return _mm256_cvtph_ps(h);
  }
}

template <bool BF16>
__attribute__((target("avx2,fma,f16c"))) void dot_rows4_half(const uint16_t* w, int64_t ld, const float* a,
                                                             int k, float* out, int64_t os) {
  __m256 acc[4][2];
  for (int r = 0; r < 4; ++r) {
    acc[r][0] = _mm256_setzero_ps();
    acc[r][1] = _mm256_setzero_ps();
  }
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    const __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
    for (int r = 0; r < 4; ++r) {
      acc[r][0] = _mm256_fmadd_ps(widen8<BF16>(w + r * ld + i), a0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(widen8<BF16>(w + r * ld + i + 8), a1, acc[r][1]);
    }
  }
  for (int r = 0; r < 4; ++r) {
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc[r][0], acc[r][1]));
    using W = std::conditional_t<BF16, bfloat16_t, float16_t>;
    const W* row = reinterpret_cast<const W*>(w + r * ld);
    float total = 0;
    for (int j = i; j < k; ++j) {
      total += static_cast<float>(row[j]) * a[j];
    }
    for (float l : lanes) {
      total += l;
    }
    out[r * os] = total;
  }
}

bool has_f16c() { return cpu::isa() >= cpu::Isa::avx2; }

void dot_rows4(const float16_t* w, int64_t ld, const float* a, int k, float* out, int64_t os) {
  dot_rows4_half<false>(reinterpret_cast<const uint16_t*>(w), ld, a, k, out, os);
}

void dot_rows4(const bfloat16_t* w, int64_t ld, const float* a, int k, float* out, int64_t os) {
  dot_rows4_half<true>(reinterpret_cast<const uint16_t*>(w), ld, a, k, out, os);
}

float dot_lanes(const float16_t* w, const float* a, int k) {
  return has_f16c() ? dot_f16c(w, a, k) : dot_lanes<float16_t>(w, a, k);
}

void axpy_row(const float16_t* w, float s, float* y, int n) {
  has_f16c() ? axpy_f16c(w, s, y, n) : axpy_row<float16_t>(w, s, y, n);
}
#else
// (Not reached: 16-bit rows go four at a time only with F16C.)
template <typename W>
void dot_rows4(const W* w, int64_t ld, const float* a, int k, float* out, int64_t os) {
  for (int r = 0; r < 4; ++r) {
    out[r * os] = dot_lanes(w + r * ld, a, k);
  }
}
#endif

// y = a B for float32 or 16-bit B with float32 accumulation (a already
// float32), on the shared pool: B is read once, 16-bit entries converted on
// the fly. (OpenBLAS's own threads fare worse for these small products.)
template <typename W>
void gemv_float(const W* pb, int64_t ld, bool trans, const float* a, float* y, int n, int k) {
  if (trans) {
    cpu::parallel_for(n, std::max(1, 8192 / std::max(k, 1)), [&](size_t j0, size_t j1) {
      size_t j = j0;
      // The piece cut in four parts read side by side, so that the
      // prefetchers see four long streams (4096x4096 from memory, 2
      // threads: 39.8 -> 41.5 GB/s; 16-bit rows, widened in registers:
      // bfloat16 30 -> 48 GB/s on the AVX-512 Xeon).
      bool four = std::is_same_v<W, float>;
#if defined(__x86_64__)
      four = four || has_f16c();
#endif
      if (four) {
        size_t part = k >= 64 ? (j1 - j0) / 4 : 0;
        for (size_t t = 0; t < part; ++t) {
          dot_rows4(pb + (j0 + t) * ld, int64_t(part) * ld, a, k, y + j0 + t, int64_t(part));
        }
        j = j0 + 4 * part;
      }
      for (; j < j1; ++j) {
        y[j] = dot_lanes(pb + j * ld, a, k);
      }
    });
    return;
  }
  // y = a B: each thread takes a band of B's rows (read once, in order) and
  // sums into its own y, in column blocks that stay in cache; the bands'
  // sums are added at the end. With few rows, threads take column blocks.
  constexpr int kColumns = 4096;
  size_t threads = static_cast<size_t>(cpu::num_threads());
  bool large = size_t(k) * n >= 2 * cpu::kParallelGrain;
  if (large && size_t(k) < 16 * threads) {
    cpu::parallel_for(n, kColumns, [&](size_t j0, size_t j1) {
      std::fill(y + j0, y + j1, 0.0f);
      for (int r = 0; r < k; ++r) {
        axpy_row(pb + r * ld + j0, a[r], y + j0, static_cast<int>(j1 - j0));
      }
    });
    return;
  }
  size_t parts = large ? threads : 1;
  std::vector<float> band_sums((parts - 1) * n);
  int per = static_cast<int>((k + parts - 1) / parts);
  cpu::parallel_for(parts, 1, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      float* yp = p == 0 ? y : band_sums.data() + (p - 1) * n;
      std::fill(yp, yp + n, 0.0f);
      int r0 = static_cast<int>(p) * per, r1 = std::min(k, r0 + per);
      for (int c0 = 0; c0 < n; c0 += kColumns) {
        int cols = std::min(kColumns, n - c0);
        int r = r0;
        if constexpr (!std::is_same_v<W, float16_t>) { // (float16: F16C rows below)
          for (; r + 4 <= r1; r += 4) {
            axpy_rows4(pb + r * ld + c0, ld, a + r, yp + c0, cols);
          }
        }
        for (; r < r1; ++r) {
          axpy_row(pb + r * ld + c0, a[r], yp + c0, cols);
        }
      }
    }
  });
  for (size_t p = 1; p < parts; ++p) {
    axpy_row(band_sums.data() + (p - 1) * n, 1.0f, y, n);
  }
}

// y = v M for each batch entry: `vec` holds the rows v (1 x k), `mat` the
// matrices M (k x n), or their transposes when `swapped` (then the product
// is M^T v^T, the matrix-times-column case). False when M's layout does
// not suit (the caller then uses GEMM).
bool vector_times_matrix(const array& vec, const array& mat, bool swapped, array& out, int n, int k) {
  if (k == 0 || n == 0 || out.ndim() != mat.ndim()) {
    return false;
  }
  const array& a_in = vec;
  const array& b_in = mat;
  Dtype t = out.dtype();
  size_t batches = out.size() / n;
  Dtype compute = (t == float64) ? float64 : float32;
  if (t != float32 && t != float64 && t != float16 && t != bfloat16) {
    return false;
  }
  bool half = t == float16 || t == bfloat16;
  // B as stored, in its own dtype (16-bit stays 16-bit).
  int nd = b_in.ndim();
  int64_t sr = b_in.strides()[nd - 2], sc = b_in.strides()[nd - 1];
  if (swapped) {
    std::swap(sr, sc);
  }
  bool trans;
  int64_t ld;
  if (sc == 1 && sr >= n) {
    trans = false, ld = sr;
  } else if (sr == 1 && sc >= k) {
    trans = true, ld = sc;
  } else {
    return false;
  }
  // Batch offsets of B; A is widened to `compute` and made dense.
  Shape batch(out.shape().begin(), out.shape().end() - 2);
  Strides sb(b_in.strides().begin(), b_in.strides().end() - 2);
  batch.push_back(1);
  sb.push_back(0);
  array a(a_in.shape(), compute, nullptr, {}); // (..., 1, k) or (..., k, 1): dense k per entry
  cpu::copy(a_in, a, false);
  array wide = out;
  if (half) {
    wide = array(out.shape(), float32, nullptr, {});
  }
  wide.set_data(allocator::malloc(wide.nbytes()));
  size_t bi = 0;
  cpu::for_each_row<1>(batch, {sb}, 0, batches, [&](const std::array<int64_t, 1>& off) {
    size_t idx = bi++;
    float* yf = half ? wide.data<float>() + idx * n : nullptr;
    if (t == float32) {
      gemv_float(b_in.data<float>() + off[0], ld, trans, a.data<float>() + idx * k,
                 wide.data<float>() + idx * n, n, k);
    } else if (t == float64) {
      dgemv(trans, ld, a.data<double>() + idx * k, b_in.data<double>() + off[0],
            wide.data<double>() + idx * n, n, k);
    } else if (t == float16) {
      gemv_float(b_in.data<float16_t>() + off[0], ld, trans, a.data<float>() + idx * k, yf, n, k);
    } else {
      gemv_float(b_in.data<bfloat16_t>() + off[0], ld, trans, a.data<float>() + idx * k, yf, n, k);
    }
  });
  if (half) {
    cpu::copy(wide, out, false);
  }
  return true;
}

// Products with a single row on the left or a single column on the right.
bool try_vector_matmul(const array& a, const array& b, array& out) {
  int m = out.shape(-2), n = out.shape(-1), k = a.shape(-1);
  if (m == 1) {
    return vector_times_matrix(a, b, false, out, n, k);
  }
  if (n == 1) {
    return vector_times_matrix(b, a, true, out, m, k);
  }
  return false;
}

// The operands of a batched product as BLAS sees them, and each batch
// entry's offsets into them.
struct Batch {
  Operand a, b;
  int m, n, k;
  size_t count;
  std::vector<int64_t> offs_a, offs_b;
};

Batch make_batch(const array& a_in, const array& b_in, const array& out, Dtype compute) {
  Batch t{prepare(a_in, compute),
          prepare(b_in, compute),
          out.shape(-2),
          out.shape(-1),
          a_in.shape(-1),
          0,
          {},
          {}};
  Shape batch(out.shape().begin(), out.shape().end() - 2);
  Strides sa(t.a.arr.strides().begin(), t.a.arr.strides().end() - 2);
  Strides sb(t.b.arr.strides().begin(), t.b.arr.strides().end() - 2);
  t.count = shape_size(batch);
  batch.push_back(1);
  sa.push_back(0);
  sb.push_back(0);
  // One weight shared by a contiguous batch (x @ W with x (..., m, k)):
  // a single GEMM over all count * m rows.
  bool shared_b = std::all_of(sb.begin(), sb.end(), [](int64_t v) { return v == 0; });
  if (shared_b && !t.a.trans && t.a.arr.flags().row_contiguous && t.a.ld == t.k) {
    t.m *= static_cast<int>(t.count);
    t.count = 1;
  }
  cpu::for_each_row<2>(batch, {sa, sb}, 0, t.count, [&](const std::array<int64_t, 2>& off) {
    t.offs_a.push_back(off[0]);
    t.offs_b.push_back(off[1]);
  });
  return t;
}

template <typename T>
void batched(const array& a_in, const array& b_in, array& out, Dtype compute) {
  T* c = out.data<T>();
  if (a_in.shape(-1) == 0) {
    std::memset(c, 0, out.size() * sizeof(T));
    return;
  }
  Batch t = make_batch(a_in, b_in, out, compute);
  const Operand &a = t.a, &b = t.b;
  const int m = t.m, n = t.n, k = t.k;
  const T* pa = a.arr.template data<T>();
  const T* pb = b.arr.template data<T>();
  // Batch entries times row blocks, enough tasks for every pool thread;
  // OpenBLAS itself runs single-threaded (see use_pool_threads).
  size_t threads = cpu::num_threads();
  size_t row_blocks =
      t.count >= threads ? 1 : std::min<size_t>((threads + t.count - 1) / t.count, std::max(1, m / 32));
  size_t rows_per = (m + row_blocks - 1) / row_blocks;
  cpu::use_pool_threads();
  cpu::parallel_tasks(t.count * row_blocks, [&](size_t task) {
    size_t entry = task / row_blocks;
    size_t r0 = (task % row_blocks) * rows_per;
    if (r0 >= size_t(m)) {
      return;
    }
    int rows = static_cast<int>(std::min<size_t>(rows_per, m - r0));
    // Row r0 of A: r0 * lda along rows, or r0 along columns when transposed.
    const T* a0 = pa + t.offs_a[entry] + (a.trans ? r0 : r0 * a.ld);
    gemm<T>(a, b, c + entry * size_t(m) * n + r0 * n, rows, n, k, a0, pb + t.offs_b[entry]);
  });
}

// bfloat16 operands on AMX, into float32 (wide); false where the CPU has no
// AMX or the product is too small to gain from it (below 2^20 multiplies,
// 64x128x128: AMX 79 GFLOP/s, widened 68; 64x64x64: 44 against 52; or
// fewer than 16 rows or columns, most of a tile padding).
bool amx_bf16(const array& a_in, const array& b_in, array& wide) {
  const int64_t m = wide.shape(-2), n = wide.shape(-1), k = a_in.shape(-1);
  if (a_in.dtype() != bfloat16 || b_in.dtype() != bfloat16 || m < 16 || n < 16 ||
      m * n * k < (int64_t(1) << 20) || !cpu::amx_bf16_available()) {
    return false;
  }
  Batch t = make_batch(a_in, b_in, wide, bfloat16);
  const auto* pa = reinterpret_cast<const uint16_t*>(t.a.arr.data<bfloat16_t>());
  const auto* pb = reinterpret_cast<const uint16_t*>(t.b.arr.data<bfloat16_t>());
  float* c = wide.data<float>();
  for (size_t e = 0; e < t.count; ++e) {
    cpu::amx_matmul_bf16(pa + t.offs_a[e], t.a.ld, t.a.trans, pb + t.offs_b[e], t.b.ld, t.b.trans,
                         c + e * size_t(t.m) * t.n, t.m, t.n, t.k);
  }
  return true;
}

} // namespace

void Matmul::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  Dtype t = out.dtype();
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
    return;
  }
  if (try_vector_matmul(in[0], in[1], out)) {
    return;
  }
  if (t == float32 || t == float64 || t == complex64) {
    out.set_data(allocator::malloc(out.nbytes()));
    if (t == float32) {
      batched<float>(in[0], in[1], out, t);
    } else if (t == float64) {
      batched<double>(in[0], in[1], out, t);
    } else {
      batched<complex64_t>(in[0], in[1], out, t);
    }
    return;
  }
  // float16 / bfloat16: compute in float32 (bfloat16 on AMX: exact
  // products, float32 sums), then round.
  array wide(out.shape(), float32, nullptr, {});
  wide.set_data(allocator::malloc(out.size() * sizeof(float)));
  if (!amx_bf16(in[0], in[1], wide)) {
    batched<float>(in[0], in[1], wide, float32);
  }
  cpu::copy(wide, out, false);
}

} // namespace mlx::core
