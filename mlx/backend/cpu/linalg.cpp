// eval_cpu of the LAPACK-backed primitives (scipy-openblas32's LAPACK,
// column-major Fortran interface).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/linalg.h"

extern "C" {
void scipy_ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w,
                   float* work, const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                   double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void scipy_dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void scipy_sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork,
                   int* info);
void scipy_dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork,
                   int* info);
void scipy_sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
                   const int* lwork, int* info);
void scipy_dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
                   const int* lwork, int* info);
void scipy_sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
                   float* work, const int* lwork, int* info);
void scipy_dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
                   double* work, const int* lwork, int* info);
void scipy_sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u,
                   const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork, int* iwork,
                   int* info);
void scipy_dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
                   double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
                   int* iwork, int* info);
void scipy_sgeev_(const char* jobvl, const char* jobvr, const int* n, float* a, const int* lda, float* wr,
                  float* wi, float* vl, const int* ldvl, float* vr, const int* ldvr, float* work,
                  const int* lwork, int* info);
void scipy_dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda, double* wr,
                  double* wi, double* vl, const int* ldvl, double* vr, const int* ldvr, double* work,
                  const int* lwork, int* info);
void scipy_spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info);
// Complex64 (std::complex<float> is layout-compatible with LAPACK's).
void scipy_cheevd_(const char* jobz, const char* uplo, const int* n, void* a, const int* lda, float* w,
                   void* work, const int* lwork, float* rwork, const int* lrwork, int* iwork,
                   const int* liwork, int* info);
void scipy_cgeev_(const char* jobvl, const char* jobvr, const int* n, void* a, const int* lda, void* w,
                  void* vl, const int* ldvl, void* vr, const int* ldvr, void* work, const int* lwork,
                  float* rwork, int* info);
void scipy_cgesdd_(const char* jobz, const int* m, const int* n, void* a, const int* lda, float* s, void* u,
                   const int* ldu, void* vt, const int* ldvt, void* work, const int* lwork, float* rwork,
                   int* iwork, int* info);
void scipy_dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}

namespace mlx::core {

namespace {

template <typename T>
int syevd(char uplo, int n, T* a, T* w) {
  char jobz = 'V';
  int info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  T work_query = 0;
  auto call = [&](T* work, int* iwork) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_ssyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info);
    } else {
      scipy_dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info);
    }
  };
  call(&work_query, &iwork_query);
  lwork = static_cast<int>(work_query);
  liwork = iwork_query;
  std::vector<T> work(std::max(lwork, 1));
  std::vector<int> iwork(std::max(liwork, 1));
  call(work.data(), iwork.data());
  return info;
}

// In place: the inverse of the n x n matrix a (LU, then getri).
template <typename T>
int invert(int n, T* a) {
  std::vector<int> ipiv(n);
  int info = 0;
  if constexpr (std::is_same_v<T, float>) {
    scipy_sgetrf_(&n, &n, a, &n, ipiv.data(), &info);
  } else {
    scipy_dgetrf_(&n, &n, a, &n, ipiv.data(), &info);
  }
  if (info != 0) {
    return info;
  }
  int lwork = -1;
  T query = 0;
  auto getri = [&](T* work) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_sgetri_(&n, a, &n, ipiv.data(), work, &lwork, &info);
    } else {
      scipy_dgetri_(&n, a, &n, ipiv.data(), work, &lwork, &info);
    }
  };
  getri(&query);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(lwork);
  getri(work.data());
  return info;
}

// Hermitian eigendecomposition of the dense complex64 matrices in `v` (in
// place, eigenvectors as columns), eigenvalues into `w`. Row-major memory
// is the column-major transpose, which for a Hermitian matrix is its
// conjugate: the same eigenvalues, conjugated eigenvectors (as rows), and
// the other triangle.
void eigh_complex(array& v, array& w, int n, bool lower) {
  size_t mats = v.size() / (size_t(n) * n);
  char jobz = 'V', uplo = lower ? 'U' : 'L';
  cpu::use_pool_threads();
  std::vector<int> infos(mats, 0);
  cpu::parallel_tasks(mats, [&](size_t m) {
    complex64_t* a = v.data<complex64_t>() + m * n * n;
    float* e = w.data<float>() + m * n;
    int info = 0, lwork = -1, lrwork = -1, liwork = -1, iwork_query = 0;
    complex64_t work_query = 0;
    float rwork_query = 0;
    scipy_cheevd_(&jobz, &uplo, &n, a, &n, e, &work_query, &lwork, &rwork_query, &lrwork, &iwork_query,
                  &liwork, &info);
    lwork = std::max(1, int(work_query.real()));
    lrwork = std::max(1, int(rwork_query));
    liwork = std::max(1, iwork_query);
    std::vector<complex64_t> work(lwork);
    std::vector<float> rwork(lrwork);
    std::vector<int> iwork(liwork);
    scipy_cheevd_(&jobz, &uplo, &n, a, &n, e, work.data(), &lwork, rwork.data(), &lrwork, iwork.data(),
                  &liwork, &info);
    infos[m] = info;
    // Rows hold conj(eigenvectors): conjugate-transpose in place.
    for (int i = 0; i < n; ++i) {
      a[i * n + i] = std::conj(a[i * n + i]);
      for (int j = i + 1; j < n; ++j) {
        complex64_t x = a[i * n + j];
        a[i * n + j] = std::conj(a[j * n + i]);
        a[j * n + i] = std::conj(x);
      }
    }
  });
  for (int info : infos) {
    if (info != 0) {
      throw std::runtime_error("[linalg::eigh] Eigenvalue decomposition failed to converge.");
    }
  }
}

// Runs f(matrix index) over the batch of n x n matrices in `out` (a dense
// copy of the input) and raises `failure` if any call returned nonzero.
template <typename F>
void each_matrix(array& out, int n, const char* failure, F&& f) {
  size_t mats = n == 0 ? 0 : out.size() / (size_t(n) * n);
  cpu::use_pool_threads();
  std::vector<int> infos(mats, 0);
  cpu::parallel_tasks(mats, [&](size_t m) { infos[m] = f(m); });
  // Raised here, on the calling thread (not from the pool's workers).
  for (int info : infos) {
    if (info != 0) {
      throw std::runtime_error(failure);
    }
  }
}

} // namespace

void Inverse::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  // LAPACK works on a dense copy. Row-major memory is the column-major
  // transpose, and inv(A^T) = inv(A)^T: the result needs no transposing.
  cpu::copy(in[0], out, false);
  int n = out.shape(-1);
  each_matrix(out, n, "[linalg::inv] The matrix is singular.", [&](size_t m) {
    return out.dtype() == float32 ? invert<float>(n, out.data<float>() + m * n * n)
                                  : invert<double>(n, out.data<double>() + m * n * n);
  });
}

void Cholesky::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  cpu::copy(in[0], out, false);
  int n = out.shape(-1);
  // Row-major memory is the column-major transpose: LAPACK's upper factor
  // U (A = U^T U) reads as the lower factor here, and the other way round.
  char uplo = upper_ ? 'L' : 'U';
  auto factor = [&](auto* a) {
    int info = 0;
    if constexpr (std::is_same_v<std::remove_pointer_t<decltype(a)>, float>) {
      scipy_spotrf_(&uplo, &n, a, &n, &info);
    } else {
      scipy_dpotrf_(&uplo, &n, a, &n, &info);
    }
    // Zero the triangle LAPACK leaves untouched.
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        if (upper_ ? j < i : j > i) {
          a[i * n + j] = 0;
        }
      }
    }
    return info;
  };
  each_matrix(out, n, "[linalg::cholesky] The matrix is not positive definite.", [&](size_t m) {
    return out.dtype() == float32 ? factor(out.data<float>() + m * n * n)
                                  : factor(out.data<double>() + m * n * n);
  });
}

void Eigh::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& w = outs[0];
  auto& v = outs[1];
  w.set_data(allocator::malloc(w.nbytes()));
  // v starts as a dense copy of the input; LAPACK overwrites it in place.
  cpu::copy(in[0], v, false);
  int n = v.shape(-1);
  if (v.size() == 0) {
    return;
  }
  if (v.dtype() == complex64) {
    eigh_complex(v, w, n, lower_);
    return;
  }
  size_t mats = v.size() / (size_t(n) * n);
  // Row-major memory is the column-major transpose: the same symmetric
  // matrix with the other triangle, and eigenvectors come back as rows.
  char uplo = lower_ ? 'U' : 'L';
  cpu::use_pool_threads();
  std::vector<int> infos(mats, 0);
  cpu::parallel_tasks(mats, [&](size_t m) {
    int& info = infos[m];
    if (v.dtype() == float32) {
      info = syevd<float>(uplo, n, v.data<float>() + m * n * n, w.data<float>() + m * n);
    } else {
      info = syevd<double>(uplo, n, v.data<double>() + m * n * n, w.data<double>() + m * n);
    }
    // Rows hold the eigenvectors: transpose in place to columns.
    auto transpose = [&](auto* p) {
      for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
          std::swap(p[i * n + j], p[j * n + i]);
        }
      }
    };
    if (v.dtype() == float32) {
      transpose(v.data<float>() + m * n * n);
    } else {
      transpose(v.data<double>() + m * n * n);
    }
  });
  // Raised here, on the calling thread (not from the pool's workers).
  for (int info : infos) {
    if (info != 0) {
      throw std::runtime_error("[linalg::eigh] Eigenvalue decomposition failed to converge.");
    }
  }
}

// The factorizations below copy each row-major (m, n) matrix into a
// column-major buffer for LAPACK and copy the results back.
namespace {

template <typename T>
void to_columns(const T* a, int m, int n, T* out) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      out[i + size_t(j) * m] = a[size_t(i) * n + j];
    }
  }
}

// out (rows, cols) row-major from the column-major `a` with leading
// dimension lda.
template <typename T>
void from_columns(const T* a, int lda, int rows, int cols, T* out) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      out[size_t(i) * cols + j] = a[i + size_t(j) * lda];
    }
  }
}

// Runs f(index) for each of the input's matrices on the pool, f working
// on the matrix's dtype, and raises `failure` if any returned nonzero.
template <typename F>
void each_input_matrix(const array& a, const char* failure, F&& f) {
  int m = a.shape(-2), n = a.shape(-1);
  size_t mats = size_t(m) * n == 0 ? 0 : a.size() / (size_t(m) * n);
  cpu::use_pool_threads();
  std::vector<int> infos(mats, 0);
  cpu::parallel_tasks(mats, [&](size_t k) {
    infos[k] = a.dtype() == float32 ? f(k, a.data<float>() + k * m * n) : f(k, a.data<double>() + k * m * n);
  });
  for (int info : infos) {
    if (info != 0) {
      throw std::runtime_error(failure);
    }
  }
}

template <typename T>
void getrf(int m, int n, T* a, int* ipiv, int* info) {
  if constexpr (std::is_same_v<T, float>) {
    scipy_sgetrf_(&m, &n, a, &m, ipiv, info);
  } else {
    scipy_dgetrf_(&m, &n, a, &m, ipiv, info);
  }
}

template <typename T>
int qr(int m, int n, const T* a, T* q, T* r) {
  int k = std::min(m, n), info = 0, lwork = -1;
  std::vector<T> col(size_t(m) * n), tau(std::max(k, 1));
  to_columns(a, m, n, col.data());
  T query = 0;
  auto geqrf = [&](T* work) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_sgeqrf_(&m, &n, col.data(), &m, tau.data(), work, &lwork, &info);
    } else {
      scipy_dgeqrf_(&m, &n, col.data(), &m, tau.data(), work, &lwork, &info);
    }
  };
  auto orgqr = [&](T* work) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_sorgqr_(&m, &k, &k, col.data(), &m, tau.data(), work, &lwork, &info);
    } else {
      scipy_dorgqr_(&m, &k, &k, col.data(), &m, tau.data(), work, &lwork, &info);
    }
  };
  geqrf(&query);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(lwork);
  geqrf(work.data());
  if (info != 0) {
    return info;
  }
  // R: the upper triangle of the first k rows.
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < n; ++j) {
      r[size_t(i) * n + j] = j >= i ? col[i + size_t(j) * m] : T(0);
    }
  }
  lwork = -1;
  orgqr(&query);
  lwork = std::max(1, static_cast<int>(query));
  work.resize(lwork);
  orgqr(work.data());
  from_columns(col.data(), m, m, k, q);
  return info;
}

// LAPACK's gesdd does not return on some matrices holding inf (3x3 and up,
// with U and V). What an m x n matrix holds decides before it is called:
// NaN fails to converge (as gesdd reports, and as MLX raises); inf gives NaN
// everywhere (as gesdd gives when it returns).
enum class NonFinite { none, inf, nan };
template <typename T>
NonFinite non_finite(const T* a, size_t count) {
  NonFinite found = NonFinite::none;
  for (size_t i = 0; i < count; ++i) {
    double re, im = 0;
    if constexpr (std::is_same_v<T, complex64_t>) {
      re = a[i].real();
      im = a[i].imag();
    } else {
      re = static_cast<double>(a[i]);
    }
    if (std::isnan(re) || std::isnan(im)) {
      return NonFinite::nan;
    }
    if (std::isinf(re) || std::isinf(im)) {
      found = NonFinite::inf;
    }
  }
  return found;
}

// The LAPACK info for a matrix that is not finite (-1 for NaN), filling the
// outputs with NaN for inf; 1 when the matrix is finite and gesdd must run.
template <typename T, typename S>
int svd_non_finite(int m, int n, const T* a, T* u, S* s, T* vt) {
  auto kind = non_finite(a, size_t(m) * n);
  if (kind == NonFinite::none) {
    return 1;
  }
  if (kind == NonFinite::nan) {
    return -1;
  }
  const S nan = std::numeric_limits<S>::quiet_NaN();
  std::fill(s, s + std::min(m, n), nan);
  if (u) {
    std::fill(u, u + size_t(m) * m, T(nan));
    std::fill(vt, vt + size_t(n) * n, T(nan));
  }
  return 0;
}

template <typename T>
int svd(int m, int n, const T* a, T* u, T* s, T* vt) {
  if (int r = svd_non_finite(m, n, a, u, s, vt); r != 1) {
    return r;
  }
  char jobz = u ? 'A' : 'N';
  int k = std::min(m, n), info = 0, lwork = -1;
  std::vector<T> col(size_t(m) * n), ucol(u ? size_t(m) * m : 1), vtcol(u ? size_t(n) * n : 1);
  std::vector<int> iwork(8 * std::max(k, 1));
  to_columns(a, m, n, col.data());
  int ldu = std::max(m, 1), ldvt = std::max(n, 1);
  auto gesdd = [&](T* work) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_sgesdd_(&jobz, &m, &n, col.data(), &ldu, s, ucol.data(), &ldu, vtcol.data(), &ldvt, work, &lwork,
                    iwork.data(), &info);
    } else {
      scipy_dgesdd_(&jobz, &m, &n, col.data(), &ldu, s, ucol.data(), &ldu, vtcol.data(), &ldvt, work, &lwork,
                    iwork.data(), &info);
    }
  };
  T query = 0;
  gesdd(&query);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(lwork);
  gesdd(work.data());
  if (info == 0 && u) {
    from_columns(ucol.data(), m, m, m, u);
    from_columns(vtcol.data(), n, n, n, vt);
  }
  return info;
}

// Eigenvalues w and (when v) right eigenvectors of the n x n matrix a.
// LAPACK returns a complex pair as one real column pair: v_j = re + i im,
// v_{j+1} its conjugate.
template <typename T>
int eig(int n, const T* a, complex64_t* w, complex64_t* v) {
  char jobvl = 'N', jobvr = v ? 'V' : 'N';
  int info = 0, lwork = -1, one = 1, ldvr = v ? n : 1;
  std::vector<T> col(size_t(n) * n), wr(n), wi(n), vr(v ? size_t(n) * n : 1);
  to_columns(a, n, n, col.data());
  auto geev = [&](T* work) {
    if constexpr (std::is_same_v<T, float>) {
      scipy_sgeev_(&jobvl, &jobvr, &n, col.data(), &n, wr.data(), wi.data(), nullptr, &one, vr.data(), &ldvr,
                   work, &lwork, &info);
    } else {
      scipy_dgeev_(&jobvl, &jobvr, &n, col.data(), &n, wr.data(), wi.data(), nullptr, &one, vr.data(), &ldvr,
                   work, &lwork, &info);
    }
  };
  T query = 0;
  geev(&query);
  lwork = std::max(1, static_cast<int>(query));
  std::vector<T> work(lwork);
  geev(work.data());
  if (info != 0) {
    return info;
  }
  for (int j = 0; j < n; ++j) {
    w[j] = complex64_t(float(wr[j]), float(wi[j]));
  }
  if (!v) {
    return 0;
  }
  for (int j = 0; j < n; ++j) {
    bool pair = wi[j] != 0 && j + 1 < n;
    for (int i = 0; i < n; ++i) {
      T re = vr[i + size_t(j) * n];
      T im = pair ? vr[i + size_t(j + 1) * n] : T(0);
      v[size_t(i) * n + j] = complex64_t(float(re), float(im));
      if (pair) {
        v[size_t(i) * n + j + 1] = complex64_t(float(re), float(-im));
      }
    }
    j += pair ? 1 : 0;
  }
  return 0;
}

// eig of a complex64 n x n matrix (cgeev): eigenvalues w, right
// eigenvectors v (as columns) when v is given.
int eig_complex(int n, const complex64_t* a, complex64_t* w, complex64_t* v) {
  char jobvl = 'N', jobvr = v ? 'V' : 'N';
  int info = 0, lwork = -1, one = 1, ldvr = v ? n : 1;
  std::vector<complex64_t> col(size_t(n) * n), vr(v ? size_t(n) * n : 1);
  std::vector<float> rwork(2 * std::max(n, 1));
  to_columns(a, n, n, col.data());
  complex64_t query = 0;
  scipy_cgeev_(&jobvl, &jobvr, &n, col.data(), &n, w, nullptr, &one, vr.data(), &ldvr, &query, &lwork,
               rwork.data(), &info);
  lwork = std::max(1, int(query.real()));
  std::vector<complex64_t> work(lwork);
  scipy_cgeev_(&jobvl, &jobvr, &n, col.data(), &n, w, nullptr, &one, vr.data(), &ldvr, work.data(), &lwork,
               rwork.data(), &info);
  if (info == 0 && v) {
    from_columns(vr.data(), n, n, n, v);
  }
  return info;
}

// svd of a complex64 m x n matrix (cgesdd): a = u diag(s) vt, with vt the
// conjugate transpose of V.
int svd_complex(int m, int n, const complex64_t* a, complex64_t* u, float* s, complex64_t* vt) {
  if (int r = svd_non_finite(m, n, a, u, s, vt); r != 1) {
    return r;
  }
  char jobz = u ? 'A' : 'N';
  int k = std::min(m, n), mx = std::max(m, n), info = 0, lwork = -1;
  std::vector<complex64_t> col(size_t(m) * n), ucol(u ? size_t(m) * m : 1), vtcol(u ? size_t(n) * n : 1);
  std::vector<int> iwork(8 * std::max(k, 1));
  size_t lrwork = u ? std::max<size_t>(5 * size_t(k) * k + 5 * k, 2 * size_t(mx) * k + 2 * size_t(k) * k + k)
                    : 7 * size_t(k);
  std::vector<float> rwork(std::max<size_t>(lrwork, 1));
  to_columns(a, m, n, col.data());
  int ldu = std::max(m, 1), ldvt = std::max(n, 1);
  complex64_t query = 0;
  scipy_cgesdd_(&jobz, &m, &n, col.data(), &ldu, s, ucol.data(), &ldu, vtcol.data(), &ldvt, &query, &lwork,
                rwork.data(), iwork.data(), &info);
  lwork = std::max(1, int(query.real()));
  std::vector<complex64_t> work(lwork);
  scipy_cgesdd_(&jobz, &m, &n, col.data(), &ldu, s, ucol.data(), &ldu, vtcol.data(), &ldvt, work.data(),
                &lwork, rwork.data(), iwork.data(), &info);
  if (info == 0 && u) {
    from_columns(ucol.data(), m, m, m, u);
    from_columns(vtcol.data(), n, n, n, vt);
  }
  return info;
}

// Runs f(k) over the batch of matrices of a complex64 input and raises
// `failure` if any call returned nonzero.
template <typename F>
void each_complex_matrix(const array& a, const char* failure, F&& f) {
  int m = a.shape(-2), n = a.shape(-1);
  size_t mats = size_t(m) * n == 0 ? 0 : a.size() / (size_t(m) * n);
  cpu::use_pool_threads();
  std::vector<int> infos(mats, 0);
  cpu::parallel_tasks(mats, [&](size_t k) { infos[k] = f(k, a.data<complex64_t>() + k * m * n); });
  for (int info : infos) {
    if (info != 0) {
      throw std::runtime_error(failure);
    }
  }
}

} // namespace

void Eig::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  array a = cpu::ensure_row_contiguous(in[0]);
  for (auto& o : outs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  int n = a.shape(-1);
  if (a.dtype() == complex64) {
    each_complex_matrix(a, "[linalg::eig] The eigenvalue computation failed to converge.",
                        [&](size_t idx, const complex64_t* x) {
                          complex64_t* v =
                              compute_vectors_ ? outs[1].data<complex64_t>() + idx * n * n : nullptr;
                          return eig_complex(n, x, outs[0].data<complex64_t>() + idx * n, v);
                        });
    return;
  }
  each_input_matrix(a, "[linalg::eig] The eigenvalue computation failed to converge.",
                    [&](size_t idx, auto* x) {
                      using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
                      complex64_t* v = compute_vectors_ ? outs[1].data<complex64_t>() + idx * n * n : nullptr;
                      return eig<T>(n, x, outs[0].data<complex64_t>() + idx * n, v);
                    });
}

void LUF::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  array a = cpu::ensure_row_contiguous(in[0]);
  for (auto& o : outs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto* piv = outs[1].data<uint32_t>();
  auto* perm = outs[2].data<uint32_t>();
  each_input_matrix(a, "", [&](size_t idx, auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
    std::vector<T> col(size_t(m) * n);
    std::vector<int> ipiv(std::max(k, 1));
    to_columns(x, m, n, col.data());
    int info = 0;
    getrf<T>(m, n, col.data(), ipiv.data(), &info);
    from_columns(col.data(), m, m, n, outs[0].data<T>() + idx * m * n);
    // The rows of a in L U order, from the swaps; p is its inverse.
    std::vector<uint32_t> order(m);
    for (int i = 0; i < m; ++i) {
      order[i] = i;
    }
    for (int i = 0; i < k; ++i) {
      piv[idx * k + i] = uint32_t(ipiv[i] - 1);
      std::swap(order[i], order[ipiv[i] - 1]);
    }
    for (int i = 0; i < m; ++i) {
      perm[idx * m + order[i]] = uint32_t(i);
    }
    // A singular U (info > 0) is a valid factorization.
    return info < 0 ? info : 0;
  });
}

void QRF::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  array a = cpu::ensure_row_contiguous(in[0]);
  for (auto& o : outs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  each_input_matrix(a, "[linalg::qr] The factorization failed.", [&](size_t idx, auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
    return qr<T>(m, n, x, outs[0].data<T>() + idx * m * k, outs[1].data<T>() + idx * k * n);
  });
}

void SVD::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  array a = cpu::ensure_row_contiguous(in[0]);
  for (auto& o : outs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  array& values = compute_uv_ ? outs[1] : outs[0];
  if (a.size() == 0 && compute_uv_) {
    // No values: U and V^T are identities (empty or not).
    for (int o : {0, 2}) {
      int d = o == 0 ? m : n;
      size_t mats = outs[o].size() / std::max<size_t>(size_t(d) * d, 1);
      auto fill = [&](auto* p) {
        std::fill(p, p + outs[o].size(), 0);
        for (size_t b = 0; b < mats; ++b) {
          for (int i = 0; i < d; ++i) {
            p[b * d * d + i * d + i] = 1;
          }
        }
      };
      if (outs[o].dtype() == complex64) {
        fill(outs[o].data<complex64_t>());
      } else {
        outs[o].dtype() == float32 ? fill(outs[o].data<float>()) : fill(outs[o].data<double>());
      }
    }
    return;
  }
  if (a.dtype() == complex64) {
    each_complex_matrix(a, "[linalg::svd] The decomposition failed to converge.",
                        [&](size_t idx, const complex64_t* x) {
                          complex64_t* u = compute_uv_ ? outs[0].data<complex64_t>() + idx * m * m : nullptr;
                          complex64_t* vt = compute_uv_ ? outs[2].data<complex64_t>() + idx * n * n : nullptr;
                          return svd_complex(m, n, x, u, values.data<float>() + idx * k, vt);
                        });
    return;
  }
  each_input_matrix(a, "[linalg::svd] The decomposition failed to converge.", [&](size_t idx, auto* x) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
    T* u = compute_uv_ ? outs[0].data<T>() + idx * m * m : nullptr;
    T* vt = compute_uv_ ? outs[2].data<T>() + idx * n * n : nullptr;
    return svd<T>(m, n, x, u, values.data<T>() + idx * k, vt);
  });
}

} // namespace mlx::core
