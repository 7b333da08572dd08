#include "mlx/backend/cpu/copy.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/stream.h"

namespace mlx::core::cpu {

namespace {

template <typename In, typename Out>
void convert_loop(const In* in, Out* out, size_t n) {
  simd(MLX_SIMD_LAMBDA {
    // Locals, not the lambda's captures: a store through a byte pointer
    // (int8, uint8, bool outputs) may change any captured variable, so GCC
    // reloaded them after every store and left the loop scalar (256x512
    // float32 -> uint8: 90 -> 10.5 us).
    const In* src = in;
    Out* dst = out;
    const size_t count = n;
    for (size_t i = 0; i < count; ++i) {
      dst[i] = scalar_cast<Out>(src[i]);
    }
  });
}

#if defined(__x86_64__)
// float16 <-> float32 with F16C: GCC leaves _Float16 conversions scalar.
__attribute__((target("avx2,f16c"))) void half_to_float(const float16_t* in, float* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < n; ++i) {
    out[i] = static_cast<float>(in[i]);
  }
}

__attribute__((target("avx2,f16c"))) void float_to_half(const float* in, float16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) {
    out[i] = static_cast<float16_t>(in[i]);
  }
}

bool has_f16c() { return isa() >= Isa::avx2; }
#endif

// Converts through float32 in blocks, with F16C on the float16 side (exact:
// every value of In, or of float16, is a float32 value, or too large for
// float16 either way).
template <typename In, typename Out>
void convert_through_float(const In* in, Out* out, size_t n) {
  constexpr size_t kBlock = 256;
  float buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    size_t m = std::min(kBlock, n - i);
    if constexpr (std::is_same_v<Out, float16_t>) {
      convert_loop(in + i, buf, m);
      float_to_half(buf, out + i, m);
    } else {
      half_to_float(in + i, buf, m);
      convert_loop(buf, out + i, m);
    }
  }
}

template <typename In, typename Out>
void convert(const In* in, Out* out, size_t n) {
  if constexpr (std::is_same_v<In, bool> && !std::is_same_v<Out, bool>) {
    // GCC leaves loads of bool scalar (it may not assume 0 or 1): the same
    // bytes as uint8 (256x512 to float32: 26.6 -> 10.3 us; to float16 63.6
    // -> 15.1 through float32 below; int32 to float16 45.2 -> 13.6).
    return convert(reinterpret_cast<const uint8_t*>(in), out, n);
  }
#if defined(__x86_64__)
  if constexpr (std::is_same_v<In, float16_t> && std::is_same_v<Out, float>) {
    if (has_f16c()) {
      return half_to_float(in, out, n);
    }
  } else if constexpr (std::is_same_v<In, float> && std::is_same_v<Out, float16_t>) {
    if (has_f16c()) {
      return float_to_half(in, out, n);
    }
  } else if constexpr (std::is_same_v<Out, float16_t> &&
                       (std::is_integral_v<In> || std::is_same_v<In, bfloat16_t>)) {
    if (has_f16c()) {
      return convert_through_float(in, out, n);
    }
  } else if constexpr (std::is_same_v<In, float16_t> && !std::is_same_v<Out, float16_t> &&
                       !std::is_same_v<Out, complex64_t>) {
    if (has_f16c()) {
      return convert_through_float(in, out, n);
    }
  }
#endif
  convert_loop(in, out, n);
}

template <typename In, typename Out>
void convert_strided(const In* in, int64_t stride, Out* out, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<Out>(in[i * stride]);
  }
}

// Transposes run in square tiles of this side, so that both sides stay in
// cache.
constexpr size_t kTransposeTile = 64;

// The tiles [tb, te) of transpose_block. (A function of its own, on values:
// in a lambda, a store through a byte-sized output may change what the
// captures refer to, and GCC reloaded them after every store; 512x512
// uint8: 128 -> 53 us.)
template <typename In, typename Out>
void transpose_tiles(const In* in, int64_t col_stride, Out* out, size_t rows, size_t cols, size_t tb,
                     size_t te) {
  const size_t col_tiles = (cols + kTransposeTile - 1) / kTransposeTile;
  for (size_t t = tb; t < te; ++t) {
    size_t r0 = (t / col_tiles) * kTransposeTile, c0 = (t % col_tiles) * kTransposeTile;
    size_t r1 = std::min(rows, r0 + kTransposeTile), c1 = std::min(cols, c0 + kTransposeTile);
    // Eight source columns at a time: eight sequential read streams,
    // eight-element contiguous writes.
    size_t c = c0;
    for (; c + 8 <= c1; c += 8) {
      const In* col = in + c * col_stride;
      for (size_t r = r0; r < r1; ++r) {
        Out* o = out + r * cols + c;
        for (size_t k = 0; k < 8; ++k) {
          o[k] = scalar_cast<Out>(col[r + k * col_stride]);
        }
      }
    }
    for (; c < c1; ++c) {
      for (size_t r = r0; r < r1; ++r) {
        out[r * cols + c] = scalar_cast<Out>(in[r + c * col_stride]);
      }
    }
  }
}

// out[r * cols + c] = in[r + c * col_stride] for a rows x cols block: a
// transpose, tile by tile.
template <typename In, typename Out>
void transpose_block(const In* in, int64_t col_stride, Out* out, size_t rows, size_t cols) {
  size_t row_tiles = (rows + kTransposeTile - 1) / kTransposeTile;
  size_t col_tiles = (cols + kTransposeTile - 1) / kTransposeTile;
  parallel_for(row_tiles * col_tiles, 16,
               [&](size_t tb, size_t te) { transpose_tiles(in, col_stride, out, rows, cols, tb, te); });
}

// Whether every element of `in` is the same stored value.
bool is_single_value(const array& in) {
  for (int d = 0; d < in.ndim(); ++d) {
    if (in.shape(d) > 1 && in.strides(d) != 0) {
      return false;
    }
  }
  return true;
}

template <typename In, typename Out>
void copy_typed(const array& in, array& out, bool flat) {
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (flat) {
    size_t n = in.data_size();
    parallel_for(n, kParallelGrain, [&](size_t b, size_t e) { convert(src + b, dst + b, e - b); });
    return;
  }
  if (is_single_value(in)) {
    // One value broadcast everywhere (zeros, full, a scalar operand): a
    // fill, which the compiler turns into wide stores.
    Out value = scalar_cast<Out>(*src);
    parallel_for(out.size(), kParallelGrain, [&](size_t b, size_t e) { std::fill(dst + b, dst + e, value); });
    return;
  }
  auto [shape, strides] = collapse_dims<1>(in.shape(), {in.strides()});
  if (shape.empty()) {
    *dst = scalar_cast<Out>(*src);
    return;
  }
  size_t inner = shape.back();
  int64_t inner_stride = strides[0].back();
  size_t rows = num_rows(shape);
  int nd = static_cast<int>(shape.size());
  if (nd >= 2 && inner_stride != 1 && strides[0][nd - 2] == 1 && rows * inner >= 4096) {
    // The source is contiguous along the second-to-last dim: transpose
    // each trailing matrix in tiles rather than striding through memory.
    size_t mat_rows = shape[nd - 2];
    Shape outer_shape(shape.begin(), shape.end() - 2);
    Strides outer_strides(strides[0].begin(), strides[0].end() - 2);
    size_t mats = rows / mat_rows;
    for (size_t m = 0; m < mats; ++m) {
      int64_t off = 0;
      size_t rem = m;
      for (int d = static_cast<int>(outer_shape.size()) - 1; d >= 0; --d) {
        off += static_cast<int64_t>(rem % outer_shape[d]) * outer_strides[d];
        rem /= outer_shape[d];
      }
      transpose_block(src + off, inner_stride, dst + m * mat_rows * inner, mat_rows, inner);
    }
    return;
  }
  size_t grain = std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1));
  parallel_for(rows, grain, [&](size_t rb, size_t re) {
    Out* o = dst + rb * inner;
    for_each_row<1>(shape, strides, rb, re, [&](const std::array<int64_t, 1>& off) {
      if (inner_stride == 1) {
        convert(src + off[0], o, inner);
      } else {
        convert_strided(src + off[0], inner_stride, o, inner);
      }
      o += inner;
    });
  });
}

} // namespace

void copy(const array& in, array& out, bool keep_layout) {
  bool flat = in.flags().contiguous && in.data_size() == in.size();
  if (flat && keep_layout) {
    out.set_data(allocator::malloc(in.data_size() * out.itemsize()), in.data_size(), in.strides(),
                 in.flags());
  } else {
    out.set_data(allocator::malloc(out.nbytes()));
    flat = flat && in.flags().row_contiguous;
  }
  if (in.size() == 0) {
    return;
  }
  dispatch_dtype(in.dtype(), [&](auto in_t) {
    dispatch_dtype(out.dtype(),
                   [&](auto out_t) { copy_typed<decltype(in_t), decltype(out_t)>(in, out, flat); });
  });
}

void widen_half(const float16_t* in, float* out, size_t n) { convert(in, out, n); }
void narrow_half(const float* in, float16_t* out, size_t n) { convert(in, out, n); }
void widen_half(const bfloat16_t* in, float* out, size_t n) { convert(in, out, n); }
void narrow_half(const float* in, bfloat16_t* out, size_t n) { convert(in, out, n); }

bool donate(const array& in, array& out) {
  if (in.size() != out.size() || in.itemsize() != out.itemsize() || in.data_size() != in.size() ||
      !in.flags().row_contiguous || !in.is_donatable()) {
    return false;
  }
  out.copy_shared_buffer(in);
  return true;
}

array row_contiguous_as(const array& in, Dtype t) {
  if (in.dtype() == t && in.flags().row_contiguous) {
    return in;
  }
  array out(in.shape(), t, nullptr, {});
  copy(in, out, false);
  return out;
}

array ensure_row_contiguous(const array& in) {
  if (in.flags().row_contiguous) {
    return in;
  }
  array out(in.shape(), in.dtype(), nullptr, {});
  copy(in, out, false);
  return out;
}

} // namespace mlx::core::cpu
