// The elementwise primitives, one row each. A row names the class, the
// public op that re-applies it, the dtypes its kernels take (a dtype family
// of backend/cpu/dispatch.h) and its derivative; each floor expands the
// rows with its own definition of the row macros:
//   primitives/elementwise.h     the classes
//   primitives/elementwise.cpp   apply and the derivative (jvp, vjp, vmap
//                                follow from them in the Elementwise base)
//   backend/cpu/elementwise_*.cpp  eval_cpu with the functor cpu::ops::Name
//                                (elementwise_unary.h / elementwise_binary.h)
//                                and its float32 kernel for fused chains
//   backend/cpu/elementwise_unary.h  the functor of a unary row, from its
//                                Kernel (unless Own)
//   tools/check_fast_math.cpp    the accuracy sweep of each Fast kernel
//   ops/elementwise.cpp          the op of a unary row (its Domain), unless
//                                hand-written (Custom); the other ops
//   python/src/elementwise.cpp   the binding of a unary row, with its
//                                docstring; the other bindings
// Derivatives are expressions in x = in[0] and out (unary), a = in[0] and
// b = in[1] (binary), with s the stream; scalar_like(v, x) is a 0-d
// constant of x's dtype.
//
// No include guard: included once per floor, between macro definitions.

// clang-format off

// ---- unary: MLX_UNARY(Name, op, Types, Domain, Kernel, docstring, d out / dx)
// Domain, how the op treats its input (ops/elementwise.cpp): Float computes
// in the input's inexact dtype (integers and bools in float32), RealFloat
// likewise but refuses complex64, Same keeps any dtype, Custom has a
// hand-written op.
// Kernel, the functor cpu::ops::Name (backend/cpu/elementwise_unary.h):
//   Fast(fn, lo, hi)      float (float32 and the 16-bit floats) through the
//                         vectorizable cpu::fast::fn of backend/cpu/math.h,
//                         other types through the C++ library's fn;
//                         check_fast_math times it on [lo, hi]
//   FastTrig(fn, lo, hi)  Fast, for |x| <= 2^24 (the C library beyond)
//   Std(fn)               the C++ library's fn for every type
//   Own                   written out in elementwise_unary.h
MLX_UNARY(Negative, negative, AllTypes, Custom, Own, "Element-wise negation.", scalar_like(-1, x))
MLX_UNARY(Square, square, AllTypes, Same, Own, "Element-wise square.", multiply(scalar_like(2, x), x, s))
MLX_UNARY(Sqrt, sqrt, InexactTypes, Float, Std(sqrt), "Element-wise square root.", divide(scalar_like(0.5, x), out, s))
MLX_UNARY(Rsqrt, rsqrt, InexactTypes, Float, Own, "Element-wise reciprocal square root.", multiply(scalar_like(-0.5, x), divide(out, x, s), s))
MLX_UNARY(Exp, exp, InexactTypes, Float, Fast(exp, -20, 20), "Element-wise exponential.", out)
MLX_UNARY(Expm1, expm1, InexactTypes, RealFloat, Fast(expm1, -20, 20), "Element-wise exp(x) - 1, accurate near 0.", add(out, scalar_like(1, x), s))
MLX_UNARY(Log, log, InexactTypes, Float, Fast(log, 0, 20), "Element-wise natural logarithm.", reciprocal(x, s))
MLX_UNARY(Log2, log2, InexactTypes, Float, Fast(log2, 0, 20), "Element-wise base-2 logarithm.", reciprocal(multiply(x, scalar_like(M_LN2, x), s), s))
MLX_UNARY(Log10, log10, InexactTypes, Float, Fast(log10, 0, 20), "Element-wise base-10 logarithm.", reciprocal(multiply(x, scalar_like(M_LN10, x), s), s))
MLX_UNARY(Log1p, log1p, InexactTypes, Float, Fast(log1p, -0.9f, 20), "Element-wise log(1 + x), accurate near 0.", reciprocal(add(x, scalar_like(1, x), s), s))
MLX_UNARY(Sin, sin, InexactTypes, Float, FastTrig(sin, -20, 20), "Element-wise sine.", cos(x, s))
MLX_UNARY(Cos, cos, InexactTypes, Float, FastTrig(cos, -20, 20), "Element-wise cosine.", negative(sin(x, s), s))
MLX_UNARY(Tan, tan, InexactTypes, Float, FastTrig(tan, -20, 20), "Element-wise tangent.", add(scalar_like(1, x), square(out, s), s))
MLX_UNARY(ArcSin, arcsin, InexactTypes, Float, Fast(asin, -1, 1), "Element-wise inverse sine.", rsqrt(subtract(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY(ArcCos, arccos, InexactTypes, Float, Fast(acos, -1, 1), "Element-wise inverse cosine.", negative(rsqrt(subtract(scalar_like(1, x), square(x, s), s), s), s))
MLX_UNARY(ArcTan, arctan, InexactTypes, Float, Fast(atan, -20, 20), "Element-wise inverse tangent.", reciprocal(add(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY(Sinh, sinh, InexactTypes, Float, Fast(sinh, -20, 20), "Element-wise hyperbolic sine.", cosh(x, s))
MLX_UNARY(Cosh, cosh, InexactTypes, Float, Fast(cosh, -20, 20), "Element-wise hyperbolic cosine.", sinh(x, s))
MLX_UNARY(Tanh, tanh, InexactTypes, Float, Fast(tanh, -20, 20), "Element-wise hyperbolic tangent.", subtract(scalar_like(1, x), square(out, s), s))
MLX_UNARY(ArcSinh, arcsinh, InexactTypes, Float, Fast(asinh, -20, 20), "Element-wise inverse hyperbolic sine.", rsqrt(add(square(x, s), scalar_like(1, x), s), s))
MLX_UNARY(ArcCosh, arccosh, InexactTypes, Float, Fast(acosh, 1, 20), "Element-wise inverse hyperbolic cosine.", rsqrt(subtract(square(x, s), scalar_like(1, x), s), s))
MLX_UNARY(ArcTanh, arctanh, InexactTypes, Float, Fast(atanh, -1, 1), "Element-wise inverse hyperbolic tangent.", reciprocal(subtract(scalar_like(1, x), square(x, s), s), s))
MLX_UNARY(Sigmoid, sigmoid, InexactTypes, RealFloat, Own, "Element-wise logistic sigmoid 1 / (1 + exp(-x)).", multiply(out, subtract(scalar_like(1, x), out, s), s))
MLX_UNARY(Erf, erf, FloatTypes, RealFloat, Fast(erf, -5, 5), "Element-wise error function.", multiply(scalar_like(M_2_SQRTPI, x), exp(negative(square(x, s), s), s), s))
MLX_UNARY(ErfInv, erfinv, FloatTypes, RealFloat, Own, "Element-wise inverse of erf.", multiply(scalar_like(0.5 * std::sqrt(M_PI), x), exp(square(out, s), s), s))

// ---- unary, piecewise constant or non-numeric: zero derivative
// MLX_UNARY_NO_GRAD(Name, op, Types, Kernel)
MLX_UNARY_NO_GRAD(Sign, sign, AllTypes, Own)
MLX_UNARY_NO_GRAD(Floor, floor, FloatTypes, Fast(floor, -20, 20))
MLX_UNARY_NO_GRAD(Ceil, ceil, FloatTypes, Fast(ceil, -20, 20))
MLX_UNARY_NO_GRAD(LogicalNot, logical_not, BoolT, Own)
MLX_UNARY_NO_GRAD(BitwiseInvert, bitwise_invert, IntTypes, Own)
// (conjugation's linear rule is stated in the Elementwise base)
MLX_UNARY_NO_GRAD(Conjugate, conjugate, ComplexTypes, Own)

// ---- unary with a bool output (from inexact inputs)
MLX_PREDICATE(IsNaN, isnan)
MLX_PREDICATE(IsInf, isinf)
MLX_PREDICATE(IsFinite, isfinite)

// ---- binary: MLX_BINARY(Name, op, Types, d out / da, d out / db)
MLX_BINARY(Add, add, AllTypes, scalar_like(1, a), scalar_like(1, b))
MLX_BINARY(Subtract, subtract, AllTypes, scalar_like(1, a), scalar_like(-1, b))
MLX_BINARY(Multiply, multiply, AllTypes, b, a)
MLX_BINARY(Divide, divide, InexactTypes, reciprocal(b, s), negative(divide(out, b, s), s))
MLX_BINARY(Remainder, remainder, RealTypes, scalar_like(1, a), negative(floor_divide(a, b, s), s))
// d/db a^b = a^b log(a): zero where a^b is (0^b, b > 0, would be 0 * -inf),
// NaN for a negative base, as MLX.
MLX_BINARY(Power, power, AllTypes,
           multiply(b, power(a, subtract(b, scalar_like(1, b), s), s), s),
           where(equal(out, scalar_like(0, out), s), zeros_like(out, s), multiply(out, log(a, s), s), s))
// On ties the second operand takes the gradient, as MLX (so clip's bounds do).
MLX_BINARY(Maximum, maximum, AllTypes, astype(greater(a, b, s), a.dtype(), s), astype(less_equal(a, b, s), b.dtype(), s))
MLX_BINARY(Minimum, minimum, AllTypes, astype(less(a, b, s), a.dtype(), s), astype(greater_equal(a, b, s), b.dtype(), s))
MLX_BINARY(LogAddExp, logaddexp, InexactTypes, sigmoid(subtract(a, b, s), s), sigmoid(subtract(b, a, s), s))
MLX_BINARY(ArcTan2, arctan2, FloatTypes,
           divide(b, add(square(a, s), square(b, s), s), s),
           divide(negative(a, s), add(square(a, s), square(b, s), s), s))

// ---- binary, integer-valued or logical: zero derivative
MLX_BINARY_NO_GRAD(FloorDivide, floor_divide, IntBoolTypes)
MLX_BINARY_NO_GRAD(LogicalAnd, logical_and, BoolT)
MLX_BINARY_NO_GRAD(LogicalOr, logical_or, BoolT)
MLX_BINARY_NO_GRAD(BitwiseAnd, bitwise_and, IntBoolTypes)
MLX_BINARY_NO_GRAD(BitwiseOr, bitwise_or, IntBoolTypes)
MLX_BINARY_NO_GRAD(BitwiseXor, bitwise_xor, IntBoolTypes)
MLX_BINARY_NO_GRAD(LeftShift, left_shift, IntTypes)
MLX_BINARY_NO_GRAD(RightShift, right_shift, IntTypes)

// ---- comparisons: bool output from any dtype, zero derivative
MLX_COMPARISON(NotEqual, not_equal)
MLX_COMPARISON(Greater, greater)
MLX_COMPARISON(GreaterEqual, greater_equal)
MLX_COMPARISON(Less, less)
MLX_COMPARISON(LessEqual, less_equal)

// clang-format on
