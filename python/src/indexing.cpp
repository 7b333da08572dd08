// Indexing ops of mlx.core (take, take_along_axis, put_along_axis, dynamic
// slice and slice_update, unique) and the array methods of the indexing,
// shape and scan families (split, diag, diagonal, cumsum, ...).
#include "array_indexing.h"
#include "py_args.h"
#include "py_args_sequence.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

using ScanFn = array (*)(const array&, int, bool, bool, StreamOrDevice);

} // namespace

void init_indexing(py::module_& m) {
  m.def(
      "take",
      [](const array& a, py::object indices, std::optional<int> axis, py::object s) {
        if (py::isinstance<py::int_>(indices)) {
          int i = indices.cast<int>();
          return axis ? take(a, i, *axis, sd(s)) : take(a, i, sd(s));
        }
        auto idx = to_array(indices);
        return axis ? take(a, idx, *axis, sd(s)) : take(a, idx, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Take elements along an axis (of the flattened array if None). Out-of-range indices are clamped.");
  m.def(
      "take_along_axis",
      [](const array& a, const array& indices, std::optional<int> axis, py::object s) {
        return axis ? take_along_axis(a, indices, *axis, sd(s)) : take_along_axis(a, indices, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("axis") = -1, py::kw_only(),
      py::arg("stream") = py::none(), "Take values along an axis at the given indices.");
  m.def(
      "put_along_axis",
      [](const array& a, const array& indices, py::object values, std::optional<int> axis, py::object s) {
        auto v = is_array(values) ? py::cast<array>(values) : to_array_like(values, a);
        return axis ? put_along_axis(a, indices, v, *axis, sd(s)) : put_along_axis(a, indices, v, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("values"), py::arg("axis") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(), "Put values along an axis at the given indices.");
  m.def(
      "slice",
      [](const array& a, const array& start, std::vector<int> axes, Shape slice_size, py::object s) {
        return slice(a, start, std::move(axes), std::move(slice_size), sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("start_indices"), py::arg("axes"), py::arg("slice_size"),
      py::kw_only(), py::arg("stream") = py::none(),
      "A slice of size slice_size starting at start_indices (an array) along axes.");
  m.def(
      "slice_update",
      [](const array& a, const array& update, const array& start, std::vector<int> axes, py::object s) {
        return slice_update(a, update, start, std::move(axes), sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("update"), py::arg("start_indices"), py::arg("axes"),
      py::kw_only(), py::arg("stream") = py::none(),
      "A copy of a with update written at start_indices along axes.");
  m.def(
      "unique",
      [](const array& a, std::optional<int> size, bool return_index, bool return_inverse, bool return_counts,
         py::object fill_value, py::object s) -> py::object {
        std::optional<array> fill;
        if (!fill_value.is_none()) {
          fill = is_array(fill_value) ? py::cast<array>(fill_value) : to_array_like(fill_value, a);
        }
        auto r = size ? unique(a, *size, fill, sd(s)) : unique(a, fill, sd(s));
        if (!return_index && !return_inverse && !return_counts) {
          return py::cast(r[0]);
        }
        py::list out;
        out.append(py::cast(r[0]));
        if (return_index) {
          out.append(py::cast(r[1]));
        }
        if (return_inverse) {
          out.append(py::cast(r[2]));
        }
        if (return_counts) {
          out.append(py::cast(r[3]));
        }
        return py::tuple(out);
      },
      py::arg("a"), py::pos_only(), py::arg("size") = py::none(), py::arg("return_index") = false,
      py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("fill_value") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(),
      "The sorted unique elements of the flattened array, padded or truncated to `size` entries.\n\n"
      "With a `size` the output shape never depends on the values, so `a` is not evaluated.\n"
      "Without one (as NumPy), `a` is evaluated to count its unique values: this forces\n"
      "evaluation and raises inside vmap. Entries past the\n"
      "last unique element hold fill_value (default: the smallest unique element), with index\n"
      "that of the first unique element and count 0. Returns values, then index, inverse and\n"
      "counts when requested.");

  m.def(
      "nonzero",
      [](const array& a, py::object s) {
        auto idx = nonzero(a, sd(s));
        return py::tuple(py::cast(idx));
      },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "The indices of the non-zero elements, as a tuple of int32 arrays (one per dimension),\n"
      "as NumPy's nonzero. The output shape depends on the values, so `a` is evaluated when\n"
      "this is called, and calling it inside vmap raises.");
  m.def(
      "bincount",
      [](const array& x, std::optional<array> weights, int minlength, py::object s) {
        return bincount(x, weights, minlength, sd(s));
      },
      py::arg("x"), py::pos_only(), py::arg("weights") = py::none(), py::arg("minlength") = 0, py::kw_only(),
      py::arg("stream") = py::none(),
      "The number of occurrences of each value in a 1-d array of non-negative integers (the\n"
      "sum of `weights` at them, if given), with max(x) + 1 or `minlength` bins, as NumPy's\n"
      "bincount. Counts are int32; weighted sums keep a floating weights dtype (float32\n"
      "otherwise). The number of bins depends on the values, so `x` is evaluated when this\n"
      "is called, and calling it inside vmap raises.");

  // Array methods of these families.
  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  add_indexing_methods(m, cls);
  cls.def(
      "split",
      [](const array& a, py::object ios, int axis, py::object s) {
        bool sections;
        auto v = int_list(ios, "split", &sections);
        return sections ? split(a, v[0], axis, sd(s)) : split(a, Shape(v.begin(), v.end()), axis, sd(s));
      },
      py::arg("indices_or_sections"), py::arg("axis") = 0, py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "diag", [](const array& a, int k, py::object s) { return diag(a, k, sd(s)); }, py::arg("k") = 0,
      py::kw_only(), py::arg("stream") = py::none());
  cls.def(
      "diagonal",
      [](const array& a, int offset, int axis1, int axis2, py::object s) {
        return diagonal(a, offset, axis1, axis2, sd(s));
      },
      py::arg("offset") = 0, py::arg("axis1") = 0, py::arg("axis2") = 1, py::arg("stream") = py::none());
  for (auto [name, f] : {std::pair<const char*, ScanFn>{"cumsum", &cumsum},
                         {"cumprod", &cumprod},
                         {"cummax", &cummax},
                         {"cummin", &cummin},
                         {"logcumsumexp", &logcumsumexp}}) {
    cls.def(
        name,
        [f = f](const array& a, std::optional<int> axis, bool reverse, bool inclusive, py::object s) {
          if (!axis) {
            return f(flatten(a, 0, -1, sd(s)), 0, reverse, inclusive, sd(s));
          }
          return f(a, *axis, reverse, inclusive, sd(s));
        },
        py::arg("axis") = py::none(), py::kw_only(), py::arg("reverse") = false, py::arg("inclusive") = true,
        py::arg("stream") = py::none());
  }
}
