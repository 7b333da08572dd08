// eval_cpu of Matmul: batched GEMM through OpenBLAS. 16-bit floats are
// widened to float32 for the product and rounded back.
#include <cstring>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"

namespace mlx::core {

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
  array dense(x.shape(), compute, nullptr, {});
  cpu::copy(x, dense, false);
  return {dense, false, std::max(cols, 1)};
}

template <typename T>
void gemm(const Operand& a, const Operand& b, T* c, int m, int n, int k,
          const T* pa, const T* pb) {
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, 1.0f, pa,
                      a.ld, pb, b.ld, 0.0f, c, std::max(n, 1));
  } else if constexpr (std::is_same_v<T, double>) {
    scipy_cblas_dgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, 1.0, pa,
                      a.ld, pb, b.ld, 0.0, c, std::max(n, 1));
  } else {
    const complex64_t one(1, 0), zero(0, 0);
    scipy_cblas_cgemm(MlxCblasRowMajor, a.trans ? MlxCblasTrans : MlxCblasNoTrans,
                      b.trans ? MlxCblasTrans : MlxCblasNoTrans, m, n, k, &one, pa,
                      a.ld, pb, b.ld, &zero, c, std::max(n, 1));
  }
}

template <typename T>
void batched(const array& a_in, const array& b_in, array& out, Dtype compute) {
  Operand a = prepare(a_in, compute);
  Operand b = prepare(b_in, compute);
  int nd = out.ndim();
  int m = out.shape(-2), n = out.shape(-1), k = a_in.shape(-1);
  T* c = out.data<T>();
  if (k == 0) {
    std::memset(c, 0, out.size() * sizeof(T));
    return;
  }
  Shape batch(out.shape().begin(), out.shape().end() - 2);
  Strides sa(a.arr.strides().begin(), a.arr.strides().end() - 2);
  Strides sb(b.arr.strides().begin(), b.arr.strides().end() - 2);
  size_t count = shape_size(batch);
  batch.push_back(1);
  sa.push_back(0);
  sb.push_back(0);
  const T* pa = a.arr.template data<T>();
  const T* pb = b.arr.template data<T>();
  size_t mn = size_t(m) * n;
  (void)nd;
  cpu::for_each_row<2>(batch, {sa, sb}, 0, count, [&](const std::array<int64_t, 2>& off) {
    gemm<T>(a, b, c, m, n, k, pa + off[0], pb + off[1]);
    c += mn;
  });
}

} // namespace

void Matmul::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  Dtype t = out.dtype();
  if (out.size() == 0) {
    out.set_data(allocator::malloc(0));
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
  // float16 / bfloat16: compute in float32, then round.
  array wide(out.shape(), float32, nullptr, {});
  wide.set_data(allocator::malloc(out.size() * sizeof(float)));
  batched<float>(in[0], in[1], wide, float32);
  cpu::copy(wide, out, false);
}

} // namespace mlx::core
