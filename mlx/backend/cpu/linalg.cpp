// eval_cpu of the LAPACK-backed primitives (scipy-openblas32's LAPACK,
// column-major Fortran interface).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/linalg.h"

extern "C" {
void scipy_ssyevd_(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
                   const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_dsyevd_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
                   double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void scipy_sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void scipy_dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void scipy_sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork,
                   int* info);
void scipy_dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork,
                   int* info);
void scipy_spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info);
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
    return out.dtype() == float32 ? factor(out.data<float>() + m * n * n) : factor(out.data<double>() + m * n * n);
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

} // namespace mlx::core
