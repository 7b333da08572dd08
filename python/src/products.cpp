// Matrix products: the products built on matmul (addmm, vecdot, gather_mm,
// segmented_mm, block_masked_mm, outer, inner, kron, tensordot), einsum and
// einsum_path. matmul itself is bound with the arithmetic operators.
#include <pybind11/stl.h>

#include "py_args.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

std::vector<array> to_arrays_list(py::handle seq) {
  std::vector<array> out;
  for (auto x : seq) {
    out.push_back(x.cast<array>());
  }
  return out;
}

} // namespace

void init_products(py::module_& m) {
  m.def(
      "addmm",
      [](const array& c, const array& a, const array& b, float alpha, float beta, py::object s) {
        return addmm(c, a, b, alpha, beta, to_stream_or_device(s));
      },
      py::arg("c"), py::arg("a"), py::arg("b"), py::pos_only(), py::arg("alpha") = 1.0f,
      py::arg("beta") = 1.0f, py::kw_only(), py::arg("stream") = py::none(), "beta * c + alpha * (a @ b).");
  m.def(
      "vecdot",
      [](const array& a, const array& b, int axis, py::object s) {
        return vecdot(a, b, axis, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("axis") = -1, py::kw_only(),
      py::arg("stream") = py::none(), "sum(conj(a) * b) along axis.");
  m.def(
      "gather_mm",
      [](const array& a, const array& b, std::optional<array> lhs, std::optional<array> rhs,
         bool sorted_indices,
         py::object s) { return gather_mm(a, b, lhs, rhs, sorted_indices, to_stream_or_device(s)); },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("lhs_indices") = py::none(),
      py::arg("rhs_indices") = py::none(), py::kw_only(), py::arg("sorted_indices") = false,
      py::arg("stream") = py::none(), "Matrix products of the matrices of a and b picked by the indices.");
  m.def(
      "segmented_mm",
      [](const array& a, const array& b, const array& segments, py::object s) {
        return segmented_mm(a, b, segments, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("segments"), py::kw_only(),
      py::arg("stream") = py::none(), "One product per [start, end) segment of the inner dimension.");
  m.def(
      "block_masked_mm",
      [](const array& a, const array& b, int block_size, std::optional<array> mask_out,
         std::optional<array> mask_lhs, std::optional<array> mask_rhs, py::object s) {
        return block_masked_mm(a, b, block_size, mask_out, mask_lhs, mask_rhs, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("block_size") = 64,
      py::arg("mask_out") = py::none(), py::arg("mask_lhs") = py::none(), py::arg("mask_rhs") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(),
      "Matrix product with block masks on the output and the operands.");
  m.def(
      "outer", [](const array& a, const array& b, py::object s) { return outer(a, b, sd(s)); }, py::arg("a"),
      py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Outer product of the flattened inputs.");
  m.def(
      "inner", [](const array& a, const array& b, py::object s) { return inner(a, b, sd(s)); }, py::arg("a"),
      py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Inner product over the last axes.");
  m.def(
      "kron", [](const array& a, const array& b, py::object s) { return kron(a, b, sd(s)); }, py::arg("a"),
      py::arg("b"), py::kw_only(), py::arg("stream") = py::none(), "Kronecker product.");
  m.def(
      "tensordot",
      [](const array& a, const array& b, py::object axes, py::object s) {
        if (py::isinstance<py::int_>(axes)) {
          return tensordot(a, b, axes.cast<int>(), sd(s));
        }
        auto pair = axes.cast<std::vector<py::object>>();
        if (pair.size() != 2) {
          throw std::invalid_argument("[tensordot] axes must be an int or a pair of sequences of ints.");
        }
        auto get = [](py::object o) {
          return py::isinstance<py::int_>(o) ? std::vector<int>{o.cast<int>()} : o.cast<std::vector<int>>();
        };
        return tensordot(a, b, get(pair[0]), get(pair[1]), sd(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("axes") = 2, py::kw_only(),
      py::arg("stream") = py::none(), "Tensor contraction over the given axes.");
  m.def(
      "einsum",
      [](const std::string& subscripts, py::args operands, py::object s) {
        return einsum(subscripts, to_arrays_list(operands), sd(s));
      },
      py::arg("subscripts"), py::arg("stream") = py::none(), "Einstein summation over the operands.");
  m.def(
      "einsum_path",
      [](const std::string& subscripts, py::args operands) {
        std::vector<array> ops;
        for (auto x : operands) {
          ops.push_back(x.cast<array>());
        }
        auto [path, info] = einsum_path(subscripts, ops);
        py::list steps;
        for (auto& step : path) {
          py::tuple t(step.size());
          for (size_t i = 0; i < step.size(); ++i) {
            t[i] = step[i];
          }
          steps.append(t);
        }
        return py::make_tuple(steps, info);
      },
      py::arg("subscripts"), "The contraction order einsum would use and a summary of its cost.");
}
