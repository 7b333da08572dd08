// Reductions of mlx.core.
#include "py_args.h"

namespace {
using Reduce = array (*)(const array&, const std::vector<int>&, bool, StreamOrDevice);
}

namespace {

void init_composed_reductions(py::module_& m) {
  m.def(
      "positive", [](const array& a, py::object s) { return positive(a, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Element-wise unary plus: the array itself.");
  m.def(
      "count_nonzero",
      [](const array& a, py::object axis, bool keepdims, py::object s) {
        return count_nonzero(a, axes_or_all(a, axis), keepdims, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(), py::arg("keepdims") = false,
      py::arg("stream") = py::none(), "Number of non-zero elements over the given axes (int32).");
  m.def(
      "minmax",
      [](const array& a, py::object axis, bool keepdims, py::object s) {
        auto [lo, hi] = minmax(a, axes_or_all(a, axis), keepdims, to_stream_or_device(s));
        return py::make_tuple(lo, hi);
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
      py::arg("stream") = py::none(), "The minimum and maximum over the given axes.");
}

} // namespace

void init_reduce(py::module_& m) {
  const std::tuple<const char*, Reduce, const char*> reductions[] = {
      {"sum", &sum, "Sum over the given axes."},
      {"prod", &prod, "Product over the given axes."},
      {"max", &max, "Maximum over the given axes."},
      {"min", &min, "Minimum over the given axes."},
      {"all", &all, "Whether all elements are true over the given axes."},
      {"any", &any, "Whether any element is true over the given axes."},
      {"mean", &mean, "Mean over the given axes."},
      {"logsumexp", &logsumexp, "log(sum(exp(a))) over the given axes, computed stably."},
  };
  for (auto& [name, f, doc] : reductions) {
    m.def(
        name,
        [f = f](const array& a, py::object axis, bool keepdims, py::object s) {
          return f(a, axes_or_all(a, axis), keepdims, to_stream_or_device(s));
        },
        py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
        py::kw_only(), py::arg("stream") = py::none(), doc);
  }
  for (auto name : {"var", "std"}) {
    bool is_var = std::string(name) == "var";
    m.def(
        name,
        [is_var](const array& a, py::object axis, bool keepdims, int ddof, std::optional<int> correction,
                 py::object s) {
          int d = correction ? *correction : ddof;
          auto axes = axes_or_all(a, axis);
          auto sd = to_stream_or_device(s);
          return is_var ? var(a, axes, keepdims, d, sd) : mlx::core::std(a, axes, keepdims, d, sd);
        },
        py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
        py::arg("ddof") = 0, py::kw_only(), py::arg("correction") = py::none(),
        py::arg("stream") = py::none(),
        is_var ? "Variance over the given axes." : "Standard deviation over the given axes.");
  }
  for (auto name : {"argmax", "argmin"}) {
    bool is_max = std::string(name) == "argmax";
    m.def(
        name,
        [is_max](const array& a, std::optional<int> axis, bool keepdims, py::object s) {
          auto sd = to_stream_or_device(s);
          if (axis) {
            return is_max ? argmax(a, *axis, keepdims, sd) : argmin(a, *axis, keepdims, sd);
          }
          return is_max ? argmax(a, keepdims, sd) : argmin(a, keepdims, sd);
        },
        py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
        py::kw_only(), py::arg("stream") = py::none(),
        is_max ? "Indices (uint32) of the maxima along an axis."
               : "Indices (uint32) of the minima along an axis.");
  }
  init_composed_reductions(m);
}
