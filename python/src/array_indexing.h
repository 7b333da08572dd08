// a[...] (ints, slices, None, Ellipsis, integer arrays and lists, NumPy's
// placement of advanced-index dims), a[...] = v, and a.at[...].
#pragma once

#include "convert.h"

array get_item(const array& a, py::handle index);
// Updates `a` in place (its descriptor now points at the updated array).
void set_item(array& a, py::handle index, py::handle value);
// Registers mx.ArrayAt and the array's `at` property and __setitem__.
void add_indexing_methods(py::module_& m, py::class_<array>& cls);
