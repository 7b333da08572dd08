#include "transforms_callable.h"

namespace {

struct Transformed {
  TransformedCall call;
};

} // namespace

py::object make_transformed(TransformedCall call, const py::dict& attrs) {
  py::object self = py::cast(Transformed{std::move(call)});
  for (auto item : attrs) {
    py::setattr(self, item.first, item.second);
  }
  return self;
}

void init_transformed(py::module_& m) {
  // py::dynamic_attr gives the instances a dict and garbage-collector
  // support (traversal of that dict).
  py::class_<Transformed>(m, "_transformed_function", py::dynamic_attr(),
                          "A function made by an mlx transform (grad, vmap, checkpoint...).")
      .def("__call__", [](py::object self, py::args args, py::kwargs kwargs) {
        // Copy the call out first: the call may drop the last other
        // reference to self.
        TransformedCall call = self.cast<Transformed&>().call;
        return call(self, args, kwargs);
      });
}
