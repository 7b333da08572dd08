// Telling sequences from single values in arguments that take either.
#pragma once

#include <pybind11/pybind11.h>

#include "array_type.h"
#include "mlx/array.h"

namespace py = pybind11;

// A sequence to iterate: lists, tuples, and mx.arrays with at least one
// dimension, but not strings nor 0-d arrays (their len() raises, and
// pybind11's sequence iteration would leave that error set: a SystemError).
inline bool is_sequence(py::handle h) {
  if (!PySequence_Check(h.ptr()) || PyUnicode_Check(h.ptr()) || PyBytes_Check(h.ptr())) {
    return false;
  }
  return !is_array(h) || h.cast<const mlx::core::array&>().ndim() > 0;
}

// An int from a Python int or anything with __index__ (NumPy integers,
// integer 0-d mx.arrays, bools as MLX takes them), not from a float. False
// when `h` is not one; TypeError naming `op` when the value does not fit in
// an int.
inline bool index_value(py::handle h, int& out, const char* op) {
  if (PyFloat_Check(h.ptr()) || !PyIndex_Check(h.ptr()) || is_sequence(h)) {
    return false;
  }
  auto v = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!v) {
    PyErr_Clear();
    return false;
  }
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow || x < INT32_MIN || x > INT32_MAX) {
    throw py::type_error(std::string(op) + "(): incompatible function arguments: the integer " +
                         std::string(py::str(v)) + " does not fit in int32.");
  }
  out = static_cast<int>(x);
  return true;
}

// An int (sets `single`) or a sequence of them, as index_value reads each;
// TypeError naming `op` for anything else.
inline std::vector<int> int_list(py::handle h, const char* op, bool* single = nullptr) {
  int x;
  if (single) {
    *single = false;
  }
  if (index_value(h, x, op)) {
    if (single) {
      *single = true;
    }
    return {x};
  }
  std::vector<int> out;
  bool ok = is_sequence(h);
  if (ok) {
    for (auto item : py::reinterpret_borrow<py::sequence>(h)) {
      if (!(ok = index_value(item, x, op))) {
        break;
      }
      out.push_back(x);
    }
  }
  if (!ok) {
    throw py::type_error(std::string(op) +
                         "(): incompatible function arguments: expected an int or a sequence of "
                         "ints, got " +
                         std::string(py::str(py::type::handle_of(h).attr("__name__"))) + ".");
  }
  return out;
}
