// eval and async_eval over trees of arrays.
#include <pybind11/pybind11.h>

#include "convert.h"

namespace {

// Collects the arrays in nested lists, tuples and dicts; other leaves are
// ignored, as MLX does.
void collect(py::handle obj, std::vector<array>& out) {
  if (py::isinstance<array>(obj)) {
    out.push_back(obj.cast<array>());
  } else if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) {
      collect(item, out);
    }
  } else if (py::isinstance<py::dict>(obj)) {
    for (auto item : py::reinterpret_borrow<py::dict>(obj)) {
      collect(item.second, out);
    }
  }
}

} // namespace

void init_transforms(py::module_& m) {
  m.def(
      "eval",
      [](py::args args) {
        std::vector<array> arrays;
        collect(args, arrays);
        py::gil_scoped_release nogil;
        eval(std::move(arrays));
      },
      "Evaluate each array in the arguments (arrays or trees of arrays).");
  m.def(
      "async_eval",
      [](py::args args) {
        std::vector<array> arrays;
        collect(args, arrays);
        py::gil_scoped_release nogil;
        async_eval(std::move(arrays));
      },
      "Start evaluating the arrays in the arguments and return at once.");
}
