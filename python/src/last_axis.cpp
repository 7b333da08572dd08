// Ops over the last axis: softmax and the Walsh-Hadamard transform.
#include <pybind11/stl.h>

#include "py_args.h"

void init_last_axis(py::module_& m) {
  m.def(
      "softmax",
      [](const array& a, py::object axis, bool precise, py::object s) {
        return softmax(a, axes_or_all(a, axis), precise, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(), py::arg("precise") = false,
      py::arg("stream") = py::none(), "Softmax over the given axes (all when None), computed stably.");
  m.def(
      "hadamard_transform",
      [](const array& a, std::optional<float> scale, py::object s) {
        return hadamard_transform(a, scale, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("scale") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Walsh-Hadamard transform along the last axis (default scale 1/sqrt(n)).");
}
