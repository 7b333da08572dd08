// Telling mx.array objects apart, fast: every op's arguments ask.
#pragma once

#include <pybind11/pybind11.h>

#include "mlx/array.h"

namespace py = pybind11;

// Whether obj is an mx.array. The class object is looked up once: pybind11's
// py::isinstance<array> searches its type registry and runs Python's
// isinstance protocol on every call (about 0.3 us, several times per op).
inline bool is_array(py::handle obj) {
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(py::type::of<mlx::core::array>().ptr());
  return PyObject_TypeCheck(obj.ptr(), type);
}
