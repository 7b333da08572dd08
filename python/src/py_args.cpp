#include "py_args.h"

#include <numeric>
#include <sstream>

std::optional<std::vector<int>> get_axes(py::handle axis) {
  if (axis.is_none()) {
    return std::nullopt;
  }
  if (py::isinstance<py::int_>(axis)) {
    return std::vector<int>{axis.cast<int>()};
  }
  if (py::isinstance<py::sequence>(axis)) {
    return axis.cast<std::vector<int>>();
  }
  throw py::type_error("axis must be None, an int or a sequence of ints.");
}

namespace {

// An integer (anything with __index__, as NumPy's integer scalars, but not
// a float) as a shape dimension, or nullopt. Values outside int32 raise
// OverflowError naming the value, with MLX's messages.
std::optional<ShapeElem> shape_dim(py::handle d, bool scalar) {
  if (PyFloat_Check(d.ptr()) || !PyIndex_Check(d.ptr())) {
    return std::nullopt;
  }
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(d.ptr()));
  if (!i) {
    throw py::error_already_set();
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow != 0 || v < INT32_MIN || v > INT32_MAX) {
    std::ostringstream msg;
    msg << (scalar ? "Shape dimension " : "Integer value ") << py::str(i).cast<std::string>()
        << " is outside the supported range [-2147483648, 2147483647]."
        << (scalar ? " MLX currently uses 32-bit integers for shape dimensions." : "");
    PyErr_SetString(PyExc_OverflowError, msg.str().c_str());
    throw py::error_already_set();
  }
  return static_cast<ShapeElem>(v);
}

} // namespace

Shape get_shape(py::handle shape, const char* op) {
  if (py::isinstance<py::int_>(shape)) {
    return {*shape_dim(shape, true)};
  }
  if (py::isinstance<py::sequence>(shape) && !py::isinstance<py::str>(shape)) {
    Shape out;
    for (auto d : py::reinterpret_borrow<py::sequence>(shape)) {
      auto v = shape_dim(d, false);
      if (!v) {
        std::ostringstream msg;
        msg << "[" << op << "] Shape entries must be integers.";
        throw py::type_error(msg.str());
      }
      out.push_back(*v);
    }
    return out;
  }
  if (auto v = shape_dim(shape, true)) {
    return {*v};
  }
  std::ostringstream msg;
  msg << "[" << op << "] Expected an int or a sequence of ints for the shape.";
  throw py::type_error(msg.str());
}

std::vector<int> axes_or_all(const array& a, py::handle axis) {
  auto axes = get_axes(axis);
  if (axes) {
    return *axes;
  }
  std::vector<int> all(a.ndim());
  std::iota(all.begin(), all.end(), 0);
  return all;
}
