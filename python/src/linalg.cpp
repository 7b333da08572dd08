// mlx.core.linalg: the functions implemented so far.
#include "py_args.h"

#include "mlx/linalg.h"

void init_linalg(py::module_& parent) {
  using namespace mlx::core;
  auto m = parent.def_submodule("linalg", "Linear algebra (LAPACK on the CPU).");
  m.def(
      "eigh",
      [](const array& a, const std::string& uplo, py::object s) {
        auto [w, v] = linalg::eigh(a, uplo, to_stream_or_device(s));
        return py::make_tuple(w, v);
      },
      py::arg("a"), py::arg("UPLO") = "L", py::kw_only(), py::arg("stream") = py::none(),
      "Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices.");
  m.def(
      "eigvalsh",
      [](const array& a, const std::string& uplo, py::object s) {
        return linalg::eigvalsh(a, uplo, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("UPLO") = "L", py::kw_only(), py::arg("stream") = py::none(),
      "Eigenvalues (ascending) of symmetric matrices.");
}
