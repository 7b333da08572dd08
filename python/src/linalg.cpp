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
  m.def(
      "inv", [](const array& a, py::object s) { return linalg::inv(a, to_stream_or_device(s)); },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "Inverse of square matrices (float32, float64).");
  m.def(
      "solve",
      [](const array& a, const array& b, py::object s) {
        return linalg::solve(a, b, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::kw_only(), py::arg("stream") = py::none(),
      "Solve a x = b for square a; b a vector or matrices.");
  m.def(
      "cholesky",
      [](const array& a, bool upper, py::object s) {
        return linalg::cholesky(a, upper, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("upper") = false, py::kw_only(), py::arg("stream") = py::none(),
      "Cholesky factor of symmetric positive-definite matrices.");
  m.def(
      "tri_inv",
      [](const array& a, bool upper, py::object s) {
        return linalg::tri_inv(a, upper, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("upper") = false, py::kw_only(), py::arg("stream") = py::none(),
      "Inverse of the lower (or upper) triangle of square matrices.");
  m.def(
      "solve_triangular",
      [](const array& a, const array& b, bool upper, py::object s) {
        return linalg::solve_triangular(a, b, upper, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::kw_only(), py::arg("upper") = false, py::arg("stream") = py::none(),
      "Solve t x = b for t the lower (or upper) triangle of a.");
  m.def(
      "cholesky_inv",
      [](const array& a, bool upper, py::object s) {
        return linalg::cholesky_inv(a, upper, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("upper") = false, py::kw_only(), py::arg("stream") = py::none(),
      "Inverse of A = L L^T (or U^T U) from its Cholesky factor.");
  m.def(
      "lu_factor",
      [](const array& a, py::object s) {
        auto [lu, piv] = linalg::lu_factor(a, to_stream_or_device(s));
        return py::make_tuple(lu, piv);
      },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "LU factorization with partial pivoting: the packed factors and the row swaps (uint32).");
  m.def(
      "lu",
      [](const array& a, py::object s) {
        auto outs = linalg::lu(a, to_stream_or_device(s));
        return py::make_tuple(outs[0], outs[1], outs[2]);
      },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "LU factorization: the permutation p, L and U with a[i] = (L @ U)[p[i]].");
  m.def(
      "qr",
      [](const array& a, py::object s) {
        auto [q, r] = linalg::qr(a, to_stream_or_device(s));
        return py::make_tuple(q, r);
      },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(), "The reduced QR factorization.");
  m.def(
      "svd",
      [](const array& a, bool compute_uv, py::object s) -> py::object {
        auto outs = linalg::svd(a, compute_uv, to_stream_or_device(s));
        if (!compute_uv) {
          return py::cast(outs[0]);
        }
        return py::make_tuple(outs[0], outs[1], outs[2]);
      },
      py::arg("a"), py::arg("compute_uv") = true, py::kw_only(), py::arg("stream") = py::none(),
      "Singular value decomposition: U, S, Vt (or S alone).");
  m.def(
      "pinv", [](const array& a, py::object s) { return linalg::pinv(a, to_stream_or_device(s)); },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "Moore-Penrose pseudo-inverse from the SVD.");
  m.def(
      "eig",
      [](const array& a, py::object s) {
        auto [w, v] = linalg::eig(a, to_stream_or_device(s));
        return py::make_tuple(w, v);
      },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "Eigenvalues and right eigenvectors (columns) of general square matrices (complex64).");
  m.def(
      "eigvals", [](const array& a, py::object s) { return linalg::eigvals(a, to_stream_or_device(s)); },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "Eigenvalues of general square matrices (complex64).");
  m.def(
      "det", [](const array& a, py::object s) { return linalg::det(a, to_stream_or_device(s)); },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(), "Determinant of square matrices.");
  m.def(
      "slogdet",
      [](const array& a, py::object s) {
        auto [sign, logabs] = linalg::slogdet(a, to_stream_or_device(s));
        return py::make_tuple(sign, logabs);
      },
      py::arg("a"), py::kw_only(), py::arg("stream") = py::none(),
      "Sign and log of the absolute value of the determinant.");
  m.def(
      "norm",
      [](const array& a, py::object ord, py::object axis, bool keepdims, py::object s) {
        std::optional<linalg::NormOrder> order;
        if (py::isinstance<py::str>(ord)) {
          order = ord.cast<std::string>();
        } else if (!ord.is_none()) {
          order = ord.cast<double>();
        }
        std::optional<std::vector<int>> axes;
        if (py::isinstance<py::int_>(axis)) {
          axes = std::vector<int>{axis.cast<int>()};
        } else if (!axis.is_none()) {
          axes = axis.cast<std::vector<int>>();
        }
        return linalg::norm(a, order, axes, keepdims, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("ord") = py::none(), py::arg("axis") = py::none(),
      py::arg("keepdims") = false, py::kw_only(), py::arg("stream") = py::none(),
      "Vector (one axis) or matrix (two axes) norm, as numpy.linalg.norm; with\n"
      "neither ord nor axis, the 2-norm of the flattened array.");
  m.def(
      "cross",
      [](const array& a, const array& b, int axis, py::object s) {
        return linalg::cross(a, b, axis, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::arg("axis") = -1, py::kw_only(), py::arg("stream") = py::none(),
      "Cross product of 3-vectors (2-vectors get a zero third component) along axis.");
}
