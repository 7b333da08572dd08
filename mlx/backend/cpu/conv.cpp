// eval_cpu of Convolution: im2col + GEMM through OpenBLAS, per group and
// in chunks of output positions so that the column matrix stays small.
// 16-bit floats are widened to float32 and rounded back.
#include <algorithm>
#include <cstring>
#include <memory>

#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/conv.h"

namespace mlx::core {

namespace {

template <typename T>
void gemm_nt(int m, int n, int k, const T* a, int lda, const T* b, int ldb, T* c, int ldc) {
  // c (m x n) = a (m x k) * b^T, b stored as (n x k).
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm(MlxCblasRowMajor, MlxCblasNoTrans, MlxCblasTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f,
                      c, ldc);
  } else {
    scipy_cblas_dgemm(MlxCblasRowMajor, MlxCblasNoTrans, MlxCblasTrans, m, n, k, 1.0, a, lda, b, ldb, 0.0, c,
                      ldc);
  }
}

// The geometry of one convolution, spatial dims padded to three.
struct Geometry {
  int n, cin, cout, groups, cin_g, cout_g;
  int in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int stride[3] = {1, 1, 1}, lo[3] = {0, 0, 0}, kdil[3] = {1, 1, 1}, idil[3] = {1, 1, 1};
  bool flip;
  size_t out_positions() const { return size_t(out[0]) * out[1] * out[2]; }
  size_t kernel_positions() const { return size_t(k[0]) * k[1] * k[2]; }
  bool is_pointwise() const {
    for (int d = 0; d < 3; ++d) {
      if (k[d] != 1 || stride[d] != 1 || lo[d] != 0 || idil[d] != 1 || in[d] != out[d]) {
        return false;
      }
    }
    return true;
  }
};

Geometry geometry(const array& x, const array& w, const array& y, const Convolution::Params& p) {
  Geometry g;
  int nsp = x.ndim() - 2;
  g.n = x.shape(0);
  g.cin = x.shape(-1);
  g.cout = w.shape(0);
  g.groups = p.groups;
  g.cin_g = g.cin / p.groups;
  g.cout_g = g.cout / p.groups;
  g.flip = p.flip;
  for (int d = 0; d < nsp; ++d) {
    g.in[d] = x.shape(d + 1);
    g.k[d] = w.shape(d + 1);
    g.out[d] = y.shape(d + 1);
    g.stride[d] = p.stride[d];
    g.lo[d] = p.padding_lo[d];
    g.kdil[d] = p.kernel_dilation[d];
    g.idil[d] = p.input_dilation[d];
  }
  return g;
}

// Copies one kernel position's `count` channels: in whole cache lines when
// count allows (typical channel counts), as constant-size copies that the
// compiler turns into vector moves; a memcpy call per position cost more
// than the copy itself (32 channels: 128 bytes).
template <typename T>
inline void copy_channels(T* dst, const T* src, size_t count) {
  constexpr size_t kLine = 64 / sizeof(T);
  if (count % kLine == 0) {
    for (size_t c = 0; c < count; c += kLine) {
      std::memcpy(dst + c, src + c, 64);
    }
  } else {
    std::memcpy(dst, src, count * sizeof(T));
  }
}

// Fills rows [r0, r1) of the column matrix for group `grp`: row r is an
// output position (n, o0, o1, o2), its columns the kernel positions times
// the group's input channels (zeros where the kernel falls on padding or
// on a hole of the input dilation).
template <typename T>
void im2col(const Geometry& g, const T* x, int grp, size_t r0, size_t r1, T* cols) {
  size_t kc = g.kernel_positions() * g.cin_g;
  size_t per_image = g.out_positions();
  for (size_t r = r0; r < r1; ++r) {
    size_t rem = r % per_image;
    size_t n = r / per_image;
    int o[3];
    o[2] = rem % g.out[2];
    o[1] = (rem / g.out[2]) % g.out[1];
    o[0] = rem / (size_t(g.out[2]) * g.out[1]);
    T* row = cols + (r - r0) * kc;
    const T* img = x + n * size_t(g.in[0]) * g.in[1] * g.in[2] * g.cin + size_t(grp) * g.cin_g;
    // Input index per dim and kernel offset, or -1 where it hits padding.
    int idx[3][64];
    int* ip[3];
    // Kernels wider than 64 in some dim index into `spill`, sized once up
    // front (growing it would move the rows already pointed to).
    std::vector<int> spill;
    size_t spilled = 0;
    for (int d = 0; d < 3; ++d) {
      spilled += g.k[d] > 64 ? size_t(g.k[d]) : 0;
    }
    spill.resize(spilled);
    spilled = 0;
    for (int d = 0; d < 3; ++d) {
      if (g.k[d] <= 64) {
        ip[d] = idx[d];
      } else {
        ip[d] = spill.data() + spilled;
        spilled += g.k[d];
      }
      int dilated = (g.in[d] - 1) * g.idil[d] + 1;
      for (int kk = 0; kk < g.k[d]; ++kk) {
        int ke = g.flip ? g.k[d] - 1 - kk : kk;
        int pos = o[d] * g.stride[d] + ke * g.kdil[d] - g.lo[d];
        ip[d][kk] = (pos >= 0 && pos < dilated && pos % g.idil[d] == 0) ? pos / g.idil[d] : -1;
      }
    }
    for (int k0 = 0; k0 < g.k[0]; ++k0) {
      for (int k1 = 0; k1 < g.k[1]; ++k1) {
        for (int k2 = 0; k2 < g.k[2]; ++k2) {
          int i0 = ip[0][k0], i1 = ip[1][k1], i2 = ip[2][k2];
          if (i0 < 0 || i1 < 0 || i2 < 0) {
            std::fill(row, row + g.cin_g, T(0));
          } else {
            copy_channels(row, img + ((size_t(i0) * g.in[1] + i1) * g.in[2] + i2) * g.cin, g.cin_g);
          }
          row += g.cin_g;
        }
      }
    }
  }
}

template <typename T>
void convolve(const Geometry& g, const T* x, const T* w, T* y) {
  cpu::use_pool_threads();
  size_t rows = size_t(g.n) * g.out_positions();
  int kc = static_cast<int>(g.kernel_positions() * g.cin_g);
  size_t threads = cpu::num_threads();
  // Row blocks: at least one per thread, and columns of about 1 MB each, so
  // that im2col's output is still in L2 when the GEMM reads it (4 MB blocks
  // ran a third slower).
  size_t chunk = std::max<size_t>(
      1, std::min((rows + threads - 1) / threads, std::max<size_t>(32, (size_t(1) << 18) / std::max(kc, 1))));
  size_t blocks = (rows + chunk - 1) / chunk;
  bool pointwise = g.groups == 1 && g.is_pointwise();
  cpu::parallel_tasks(blocks * g.groups, [&](size_t task) {
    int grp = static_cast<int>(task / blocks);
    size_t r0 = (task % blocks) * chunk, r1 = std::min(rows, r0 + chunk);
    T* out = y + r0 * g.cout + size_t(grp) * g.cout_g;
    if (pointwise) {
      gemm_nt<T>(static_cast<int>(r1 - r0), g.cout, g.cin, x + r0 * g.cin, g.cin, w, g.cin, out, g.cout);
      return;
    }
    // Not zero-filled first: im2col writes every element.
    std::unique_ptr<T[]> cols(new T[(r1 - r0) * kc]);
    im2col(g, x, grp, r0, r1, cols.get());
    gemm_nt<T>(static_cast<int>(r1 - r0), g.cout_g, kc, cols.get(), kc, w + size_t(grp) * g.cout_g * kc, kc,
               out, g.cout);
  });
}

} // namespace

void Convolution::eval_cpu(const std::vector<array>& in, std::vector<array>& outs) {
  auto& out = outs[0];
  Dtype compute = out.dtype() == float64 ? float64 : float32;
  auto g = geometry(in[0], in[1], out, p_);
  bool widen = out.dtype() != compute;
  array result = widen ? array(out.shape(), compute, nullptr, {}) : out;
  result.set_data(allocator::malloc(result.nbytes()));
  if (result.size() > 0) {
    auto x = cpu::row_contiguous_as(in[0], compute);
    auto w = cpu::row_contiguous_as(in[1], compute);
    if (x.size() == 0 || w.size() == 0) {
      std::memset(result.data<char>(), 0, result.nbytes());
    } else if (compute == float32) {
      convolve<float>(g, x.data<float>(), w.data<float>(), result.data<float>());
    } else {
      convolve<double>(g, x.data<double>(), w.data<double>(), result.data<double>());
    }
  }
  if (widen) {
    cpu::copy(result, out, false);
  }
}

} // namespace mlx::core
