// Elementwise ops: unary math, binary arithmetic, comparisons and logic.
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/compile.h"
#include "mlx/ops/common.h"

namespace mlx::core {

using detail::at_least_float;
using detail::fail;
using detail::make_node;

namespace {

template <typename P>
array unary(const array& a, Dtype out_dtype, StreamOrDevice s) {
  return make_node<P>(a.shape(), out_dtype, {astype(a, out_dtype, s)}, to_stream(s));
}

// Float-valued math: integer and bool inputs compute in float32.
template <typename P>
array unary_float(const array& a, StreamOrDevice s) {
  return unary<P>(a, at_least_float(a.dtype()), s);
}

template <typename P>
array unary_real_float(const array& a, const char* op, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    fail(op, "Not supported for complex64.");
  }
  return unary_float<P>(a, s);
}

// Broadcasts a and b to one shape and casts both to `compute`.
// The pair moved into the node's input vector: a braced list would copy
// both handles (two more atomic count updates each, on every op).
std::vector<array> pair_of(array x, array y) {
  std::vector<array> v;
  v.reserve(2);
  v.push_back(std::move(x));
  v.push_back(std::move(y));
  return v;
}

std::vector<array> prepare_binary(const array& a, const array& b, Dtype compute, StreamOrDevice s) {
  auto x = astype(a, compute, s), y = astype(b, compute, s);
  if (x.shape() == y.shape() && !detail::in_shapeless_trace()) {
    return pair_of(std::move(x), std::move(y));
  }
  // A computed scalar against an array (x + 0.5): its view at the array's
  // shape, without working out the broadcast shape (see broadcast_to).
  if ((x.ndim() == 0) != (y.ndim() == 0) && !detail::in_tracing()) {
    // (each view made before either handle is moved: arguments are
    // evaluated in no fixed order)
    if (x.ndim() == 0 && x.is_available()) {
      array view = detail::broadcast_view(x, y.shape());
      return pair_of(std::move(view), std::move(y));
    }
    if (y.ndim() == 0 && y.is_available()) {
      array view = detail::broadcast_view(y, x.shape());
      return pair_of(std::move(x), std::move(view));
    }
  }
  auto shape = broadcast_shapes(x.shape(), y.shape());
  return {detail::broadcast_against(x, shape, {y}, s), detail::broadcast_against(y, shape, {x}, s)};
}

template <typename P>
array binary(const array& a, const array& b, Dtype compute, Dtype out, StreamOrDevice s) {
  auto inputs = prepare_binary(a, b, compute, s);
  Shape shape = inputs[0].shape();
  return make_node<P>(std::move(shape), out, std::move(inputs), to_stream(s));
}

template <typename P>
array arith(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  return binary<P>(a, b, t, t, s);
}

template <typename P>
array compare(const array& a, const array& b, StreamOrDevice s) {
  return binary<P>(a, b, promote_types(a.dtype(), b.dtype()), bool_, s);
}

// MLX raises RuntimeError here (not ValueError), naming both input dtypes.
void check_bitwise(Dtype t, Dtype a, Dtype b, const char* op) {
  if (!is_integral(t)) {
    std::ostringstream msg;
    msg << "[" << op << "] Only allowed on integer or boolean types but got types " << a << " and " << b
        << ".";
    throw std::runtime_error(msg.str());
  }
}

template <typename P>
array bitwise(const array& a, const array& b, const char* op, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  check_bitwise(t, a.dtype(), b.dtype(), op);
  return binary<P>(a, b, t, t, s);
}

} // namespace

// The ops of the table's unary rows, by their Domain.
#define MLX_UNARY_OP_Float(Name, op) \
  array op(const array& a, StreamOrDevice s) { return unary_float<Name>(a, s); }
#define MLX_UNARY_OP_RealFloat(Name, op) \
  array op(const array& a, StreamOrDevice s) { return unary_real_float<Name>(a, #op, s); }
#define MLX_UNARY_OP_Same(Name, op) \
  array op(const array& a, StreamOrDevice s) { return unary<Name>(a, a.dtype(), s); }
#define MLX_UNARY_OP_Custom(Name, op)
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) MLX_UNARY_OP_##domain(Name, op)
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel)
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, Types, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types)
#define MLX_COMPARISON(Name, op)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
#undef MLX_UNARY_OP_Float
#undef MLX_UNARY_OP_RealFloat
#undef MLX_UNARY_OP_Same
#undef MLX_UNARY_OP_Custom

array abs(const array& a, StreamOrDevice s) {
  if (is_unsigned(a.dtype()) || a.dtype() == bool_) {
    return a;
  }
  Dtype out = is_complex(a.dtype()) ? float32 : a.dtype();
  return make_node<Abs>(a.shape(), out, {a}, to_stream(s));
}

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    fail("negative", "Not supported for bool, use logical_not instead.");
  }
  return unary<Negative>(a, a.dtype(), s);
}
array operator-(const array& a) { return negative(a); }

array sign(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    return a;
  }
  return unary<Sign>(a, a.dtype(), s);
}

array reciprocal(const array& a, StreamOrDevice s) {
  auto t = at_least_float(a.dtype());
  return divide(array(1.0f, t), a, s);
}

array floor(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    fail("floor", "Not supported for complex64.");
  }
  return is_integral(a.dtype()) ? a : unary<Floor>(a, a.dtype(), s);
}

array ceil(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    fail("ceil", "Not supported for complex64.");
  }
  return is_integral(a.dtype()) ? a : unary<Ceil>(a, a.dtype(), s);
}

array trunc(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return a;
  }
  if (is_complex(a.dtype())) {
    fail("trunc", "Not supported for complex64.");
  }
  return where(less(a, array(0.0f, a.dtype()), s), ceil(a, s), floor(a, s), s);
}

array round(const array& a, int decimals, StreamOrDevice s) {
  if (decimals == 0) {
    if (is_integral(a.dtype())) {
      return a;
    }
    return make_node<Round>(a.shape(), a.dtype(), {a}, to_stream(s), 0);
  }
  // As MLX: scale, round half to even, scale back, in the float dtype.
  auto t = at_least_float(a.dtype());
  float scale = std::pow(10.0f, float(decimals));
  auto out = multiply(a, array(scale, t), s);
  out = round(out, 0, s);
  out = multiply(out, array(1.0f / scale, t), s);
  return astype(out, a.dtype(), s);
}

array degrees(const array& a, StreamOrDevice s) {
  auto t = at_least_float(a.dtype());
  return multiply(a, array(180.0 / M_PI, t), s);
}

array radians(const array& a, StreamOrDevice s) {
  auto t = at_least_float(a.dtype());
  return multiply(a, array(M_PI / 180.0, t), s);
}

array real(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) {
    return a;
  }
  return make_node<Real>(a.shape(), float32, {a}, to_stream(s));
}

array imag(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) {
    return zeros_like(a, s);
  }
  return make_node<Imag>(a.shape(), float32, {a}, to_stream(s));
}

array conjugate(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) {
    return a;
  }
  return make_node<Conjugate>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array logical_not(const array& a, StreamOrDevice s) { return unary<LogicalNot>(a, bool_, s); }

array bitwise_invert(const array& a, StreamOrDevice s) {
  if (!is_integral(a.dtype())) {
    fail("bitwise_invert", "Bitwise inverse only allowed on integer types.");
  }
  if (a.dtype() == bool_) {
    return logical_not(a, s);
  }
  return unary<BitwiseInvert>(a, a.dtype(), s);
}
array operator~(const array& a) { return bitwise_invert(a); }

array isnan(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return full(a.shape(), false, s);
  }
  return make_node<IsNaN>(a.shape(), bool_, {a}, to_stream(s));
}

array isinf(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return full(a.shape(), false, s);
  }
  return make_node<IsInf>(a.shape(), bool_, {a}, to_stream(s));
}

array isfinite(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return full(a.shape(), true, s);
  }
  return make_node<IsFinite>(a.shape(), bool_, {a}, to_stream(s));
}

array isposinf(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return full(a.shape(), false, s);
  }
  return equal(a, array(INFINITY, a.dtype()), s);
}

array isneginf(const array& a, StreamOrDevice s) {
  if (is_integral(a.dtype())) {
    return full(a.shape(), false, s);
  }
  return equal(a, array(-INFINITY, a.dtype()), s);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf, std::optional<float> neginf,
                 StreamOrDevice s) {
  Dtype t = a.dtype();
  if (is_complex(t)) {
    fail("nan_to_num", "Does not yet support given type: complex64.");
  }
  if (!is_floating_point(t)) {
    return a;
  }
  auto big = [&](bool neg) -> double {
    switch (t.val) {
      case Dtype::Val::float16:
        return neg ? -65504.0 : 65504.0;
      case Dtype::Val::bfloat16:
        return neg ? -3.3895313892515355e38 : 3.3895313892515355e38;
      case Dtype::Val::float64:
        return neg ? -1.7976931348623157e308 : 1.7976931348623157e308;
      default:
        return neg ? -3.4028234663852886e38 : 3.4028234663852886e38;
    }
  };
  array out = where(isnan(a, s), array(nan, t), a, s);
  out = where(isposinf(a, s), array(posinf ? double(*posinf) : big(false), t), out, s);
  out = where(isneginf(a, s), array(neginf ? double(*neginf) : big(true), t), out, s);
  return out;
}

array add(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) {
    return logical_or(a, b, s);
  }
  return binary<Add>(a, b, t, t, s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) {
    return logical_xor(a, b, s);
  }
  return binary<Subtract>(a, b, t, t, s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) {
    return logical_and(a, b, s);
  }
  return binary<Multiply>(a, b, t, t, s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  auto t = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary<Divide>(a, b, t, t, s);
}
array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (is_complex(t)) {
    return divide(a, b, s); // MLX does not floor complex quotients.
  }
  if (is_floating_point(t)) {
    return floor(divide(a, b, s), s);
  }
  return binary<FloorDivide>(a, b, t, t, s);
}
array remainder(const array& a, const array& b, StreamOrDevice s) {
  if (is_complex(promote_types(a.dtype(), b.dtype()))) {
    fail("remainder", "Complex type not supported.");
  }
  return arith<Remainder>(a, b, s);
}
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  // As MLX: neither output of divmod carries a gradient (remainder alone
  // does).
  return {floor_divide(a, b, s), stop_gradient(remainder(a, b, s), s)};
}
array power(const array& a, const array& b, StreamOrDevice s) { return arith<Power>(a, b, s); }
array maximum(const array& a, const array& b, StreamOrDevice s) { return arith<Maximum>(a, b, s); }
array minimum(const array& a, const array& b, StreamOrDevice s) { return arith<Minimum>(a, b, s); }
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  auto t = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary<LogAddExp>(a, b, t, t, s);
}
array arctan2(const array& a, const array& b, StreamOrDevice s) {
  auto t = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (is_complex(t)) {
    fail("arctan2", "Not supported for complex64.");
  }
  return binary<ArcTan2>(a, b, t, t, s);
}

array equal(const array& a, const array& b, StreamOrDevice s) { return compare<Equal>(a, b, s); }
array not_equal(const array& a, const array& b, StreamOrDevice s) { return compare<NotEqual>(a, b, s); }
array greater(const array& a, const array& b, StreamOrDevice s) { return compare<Greater>(a, b, s); }
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return compare<GreaterEqual>(a, b, s);
}
array less(const array& a, const array& b, StreamOrDevice s) { return compare<Less>(a, b, s); }
array less_equal(const array& a, const array& b, StreamOrDevice s) { return compare<LessEqual>(a, b, s); }
array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return binary<LogicalAnd>(a, b, bool_, bool_, s);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return binary<LogicalOr>(a, b, bool_, bool_, s);
}
array logical_xor(const array& a, const array& b, StreamOrDevice s) {
  return binary<NotEqual>(a, b, bool_, bool_, s);
}
array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  return bitwise<BitwiseAnd>(a, b, "bitwise_and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  return bitwise<BitwiseOr>(a, b, "bitwise_or", s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  return bitwise<BitwiseXor>(a, b, "bitwise_xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) {
    t = uint8;
  }
  check_bitwise(t, a.dtype(), b.dtype(), "left_shift");
  return binary<LeftShift>(a, b, t, t, s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (t == bool_) {
    t = uint8;
  }
  check_bitwise(t, t, t, "right_shift");
  return binary<RightShift>(a, b, t, t, s);
}

array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) {
    return array(false);
  }
  auto t = promote_types(a.dtype(), b.dtype());
  auto inputs = prepare_binary(a, b, t, s);
  Shape shape = inputs[0].shape();
  auto eq =
      make_node<Equal>(std::move(shape), bool_, std::move(inputs), to_stream(s), equal_nan && is_inexact(t));
  return all(eq, false, s);
}

array isclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with infinities equal only to themselves.
  auto t = at_least_float(promote_types(a.dtype(), b.dtype()));
  auto lhs = abs(subtract(a, b, s), s);
  auto rhs = add(array(atol, t), multiply(array(rtol, t), abs(b, s), s), s);
  auto out = less_equal(lhs, rhs, s);
  auto any_inf = logical_or(isinf(a, s), isinf(b, s), s);
  out = where(any_inf, equal(a, b, s), out, s);
  if (equal_nan) {
    out = logical_or(out, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return out;
}

array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan, StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), false, s);
}

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  auto t = promote_types(x.dtype(), y.dtype());
  auto shape = broadcast_shapes(condition.shape(), broadcast_shapes(x.shape(), y.shape()));
  auto c = astype(condition, bool_, s), xt = astype(x, t, s), yt = astype(y, t, s);
  std::vector<array> inputs = {detail::broadcast_against(c, shape, {xt, yt}, s),
                               detail::broadcast_against(xt, shape, {c, yt}, s),
                               detail::broadcast_against(yt, shape, {c, xt}, s)};
  return make_node<Select>(std::move(shape), t, std::move(inputs), to_stream(s));
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s) {
  if (!a_min && !a_max) {
    fail("clip", "At most one of a_min and a_max may be None");
  }
  array out = a;
  if (a_min) {
    out = maximum(out, *a_min, s);
  }
  if (a_max) {
    out = minimum(out, *a_max, s);
  }
  return out;
}

array operator+(const array& a, const array& b) { return add(a, b); }
array operator-(const array& a, const array& b) { return subtract(a, b); }
array operator*(const array& a, const array& b) { return multiply(a, b); }
array operator/(const array& a, const array& b) { return divide(a, b); }
array operator%(const array& a, const array& b) { return remainder(a, b); }
array operator==(const array& a, const array& b) { return equal(a, b); }
array operator!=(const array& a, const array& b) { return not_equal(a, b); }
array operator<(const array& a, const array& b) { return less(a, b); }
array operator<=(const array& a, const array& b) { return less_equal(a, b); }
array operator>(const array& a, const array& b) { return greater(a, b); }
array operator>=(const array& a, const array& b) { return greater_equal(a, b); }
array operator&&(const array& a, const array& b) { return logical_and(a, b); }
array operator||(const array& a, const array& b) { return logical_or(a, b); }
array operator!(const array& a) { return logical_not(a); }
array operator&(const array& a, const array& b) { return bitwise_and(a, b); }
array operator|(const array& a, const array& b) { return bitwise_or(a, b); }
array operator^(const array& a, const array& b) { return bitwise_xor(a, b); }
array operator<<(const array& a, const array& b) { return left_shift(a, b); }
array operator>>(const array& a, const array& b) { return right_shift(a, b); }

} // namespace mlx::core
