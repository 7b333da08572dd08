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

// The array inside an mx.array object (is_array(obj) must hold). pybind11's
// cast looks the type up in its registry again; an instance of a class with
// one C++ base and a one-pointer holder keeps its value pointer in its first
// slot instead (pybind11's "simple layout").
inline mlx::core::array& array_ref(py::handle obj) {
  auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
  if (inst->simple_layout && inst->simple_value_holder[0] != nullptr) {
    return *static_cast<mlx::core::array*>(inst->simple_value_holder[0]);
  }
  return obj.cast<mlx::core::array&>(); // (raises for an instance never initialized)
}

// A new mx.array object holding `a` (what py::cast(a) makes). pybind11's
// cast looks the class up in its registry by typeid on every call; the
// lookup is done once here.
inline py::object wrap_array(mlx::core::array a) {
  static const py::detail::type_info* const tinfo = py::detail::get_type_info(typeid(mlx::core::array));
  auto move = [](const void* p) -> void* {
    return new mlx::core::array(
        std::move(*const_cast<mlx::core::array*>(static_cast<const mlx::core::array*>(p))));
  };
  return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
      &a, py::return_value_policy::move, py::handle(), tinfo, nullptr, move));
}
