// Sorting, partitioning, searching, scans and median of mlx.core.
#include "py_args.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

using ScanFn = array (*)(const array&, int, bool, bool, StreamOrDevice);

} // namespace

void init_sort_scan(py::module_& m) {
  using AxisFn = array (*)(const array&, int, StreamOrDevice);
  using FlatFn = array (*)(const array&, StreamOrDevice);
  const std::tuple<const char*, AxisFn, FlatFn, const char*> sorts[] = {
      {"sort", &sort, &sort, "Sort along the axis (the flattened array if None); NaNs go last."},
      {"argsort", &argsort, &argsort,
       "Indices (uint32) that sort the array along the axis (stable; the flattened array if None)."},
  };
  for (auto& [name, f, g, doc] : sorts) {
    m.def(
        name,
        [f = f, g = g](const array& a, std::optional<int> axis, py::object s) {
          return axis ? f(a, *axis, sd(s)) : g(a, sd(s));
        },
        py::arg("a"), py::pos_only(), py::arg("axis") = -1, py::kw_only(), py::arg("stream") = py::none(),
        doc);
  }
  using KFn = array (*)(const array&, int, int, StreamOrDevice);
  using KFlatFn = array (*)(const array&, int, StreamOrDevice);
  const std::tuple<const char*, const char*, KFn, KFlatFn, const char*> kth_ops[] = {
      {"partition", "kth", &partition, &partition,
       "Partially sort so the kth element is in its sorted place, smaller before, larger after."},
      {"argpartition", "kth", &argpartition, &argpartition, "Indices (uint32) that partition the array."},
      {"topk", "k", &topk, &topk, "The k largest elements along the axis (in no particular order)."},
  };
  for (auto& [name, kname, f, g, doc] : kth_ops) {
    m.def(
        name,
        [f = f, g = g, name = name](const array& a, py::object k_arg, std::optional<int> axis, py::object s) {
          int k = index_arg(k_arg, name);
          return axis ? f(a, k, *axis, sd(s)) : g(a, k, sd(s));
        },
        // noconvert: integers and objects with __index__ (NumPy integer
        // scalars), not floats or strings (as MLX).
        py::arg("a"), py::pos_only(), py::arg(kname).noconvert(), py::arg("axis") = -1, py::kw_only(),
        py::arg("stream") = py::none(), doc);
  }
  m.def(
      "searchsorted",
      [](const array& a, py::object values, const std::string& side, py::object s) {
        if (side != "left" && side != "right") {
          throw std::invalid_argument("[searchsorted] Invalid side '" + side +
                                      "'. Expected 'left' or 'right'.");
        }
        return searchsorted(a, to_array(values), side == "right", sd(s));
      },
      py::arg("sorted_sequence"), py::arg("values"), py::pos_only(), py::arg("side") = "left", py::kw_only(),
      py::arg("stream") = py::none(), "Indices (uint32) where values would be inserted to keep the order.");

  auto scan_binding = [](ScanFn f, bool with_dtype) {
    return [f, with_dtype](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                           std::optional<Dtype> dtype, py::object s) {
      (void)with_dtype;
      array x = dtype ? astype(a, *dtype, sd(s)) : a;
      if (!axis) {
        return f(flatten(x, 0, -1, sd(s)), 0, reverse, inclusive, sd(s));
      }
      return f(x, *axis, reverse, inclusive, sd(s));
    };
  };
  for (auto [name, f] : {std::pair<const char*, ScanFn>{"cumsum", &cumsum}, {"cumprod", &cumprod}}) {
    m.def(name, scan_binding(f, true), py::arg("a"), py::pos_only(), py::arg("axis") = py::none(),
          py::kw_only(), py::arg("reverse") = false, py::arg("inclusive") = true,
          py::arg("dtype") = py::none(), py::arg("stream") = py::none(),
          "Cumulative reduction along the axis (the flattened array if None).");
  }
  m.attr("cumulative_sum") = m.attr("cumsum");
  m.attr("cumulative_prod") = m.attr("cumprod");
  for (auto [name, f] : {std::pair<const char*, ScanFn>{"cummax", &cummax},
                         {"cummin", &cummin},
                         {"logcumsumexp", &logcumsumexp}}) {
    m.def(
        name,
        [f = f](const array& a, std::optional<int> axis, bool reverse, bool inclusive, py::object s) {
          if (!axis) {
            return f(flatten(a, 0, -1, sd(s)), 0, reverse, inclusive, sd(s));
          }
          return f(a, *axis, reverse, inclusive, sd(s));
        },
        py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(), py::arg("reverse") = false,
        py::arg("inclusive") = true, py::arg("stream") = py::none(),
        "Cumulative reduction along the axis (the flattened array if None).");
  }
  m.def(
      "median",
      [](const array& a, py::object axis, bool keepdims, py::object s) {
        return median(a, axes_or_all(a, axis), keepdims, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
      py::arg("stream") = py::none(), "Median over the given axes (all axes if None).");
}
