// Scalar functors of the binary elementwise ops. 16-bit floats arrive as
// float (see compute_t).
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>

#include "mlx/backend/cpu/math.h"
#include "mlx/types.h"

namespace mlx::core::cpu::ops {

template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;

struct Add {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWrapsInUnsigned<T>) {
      using U = wrap_unsigned_t<T>;
      return T(U(a) + U(b));
    } else {
      return T(a + b);
    }
  }
};
struct Subtract {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWrapsInUnsigned<T>) {
      using U = wrap_unsigned_t<T>;
      return T(U(a) - U(b));
    } else {
      return T(a - b);
    }
  }
};
struct Multiply {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (kWrapsInUnsigned<T>) {
      using U = wrap_unsigned_t<T>;
      return T(U(a) * U(b));
    } else {
      return T(a * b);
    }
  }
};
struct Divide {
  template <typename T>
  T operator()(T a, T b) const {
    return a / b;
  }
};
// Integer division rounding toward negative infinity, as Python's //.
// Integers up to 32 bits divide in floating point: x86 has no vector
// integer division, and the scalar one took 2.3 ns an element for uint8 // 3
// and 3.5 for int32. 8- and 16-bit values divide in float32, int32 in
// float64. The truncated quotient is exact: with |a| below 2^24 (2^53), a
// non-integer a / b lies at least 1/|b| from the next integer, more than
// half an ulp of the rounded quotient, so rounding never reaches it. The
// remainder and the floor adjustment then follow in integers (Python's
// signs), branch-free so that the loops vectorize; a zero divisor gives 0
// for both (as NumPy and MLX), and MIN // -1 wraps to MIN.
template <typename T>
inline constexpr bool kDividesInFloat =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && (sizeof(T) <= 2 || std::is_same_v<T, int32_t>);

struct FloorDivMod {
  int32_t quotient, remainder;
};

template <typename T>
inline FloorDivMod floor_divmod_in_float(T a, T b) {
  using F = std::conditional_t<(sizeof(T) <= 2), float, double>;
  const int32_t x = a;
  const int32_t d = int32_t(b) + int32_t(b == 0);
  // (clamped: the only quotient past INT32_MAX is INT32_MIN / -1, below)
  const F t = std::min(static_cast<F>(x) / static_cast<F>(d), F(2147483647.0));
  int32_t q = static_cast<int32_t>(t);
  int32_t r = int32_t(uint32_t(x) - uint32_t(q) * uint32_t(d));
  const int32_t adjust = int32_t(r != 0) & int32_t((r ^ d) < 0);
  q -= adjust;
  r += d & -adjust;
  if constexpr (std::is_same_v<T, int32_t>) {
    const bool minus_one = d == -1;
    q = minus_one ? int32_t(0u - uint32_t(x)) : q;
    r = minus_one ? 0 : r;
  }
  const int32_t keep = -int32_t(b != 0);
  return {q & keep, r & keep};
}

struct FloorDivide {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else if constexpr (kDividesInFloat<T>) {
      return static_cast<T>(floor_divmod_in_float(a, b).quotient);
    } else if constexpr (std::is_integral_v<T>) {
      if (b == 0) {
        return T(0);
      }
      if constexpr (std::is_signed_v<T>) {
        // a / -1 traps for the most negative a (the CPU's division
        // overflows); the quotient wraps instead, as in NumPy and MLX.
        if (b == T(-1)) {
          return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(a));
        }
      }
      T q = T(a / b);
      if constexpr (std::is_signed_v<T>) {
        if ((a % b != 0) && ((a < 0) != (b < 0))) {
          q = T(q - 1);
        }
      }
      return q;
    } else {
      return std::floor(a / b); // (not reached: the row takes integers; float // is floor(a / b))
    }
  }
};
// Remainder with the sign of the divisor, as Python's %.
struct Remainder {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return T(0);
    } else if constexpr (is_complex_v<T>) {
      return a - b * std::floor(a.real() / b.real()); // not reached: ops reject
    } else if constexpr (kDividesInFloat<T>) {
      return static_cast<T>(floor_divmod_in_float(a, b).remainder);
    } else if constexpr (std::is_integral_v<T>) {
      if (b == 0) {
        return T(0);
      }
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) {
          return T(0); // a % -1 traps for the most negative a
        }
      }
      T r = T(a % b);
      if constexpr (std::is_signed_v<T>) {
        if (r != 0 && ((r < 0) != (b < 0))) {
          r = T(r + b);
        }
      }
      return r;
    } else {
      T r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) {
        r += b;
      }
      return r;
    }
  }
};
struct Power {
  template <typename T>
  T operator()(T base, T exp) const {
    if constexpr (std::is_same_v<T, bool>) {
      return base || !exp;
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>) {
        if (exp < 0) {
          return T(0); // MLX: an integer to a negative power is 0.
        }
      }
      // Products in the unsigned type wrap as NumPy's do (signed overflow
      // is undefined).
      using U = wrap_unsigned_t<T>;
      U res = 1, b = U(base);
      while (exp) {
        if (exp & 1) {
          res = U(res * b);
        }
        exp >>= 1;
        b = U(b * b);
      }
      return T(res);
    } else if constexpr (std::is_same_v<T, complex64_t>) {
      return std::pow(base, exp); // (a product would round otherwise than MLX's pow)
    } else {
      // x ** 2, the common case (losses, variances): the correctly rounded
      // square, which is what pow gives, at the cost of a product.
      return exp == T(2) ? T(base * base) : T(std::pow(base, exp));
    }
  }
};
struct Maximum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      // NaN in either part propagates (NumPy; MLX propagates a real NaN).
      if (a != a || b != b) {
        return a != a ? a : b;
      }
      return (a.real() > b.real() || (a.real() == b.real() && a.imag() > b.imag())) ? a : b;
    } else if constexpr (std::is_floating_point_v<T>) {
      return (a != a) ? a : (a > b || b != b ? (b != b ? b : a) : b);
    } else {
      return a > b ? a : b;
    }
  }
};
struct Minimum {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      if (a != a || b != b) {
        return a != a ? a : b;
      }
      return (a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag())) ? a : b;
    } else if constexpr (std::is_floating_point_v<T>) {
      return (a != a) ? a : (a < b || b != b ? (b != b ? b : a) : b);
    } else {
      return a < b ? a : b;
    }
  }
};
struct LogAddExp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      return std::log(std::exp(a) + std::exp(b));
    } else {
      if (a != a || b != b) {
        return a + b;
      }
      T m = a > b ? a : b;
      if (std::isinf(m) && ((a == b) || m < 0)) {
        return m;
      }
      T d = a > b ? b - a : a - b;
      if constexpr (std::is_same_v<T, float>) {
        return m + std::log1p(fast::exp(d));
      } else {
        return m + std::log1p(std::exp(d));
      }
    }
  }
};
struct ArcTan2 {
  template <typename T>
  T operator()(T a, T b) const {
    return std::atan2(a, b);
  }
};

// Comparisons (bool results).
template <typename T>
inline bool less_than(T a, T b) {
  if constexpr (is_complex_v<T>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}
struct Equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a == b;
  }
};
struct NaNEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_complex_v<T>) {
      auto nan = [](T x) { return x.real() != x.real() || x.imag() != x.imag(); };
      return a == b || (nan(a) && nan(b));
    } else {
      return a == b || (a != a && b != b);
    }
  }
};
struct NotEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return a != b;
  }
};
struct Greater {
  template <typename T>
  bool operator()(T a, T b) const {
    return less_than(b, a);
  }
};
struct GreaterEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return !(a != a) && !(b != b) && !less_than(a, b);
  }
};
struct Less {
  template <typename T>
  bool operator()(T a, T b) const {
    return less_than(a, b);
  }
};
struct LessEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return !(a != a) && !(b != b) && !less_than(b, a);
  }
};
struct LogicalAnd {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct LogicalOr {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct BitwiseAnd {
  template <typename T>
  T operator()(T a, T b) const {
    return T(a & b);
  }
};
struct BitwiseOr {
  template <typename T>
  T operator()(T a, T b) const {
    return T(a | b);
  }
};
struct BitwiseXor {
  template <typename T>
  T operator()(T a, T b) const {
    return T(a ^ b);
  }
};
struct LeftShift {
  template <typename T>
  T operator()(T a, T b) const {
    // Shifted as unsigned: shifting a negative value left (or a one into
    // the sign bit) is undefined for signed types before C++20.
    return (b < 0 || b >= T(sizeof(T) * 8)) ? T(0) : T(std::make_unsigned_t<T>(a) << b);
  }
};
struct RightShift {
  template <typename T>
  T operator()(T a, T b) const {
    if (b < 0 || b >= T(sizeof(T) * 8)) {
      return (std::is_signed_v<T> && a < 0) ? T(-1) : T(0);
    }
    return T(a >> b);
  }
};

} // namespace mlx::core::cpu::ops
