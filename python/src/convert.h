// Conversions between Python objects and arrays.
#pragma once

#include <optional>

#include <pybind11/pybind11.h>

#include "array_type.h"
#include "mlx/mlx.h"

namespace py = pybind11;
using namespace mlx::core;

// An mx.array from a Python scalar, nested list/tuple, buffer (NumPy) or
// array, with MLX's dtype inference when `dtype` is not given.
array to_array(py::handle obj, std::optional<Dtype> dtype = std::nullopt);

// Converts an operand of a binary op. Python scalars are weak: they take the
// dtype of the other operand where MLX's rules say so.
array to_array_like(py::handle obj, const array& other);

// Both operands of a binary op, scalars weakly typed.
std::pair<array, array> to_arrays(py::handle a, py::handle b);

// A Python float's kept 0-d array (see to_array_like) as a view at `shape`,
// kept with it (the last shape), outside transforms; any other array as it
// is. An elementwise operator given the view skips making and freeing one
// (an array descriptor and three small vectors: `y + 0.001` allocates 11
// times instead of 16).
array kept_scalar_view(const array& scalar, const Shape& shape);

bool is_python_scalar(py::handle obj);

// tolist() and item().
py::object to_list(array& a);
py::object to_scalar(array& a);

// StreamOrDevice from None, Stream, Device or DeviceType.
StreamOrDevice to_stream_or_device(py::handle obj);

// OverflowError (MLX's message) for a shape dim outside int32.
void check_shape_dim(long long d);

// A DLPack capsule ("dltensor") sharing the (evaluated) array's memory.
py::capsule to_dlpack(array a);

// The PEP 3118 format of a dtype ("f", "e", ...).
std::string buffer_format(Dtype t);
