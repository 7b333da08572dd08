// Shape and dtype ops of mlx.core.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>
#include <stdexcept>

#include "py_args.h"

namespace {

// fp8 (e4m3, "fn": no infinities, 0x7f/0xff NaN) conversions as MLX 0.32
// does them, composed of ops: rounding to nearest even, values from 464 on
// (and inf, NaN) saturate to +-448 (0x7e).
array to_fp8_impl(const array& x, StreamOrDevice s) {
  if (!is_floating_point(x.dtype())) {
    std::ostringstream msg;
    msg << "[to_fp8] Only real floating types are supported but x.dtype() == " << dtype_to_string(x.dtype())
        << ".";
    throw std::invalid_argument(msg.str());
  }
  auto u = [](uint32_t v) { return array(v, uint32); };
  auto bits = view(astype(x, float32, s), uint32, s);
  auto sign = bitwise_and(bits, u(0x80000000u), s);
  auto f = bitwise_xor(bits, sign, s);
  // Subnormal results: add 2^14 so that the float adder rounds the value to
  // a multiple of 2^-9, then read the low mantissa bits.
  auto denorm = subtract(view(add(view(f, float32, s), array(16384.0f), s), uint32, s), u(141u << 23), s);
  // Normal results: rebias the exponent (127 -> 7) and round the mantissa
  // to 3 bits, ties to even.
  auto odd = bitwise_and(right_shift(f, u(20), s), u(1), s);
  auto normal = right_shift(add(add(f, u(0xC4000000u + 0x7FFFFu), s), odd, s), u(20), s);
  auto r = where(greater_equal(f, u(0x43E00000u), s), u(0x7E),
                 where(less(f, u(121u << 23), s), denorm, normal, s), s);
  r = bitwise_or(r, right_shift(sign, u(24), s), s);
  return astype(r, uint8, s);
}

array from_fp8_impl(const array& x, Dtype t, StreamOrDevice s) {
  if (x.dtype() != uint8) {
    std::ostringstream msg;
    msg << "[from_fp8] Input must have type uint8 but x.dtype() == " << dtype_to_string(x.dtype()) << ".";
    throw std::invalid_argument(msg.str());
  }
  // The 256 values, looked up.
  std::vector<float> table(256);
  for (int b = 0; b < 256; ++b) {
    int e = (b >> 3) & 0xF, mant = b & 7;
    float v = (b & 0x7F) == 0x7F ? std::nanf("")
              : e == 0           ? std::ldexp(float(mant), -9)
                                 : std::ldexp(1.0f + mant / 8.0f, e - 7);
    table[b] = (b & 0x80) ? -v : v;
  }
  array values(table.begin(), Shape{256}, float32);
  return astype(take(values, astype(x, int32, s), 0, s), t, s);
}

} // namespace

void init_layout(py::module_& m) {
  m.def(
      "to_fp8", [](const array& x, py::object s) { return to_fp8_impl(x, to_stream_or_device(s)); },
      py::arg("x"), py::kw_only(), py::arg("stream") = py::none(),
      "Convert the array to fp8 (e4m3) from another floating-point type (uint8 result).");
  m.def(
      "from_fp8",
      [](const array& x, Dtype t, py::object s) { return from_fp8_impl(x, t, to_stream_or_device(s)); },
      py::arg("x"), py::arg("dtype") = bfloat16, py::kw_only(), py::arg("stream") = py::none(),
      "Convert the array from fp8 (e4m3, uint8) to another floating-point type.");
  m.def(
      "astype", [](const array& a, Dtype t, py::object s) { return astype(a, t, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::arg("dtype"), py::kw_only(), py::arg("stream") = py::none(),
      "Cast the array to dtype.");
  m.def(
      "view",
      [](py::object a, Dtype t, py::object s) { return view(to_array(a), t, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::arg("dtype"), py::kw_only(), py::arg("stream") = py::none(),
      "Reinterpret the bytes of the array as dtype.");
  m.def(
      "reshape",
      [](const array& a, py::object shape, py::object s) {
        return reshape(a, get_shape(shape, "reshape"), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none(),
      "Reshape the array (one dim may be -1).");
  m.def(
      "flatten",
      [](const array& a, int start, int end, py::object s) {
        // MLX rejects start_axis > end_axis (after clamping to the array's axes).
        int nd = static_cast<int>(a.ndim());
        int st = std::max(0, start < 0 ? start + nd : start);
        int en = std::min(nd - 1, end < 0 ? end + nd : end);
        if (nd > 0 && en < st) {
          throw std::invalid_argument("[flatten] start_axis must be less than or equal to end_axis");
        }
        return flatten(a, start, end, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("start_axis") = 0, py::arg("end_axis") = -1, py::kw_only(),
      py::arg("stream") = py::none(), "Flatten the axes [start_axis, end_axis].");
  m.def(
      "squeeze",
      [](const array& a, py::object axis, py::object s) {
        auto axes = get_axes(axis);
        auto sd = to_stream_or_device(s);
        return axes ? squeeze(a, *axes, sd) : squeeze(a, sd);
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Remove size-1 axes.");
  m.def(
      "expand_dims",
      [](const array& a, py::object axis, py::object s) {
        return expand_dims(a, *get_axes(axis), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis"), py::kw_only(), py::arg("stream") = py::none(),
      "Insert size-1 axes.");
  m.def(
      "transpose",
      [](const array& a, std::optional<std::vector<int>> axes, py::object s) {
        auto sd = to_stream_or_device(s);
        return axes ? transpose(a, *axes, sd) : transpose(a, sd);
      },
      py::arg("a"), py::pos_only(), py::arg("axes") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Permute the axes (reverse them by default).");
  m.def(
      "swapaxes",
      [](const array& a, int a1, int a2, py::object s) {
        return swapaxes(a, a1, a2, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis1"), py::arg("axis2"), py::kw_only(),
      py::arg("stream") = py::none(), "Swap two axes.");
  m.def(
      "moveaxis",
      [](const array& a, int src, int dst, py::object s) {
        return moveaxis(a, src, dst, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("source"), py::arg("destination"), py::kw_only(),
      py::arg("stream") = py::none(), "Move an axis to a new position.");
  m.def(
      "broadcast_to",
      [](py::object a, py::object shape, py::object s) {
        return broadcast_to(to_array(a), get_shape(shape, "broadcast_to"), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none(),
      "Broadcast the array to a shape.");
  m.def(
      "contiguous",
      [](const array& a, bool allow_col_major, py::object s) {
        return contiguous(a, allow_col_major, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("allow_col_major") = false, py::kw_only(),
      py::arg("stream") = py::none(), "A row-contiguous (or column-major) version of the array.");
}
