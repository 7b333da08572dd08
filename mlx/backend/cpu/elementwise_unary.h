// Scalar functors of the unary elementwise ops. 16-bit floats arrive as
// float (see compute_t); float math uses the vectorizable versions in
// math.h where there is one. The ops whose row in elementwise_table.h names
// their kernel (Fast, Std, ...) get their functor from it at the end; the
// Own ones are written here.
#pragma once

#include <cmath>
#include <complex>
#include <type_traits>

#include "mlx/backend/cpu/math.h"
#include "mlx/types.h"

namespace mlx::core::cpu::ops {

template <typename T>
inline constexpr bool is_cplx = std::is_same_v<T, complex64_t>;

// Marks a functor whose arithmetic, not memory, bounds a large kernel
// (transcendental functions): its big outputs keep normal stores, which
// overlap the arithmetic better than streaming stores do (streaming.h;
// exp and tanh of 16M float32 ran 0.82x with streaming stores, negative
// and sqrt 1.31-1.37x).
#define MLX_ARITHMETIC_BOUND static constexpr bool arithmetic_bound = true;

struct Abs {
  template <typename T>
  auto operator()(T x) const {
    if constexpr (is_cplx<T>) {
      return std::abs(x);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else {
      return x < T(0) ? T(wrap_unsigned_t<T>(0) - wrap_unsigned_t<T>(x)) : x; // abs(INT_MIN) wraps
    }
  }
};
struct Negative {
  template <typename T>
  T operator()(T x) const {
    if constexpr (kWrapsInUnsigned<T>) {
      return T(wrap_unsigned_t<T>(0) - wrap_unsigned_t<T>(x));
    } else {
      return T(-x);
    }
  }
};
struct Sign {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) {
      float a = std::abs(x);
      return a == 0 ? T(0) : x / a;
    } else if constexpr (std::is_unsigned_v<T>) {
      return T(x != 0);
    } else {
      return T((x > T(0)) - (x < T(0)));
    }
  }
};
struct Square {
  template <typename T>
  T operator()(T x) const {
    if constexpr (kWrapsInUnsigned<T>) {
      return T(wrap_unsigned_t<T>(x) * wrap_unsigned_t<T>(x));
    } else {
      return T(x * x);
    }
  }
};
struct Rsqrt {
  template <typename T>
  T operator()(T x) const {
    return T(1) / std::sqrt(x);
  }
};
struct Sigmoid {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return 1.0f / (1.0f + fast::exp(-x));
    } else {
      return T(1) / (T(1) + std::exp(-x));
    }
  }
};

// Inverse error function: Giles' single-precision approximation ("Approximating
// the erfinv function", GPU Computing Gems, 2011), refined by Newton steps on
// erf for full double precision.
struct ErfInv {
  MLX_ARITHMETIC_BOUND
  // Giles' approximation in the precision of F (within a few float ulp).
  template <typename F>
  static F giles(F a) {
    F w = -std::log((F(1) - a) * (F(1) + a));
    F p;
    if (w < F(5)) {
      w = w - F(2.5);
      p = F(2.81022636e-08);
      p = F(3.43273939e-07) + p * w;
      p = F(-3.5233877e-06) + p * w;
      p = F(-4.39150654e-06) + p * w;
      p = F(0.00021858087) + p * w;
      p = F(-0.00125372503) + p * w;
      p = F(-0.00417768164) + p * w;
      p = F(0.246640727) + p * w;
      p = F(1.50140941) + p * w;
    } else {
      w = std::sqrt(w) - F(3);
      p = F(-0.000200214257);
      p = F(0.000100950558) + p * w;
      p = F(0.00134934322) + p * w;
      p = F(-0.00367342844) + p * w;
      p = F(0.00573950773) + p * w;
      p = F(-0.0076224613) + p * w;
      p = F(0.00943887047) + p * w;
      p = F(1.00167406) + p * w;
      p = F(2.83297682) + p * w;
    }
    return p * a;
  }

  // 16/32-bit floats: the approximation alone, in float (fast, and what
  // mx.random.normal is built on); float64: refined by Newton steps on erf.
  template <typename T>
  T operator()(T x) const {
    using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
    F a = static_cast<F>(x);
    if (!(a > F(-1) && a < F(1))) {
      return a == F(-1) ? T(-INFINITY) : (a == F(1) ? T(INFINITY) : T(NAN));
    }
    F y = giles(a);
    if constexpr (std::is_same_v<T, double>) {
      for (int i = 0; i < 2; ++i) {
        double err = std::erf(y) - a;
        y -= err / (1.12837916709551257 * std::exp(-y * y));
      }
    }
    return T(y);
  }
};

struct LogicalNot {
  bool operator()(bool x) const { return !x; }
};
struct BitwiseInvert {
  template <typename T>
  T operator()(T x) const {
    return T(~x);
  }
};
struct Real {
  float operator()(complex64_t x) const { return x.real(); }
};
struct Imag {
  float operator()(complex64_t x) const { return x.imag(); }
};
struct Conjugate {
  complex64_t operator()(complex64_t x) const { return std::conj(x); }
};
struct IsNaN {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) {
      return std::isnan(x.real()) || std::isnan(x.imag());
    } else {
      return x != x;
    }
  }
};
struct IsInf {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) {
      return std::isinf(x.real()) || std::isinf(x.imag());
    } else {
      return std::isinf(x);
    }
  }
};
struct IsFinite {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) {
      return std::isfinite(x.real()) && std::isfinite(x.imag());
    } else {
      return std::isfinite(x);
    }
  }
};

// The C++ library's functions, for the types math.h has no kernel for
// (double, complex64), and the complex versions it lacks.
namespace libm {
using namespace std;
using std::expm1;
using std::log1p;
using std::log2;
inline complex64_t expm1(complex64_t x) { return std::exp(x) - complex64_t(1); }
inline complex64_t log1p(complex64_t x) { return std::log(x + complex64_t(1)); }
inline complex64_t log2(complex64_t x) { return std::log(x) / complex64_t(0.693147180559945309f); }
} // namespace libm

// The functors of the rows whose Kernel is not Own (see the table's head).
// float (float32, and the 16-bit floats computed in float) uses the
// vectorizable fast:: version, double and complex the library.
#define MLX_FAST_CALL(fn)                     \
  MLX_ARITHMETIC_BOUND                        \
  template <typename T>                       \
  T operator()(T x) const {                   \
    if constexpr (std::is_same_v<T, float>) { \
      return fast::fn(x);                     \
    } else {                                  \
      return libm::fn(x);                     \
    }                                         \
  }
#define MLX_STD_CALL(fn)    \
  template <typename T>     \
  T operator()(T x) const { \
    return std::fn(x);      \
  }
#define MLX_FUNCTOR_Fast(fn, lo, hi) {MLX_FAST_CALL(fn)}
// fast::sin, cos and tan take |x| <= 2^24: the unary kernels give larger
// float arguments (and +-inf), which needs_fixup flags, fixup (the C
// library) instead (see unary.cpp).
#define MLX_TRIG_FIXUP(fn)                                                \
  static bool needs_fixup(float x) { return std::fabs(x) > 16777216.0f; } \
  static float fixup(float x) { return std::fn(x); }
#define MLX_FUNCTOR_FastTrig(fn, lo, hi) {MLX_FAST_CALL(fn) MLX_TRIG_FIXUP(fn)}
#define MLX_FUNCTOR_Std(fn) {MLX_STD_CALL(fn)}
#define MLX_FUNCTOR_Own
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) struct Name MLX_FUNCTOR_##kernel;
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel) struct Name MLX_FUNCTOR_##kernel;
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, Types, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types)
#define MLX_COMPARISON(Name, op)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
#undef MLX_FUNCTOR_Fast
#undef MLX_FUNCTOR_FastTrig
#undef MLX_TRIG_FIXUP
#undef MLX_FUNCTOR_Std
#undef MLX_FUNCTOR_Own
#undef MLX_STD_CALL
#undef MLX_FAST_CALL
#undef MLX_ARITHMETIC_BOUND

} // namespace mlx::core::cpu::ops
