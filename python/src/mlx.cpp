// The extension module mlx.core.
#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>

namespace py = pybind11;

void init_dtype(py::module_& m);
void init_device(py::module_& m);
void init_array(py::module_& m);
void init_creation(py::module_& m);
void init_elementwise(py::module_& m);
void init_reduce(py::module_& m);
void init_layout(py::module_& m);
void init_transforms(py::module_& m);
void init_graph(py::module_& m);
void init_memory(py::module_& m);
void init_layout_composed(py::module_& m);
void init_indexing(py::module_& m);
void init_sort_scan(py::module_& m);
void init_random(py::module_& m);
void init_io(py::module_& m);
void init_last_axis(py::module_& m);
void init_products(py::module_& m);
void init_interop(py::module_& m);
void init_conv(py::module_& m);
void init_fast(py::module_& m);
void init_compile(py::module_& m);
void init_linalg(py::module_& m);
void init_fft(py::module_& m);
void init_backends(py::module_& m);
void init_distributed(py::module_& m);
void init_quantized(py::module_& m);
void init_export(py::module_& m);

namespace {

void init_constants(py::module_& m) {
  m.attr("e") = M_E;
  m.attr("pi") = M_PI;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("newaxis") = py::none();
}

} // namespace

PYBIND11_MODULE(core, m) {
  m.doc() = "mlx.core: arrays, ops, devices and transforms.";
  m.attr("__version__") = "0.1.0";
  init_constants(m);
  // A value a binding converts itself (obj.cast<int>()) and cannot hold
  // raises pybind11's cast_error, which would reach Python as a RuntimeError
  // naming the C++ type '?': a TypeError as for any argument of the wrong type
  // (MLX: "incompatible function arguments").
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) {
        std::rethrow_exception(p);
      }
    } catch (const py::cast_error&) {
      PyErr_SetString(PyExc_TypeError,
                      "incompatible function arguments: an argument has the wrong type or an int "
                      "argument is outside the range of its C++ type.");
    }
  });
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_creation(m);
  init_elementwise(m);
  init_reduce(m);
  init_layout(m);
  init_transforms(m);
  init_graph(m);
  init_memory(m);
  init_layout_composed(m);
  init_indexing(m);
  init_sort_scan(m);
  init_random(m);
  init_io(m);
  init_last_axis(m);
  init_products(m);
  init_interop(m);
  init_conv(m);
  init_fast(m);
  init_compile(m);
  init_linalg(m);
  init_fft(m);
  init_backends(m);
  init_distributed(m);
  init_quantized(m);
  init_export(m);
  // MLX exports linalg.norm at the top level too, as the same object.
  m.attr("matrix_norm") = m.attr("linalg").attr("norm");
}
