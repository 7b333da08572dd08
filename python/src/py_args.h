// Argument parsing shared by the bindings.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "convert.h"

// None -> nullopt; int -> {int}; sequence -> its ints.
std::optional<std::vector<int>> get_axes(py::handle axis);

// An int argument taken through the index protocol (Python and NumPy
// integers); floats, strings and the like raise TypeError, as in MLX.
int index_arg(py::handle h, const char* op);

// A shape from a tuple/list of ints or an int.
Shape get_shape(py::handle shape, const char* op);

// Reductions: all axes when `axis` is None.
std::vector<int> axes_or_all(const array& a, py::handle axis);

// Defines the op-backed methods of mx.array (a.sum(), a.reshape(), ...).
void add_array_methods(py::class_<array>& cls);
