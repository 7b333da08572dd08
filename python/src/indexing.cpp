#include "indexing.h"

#include <sstream>

namespace {

[[noreturn]] void unsupported(py::handle index) {
  std::ostringstream msg;
  msg << "Cannot index mlx array using the given type "
      << py::str(index.get_type().attr("__name__")).cast<std::string>() << ".";
  throw py::value_error(msg.str());
}

struct BasicIndex {
  Shape start, stop, step;
  Shape out_shape; // after int dims are removed and None dims added
};

// Builds the slice parameters for basic indices (int, slice, None, ...).
BasicIndex parse(const array& a, py::handle index) {
  std::vector<py::handle> items;
  if (py::isinstance<py::tuple>(index)) {
    for (auto h : py::reinterpret_borrow<py::tuple>(index)) {
      items.push_back(h);
    }
  } else {
    items.push_back(index);
  }
  int consumed = 0;
  bool has_ellipsis = false;
  for (auto h : items) {
    if (h.is_none()) {
      continue;
    }
    if (h.ptr() == Py_Ellipsis) {
      if (has_ellipsis) {
        throw py::index_error("An index can only have a single ellipsis (\"...\").");
      }
      has_ellipsis = true;
      continue;
    }
    if (!py::isinstance<py::int_>(h) && !py::isinstance<py::slice>(h)) {
      if (py::isinstance<array>(h) || py::isinstance<py::list>(h)) {
        throw py::value_error(
            "[getitem] Indexing with arrays is not supported yet; use mx.take.");
      }
      unsupported(h);
    }
    ++consumed;
  }
  if (consumed > a.ndim()) {
    std::ostringstream msg;
    msg << "Too many indices for array with " << a.ndim() << " dimensions.";
    throw py::index_error(msg.str());
  }
  BasicIndex out;
  out.start = Shape(a.ndim(), 0);
  out.stop = a.shape();
  out.step = Shape(a.ndim(), 1);
  int dim = 0;
  for (auto h : items) {
    if (h.is_none()) {
      out.out_shape.push_back(1);
    } else if (h.ptr() == Py_Ellipsis) {
      int skip = a.ndim() - consumed;
      for (int i = 0; i < skip; ++i, ++dim) {
        out.out_shape.push_back(a.shape(dim));
      }
    } else if (py::isinstance<py::int_>(h)) {
      long long i = h.cast<long long>();
      long long n = a.shape(dim);
      long long j = i < 0 ? i + n : i;
      if (j < 0 || j >= n) {
        std::ostringstream msg;
        msg << "Index " << i << " is out of bounds for axis " << dim << " with size " << n
            << ".";
        throw py::index_error(msg.str());
      }
      out.start[dim] = ShapeElem(j);
      out.stop[dim] = ShapeElem(j + 1);
      ++dim;
    } else {
      auto sl = py::reinterpret_borrow<py::slice>(h);
      Py_ssize_t s, e, st, len;
      if (PySlice_GetIndicesEx(sl.ptr(), a.shape(dim), &s, &e, &st, &len) != 0) {
        throw py::error_already_set();
      }
      out.start[dim] = ShapeElem(s);
      // slice() reads a negative stop from the end; "before index 0" of a
      // reversed slice must stay before index 0.
      out.stop[dim] = ShapeElem(e < 0 ? e - a.shape(dim) : e);
      out.step[dim] = ShapeElem(st);
      out.out_shape.push_back(ShapeElem(len));
      ++dim;
    }
  }
  for (; dim < a.ndim(); ++dim) {
    out.out_shape.push_back(a.shape(dim));
  }
  return out;
}

} // namespace

array get_item(const array& a, py::handle index) {
  if (a.ndim() == 0 && !index.is_none() && index.ptr() != Py_Ellipsis &&
      !(py::isinstance<py::tuple>(index) && py::len(index) == 0)) {
    throw py::value_error("too many indices for array: array is 0-dimensional");
  }
  auto idx = parse(a, index);
  auto view = slice(a, idx.start, idx.stop, idx.step);
  return reshape(view, idx.out_shape);
}

