// eval_cpu of the quantized primitives: affine quantization, and products
// with quantized matrices. Products with few rows (decoding) run the fused
// group kernels of quantized_kernels.h over output rows on the pool; larger
// ones decode slices of w to float32 and multiply them with BLAS.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "mlx/allocator.h"
#include "mlx/backend/cpu/blas.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/quantized_kernels.h"
#include "mlx/primitives/quantized.h"

namespace mlx::core {

namespace {

// ---- Quantize (affine)

// Quantizes n_groups groups of w, writing packed words, scales and biases.
// The arithmetic is float32 in MLX's order (so results are bit-identical):
// the edge of larger magnitude becomes exact, then each code is
// clamp(rint((w - bias) / scale), 0, 2^bits - 1).
template <typename T>
void quantize_groups(const T* w, uint32_t* wq, T* scales, T* biases, int bits, int group_size, size_t g0,
                     size_t g1) {
  float n_bins = float((1 << bits) - 1);
  const float eps = 1e-7f;
  size_t words_per_group = size_t(group_size) * bits / 32;
  for (size_t g = g0; g < g1; ++g) {
    const T* x = w + g * group_size;
    float w_min = std::numeric_limits<float>::infinity(), w_max = -w_min;
    for (int j = 0; j < group_size; ++j) {
      float v = static_cast<float>(x[j]);
      w_max = std::max(w_max, v);
      w_min = std::min(w_min, v);
    }
    bool min_edge = std::abs(w_min) > std::abs(w_max);
    float scale = std::max((w_max - w_min) / n_bins, eps);
    scale = min_edge ? scale : -scale;
    float edge = min_edge ? w_min : w_max;
    float q0 = std::rint(edge / scale);
    float bias = 0;
    if (q0 != 0) {
      scale = edge / q0;
      bias = edge;
    }
    uint32_t* out = wq + g * words_per_group;
    std::memset(out, 0, words_per_group * sizeof(uint32_t));
    for (int j = 0; j < group_size; ++j) {
      float q = std::rint((static_cast<float>(x[j]) - bias) / scale);
      uint32_t code = static_cast<uint32_t>(std::min(std::max(q, 0.0f), n_bins));
      int p = j * bits;
      out[p / 32] |= code << (p % 32);
      if (p % 32 + bits > 32) {
        out[p / 32 + 1] |= code >> (32 - p % 32);
      }
    }
    scales[g] = static_cast<T>(scale);
    biases[g] = static_cast<T>(bias);
  }
}

template <typename T>
void quantize_all(const array& w, std::vector<array>& outputs, int bits, int group_size) {
  size_t n_groups = w.size() / group_size;
  const T* src = w.data<T>();
  uint32_t* wq = outputs[0].data<uint32_t>();
  T* scales = outputs[1].data<T>();
  T* biases = outputs[2].data<T>();
  cpu::parallel_for(n_groups, std::max<size_t>(1, cpu::kParallelGrain / group_size), [&](size_t a, size_t b) {
    quantize_groups<T>(src, wq, scales, biases, bits, group_size, a, b);
  });
}

// ---- QuantizedMatmul

// A matrix operand (w, scales or biases) whose matrices are row-dense, and
// the offset of each output batch's matrix in it.
struct Operand {
  array arr;
  std::vector<int64_t> offsets;
};

// `a`'s matrices made row-dense (copied when they are not), as type t
// (or kept when t is a's), with the offsets of `batches` batch entries (a's
// batch dims are those of the output, or absent).
Operand operand(const array& a, Dtype t, size_t batches) {
  int nd = a.ndim();
  bool dense = a.dtype() == t && a.strides()[nd - 1] == 1 &&
               (a.shape(nd - 2) == 1 || a.strides()[nd - 2] == a.shape(nd - 1));
  array arr = dense ? a : cpu::row_contiguous_as(a, t);
  Operand op{arr, std::vector<int64_t>(batches, 0)};
  if (nd > 2) {
    for (size_t b = 0; b < batches; ++b) {
      int64_t rem = b, off = 0;
      for (int d = nd - 3; d >= 0; --d) {
        off += (rem % arr.shape(d)) * arr.strides()[d];
        rem /= arr.shape(d);
      }
      op.offsets[b] = off;
    }
  }
  return op;
}

struct Problem {
  int group_size, bits;
  QuantMode mode;
  bool transpose;
  int M, N, K; // x (M, K), output (M, N)
};

// The 256 fp8 (e4m3fn) values and the e8m0 scales, by code.
const float* fp8_values() {
  static const std::vector<float> t = [] {
    std::vector<float> v(256);
    for (int b = 0; b < 256; ++b) {
      int e = (b >> 3) & 0xF, mant = b & 7;
      float f = (b & 0x7F) == 0x7F ? std::nanf("")
                : e == 0           ? std::ldexp(float(mant), -9)
                                   : std::ldexp(1.0f + mant / 8.0f, e - 7);
      v[b] = (b & 0x80) ? -f : f;
    }
    return v;
  }();
  return t.data();
}

const float* e8m0_values() {
  static const std::vector<float> t = [] {
    std::vector<float> v(256);
    for (int b = 0; b < 256; ++b) {
      v[b] = std::ldexp(1.0f, b - 127);
    }
    return v;
  }();
  return t.data();
}

// One matrix of w with its group parameters, as the kernels read it.
struct QMatrix {
  const uint32_t* w;
  const void* scales; // affine: float32, float16 or bfloat16 (ptype)
  const void* biases;
  Dtype ptype = float32;
  const uint8_t* codes; // fp modes: scale codes
  int64_t row_words, row_groups;
};

float param(const void* p, Dtype t, int64_t i) {
  if (t == float16) {
    return static_cast<float>(static_cast<const float16_t*>(p)[i]);
  }
  if (t == bfloat16) {
    return static_cast<float>(static_cast<const bfloat16_t*>(p)[i]);
  }
  return static_cast<const float*>(p)[i];
}

// The kernels' view of rows [r0, r1): float parameters used in place, or
// 16-bit ones widened into `buf` (scales, then biases).
cpu::qk::Rows rows_view(const QMatrix& q, int64_t r0, int64_t r1, std::vector<float>& buf) {
  cpu::qk::Rows rows{q.w, q.row_words, nullptr, nullptr, q.codes, q.row_groups, 0};
  if (!q.scales) {
    return rows;
  }
  if (q.ptype == float32) {
    rows.scales = static_cast<const float*>(q.scales);
    rows.biases = static_cast<const float*>(q.biases);
    return rows;
  }
  int64_t n = (r1 - r0) * q.row_groups;
  buf.resize(2 * n);
  const auto* sp = static_cast<const uint16_t*>(q.scales) + r0 * q.row_groups;
  const auto* bp = static_cast<const uint16_t*>(q.biases) + r0 * q.row_groups;
  cpu::qk::widen16(sp, q.ptype == bfloat16, n, buf.data());
  cpu::qk::widen16(bp, q.ptype == bfloat16, n, buf.data() + n);
  rows.scales = buf.data();
  rows.biases = buf.data() + n;
  rows.row0 = r0;
  return rows;
}

// The SIMD kernels' view of 16-bit parameters: read as stored and widened
// in registers, not copied.
cpu::qk::Rows param_view(const QMatrix& q) {
  cpu::qk::Rows rows{q.w, q.row_words, nullptr, nullptr, q.codes, q.row_groups, 0};
  rows.ptype = q.ptype == float16 ? 1 : 2;
  rows.pscales = static_cast<const uint16_t*>(q.scales);
  rows.pbiases = static_cast<const uint16_t*>(q.biases);
  return rows;
}

// Group g of row r decoded into out[0, group_size).
void decode_group(const Problem& p, const QMatrix& q, int64_t r, int64_t g, float* out) {
  int64_t bit0 = g * p.group_size * p.bits;
  const uint32_t* words = q.w + r * q.row_words + bit0 / 32;
  int64_t gi = r * q.row_groups + g;
  if (p.mode == QuantMode::Affine) {
    cpu::qk::decode_affine(words, p.bits, p.group_size, param(q.scales, q.ptype, gi),
                           param(q.biases, q.ptype, gi), out, int(bit0 % 32));
    return;
  }
  float scale = p.mode == QuantMode::Nvfp4 ? fp8_values()[q.codes[gi]] : e8m0_values()[q.codes[gi]];
  if (p.bits == 4) {
    cpu::qk::decode_fp4(words, p.group_size, scale, out);
  } else {
    cpu::qk::decode_lut8(words, fp8_values(), p.group_size, scale, out);
  }
}

// Rows [r0, r1) of the dequantized matrix into out (row stride ld).
void decode_rows(const Problem& p, const QMatrix& q, int64_t r0, int64_t r1, int64_t g0, int64_t g1,
                 float* out, int64_t ld) {
  if (p.mode == QuantMode::Affine &&
      cpu::qk::byte_qmv_supported(p.bits, p.group_size, int(q.row_words * 32 / p.bits))) {
    std::vector<float> sb(2 * (g1 - g0));
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t g = g0; g < g1; ++g) {
        sb[g - g0] = param(q.scales, q.ptype, r * q.row_groups + g);
        sb[g1 - g0 + g - g0] = param(q.biases, q.ptype, r * q.row_groups + g);
      }
      cpu::qk::byte_decode(p.bits, q.w + r * q.row_words, q.row_words, p.group_size, g0, g1, sb.data(),
                           sb.data() + (g1 - g0), out + (r - r0) * ld);
    }
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    for (int64_t g = g0; g < g1; ++g) {
      decode_group(p, q, r, g, out + (r - r0) * ld + (g - g0) * p.group_size);
    }
  }
}

// p rounded up to a multiple of 64 bytes.
template <typename T>
T* align64(T* p) {
  return reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t(63));
}

// Up to this many rows of x (short prompts) the fused decode-and-dot kernels
// beat decoding slices of w to float32 for BLAS (2-vCPU AVX2 host, 4-bit
// and 8-bit groups of 32: 1.6-1.9x at 21 rows, even at 37, BLAS 1.3-1.5x
// ahead at 64 and 96).
constexpr int kFusedMaxRows = 40;

// y (M, N) = x (M, K) times the matrix, for one batch entry.
void qmm_one(const Problem& p, const QMatrix& q, const float* x, float* y) {
  int M = p.M, N = p.N, K = p.K;
  int kind = p.mode == QuantMode::Affine ? 0 : (p.mode == QuantMode::Nvfp4 ? 2 : 1);
  int int8_mode = kind == 0 && p.transpose ? cpu::qk::int8_qmv_mode() : 0;
  if (int8_mode && M <= kFusedMaxRows && cpu::qk::int8_qmv_supported(p.bits, p.group_size, K)) {
    // Opted in (MLX_QMM_INT8): x to int8 per group, integer dot products.
    int64_t grain = std::max<int64_t>(16, (int64_t(1) << 16) / std::max(1, K));
    int groups = K / p.group_size;
    // Scratch kept per thread, as the float path's below (the pool's
    // threads see pointers to this thread's).
    thread_local std::vector<int8_t> xq_scratch;
    thread_local std::vector<float> params_scratch;
    xq_scratch.resize(size_t(M) * K);
    params_scratch.resize(size_t(M) * groups * 3);
    int8_t* xq = xq_scratch.data();
    float *xd = params_scratch.data(), *xs = xd + size_t(M) * groups, *xe = xs + size_t(M) * groups;
    cpu::qk::int8_quantize_x(p.bits, x, M, K, p.group_size, xq, xd, xs, xe);
    bool reference = int8_mode == 2 || cpu::qk::int8_dot_level() == 0;
    auto kernel = reference ? cpu::qk::int8_qmv_reference : cpu::qk::int8_qmv;
    cpu::parallel_for(N, grain, [&](size_t n0, size_t n1) {
      std::vector<float> buf;
      cpu::qk::Rows rows = !reference && q.ptype != float32 ? param_view(q) : rows_view(q, n0, n1, buf);
      kernel(p.bits, p.group_size, rows, xq, xd, xs, xe, M, K, N, int64_t(n0), int64_t(n1), y);
    });
    return;
  }
  bool fast = p.transpose && cpu::qk::fast_qmv_supported(kind, p.bits, p.group_size, K);
  bool bytes = !fast && p.transpose && kind == 0 && cpu::qk::byte_qmv_supported(p.bits, p.group_size, K);
  if (p.transpose && (M <= 16 || ((fast || bytes) && M <= kFusedMaxRows))) {
    // Few rows (decoding, short prompts): fused decode-and-dot, output rows split over the pool.
    int64_t grain = std::max<int64_t>(16, (int64_t(1) << 16) / std::max(1, K));
    // Scratch kept per thread: a decoding step makes hundreds of these
    // products, and a fresh heap block of a few KB each time made glibc
    // consolidate its free lists (a quarter of a 64-row product's time).
    // (Pointers to it are what the pool's threads see.)
    thread_local std::vector<float> xsums_scratch, xp_scratch;
    float* xsums = nullptr;
    if (kind == 0) {
      int groups = K / p.group_size;
      xsums_scratch.resize(size_t(M) * groups);
      xsums = xsums_scratch.data();
      for (int m = 0; m < M; ++m) {
        for (int g = 0; g < groups; ++g) {
          float t = 0;
          for (int k = 0; k < p.group_size; ++k) {
            t += x[int64_t(m) * K + g * p.group_size + k];
          }
          xsums[size_t(m) * groups + g] = t;
        }
      }
    }
    const int x24 = kind == 0 ? cpu::qk::x24_qmv_mode() : 0;
    if (x24 && cpu::qk::x24_qmv_supported(p.bits, p.group_size, K)) {
      // 4- and 8-bit codes on AVX-512 VNNI: x as 24-bit fixed point, dotted in integers.
      thread_local std::vector<int8_t> xq_scratch;
      thread_local std::vector<float> xd_scratch;
      // (64-byte aligned: the kernel reads whole cache lines of both; split
      // loads made it half as fast.)
      xq_scratch.resize(size_t(M) * cpu::qk::x24_bytes_per_row(p.bits, K) + 64);
      xd_scratch.resize(size_t(M) * cpu::qk::x24_steps_per_row(p.bits, K) + 16);
      int8_t* xq = align64(xq_scratch.data());
      float* xd = align64(xd_scratch.data());
      if (cpu::qk::x24_quantize_x(p.bits, x, M, K, p.group_size, xq, xd)) {
        const bool reference = x24 == 2;
        auto kernel = reference ? cpu::qk::x24_qmv_reference : cpu::qk::x24_qmv;
        cpu::parallel_for(N, grain, [&](size_t n0, size_t n1) {
          std::vector<float> buf;
          cpu::qk::Rows rows = !reference && q.ptype != float32 ? param_view(q) : rows_view(q, n0, n1, buf);
          kernel(p.bits, p.group_size, rows, xq, xd, xsums, M, K, N, int64_t(n0), int64_t(n1), y);
        });
        return;
      }
    }
    const float* scale_table = p.mode == QuantMode::Nvfp4 ? fp8_values() : e8m0_values();
    if (fast) {
      xp_scratch.resize(size_t(M) * cpu::qk::fast_qmv_row_length(p.bits, K) + 16);
      float* xp = align64(xp_scratch.data()); // (whole cache lines per load)
      bool scaled = cpu::qk::fast_qmv_reorder(kind, p.bits, x, M, K, xp);
      cpu::parallel_for(N, grain, [&](size_t n0, size_t n1) {
        std::vector<float> buf;
        cpu::qk::Rows rows = q.scales && q.ptype != float32 ? param_view(q) : rows_view(q, n0, n1, buf);
        cpu::qk::fast_qmv(kind, p.bits, p.group_size, rows, xp, scaled, xsums, M, K, N, int64_t(n0),
                          int64_t(n1), y, scale_table);
      });
      return;
    }
    if (bytes) {
      cpu::parallel_for(N, grain, [&](size_t n0, size_t n1) {
        std::vector<float> buf;
        auto rows = rows_view(q, n0, n1, buf);
        cpu::qk::byte_qmv(p.bits, p.group_size, rows, x, xsums, M, K, N, int64_t(n0), int64_t(n1), y);
      });
      return;
    }
    cpu::parallel_for(N, grain, [&](size_t n0, size_t n1) {
      std::vector<float> buf;
      auto rows = rows_view(q, n0, n1, buf);
      cpu::qk::qmv(kind, p.bits, p.group_size, rows, x, xsums, M, K, N, int64_t(n0), int64_t(n1), y,
                   scale_table, fp8_values());
    });
    return;
  }
  cpu::use_pool_threads();
  // Slices of the output columns: decode their part of w, multiply with BLAS.
  if (p.transpose) {
    // w rows are output columns.
    int64_t chunk = std::max<int64_t>(8, std::min<int64_t>(256, (int64_t(1) << 20) / std::max(1, K)));
    int64_t n_chunks = (N + chunk - 1) / chunk;
    cpu::parallel_tasks(n_chunks, [&](size_t c) {
      int64_t n0 = c * chunk, n1 = std::min<int64_t>(N, n0 + chunk);
      std::vector<float> buf((n1 - n0) * K);
      decode_rows(p, q, n0, n1, 0, K / p.group_size, buf.data(), K);
      scipy_cblas_sgemm(MlxCblasRowMajor, MlxCblasNoTrans, MlxCblasTrans, M, int(n1 - n0), K, 1.0f, x, K,
                        buf.data(), K, 0.0f, y + n0, N);
    });
    return;
  }
  // w rows are inner indices; groups run along the output columns.
  int64_t groups = N / p.group_size;
  int64_t chunk_groups = std::max<int64_t>(1, 256 / p.group_size);
  int64_t n_chunks = (groups + chunk_groups - 1) / chunk_groups;
  cpu::parallel_tasks(n_chunks, [&](size_t c) {
    int64_t g0 = c * chunk_groups, g1 = std::min(groups, g0 + chunk_groups);
    int64_t width = (g1 - g0) * p.group_size;
    std::vector<float> buf(width * K);
    decode_rows(p, q, 0, K, g0, g1, buf.data(), width);
    scipy_cblas_sgemm(MlxCblasRowMajor, MlxCblasNoTrans, MlxCblasNoTrans, M, int(width), K, 1.0f, x, K,
                      buf.data(), int(width), 0.0f, y + g0 * p.group_size, N);
  });
}

} // namespace

void Quantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array w = cpu::ensure_row_contiguous(inputs[0]);
  for (auto& o : outputs) {
    o.set_data(allocator::malloc(o.nbytes()));
  }
  if (w.size() == 0) {
    return;
  }
  if (w.dtype() == float16) {
    quantize_all<float16_t>(w, outputs, bits_, group_size_);
  } else if (w.dtype() == bfloat16) {
    quantize_all<bfloat16_t>(w, outputs, bits_, group_size_);
  } else if (w.dtype() == float64) {
    quantize_all<double>(w, outputs, bits_, group_size_);
  } else {
    quantize_all<float>(w, outputs, bits_, group_size_);
  }
}

namespace {

// Runs `batches` products y_b = x[xi] (M, K) times w[wi], where (xi, wi) =
// pick(b) index the flattened batch dims of x (x_mats matrices) and of w,
// its scales and biases (w_mats). inputs: x, w, scales[, biases].
void run_products(const Problem& p, const std::vector<array>& inputs, array& out, size_t batches,
                  size_t x_mats, size_t w_mats,
                  const std::function<std::pair<size_t, size_t>(size_t)>& pick) {
  bool affine = p.mode == QuantMode::Affine;
  bool out_f32 = out.dtype() == float32;
  array y = out_f32 ? out : array(out.shape(), float32, nullptr, {});
  y.set_data(allocator::malloc(y.nbytes()));
  if (out.size() == 0) {
    if (!out_f32) {
      out.set_data(allocator::malloc(out.nbytes()));
    }
    return;
  }
  if (p.K == 0) {
    std::fill(y.data<float>(), y.data<float>() + y.size(), 0.0f);
  } else {
    array x = cpu::row_contiguous_as(inputs[0], float32);
    Operand w = operand(inputs[1], uint32, w_mats);
    std::vector<Operand> params;
    if (affine) {
      // 16-bit parameters are read as they are (widened a row at a time).
      Dtype pt = inputs[2].dtype() == float16 || inputs[2].dtype() == bfloat16 ? inputs[2].dtype() : float32;
      params.push_back(operand(inputs[2], pt, w_mats));
      params.push_back(operand(inputs[3], pt, w_mats));
    } else {
      params.push_back(operand(inputs[2], uint8, w_mats));
    }
    const array& s0 = params[0].arr;
    for (size_t b = 0; b < batches; ++b) {
      auto [xi, wi] = pick(b);
      if (xi >= x_mats || wi >= w_mats) {
        throw std::out_of_range("[gather_qmm] Index out of range for the batch of x or w.");
      }
      QMatrix q{};
      q.w = w.arr.data<uint32_t>() + w.offsets[wi];
      q.row_words = w.arr.shape(-1);
      q.row_groups = s0.shape(-1);
      if (affine) {
        size_t item = size_of(params[0].arr.dtype());
        q.ptype = params[0].arr.dtype();
        q.scales = params[0].arr.data<uint8_t>() + params[0].offsets[wi] * item;
        q.biases = params[1].arr.data<uint8_t>() + params[1].offsets[wi] * item;
      } else {
        q.codes = params[0].arr.data<uint8_t>() + params[0].offsets[wi];
      }
      qmm_one(p, q, x.data<float>() + xi * int64_t(p.M) * p.K, y.data<float>() + b * int64_t(p.M) * p.N);
    }
  }
  if (!out_f32) {
    cpu::copy(y, out, false);
  }
}

size_t matrices(const array& a) {
  size_t n = 1;
  for (int d = 0; d + 2 < a.ndim(); ++d) {
    n *= a.shape(d);
  }
  return n;
}

} // namespace

void QuantizedMatmul::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array& out = outputs[0];
  const array& x = inputs[0];
  int K = x.shape(-1), N = out.shape(-1);
  int M = x.ndim() >= 2 ? x.shape(-2) : 1;
  size_t batches = matrices(out);
  // With one w matrix every row of x meets it: x's batch dims fold into M.
  // Otherwise x and w were broadcast to the output's batch dims (or x has
  // none, and w's first matrix is used, as MLX does).
  if (inputs[1].ndim() <= 2) {
    M = static_cast<int>(M * batches);
    batches = 1;
  }
  Problem p{group_size_, bits_, mode_, transpose_, M, N, K};
  size_t w_mats = matrices(inputs[1]);
  run_products(p, inputs, out, batches, batches, std::max<size_t>(w_mats, 1),
               [&](size_t b) { return std::make_pair(b, w_mats == batches ? b : size_t(0)); });
}

void GatherQMM::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array& out = outputs[0];
  size_t n = inputs.size();
  array lhs = cpu::row_contiguous_as(inputs[n - 2], uint32);
  array rhs = cpu::row_contiguous_as(inputs[n - 1], uint32);
  const array& x = inputs[0];
  Problem p{group_size_, bits_, mode_, transpose_, x.shape(-2), out.shape(-1), x.shape(-1)};
  std::vector<array> operands(inputs.begin(), inputs.end() - 2);
  const uint32_t* li = lhs.data<uint32_t>();
  const uint32_t* ri = rhs.data<uint32_t>();
  run_products(p, operands, out, lhs.size(), matrices(x), matrices(inputs[1]),
               [&](size_t b) { return std::make_pair(size_t(li[b]), size_t(ri[b])); });
}

} // namespace mlx::core
