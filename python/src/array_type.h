// Telling mx.array objects apart, fast: every op's arguments ask.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

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

// A new mx.array object holding `a` (what py::cast(a) makes, for the hot
// paths: operators and small ops). pybind11's cast searches its registry of
// live instances, looks the class up by typeid, and registers the new
// instance (which its deallocation then removes): about 0.1 us per result.
// mx.array has pybind11's simple layout (one C++ base, a unique_ptr holder
// beside the value pointer), so the instance is filled in directly and left
// out of the registry, which only serves casts of references and pointers
// back to their Python objects; no binding returns an array that way.
inline py::object wrap_array(mlx::core::array a) {
  using Holder = std::unique_ptr<mlx::core::array>;
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(py::type::of<mlx::core::array>().ptr());
  static const bool simple = [] {
    const auto* tinfo = py::detail::get_type_info(typeid(mlx::core::array));
    return py::detail::all_type_info(type).size() == 1 &&
           tinfo->holder_size_in_ptrs <= py::detail::instance_simple_holder_in_ptrs();
  }();
  if (!simple) {
    return py::cast(std::move(a));
  }
  PyObject* self = type->tp_alloc(type, 0);
  if (self == nullptr) {
    throw py::error_already_set();
  }
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto* value = new mlx::core::array(std::move(a));
  inst->simple_layout = true;
  inst->simple_value_holder[0] = value;
  new (&inst->simple_value_holder[1]) Holder(value);
  inst->simple_holder_constructed = true;
  inst->simple_instance_registered = false;
  inst->owned = true;
  return py::reinterpret_steal<py::object>(self);
}
