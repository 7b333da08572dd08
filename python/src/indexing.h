// a[...] for ints, slices, None and Ellipsis: views through slice and reshape.
#pragma once

#include "convert.h"

array get_item(const array& a, py::handle index);
