// Shape and dtype ops of mlx.core.
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>
#include <stdexcept>

#include "py_args.h"

void init_layout(py::module_& m) {
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
        auto axes = get_axes(axis);
        if (!axes) {
          throw py::type_error(
              "expand_dims(): incompatible function arguments: axis must be an int or a "
              "sequence of ints, not None.");
        }
        return expand_dims(a, *axes, to_stream_or_device(s));
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
