// Elementwise ops of mlx.core: unary math, binary arithmetic, comparisons,
// logic, where and clip.
#include "py_args.h"

namespace {

using Unary = array (*)(const array&, StreamOrDevice);
using Binary = array (*)(const array&, const array&, StreamOrDevice);

struct UnaryDef {
  const char* name;
  Unary f;
  const char* doc;
};
struct BinaryDef {
  const char* name;
  Binary f;
  const char* doc;
};

} // namespace

void init_elementwise(py::module_& m) {
  const UnaryDef unary[] = {
  // The table's unary rows, with their docstrings; then the other ops.
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) {#op, &op, doc},
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel)
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, Types, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types)
#define MLX_COMPARISON(Name, op)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
      {"abs", &abs, "Element-wise absolute value."},
      {"sign", &sign, "Element-wise sign."},
      {"reciprocal", &reciprocal, "Element-wise reciprocal."},
      {"floor", &floor, "Element-wise floor."},
      {"ceil", &ceil, "Element-wise ceiling."},
      {"trunc", &trunc, "Element-wise rounding toward zero."},
      {"degrees", &degrees, "Convert angles from radians to degrees."},
      {"radians", &radians, "Convert angles from degrees to radians."},
      {"real", &real, "The real part of a complex array."},
      {"imag", &imag, "The imaginary part of a complex array."},
      {"conjugate", &conjugate, "Element-wise complex conjugate."},
      {"logical_not", &logical_not, "Element-wise logical not."},
      {"bitwise_invert", &bitwise_invert, "Element-wise bitwise inverse."},
      {"isnan", &isnan, "Element-wise test for NaN."},
      {"isinf", &isinf, "Element-wise test for positive or negative infinity."},
      {"isfinite", &isfinite, "Element-wise test for finite values."},
      {"isposinf", &isposinf, "Element-wise test for positive infinity."},
      {"isneginf", &isneginf, "Element-wise test for negative infinity."},
  };
  for (auto& u : unary) {
    m.def(
        u.name, [f = u.f](py::object a, py::object s) { return f(to_array(a), to_stream_or_device(s)); },
        py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(), u.doc);
  }
  // Aliases are the same objects, as in MLX.
  const std::pair<const char*, const char*> aliases[] = {
      {"arcsin", "asin"},   {"arccos", "acos"},   {"arctan", "atan"},    {"arcsinh", "asinh"},
      {"arccosh", "acosh"}, {"arctanh", "atanh"}, {"conjugate", "conj"},
  };
  for (auto& [name, alias] : aliases) {
    m.attr(alias) = m.attr(name);
  }

  const BinaryDef binary[] = {
      {"add", &add, "Element-wise addition with broadcasting."},
      {"subtract", &subtract, "Element-wise subtraction with broadcasting."},
      {"multiply", &multiply, "Element-wise multiplication with broadcasting."},
      {"divide", &divide, "Element-wise true division with broadcasting."},
      {"floor_divide", &floor_divide, "Element-wise division rounded toward -inf."},
      {"remainder", &remainder, "Element-wise remainder with the sign of the divisor."},
      {"power", &power, "Element-wise a ** b."},
      {"maximum", &maximum, "Element-wise maximum (NaN propagates)."},
      {"minimum", &minimum, "Element-wise minimum (NaN propagates)."},
      {"logaddexp", &logaddexp, "Element-wise log(exp(a) + exp(b)), computed stably."},
      {"arctan2", &arctan2, "Element-wise inverse tangent of a / b."},
      {"equal", &equal, "Element-wise a == b."},
      {"not_equal", &not_equal, "Element-wise a != b."},
      {"greater", &greater, "Element-wise a > b."},
      {"greater_equal", &greater_equal, "Element-wise a >= b."},
      {"less", &less, "Element-wise a < b."},
      {"less_equal", &less_equal, "Element-wise a <= b."},
      {"logical_and", &logical_and, "Element-wise logical and."},
      {"logical_or", &logical_or, "Element-wise logical or."},
      {"logical_xor", &logical_xor, "Element-wise logical xor."},
      {"bitwise_and", &bitwise_and, "Element-wise bitwise and."},
      {"bitwise_or", &bitwise_or, "Element-wise bitwise or."},
      {"bitwise_xor", &bitwise_xor, "Element-wise bitwise xor."},
      {"left_shift", &left_shift, "Element-wise a << b."},
      {"right_shift", &right_shift, "Element-wise a >> b."},
  };
  for (auto& b : binary) {
    m.def(
        b.name,
        [f = b.f](py::object a, py::object b, py::object s) {
          auto [x, y] = to_arrays(a, b);
          return f(x, y, to_stream_or_device(s));
        },
        py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(), b.doc);
  }
  m.attr("pow") = m.attr("power");
  m.attr("atan2") = m.attr("arctan2");
  m.attr("bitwise_left_shift") = m.attr("left_shift");
  m.attr("bitwise_right_shift") = m.attr("right_shift");

  m.def(
      "divmod",
      [](py::object a, py::object b, py::object s) {
        auto [x, y] = to_arrays(a, b);
        auto out = divmod(x, y, to_stream_or_device(s));
        return py::make_tuple(out[0], out[1]);
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Element-wise (a // b, a % b).");
  m.def(
      "round",
      [](py::object a, int decimals, py::object s) {
        return round(to_array(a), decimals, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("decimals") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Round to the given number of decimals (half to even).");
  m.def(
      "where",
      [](py::object c, py::object x, py::object y, py::object s) {
        auto [a, b] = to_arrays(x, y);
        return where(to_array(c), a, b, to_stream_or_device(s));
      },
      py::arg("condition"), py::arg("x"), py::arg("y"), py::kw_only(), py::arg("stream") = py::none(),
      "Select from x where condition is true and y elsewhere.");
  m.def(
      "clip",
      [](py::object a, py::object lo, py::object hi, py::object s) {
        auto x = to_array(a);
        std::optional<array> amin, amax;
        if (!lo.is_none()) {
          amin = to_array_like(lo, x);
        }
        if (!hi.is_none()) {
          amax = to_array_like(hi, x);
        }
        return clip(x, amin, amax, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("a_min"), py::arg("a_max"), py::kw_only(),
      py::arg("stream") = py::none(), "Clip the values of the array between a_min and a_max.");
  m.def(
      "nan_to_num",
      [](py::object a, float nan, std::optional<float> posinf, std::optional<float> neginf, py::object s) {
        return nan_to_num(to_array(a), nan, posinf, neginf, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("nan") = 0.0f, py::arg("posinf") = py::none(),
      py::arg("neginf") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
      "Replace NaN and infinities with finite numbers.");
  m.def(
      "isclose",
      [](const array& a, const array& b, double rtol, double atol, bool equal_nan, py::object s) {
        return isclose(a, b, rtol, atol, equal_nan, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8,
      py::kw_only(), py::arg("equal_nan") = false, py::arg("stream") = py::none(),
      "Element-wise |a - b| <= atol + rtol * |b|.");
  m.def(
      "allclose",
      [](const array& a, const array& b, double rtol, double atol, bool equal_nan, py::object s) {
        return allclose(a, b, rtol, atol, equal_nan, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8,
      py::kw_only(), py::arg("equal_nan") = false, py::arg("stream") = py::none(),
      "Whether all elements of a and b are close.");
  m.def(
      "array_equal",
      [](py::object a, py::object b, bool equal_nan, py::object s) {
        return array_equal(to_array(a), to_array(b), equal_nan, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("equal_nan") = false, py::kw_only(),
      py::arg("stream") = py::none(), "Whether two arrays have the same shape and elements.");
  m.def(
      "matmul",
      [](const array& a, const array& b, py::object s) { return matmul(a, b, to_stream_or_device(s)); },
      py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Matrix product with NumPy's broadcasting and 1-d rules.");
}
