// The extension module mlx.core.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void init_dtype(py::module_& m);
void init_device(py::module_& m);
void init_array(py::module_& m);
void init_ops_creation(py::module_& m);
void init_ops_elementwise(py::module_& m);
void init_ops_reduce(py::module_& m);
void init_ops_shape(py::module_& m);
void init_transforms(py::module_& m);
void init_custom(py::module_& m);
void init_memory(py::module_& m);
void init_ops_shape_more(py::module_& m);
void init_ops_indexing(py::module_& m);
void init_ops_sort(py::module_& m);
void init_random(py::module_& m);
void init_io(py::module_& m);
void init_ops_more(py::module_& m);
void init_ops_conv(py::module_& m);
void init_fast(py::module_& m);
void init_compile(py::module_& m);
void init_linalg(py::module_& m);
void init_fft(py::module_& m);
void init_backends(py::module_& m);
void init_distributed(py::module_& m);

PYBIND11_MODULE(core, m) {
  m.doc() = "mlx.core: arrays, ops, devices and transforms.";
  m.attr("__version__") = "0.1.0";
  init_dtype(m);
  init_device(m);
  init_array(m);
  init_ops_creation(m);
  init_ops_elementwise(m);
  init_ops_reduce(m);
  init_ops_shape(m);
  init_transforms(m);
  init_custom(m);
  init_memory(m);
  init_ops_shape_more(m);
  init_ops_indexing(m);
  init_ops_sort(m);
  init_random(m);
  init_io(m);
  init_ops_more(m);
  init_ops_conv(m);
  init_fast(m);
  init_compile(m);
  init_linalg(m);
  init_fft(m);
  init_backends(m);
  init_distributed(m);
  // MLX exports linalg.norm at the top level too, as the same object.
  m.attr("matrix_norm") = m.attr("linalg").attr("norm");
}
