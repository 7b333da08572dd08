// The methods of mx.array that call ops: a.sum(), a.reshape(2, 3), ...
#include "py_args.h"

namespace {

// a.reshape(2, 3) and a.reshape((2, 3)) both work.
Shape shape_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) {
    return get_shape(args[0], op);
  }
  return get_shape(args, op);
}

using Reduce = array (*)(const array&, const std::vector<int>&, bool, StreamOrDevice);
using Unary = array (*)(const array&, StreamOrDevice);

} // namespace

void add_array_methods(py::class_<array>& cls) {
  auto sd = [](py::object s) { return to_stream_or_device(s); };
  const std::pair<const char*, Reduce> reductions[] = {
      {"sum", &sum}, {"prod", &prod}, {"max", &max},   {"min", &min},
      {"all", &all}, {"any", &any},   {"mean", &mean}, {"logsumexp", &logsumexp},
  };
  for (auto& [name, f] : reductions) {
    cls.def(
        name,
        [f = f, sd](const array& a, py::object axis, bool keepdims, py::object s) {
          return f(a, axes_or_all(a, axis), keepdims, sd(s));
        },
        py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
        py::arg("stream") = py::none());
  }
  for (auto name : {"var", "std"}) {
    bool is_var = std::string(name) == "var";
    cls.def(
        name,
        [is_var, sd](const array& a, py::object axis, bool keepdims, int ddof, std::optional<int> correction,
                     py::object s) {
          int d = correction ? *correction : ddof;
          auto axes = axes_or_all(a, axis);
          return is_var ? var(a, axes, keepdims, d, sd(s)) : mlx::core::std(a, axes, keepdims, d, sd(s));
        },
        py::arg("axis") = py::none(), py::arg("keepdims") = false, py::arg("ddof") = 0, py::kw_only(),
        py::arg("correction") = py::none(), py::arg("stream") = py::none());
  }
  for (auto name : {"argmax", "argmin"}) {
    bool is_max = std::string(name) == "argmax";
    cls.def(
        name,
        [is_max, sd](const array& a, std::optional<int> axis, bool keepdims, py::object s) {
          if (axis) {
            return is_max ? argmax(a, *axis, keepdims, sd(s)) : argmin(a, *axis, keepdims, sd(s));
          }
          return is_max ? argmax(a, keepdims, sd(s)) : argmin(a, keepdims, sd(s));
        },
        py::arg("axis") = py::none(), py::arg("keepdims") = false, py::kw_only(),
        py::arg("stream") = py::none());
  }
  const std::pair<const char*, Unary> unary[] = {
      {"abs", &abs},       {"conj", &conjugate}, {"cos", &cos},
      {"exp", &exp},       {"log", &log},        {"log10", &log10},
      {"log1p", &log1p},   {"log2", &log2},      {"reciprocal", &reciprocal},
      {"rsqrt", &rsqrt},   {"sin", &sin},        {"sqrt", &sqrt},
      {"square", &square},
  };
  for (auto& [name, f] : unary) {
    cls.def(
        name, [f = f, sd](const array& a, py::object s) { return f(a, sd(s)); }, py::kw_only(),
        py::arg("stream") = py::none());
  }
  cls.def(
      "round", [sd](const array& a, int decimals, py::object s) { return round(a, decimals, sd(s)); },
      py::arg("decimals") = 0, py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "reshape",
      [sd](const array& a, py::args shape, py::object s) {
        return reshape(a, shape_from_args(shape, "reshape"), sd(s));
      },
      py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "transpose",
      [sd](const array& a, py::args axes, py::object s) {
        if (axes.size() == 0) {
          return transpose(a, sd(s));
        }
        auto shape = shape_from_args(axes, "transpose");
        return transpose(a, std::vector<int>(shape.begin(), shape.end()), sd(s));
      },
      py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "flatten",
      [sd](const array& a, int start, int end, py::object s) { return flatten(a, start, end, sd(s)); },
      py::arg("start_axis") = 0, py::arg("end_axis") = -1, py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "squeeze",
      [sd](const array& a, py::object axis, py::object s) {
        auto axes = get_axes(axis);
        return axes ? squeeze(a, *axes, sd(s)) : squeeze(a, sd(s));
      },
      py::arg("axis") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "swapaxes", [sd](const array& a, int a1, int a2, py::object s) { return swapaxes(a, a1, a2, sd(s)); },
      py::arg("axis1"), py::arg("axis2"), py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "moveaxis",
      [sd](const array& a, int src, int dst, py::object s) { return moveaxis(a, src, dst, sd(s)); },
      py::arg("source"), py::arg("destination"), py::kw_only(), py::arg("stream") = py::none());
}
