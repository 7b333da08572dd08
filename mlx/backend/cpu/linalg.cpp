// eval_cpu of the LAPACK-backed primitives (scipy-openblas32's LAPACK,
// column-major Fortran interface).
#include <cstring>
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

} // namespace

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
