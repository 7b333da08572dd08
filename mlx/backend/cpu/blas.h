// The CBLAS entry points used from the scipy-openblas32 wheel (32-bit
// integers, symbols prefixed with "scipy_"), declared here so that building
// needs only the library.
#pragma once

extern "C" {

enum MlxCblasOrder { MlxCblasRowMajor = 101 };
enum MlxCblasTranspose { MlxCblasNoTrans = 111, MlxCblasTrans = 112 };

void scipy_cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float* a,
                       int lda, const float* b, int ldb, float beta, float* c, int ldc);
void scipy_cblas_dgemm(int order, int transa, int transb, int m, int n, int k, double alpha, const double* a,
                       int lda, const double* b, int ldb, double beta, double* c, int ldc);
void scipy_openblas_set_num_threads(int num_threads);
void scipy_cblas_sgemv(int order, int trans, int m, int n, float alpha, const float* a, int lda,
                       const float* x, int incx, float beta, float* y, int incy);
void scipy_cblas_dgemv(int order, int trans, int m, int n, double alpha, const double* a, int lda,
                       const double* x, int incx, double beta, double* y, int incy);
void scipy_cblas_cgemm(int order, int transa, int transb, int m, int n, int k, const void* alpha,
                       const void* a, int lda, const void* b, int ldb, const void* beta, void* c, int ldc);
}

namespace mlx::core::cpu {
// BLAS calls run one per pool thread (each single-threaded): OpenBLAS's own
// threads would compete with the pool's for the same cores. Call before
// using BLAS.
void use_pool_threads();
} // namespace mlx::core::cpu
