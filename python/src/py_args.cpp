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

Shape get_shape(py::handle shape, const char* op) {
  if (py::isinstance<py::int_>(shape)) {
    return {shape.cast<ShapeElem>()};
  }
  if (py::isinstance<py::sequence>(shape)) {
    Shape out;
    for (auto d : py::reinterpret_borrow<py::sequence>(shape)) {
      if (!py::isinstance<py::int_>(d)) {
        std::ostringstream msg;
        msg << "[" << op << "] Shape entries must be integers.";
        throw py::type_error(msg.str());
      }
      out.push_back(d.cast<ShapeElem>());
    }
    return out;
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
