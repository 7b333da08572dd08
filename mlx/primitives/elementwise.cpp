// Transformation rules of the elementwise primitives. Each op states its
// derivative (`partial`) and how to re-apply itself (`apply`); the
// Elementwise base turns those into jvp, vjp and vmap.
#include <cmath>

#include "mlx/ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

array Elementwise::partial(int i, const std::vector<array>& inputs, const array&) {
  return zeros_like(inputs[i], stream());
}

namespace {
// A constant derivative: a 0-d array of x's type (see times_partial).
array scalar_like(double v, const array& x) { return array(v, x.dtype()); }

array conj_if_complex(const array& x, const Stream& s) {
  return is_complex(x.dtype()) ? conjugate(x, s) : x;
}

// t * partial. Constant partials are 0-d arrays (scalar_like below), so
// that no full array of ones is made and multiplied: 1 passes t through,
// -1 negates it, any other constant broadcasts.
array times_partial(const array& t, const array& partial, const Stream& s) {
  if (partial.ndim() == 0 && partial.is_available() && !partial.has_primitive() &&
      !is_complex(partial.dtype())) {
    double v = array(partial).item<double>();
    if (v == 1.0 && t.dtype() == promote_types(t.dtype(), partial.dtype())) {
      return t;
    }
    if (v == -1.0 && t.dtype() == promote_types(t.dtype(), partial.dtype())) {
      return negative(t, s);
    }
  }
  return multiply(t, partial, s);
}
} // namespace

// Complex inputs follow MLX: jvp is the derivative along a real step,
// t * partial; vjp gives cot * conj(partial), the gradient dL/dRe + i dL/dIm
// of L = Re(sum(conj(cot) * out)). Conjugation is not complex-linear, so its
// rules are stated directly.
std::vector<array> Elementwise::jvp(
    const std::vector<array>& primals,
    const std::vector<array>& tangents,
    const std::vector<int>& argnums) {
  if (dynamic_cast<const Conjugate*>(this)) {
    return {conjugate(tangents[0], stream())};
  }
  auto out = apply(primals);
  if (out.dtype() == bool_) {
    // Boolean results have zero tangents, in the tangents' dtype (as MLX).
    return {zeros(out.shape(), tangents[0].dtype(), stream())};
  }
  std::optional<array> total;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = times_partial(tangents[k], partial(argnums[k], primals, out), stream());
    total = total ? add(*total, term, stream()) : term;
  }
  return {astype(*total, out.dtype(), stream())};
}

std::vector<array> Elementwise::vjp(
    const std::vector<array>& primals,
    const std::vector<array>& cotangents,
    const std::vector<int>& argnums,
    const std::vector<array>& outputs) {
  if (dynamic_cast<const Conjugate*>(this)) {
    return {conjugate(cotangents[0], stream())};
  }
  std::vector<array> out;
  for (int i : argnums) {
    auto g = times_partial(cotangents[0], conj_if_complex(partial(i, primals, outputs[0]), stream()), stream());
    out.push_back(astype(g, primals[i].dtype(), stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Elementwise::vmap(
    const std::vector<array>& inputs,
    const std::vector<int>& axes) {
  // Batched inputs carry the batch axis first; unbatched ones, one dim
  // shorter, broadcast against them from the right.
  int ndim = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ndim = std::max(ndim, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  std::vector<array> moved;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      auto x = moveaxis(inputs[i], axes[i], 0, stream());
      // Pad missing leading dims after the batch axis (ranks may differ).
      int missing = ndim - (x.ndim() - 1);
      if (missing > 0) {
        Shape shape = x.shape();
        shape.insert(shape.begin() + 1, missing, 1);
        x = reshape(x, shape, stream());
      }
      moved.push_back(x);
    } else {
      moved.push_back(inputs[i]);
    }
  }
  return {{apply(moved)}, {0}};
}


// ---- unary: apply, then the derivative in terms of x = in[0] and out.
#define MLX_UNARY_RULES(Name, op, deriv)                                        \
  array Name::apply(const std::vector<array>& in) { return op(in[0], stream()); } \
  array Name::partial(int, const std::vector<array>& in, const array& out) {   \
    const array& x = in[0];                                                     \
    (void)x;                                                                    \
    (void)out;                                                                  \
    auto s = stream();                                                          \
    (void)s;                                                                    \
    return deriv;                                                               \
  }

// |z|: d|z| = Re(conj(z) dz) / |z| for complex z.
MLX_UNARY_RULES(Abs, abs,
                is_complex(x.dtype()) ? divide(conjugate(x, s), astype(out, x.dtype(), s), s)
                                      : sign(x, s))
MLX_UNARY_RULES(Negative, negative, scalar_like(-1, x))
MLX_UNARY_RULES(Square, square, multiply(scalar_like(2, x), x, s))
MLX_UNARY_RULES(Sqrt, sqrt, divide(scalar_like(0.5, x), out, s))
MLX_UNARY_RULES(Rsqrt, rsqrt, multiply(scalar_like(-0.5, x), divide(out, x, s), s))
MLX_UNARY_RULES(Exp, exp, out)
MLX_UNARY_RULES(Expm1, expm1, add(out, scalar_like(1, x), s))
MLX_UNARY_RULES(Log, log, reciprocal(x, s))
MLX_UNARY_RULES(Log2, log2, reciprocal(multiply(x, scalar_like(M_LN2, x), s), s))
MLX_UNARY_RULES(Log10, log10, reciprocal(multiply(x, scalar_like(M_LN10, x), s), s))
MLX_UNARY_RULES(Log1p, log1p, reciprocal(add(x, scalar_like(1, x), s), s))
MLX_UNARY_RULES(Sin, sin, cos(x, s))
MLX_UNARY_RULES(Cos, cos, negative(sin(x, s), s))
MLX_UNARY_RULES(Tan, tan, add(scalar_like(1, x), square(out, s), s))
MLX_UNARY_RULES(ArcSin, arcsin, rsqrt(subtract(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY_RULES(ArcCos, arccos,
                negative(rsqrt(subtract(scalar_like(1, x), square(x, s), s), s), s))
MLX_UNARY_RULES(ArcTan, arctan, reciprocal(add(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY_RULES(Sinh, sinh, cosh(x, s))
MLX_UNARY_RULES(Cosh, cosh, sinh(x, s))
MLX_UNARY_RULES(Tanh, tanh, subtract(scalar_like(1, x), square(out, s), s))
MLX_UNARY_RULES(ArcSinh, arcsinh, rsqrt(add(square(x, s), scalar_like(1, x), s), s))
MLX_UNARY_RULES(ArcCosh, arccosh, rsqrt(subtract(square(x, s), scalar_like(1, x), s), s))
MLX_UNARY_RULES(ArcTanh, arctanh, reciprocal(subtract(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY_RULES(Sigmoid, sigmoid, multiply(out, subtract(scalar_like(1, x), out, s), s))
MLX_UNARY_RULES(Erf, erf,
                multiply(scalar_like(M_2_SQRTPI, x), exp(negative(square(x, s), s), s), s))
MLX_UNARY_RULES(ErfInv, erfinv,
                multiply(scalar_like(0.5 * std::sqrt(M_PI), x), exp(square(out, s), s), s))
MLX_UNARY_RULES(Copy, copy, scalar_like(1, x))
#undef MLX_UNARY_RULES

// Piecewise-constant or non-numeric ops: zero derivative.
#define MLX_UNARY_ZERO_GRAD(Name, op)                                           \
  array Name::apply(const std::vector<array>& in) { return op(in[0], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {  \
    return Elementwise::partial(i, in, out);                                    \
  }
MLX_UNARY_ZERO_GRAD(Sign, sign)
MLX_UNARY_ZERO_GRAD(Floor, floor)
MLX_UNARY_ZERO_GRAD(Ceil, ceil)
MLX_UNARY_ZERO_GRAD(LogicalNot, logical_not)
MLX_UNARY_ZERO_GRAD(BitwiseInvert, bitwise_invert)
MLX_UNARY_ZERO_GRAD(IsNaN, isnan)
MLX_UNARY_ZERO_GRAD(IsInf, isinf)
MLX_UNARY_ZERO_GRAD(IsFinite, isfinite)
MLX_UNARY_ZERO_GRAD(Conjugate, conjugate) // (rules stated in the base)
#undef MLX_UNARY_ZERO_GRAD

// Re z = real(1 * z), Im z = real(-i * z): their partials on complex input.
array Real::apply(const std::vector<array>& in) { return real(in[0], stream()); }
array Real::partial(int, const std::vector<array>& in, const array&) {
  return scalar_like(1, in[0]);
}
array Imag::apply(const std::vector<array>& in) { return imag(in[0], stream()); }
array Imag::partial(int i, const std::vector<array>& in, const array& out) {
  if (!is_complex(in[0].dtype())) {
    return Elementwise::partial(i, in, out);
  }
  return array(complex64_t(0.0f, -1.0f));
}

array Round::apply(const std::vector<array>& in) { return round(in[0], decimals_, stream()); }
array Round::partial(int i, const std::vector<array>& in, const array& out) {
  return Elementwise::partial(i, in, out);
}

array AsType::apply(const std::vector<array>& in) { return astype(in[0], dtype_, stream()); }
array AsType::partial(int, const std::vector<array>& in, const array&) {
  return scalar_like(1, in[0]);
}

// ---- binary: derivative with respect to in[i], from a = in[0], b = in[1].
#define MLX_BINARY_RULES(Name, op, da, db)                                      \
  array Name::apply(const std::vector<array>& in) { return op(in[0], in[1], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {  \
    const array& a = in[0];                                                     \
    const array& b = in[1];                                                     \
    (void)a;                                                                    \
    (void)b;                                                                    \
    (void)out;                                                                  \
    auto s = stream();                                                          \
    (void)s;                                                                    \
    return i == 0 ? (da) : (db);                                                \
  }

MLX_BINARY_RULES(Add, add, scalar_like(1, a), scalar_like(1, b))
MLX_BINARY_RULES(Subtract, subtract, scalar_like(1, a), scalar_like(-1, b))
MLX_BINARY_RULES(Multiply, multiply, b, a)
MLX_BINARY_RULES(Divide, divide, reciprocal(b, s), negative(divide(out, b, s), s))
MLX_BINARY_RULES(Remainder, remainder, scalar_like(1, a),
                 negative(floor_divide(a, b, s), s))
// d/db a^b = a^b log(a): zero where a^b is (0^b, b > 0, would be 0 * -inf),
// NaN for a negative base, as MLX.
MLX_BINARY_RULES(Power, power,
                 multiply(b, power(a, subtract(b, scalar_like(1, b), s), s), s),
                 where(equal(out, scalar_like(0, out), s), zeros_like(out, s),
                       multiply(out, log(a, s), s), s))
// On ties the second operand takes the gradient, as MLX (so clip's bounds do).
MLX_BINARY_RULES(Maximum, maximum,
                 astype(greater(a, b, s), a.dtype(), s),
                 astype(less_equal(a, b, s), b.dtype(), s))
MLX_BINARY_RULES(Minimum, minimum,
                 astype(less(a, b, s), a.dtype(), s),
                 astype(greater_equal(a, b, s), b.dtype(), s))
MLX_BINARY_RULES(LogAddExp, logaddexp, sigmoid(subtract(a, b, s), s),
                 sigmoid(subtract(b, a, s), s))
MLX_BINARY_RULES(ArcTan2, arctan2,
                 divide(b, add(square(a, s), square(b, s), s), s),
                 divide(negative(a, s), add(square(a, s), square(b, s), s), s))
#undef MLX_BINARY_RULES

#define MLX_BINARY_ZERO_GRAD(Name, op)                                          \
  array Name::apply(const std::vector<array>& in) { return op(in[0], in[1], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {  \
    return Elementwise::partial(i, in, out);                                    \
  }
MLX_BINARY_ZERO_GRAD(FloorDivide, floor_divide)
MLX_BINARY_ZERO_GRAD(NotEqual, not_equal)
MLX_BINARY_ZERO_GRAD(Greater, greater)
MLX_BINARY_ZERO_GRAD(GreaterEqual, greater_equal)
MLX_BINARY_ZERO_GRAD(Less, less)
MLX_BINARY_ZERO_GRAD(LessEqual, less_equal)
MLX_BINARY_ZERO_GRAD(LogicalAnd, logical_and)
MLX_BINARY_ZERO_GRAD(LogicalOr, logical_or)
MLX_BINARY_ZERO_GRAD(BitwiseAnd, bitwise_and)
MLX_BINARY_ZERO_GRAD(BitwiseOr, bitwise_or)
MLX_BINARY_ZERO_GRAD(BitwiseXor, bitwise_xor)
MLX_BINARY_ZERO_GRAD(LeftShift, left_shift)
MLX_BINARY_ZERO_GRAD(RightShift, right_shift)
#undef MLX_BINARY_ZERO_GRAD

array Equal::apply(const std::vector<array>& in) {
  if (equal_nan_) {
    auto both_nan = logical_and(isnan(in[0], stream()), isnan(in[1], stream()), stream());
    return logical_or(equal(in[0], in[1], stream()), both_nan, stream());
  }
  return equal(in[0], in[1], stream());
}
array Equal::partial(int i, const std::vector<array>& in, const array& out) {
  return Elementwise::partial(i, in, out);
}

// where(condition, x, y): the condition gets no gradient.
array Select::apply(const std::vector<array>& in) {
  return where(in[0], in[1], in[2], stream());
}
array Select::partial(int i, const std::vector<array>& in, const array& out) {
  if (i == 0) {
    return Elementwise::partial(i, in, out);
  }
  auto picked = i == 1 ? in[0] : logical_not(in[0], stream());
  return astype(picked, in[i].dtype(), stream());
}

} // namespace mlx::core
