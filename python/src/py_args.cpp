#include "py_args.h"
#include "array_type.h"
#include "py_args_sequence.h"

#include <limits>
#include <numeric>
#include <sstream>

std::optional<std::vector<int>> get_axes(py::handle axis) {
  if (axis.is_none()) {
    return std::nullopt;
  }
  int x;
  if (index_value(axis, x, "axis")) {
    return std::vector<int>{x};
  }
  if (is_sequence(axis)) {
    std::vector<int> out;
    for (auto item : py::reinterpret_borrow<py::sequence>(axis)) {
      if (!index_value(item, x, "axis")) {
        throw py::type_error("axis must be None, an int or a sequence of ints.");
      }
      out.push_back(x);
    }
    return out;
  }
  throw py::type_error("axis must be None, an int or a sequence of ints.");
}

namespace {

// A shape entry: an int or anything with __index__ (NumPy integers), not a
// float or a string; values beyond int32 raise MLX's OverflowError.
bool shape_entry(py::handle d, ShapeElem& out, bool in_sequence) {
  if (py::isinstance<py::float_>(d) || py::isinstance<py::str>(d) || is_array(d) || !PyIndex_Check(d.ptr())) {
    return false;
  }
  auto v = py::reinterpret_steal<py::object>(PyNumber_Index(d.ptr()));
  if (!v) {
    PyErr_Clear();
    return false;
  }
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow || x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
    // MLX's messages: one for an int shape, another for a sequence entry.
    std::string txt = py::str(v);
    std::ostringstream msg;
    if (in_sequence) {
      msg << "Integer value " << txt << " is outside the supported range [-2147483648, 2147483647].";
    } else {
      msg << "Shape dimension " << txt << " is outside the supported range [-2147483648, 2147483647]. "
          << "MLX currently uses 32-bit integers for shape dimensions.";
    }
    PyErr_SetString(PyExc_OverflowError, msg.str().c_str());
    throw py::error_already_set();
  }
  out = static_cast<ShapeElem>(x);
  return true;
}

} // namespace

int index_arg(py::handle h, const char* op) {
  int x;
  if (index_value(h, x, op)) {
    return x;
  }
  std::ostringstream msg;
  msg << op << "(): incompatible function arguments: expected an int, got "
      << std::string(py::str(py::type::handle_of(h).attr("__name__"))) << ".";
  throw py::type_error(msg.str());
}

Shape get_shape(py::handle shape, const char* op) {
  ShapeElem e;
  if (!is_sequence(shape) && shape_entry(shape, e, false)) {
    return {e};
  }
  if (is_sequence(shape)) {
    Shape out;
    for (auto d : py::reinterpret_borrow<py::sequence>(shape)) {
      if (!shape_entry(d, e, true)) {
        std::ostringstream msg;
        msg << "[" << op << "] Shape entries must be integers.";
        throw py::type_error(msg.str());
      }
      out.push_back(e);
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
