// eval_cpu of the binary elementwise primitives and of Select.
#include "mlx/backend/cpu/elementwise_binary.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/dispatch.h"
#include "mlx/backend/cpu/fused.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/backend/cpu/simd.h"
#include "mlx/backend/cpu/streaming.h"
#include "mlx/backend/cpu/strided.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace cpu {
namespace {

template <typename T>
using C = compute_t<T>;

// The contiguous loops run through simd(); complex ones do not: with AVX2
// their products would contract into FMAs, and differ in the last bit from
// the same product computed by a strided or fused kernel (MLX's gradients
// of complex prod are checked equal to a multiply).
template <typename T, typename F>
void run_loop(F&& f) {
  if constexpr (std::is_same_v<T, complex64_t>) {
    f();
  } else {
    simd(f);
  }
}

// The loops work on locals, not on the lambda's captures: a store through a
// byte-sized output (int8, uint8, bool) may change any captured variable,
// so GCC reloaded them after every store and left the loop scalar (512x512
// uint8 + uint8: 237 -> 11.4 us; abs of int8 720 -> 10.5).
template <typename T, typename U, typename Op>
void vv(const T* a, const T* b, U* o, size_t n, Op op) {
  run_loop<T>(MLX_SIMD_LAMBDA {
    const T *x = a, *y = b;
    U* out = o;
    const size_t count = n;
    for (size_t i = 0; i < count; ++i) {
      out[i] = scalar_cast<U>(op(static_cast<C<T>>(x[i]), static_cast<C<T>>(y[i])));
    }
  });
}

template <typename T, typename U, typename Op>
void sv(const T* a, const T* b, U* o, size_t n, Op op) {
  run_loop<T>(MLX_SIMD_LAMBDA {
    const C<T> s = static_cast<C<T>>(*a);
    const T* y = b;
    U* out = o;
    const size_t count = n;
    for (size_t i = 0; i < count; ++i) {
      out[i] = scalar_cast<U>(op(s, static_cast<C<T>>(y[i])));
    }
  });
}

template <typename T, typename U, typename Op>
void vs(const T* a, const T* b, U* o, size_t n, Op op) {
  run_loop<T>(MLX_SIMD_LAMBDA {
    const C<T> s = static_cast<C<T>>(*b);
    const T* x = a;
    U* out = o;
    const size_t count = n;
    for (size_t i = 0; i < count; ++i) {
      out[i] = scalar_cast<U>(op(static_cast<C<T>>(x[i]), s));
    }
  });
}

template <typename T, typename U, typename Op>
void strided(const T* a, int64_t sa, const T* b, int64_t sb, U* o, size_t n, Op op) {
  for (size_t i = 0; i < n; ++i) {
    o[i] = scalar_cast<U>(op(static_cast<C<T>>(a[i * sa]), static_cast<C<T>>(b[i * sb])));
  }
}

bool all_zero(const Strides& s) {
  for (auto v : s) {
    if (v != 0) {
      return false;
    }
  }
  return true;
}

bool dense(const array& x) { return x.flags().contiguous && x.data_size() == x.size(); }

template <typename T, typename U, typename Op>
void binary_typed(const array& a, const array& b, array& out, Op op) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  size_t n = out.size();
  auto flat = [&](const array& like, auto kernel) {
    // An operand that nothing else sees (same layout as `like`) takes the
    // output in place.
    bool donated = sizeof(T) == sizeof(U) && (donate(a, out) || donate(b, out));
    if (!donated) {
      out.set_data(allocator::malloc(like.data_size() * sizeof(U)), like.data_size(), like.strides(),
                   like.flags());
    }
    U* o = out.data<U>();
    bool a_scalar = a.data_size() == 1 && all_zero(a.strides());
    bool b_scalar = b.data_size() == 1 && all_zero(b.strides());
    const bool stream = streams(like.data_size() * sizeof(U));
    parallel_for(like.data_size(), kParallelGrain, [&](size_t s, size_t e) {
      write_blocks(o, s, e, stream, [&](size_t first, size_t count, U* dst) {
        kernel(a_scalar ? pa : pa + first, b_scalar ? pb : pb + first, dst, count);
      });
    });
  };
  bool a_scalar = a.data_size() == 1 && all_zero(a.strides());
  bool b_scalar = b.data_size() == 1 && all_zero(b.strides());
  if (n > 0 && a_scalar && dense(b)) {
    flat(b, [&](const T* x, const T* y, U* o, size_t m) { sv(x, y, o, m, op); });
    return;
  }
  if (n > 0 && b_scalar && dense(a)) {
    flat(a, [&](const T* x, const T* y, U* o, size_t m) { vs(x, y, o, m, op); });
    return;
  }
  if (n > 0 && dense(a) && dense(b) && a.strides() == b.strides()) {
    flat(a, [&](const T* x, const T* y, U* o, size_t m) { vv(x, y, o, m, op); });
    return;
  }
  out.set_data(allocator::malloc(out.nbytes()));
  if (n == 0) {
    return;
  }
  U* dst = out.data<U>();
  auto [shape, st] = collapse_dims<2>(out.shape(), {a.strides(), b.strides()});
  if (shape.empty()) {
    *dst = scalar_cast<U>(op(static_cast<C<T>>(*pa), static_cast<C<T>>(*pb)));
    return;
  }
  size_t inner = shape.back();
  int64_t ia = st[0].back(), ib = st[1].back();
  size_t rows = num_rows(shape);
  parallel_for(rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)),
               [&](size_t rb, size_t re) {
                 U* o = dst + rb * inner;
                 for_each_row<2>(shape, st, rb, re, [&](const std::array<int64_t, 2>& off) {
                   const T* x = pa + off[0];
                   const T* y = pb + off[1];
                   if (ia == 1 && ib == 1) {
                     vv(x, y, o, inner, op);
                   } else if (ia == 0 && ib == 1) {
                     sv(x, y, o, inner, op);
                   } else if (ia == 1 && ib == 0) {
                     vs(x, y, o, inner, op);
                   } else {
                     strided(x, ia, y, ib, o, inner, op);
                   }
                   o += inner;
                 });
               });
}

template <typename Types, typename Op>
void binary_same(const std::vector<array>& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in[0].dtype(), name, [&](auto t) {
    using T = decltype(t);
    binary_typed<T, T>(in[0], in[1], out, op);
  });
}

template <typename Types, typename Op>
void binary_bool(const std::vector<array>& in, array& out, const char* name, Op op) {
  dispatch(Types{}, in[0].dtype(), name,
           [&](auto t) { binary_typed<decltype(t), bool>(in[0], in[1], out, op); });
}

// dst[i] = c[i] ? x[i] : y[i] over n elements, x and y with strides 0 or 1
// (SX, SY), c contiguous. Without branches (a condition of random values
// mispredicted every other element: where(a > 0, a, a) on 512x512 float32
// took 1219 us, now 67), on the bits: T is an unsigned type of the
// element's size.
template <typename T, int SX, int SY>
void select_row(const bool* c, const T* x, const T* y, T* dst, size_t n) {
  simd(MLX_SIMD_LAMBDA {
    const uint8_t* cb = reinterpret_cast<const uint8_t*>(c); // (any nonzero byte is true)
    const T* xs = x;
    const T* ys = y;
    T* o = dst;
    const size_t count = n;
    for (size_t i = 0; i < count; ++i) {
      T m = T(0) - T(cb[i] != 0);
      o[i] = T((xs[i * SX] & m) | (ys[i * SY] & T(~m)));
    }
  });
}

template <typename T>
void select_typed(const std::vector<array>& in, array& out) {
  out.set_data(allocator::malloc(out.nbytes()));
  if (out.size() == 0) {
    return;
  }
  const bool* c = in[0].data<bool>();
  const T* x = in[1].data<T>();
  const T* y = in[2].data<T>();
  T* dst = out.data<T>();
  auto [shape, st] = collapse_dims<3>(out.shape(), {in[0].strides(), in[1].strides(), in[2].strides()});
  if (shape.empty()) {
    *dst = *c ? *x : *y;
    return;
  }
  size_t inner = shape.back();
  int64_t sc = st[0].back(), sx = st[1].back(), sy = st[2].back();
  size_t rows = num_rows(shape);
  parallel_for(
      rows, std::max<size_t>(1, kParallelGrain / std::max<size_t>(inner, 1)), [&](size_t rb, size_t re) {
        T* o = dst + rb * inner;
        for_each_row<3>(shape, st, rb, re, [&](const std::array<int64_t, 3>& off) {
          const bool* cc = c + off[0];
          const T* xx = x + off[1];
          const T* yy = y + off[2];
          if (sc == 1 && (sx == 0 || sx == 1) && (sy == 0 || sy == 1)) {
            if (sx == 1) {
              sy == 1 ? select_row<T, 1, 1>(cc, xx, yy, o, inner) : select_row<T, 1, 0>(cc, xx, yy, o, inner);
            } else {
              sy == 1 ? select_row<T, 0, 1>(cc, xx, yy, o, inner) : select_row<T, 0, 0>(cc, xx, yy, o, inner);
            }
          } else {
            for (size_t i = 0; i < inner; ++i) {
              o[i] = cc[i * sc] ? xx[i * sx] : yy[i * sy];
            }
          }
          o += inner;
        });
      });
}

// The float32 kernel of a fused chain step (cpu::Float32Kernel, fused.h).
template <typename Op>
void binary_float32(const float* const* in, const bool* scalar, float* out, size_t n) {
  if (scalar[0] && scalar[1]) {
    std::fill(out, out + n, Op{}(in[0][0], in[1][0]));
  } else if (scalar[0]) {
    sv(in[0], in[1], out, n, Op{});
  } else if (scalar[1]) {
    vs(in[0], in[1], out, n, Op{});
  } else {
    vv(in[0], in[1], out, n, Op{});
  }
}

template <typename Types, typename Op>
Float32Kernel binary_float32_kernel() {
  if constexpr (kHasFloat<Types>) {
    return &binary_float32<Op>;
  } else {
    return nullptr;
  }
}

} // namespace
} // namespace cpu

using cpu::AllTypes;
using cpu::RealTypes;

#define MLX_BINARY_EVAL(Name, Types)                                           \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::binary_same<cpu::Types>(in, out[0], #Name, cpu::ops::Name{});         \
  }                                                                            \
  static const bool Name##_float32 =                                           \
      cpu::register_float32_kernel(typeid(Name), cpu::binary_float32_kernel<cpu::Types, cpu::ops::Name>());

// Bool outputs: no float32 kernel.
#define MLX_COMPARE_EVAL(Name)                                                 \
  void Name::eval_cpu(const std::vector<array>& in, std::vector<array>& out) { \
    cpu::binary_bool<AllTypes>(in, out[0], #Name, cpu::ops::Name{});           \
  }

#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative)
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel)
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, Types, da, db) MLX_BINARY_EVAL(Name, Types)
#define MLX_BINARY_NO_GRAD(Name, op, Types) MLX_BINARY_EVAL(Name, Types)
#define MLX_COMPARISON(Name, op) MLX_COMPARE_EVAL(Name)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
#undef MLX_BINARY_EVAL
#undef MLX_COMPARE_EVAL

void Equal::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  if (equal_nan_) {
    cpu::binary_bool<AllTypes>(in, out[0], "NaNEqual", cpu::ops::NaNEqual{});
  } else {
    cpu::binary_bool<AllTypes>(in, out[0], "Equal", cpu::ops::Equal{});
  }
}

void Select::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  // Select moves bytes: dispatch on the element size only.
  switch (out[0].itemsize()) {
    case 1:
      return cpu::select_typed<uint8_t>(in, out[0]);
    case 2:
      return cpu::select_typed<uint16_t>(in, out[0]);
    case 4:
      return cpu::select_typed<uint32_t>(in, out[0]);
    default:
      return cpu::select_typed<uint64_t>(in, out[0]);
  }
}

} // namespace mlx::core
