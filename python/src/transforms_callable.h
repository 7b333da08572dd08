// The callables that transforms return (grad, value_and_grad, vmap,
// checkpoint). The Python objects such a callable needs (the wrapped
// function, axes trees) live in its instance dict, where Python's garbage
// collector sees them: a transformed function that its own function's
// closure refers back to (d["f"] = mx.grad(f) where f reads d) is then a
// cycle the collector frees, as under MLX.
#pragma once

#include <pybind11/pybind11.h>

#include <functional>

#include "convert.h"

// Called with the transformed function itself (to read its attributes),
// then the call's arguments. It must hold no Python object of its own.
using TransformedCall = std::function<py::object(py::handle self, py::args args, py::kwargs kwargs)>;

// A new callable; `attrs` become its attributes (`__wrapped__` for the
// function it wraps).
py::object make_transformed(TransformedCall call, const py::dict& attrs);

void init_transformed(py::module_& m);
