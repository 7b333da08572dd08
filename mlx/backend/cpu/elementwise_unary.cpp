// eval_cpu of the unary elementwise primitives.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/backend/cpu/elementwise_unary.h"
#include "mlx/backend/cpu/fused.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace cpu {
namespace {

// A functor whose vectorized float path covers only part of the range
// (Sin, Cos, Tan) has static needs_fixup(x) and fixup(x), which the kernels
// below use for the flagged elements instead.
template <typename Op, typename = void>
struct HasFixup : std::false_type {};
template <typename Op>
struct HasFixup<Op, std::void_t<decltype(Op::needs_fixup(0.0f))>> : std::true_type {};
template <typename T, typename Op>
inline constexpr bool kFixup = HasFixup<Op>::value && std::is_same_v<compute_t<T>, float>;

template <typename T, typename U, typename Op>
void unary_contiguous(const T* in, U* out, size_t n, Op op) {
  simd(MLX_SIMD_LAMBDA {
    if constexpr (kFixup<T, Op>) {
      // Blocks that L1 holds: look for flagged inputs first and keep them
      // aside (out may be a donated in), run the vectorized loop, then write
      // fixup(x) over the flagged places.
      constexpr size_t kBlock = 1024;
      uint32_t where[kBlock];
      float what[kBlock];
      for (size_t b = 0; b < n; b += kBlock) {
        const size_t e = std::min(n, b + kBlock);
        uint32_t flagged = 0;
        for (size_t i = b; i < e; ++i) {
          flagged |= Op::needs_fixup(static_cast<float>(in[i]));
        }
        size_t m = 0;
        if (flagged) {
          for (size_t i = b; i < e; ++i) {
            const float x = static_cast<float>(in[i]);
            if (Op::needs_fixup(x)) {
              where[m] = static_cast<uint32_t>(i - b);
              what[m++] = x;
            }
          }
        }
        for (size_t i = b; i < e; ++i) {
          out[i] = scalar_cast<U>(op(static_cast<float>(in[i])));
        }
        for (size_t k = 0; k < m; ++k) {
          out[b + where[k]] = scalar_cast<U>(Op::fixup(what[k]));
        }
      }
    } else {
      // On locals: stores through byte-sized outputs would otherwise make
      // GCC reload the captures each time (as vv in elementwise_binary.cpp).
      U* dst = out;
      const size_t count = n;
      if constexpr (std::is_same_v<T, bool>) {
        // bool read as bytes: GCC leaves loads of bool scalar (512x512
        // logical_not: 68.8 -> 10.8 us).
        const uint8_t* src = reinterpret_cast<const uint8_t*>(in);
        for (size_t i = 0; i < count; ++i) {
          dst[i] = scalar_cast<U>(op(src[i] != 0));
        }
      } else {
        const T* src = in;
        for (size_t i = 0; i < count; ++i) {
          dst[i] = scalar_cast<U>(op(static_cast<compute_t<T>>(src[i])));
        }
      }
    }
  });
}

// Functors marked MLX_ARITHMETIC_BOUND (unary_ops.h) keep normal stores.
template <typename Op, typename = void>
struct ArithmeticBound : std::false_type {};
template <typename Op>
struct ArithmeticBound<Op, std::void_t<decltype(Op::arithmetic_bound)>> : std::true_type {};

// out is always a new buffer here, so the fix-up can read in after the loop.
template <typename T, typename U, typename Op>
void unary_strided(const T* in, int64_t stride, U* out, size_t n, Op op) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = scalar_cast<U>(op(static_cast<compute_t<T>>(in[i * stride])));
  }
  if constexpr (kFixup<T, Op>) {
    for (size_t i = 0; i < n; ++i) {
      const float x = static_cast<float>(in[i * stride]);
      if (Op::needs_fixup(x)) {
        out[i] = scalar_cast<U>(Op::fixup(x));
      }
    }
  }
}

// out = op(in). A dense input gives an output with the same strides (one
// flat loop); any other layout is read strided into a row-contiguous output.
template <typename T, typename U, typename Op>
void unary_typed(const array& in, array& out, Op op) {
  const T* src = in.data<T>();
  if (in.flags().contiguous && in.data_size() == in.size()) {
    if (sizeof(T) != sizeof(U) || !donate(in, out)) {
      out.set_data(allocator::malloc(in.data_size() * sizeof(U)), in.data_size(), in.strides(), in.flags());
    }
    U* dst = out.data<U>();
    const bool stream = !ArithmeticBound<Op>::value && streams(in.data_size() * sizeof(U));
    parallel_for(in.data_size(), kParallelGrain, [&](size_t b, size_t e) {
      write_blocks(dst, b, e, stream, [&](size_t first, size_t count, U* o) {
        if constexpr (std::is_same_v<T, float16_t> && std::is_same_v<U, float16_t>) {
          // float16 math runs in float32: widen a block, apply the float
          // kernel, round back (the same numbers as converting one by one).
          constexpr size_t kBlock = 1024;
          float tmp[kBlock];
          for (size_t i = 0; i < count; i += kBlock) {
            size_t m = std::min(kBlock, count - i);
            widen_half(src + first + i, tmp, m);
            unary_contiguous(tmp, tmp, m, op);
            narrow_half(tmp, o + i, m);
          }
        } else {
          unary_contiguous(src + first, o, count, op);
        }
      });
    });
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  U* dst = out.data<U>();
  auto [shape, strides] = collapse_dims<1>(in.shape(), {in.strides()});
  if (shape.empty()) {
    unary_strided(src, 0, dst, 1, op);
    return;
  }
  size_t inner = shape.back();
  int64_t st = strides[0].back();
  size_t rows = num_rows(shape);
  parallel_for(rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)),
               [&](size_t rb, size_t re) {
                 U* o = dst + rb * inner;
                 for_each_row<1>(shape, strides, rb, re, [&](const std::array<int64_t, 1>& off) {
                   unary_strided(src + off[0], st, o, inner, op);
                   o += inner;
                 });
               });
}

// Output dtype equals input dtype.
template <typename Types, typename Op>
void unary_same(const array& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in.dtype(), name, [&](auto t) {
    using T = decltype(t);
    unary_typed<T, T>(in, out, op);
  });
}

// Output dtype is fixed (bool for predicates, float32 for real/imag/abs).
template <typename U, typename Types, typename Op>
void unary_to(const array& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in.dtype(), name, [&](auto t) { unary_typed<decltype(t), U>(in, out, op); });
}

struct RoundOp {
  double scale;
  complex64_t operator()(complex64_t x) const { return {(*this)(x.real()), (*this)(x.imag())}; }
  template <typename T>
  T operator()(T x) const {
    if (scale == 1.0) {
      return std::nearbyint(x);
    }
    return T(std::nearbyint(double(x) * scale) / scale);
  }
};

// The float32 kernel of a fused chain step (cpu::Float32Kernel, fused.h).
template <typename Op>
void unary_float32(const float* const* in, const bool* scalar, float* out, size_t n) {
  if (scalar[0]) {
    float v;
    unary_contiguous(in[0], &v, 1, Op{});
    std::fill(out, out + n, v);
    return;
  }
  unary_contiguous(in[0], out, n, Op{});
}

template <typename Types, typename Op>
Float32Kernel unary_float32_kernel() {
  if constexpr (kHasFloat<Types>) {
    return &unary_float32<Op>;
  } else {
    return nullptr;
  }
}

} // namespace
} // namespace cpu

using cpu::AllTypes;
using cpu::FloatTypes;
using cpu::InexactTypes;

#define MLX_UNARY_EVAL(Name, Types)                                            \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::unary_same<cpu::Types>(in[0], out[0], #Name, cpu::ops::Name{});       \
  }                                                                            \
  static const bool Name##_float32 =                                           \
      cpu::register_float32_kernel(typeid(Name), cpu::unary_float32_kernel<cpu::Types, cpu::ops::Name>());

// Bool outputs from inexact inputs: no float32 kernel.
#define MLX_PREDICATE_EVAL(Name)                                               \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::unary_to<bool, InexactTypes>(in[0], out[0], #Name, cpu::ops::Name{}); \
  }

#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) MLX_UNARY_EVAL(Name, Types)
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel) MLX_UNARY_EVAL(Name, Types)
#define MLX_PREDICATE(Name, op) MLX_PREDICATE_EVAL(Name)
#define MLX_BINARY(Name, op, Types, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types)
#define MLX_COMPARISON(Name, op)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
#undef MLX_UNARY_EVAL
#undef MLX_PREDICATE_EVAL

void Abs::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  if (is_complex(in[0].dtype())) {
    cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Abs", cpu::ops::Abs{});
  } else {
    cpu::unary_same<cpu::RealTypes>(in[0], out[0], "Abs", cpu::ops::Abs{});
  }
}

static const bool Abs_float32 =
    cpu::register_float32_kernel(typeid(Abs), cpu::unary_float32_kernel<cpu::FloatTypes, cpu::ops::Abs>());

void Real::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Real", cpu::ops::Real{});
}

void Imag::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_to<float, cpu::TypeList<complex64_t>>(in[0], out[0], "Imag", cpu::ops::Imag{});
}

void Round::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::unary_same<InexactTypes>(in[0], out[0], "Round", cpu::RoundOp{std::pow(10.0, decimals_)});
}

void AsType::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  cpu::copy(in[0], out[0], /* keep_layout */ true);
}

void Copy::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  // Buffers are never written after evaluation, so a row-contiguous input
  // can be shared instead of copied.
  if (in[0].flags().row_contiguous && in[0].data_size() == in[0].size()) {
    out[0].copy_shared_buffer(in[0]);
    return;
  }
  cpu::copy(in[0], out[0], /* keep_layout */ false);
}

} // namespace mlx::core
