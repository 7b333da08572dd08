// Scalar functors of the unary elementwise ops. 16-bit floats arrive as
// float (see compute_t); float math uses the vectorizable versions in
// math.h where there is one.
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
struct Sqrt {
  template <typename T>
  T operator()(T x) const {
    return std::sqrt(x);
  }
};
struct Rsqrt {
  template <typename T>
  T operator()(T x) const {
    return T(1) / std::sqrt(x);
  }
};
struct Exp {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return fast::exp(x);
    } else {
      return std::exp(x);
    }
  }
};
struct Expm1 {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return fast::expm1(x);
    } else if constexpr (is_cplx<T>) {
      return std::exp(x) - T(1);
    } else {
      return std::expm1(x);
    }
  }
};
struct Log {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return fast::log(x);
    } else {
      return std::log(x);
    }
  }
};
struct Log2 {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return fast::log2(x);
    } else if constexpr (is_cplx<T>) {
      return std::log(x) / T(0.693147180559945309f);
    } else {
      return std::log2(x);
    }
  }
};
struct Log1p {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) {
      return fast::log1p(x);
    } else if constexpr (is_cplx<T>) {
      return std::log(x + T(1));
    } else {
      return std::log1p(x);
    }
  }
};

// float (float32, and the 16-bit floats computed in float) uses the
// vectorizable fast:: version, double and complex the C library. Extra
// members follow the name.
#define MLX_FAST_UNARY(Name, fn, ...)           \
  struct Name {                                 \
    MLX_ARITHMETIC_BOUND                        \
    template <typename T>                       \
    T operator()(T x) const {                   \
      if constexpr (std::is_same_v<T, float>) { \
        return fast::fn(x);                     \
      } else {                                  \
        return std::fn(x);                      \
      }                                         \
    }                                           \
    __VA_ARGS__                                 \
  };
// fast::sin, cos and tan take |x| <= 2^24: the unary kernels give larger
// float arguments (and +-inf), which needs_fixup flags, fixup (the C
// library) instead (see unary.cpp).
#define MLX_TRIG_FIXUP(fn)                                                \
  static bool needs_fixup(float x) { return std::fabs(x) > 16777216.0f; } \
  static float fixup(float x) { return std::fn(x); }
MLX_FAST_UNARY(Sin, sin, MLX_TRIG_FIXUP(sin))
MLX_FAST_UNARY(Cos, cos, MLX_TRIG_FIXUP(cos))
MLX_FAST_UNARY(Tan, tan, MLX_TRIG_FIXUP(tan))
MLX_FAST_UNARY(Log10, log10)
MLX_FAST_UNARY(ArcSin, asin)
MLX_FAST_UNARY(ArcCos, acos)
MLX_FAST_UNARY(ArcTan, atan)
MLX_FAST_UNARY(Sinh, sinh)
MLX_FAST_UNARY(Cosh, cosh)
MLX_FAST_UNARY(Tanh, tanh)
MLX_FAST_UNARY(ArcSinh, asinh)
MLX_FAST_UNARY(ArcTanh, atanh)
#undef MLX_TRIG_FIXUP
#undef MLX_FAST_UNARY

#define MLX_STD_UNARY(Name, fn, ...) \
  struct Name {                      \
    __VA_ARGS__                      \
    template <typename T>            \
    T operator()(T x) const {        \
      return std::fn(x);             \
    }                                \
  };
MLX_STD_UNARY(ArcCosh, acosh, MLX_ARITHMETIC_BOUND)
MLX_STD_UNARY(Floor, floor)
MLX_STD_UNARY(Ceil, ceil)
#undef MLX_STD_UNARY

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
struct Erf {
  MLX_ARITHMETIC_BOUND
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, double>) {
      return std::erf(x);
    } else {
      return T(fast::erf(static_cast<float>(x)));
    }
  }
};

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

#undef MLX_ARITHMETIC_BOUND

} // namespace mlx::core::cpu::ops
