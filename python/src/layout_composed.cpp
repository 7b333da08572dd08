// Joining, splitting, padding and other composed layout ops of mlx.core.
#include "py_args.h"
#include "py_args_sequence.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

std::vector<array> to_arrays_list(py::handle seq) {
  std::vector<array> out;
  for (auto h : py::reinterpret_borrow<py::iterable>(seq)) {
    out.push_back(py::cast<array>(h));
  }
  return out;
}

py::object one_or_list(const std::vector<array>& v) {
  if (v.size() == 1) {
    return py::cast(v[0]);
  }
  return py::cast(v);
}

// pad_width: int | (int,) | (int, int) | [(int, int), ...]
std::vector<std::pair<int, int>> pad_widths(py::handle w) {
  int v;
  if (index_value(w, v, "pad")) {
    return {{v, v}};
  }
  if (!is_sequence(w)) {
    throw py::type_error(
        "pad(): incompatible function arguments: pad_width must be an int, a tuple of ints or a "
        "list of tuples of ints.");
  }
  auto seq = py::reinterpret_borrow<py::sequence>(w);
  if (py::len(seq) > 0 && py::isinstance<py::int_>(seq[0])) {
    if (py::len(seq) == 1) {
      int v = seq[0].cast<int>();
      return {{v, v}};
    }
    if (py::len(seq) == 2) {
      return {{seq[0].cast<int>(), seq[1].cast<int>()}};
    }
    throw std::invalid_argument("[pad] Invalid pad_width: a tuple of ints must have 1 or 2 entries.");
  }
  std::vector<std::pair<int, int>> out;
  for (auto item : seq) {
    auto p = py::reinterpret_borrow<py::sequence>(item);
    if (py::len(p) == 1) {
      out.push_back({p[0].cast<int>(), p[0].cast<int>()});
    } else if (py::len(p) == 2) {
      out.push_back({p[0].cast<int>(), p[1].cast<int>()});
    } else {
      throw std::invalid_argument("[pad] Invalid pad_width: each entry must have 1 or 2 ints.");
    }
  }
  return out;
}

} // namespace

void init_layout_composed(py::module_& m) {
  auto concat = [](py::object arrays, std::optional<int> axis, py::object s) {
    auto xs = to_arrays_list(arrays);
    return axis ? concatenate(xs, *axis, sd(s)) : concatenate(xs, sd(s));
  };
  const char* concat_doc =
      "concatenate(arrays, axis=0, *, stream=None)\n\n"
      "Concatenate the arrays along the given axis (the flattened arrays when\n"
      "axis is None). Inputs are promoted to a common dtype.";
  for (auto name : {"concatenate", "concat"}) {
    m.def(name, concat, py::arg("arrays"), py::pos_only(), py::arg("axis") = 0, py::kw_only(),
          py::arg("stream") = py::none(), concat_doc);
  }
  m.def(
      "stack",
      [](py::object arrays, std::optional<int> axis, py::object s) {
        auto xs = to_arrays_list(arrays);
        if (!axis) {
          std::vector<array> flat;
          for (auto& x : xs) {
            flat.push_back(flatten(x, 0, -1, sd(s)));
          }
          return stack(flat, 0, sd(s));
        }
        return stack(xs, *axis, sd(s));
      },
      py::arg("arrays"), py::pos_only(), py::arg("axis") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Stack the arrays along a new axis.");
  m.def(
      "split",
      [](const array& a, py::object ios, int axis, py::object s) {
        bool sections;
        auto v = int_list(ios, "split", &sections);
        return sections ? split(a, v[0], axis, sd(s)) : split(a, Shape(v.begin(), v.end()), axis, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("indices_or_sections"), py::arg("axis") = 0, py::kw_only(),
      py::arg("stream") = py::none(),
      "Split the array into equal sections (an int) or at the given indices along axis.");
  m.def(
      "unstack",
      [](const array& x, int axis, py::object s) { return py::tuple(py::cast(unstack(x, axis, sd(s)))); },
      py::arg("x"), py::pos_only(), py::kw_only(), py::arg("axis") = 0, py::arg("stream") = py::none(),
      "The slices of x along axis, each with that axis removed.");
  m.def(
      "repeat",
      [](const array& a, int repeats, std::optional<int> axis, py::object s) {
        return axis ? repeat(a, repeats, *axis, sd(s)) : repeat(a, repeats, sd(s));
      },
      py::arg("array"), py::pos_only(), py::arg("repeats"), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Repeat each element along axis (of the flattened array if None).");
  m.def(
      "tile",
      [](const array& a, py::object reps, py::object s) { return tile(a, int_list(reps, "tile"), sd(s)); },
      py::arg("a"), py::arg("reps"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Construct an array by repeating a the number of times given by reps.");
  m.def(
      "pad",
      [](const array& a, py::object pad_width, const std::string& mode, py::object constant_values,
         py::object s) {
        // A Python float is weak, as in binary ops: exact for a float64 array.
        auto v =
            is_python_scalar(constant_values) ? to_array_like(constant_values, a) : to_array(constant_values);
        return pad(a, pad_widths(pad_width), v, mode, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("pad_width"), py::arg("mode") = "constant",
      py::arg("constant_values") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Pad an array with a constant value, or with the edge, reflect or symmetric modes.");
  m.def(
      "flip",
      [](const array& a, py::object axis, py::object s) {
        auto axes = get_axes(axis);
        return axes ? flip(a, *axes, sd(s)) : flip(a, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Reverse the order of elements along the given axes (all axes if None).");
  m.def(
      "roll",
      [](const array& a, py::object shift, py::object axis, py::object s) {
        bool one;
        auto v = int_list(shift, "roll", &one);
        Shape sh(v.begin(), v.end());
        auto axes = get_axes(axis);
        if (!axes) {
          return roll(a, sh, sd(s));
        }
        if (one) {
          return roll(a, sh[0], *axes, sd(s));
        }
        return roll(a, sh, *axes, sd(s));
      },
      py::arg("a"), py::arg("shift"), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Roll elements along the given axes (the flattened array if None).");
  m.def(
      "meshgrid",
      [](py::args arrays, bool sparse, std::string indexing, py::object s) {
        return py::tuple(py::cast(meshgrid(to_arrays_list(arrays), sparse, indexing, sd(s))));
      },
      py::arg("sparse") = false, py::arg("indexing") = "xy", py::arg("stream") = py::none(),
      "Coordinate grids from 1-D coordinate arrays ('xy' or 'ij' indexing).");
  using AtLeast = array (*)(const array&, StreamOrDevice);
  const std::pair<const char*, AtLeast> atleast[] = {
      {"atleast_1d", &atleast_1d}, {"atleast_2d", &atleast_2d}, {"atleast_3d", &atleast_3d}};
  for (auto& [name, f] : atleast) {
    m.def(
        name,
        [f = f](py::args arys, py::object s) -> py::object {
          std::vector<array> out;
          for (auto h : arys) {
            out.push_back(f(py::cast<array>(h), sd(s)));
          }
          if (out.size() == 1) {
            return py::cast(out[0]);
          }
          return py::cast(out);
        },
        py::arg("stream") = py::none(), "View inputs with at least this many dimensions.");
  }
  m.def(
      "broadcast_shapes",
      [](py::args shapes) {
        std::vector<Shape> v;
        for (auto h : shapes) {
          v.push_back(h.cast<Shape>());
        }
        return py::tuple(py::cast(broadcast_shapes(v)));
      },
      "Broadcast shapes together following NumPy's rules.");
  m.def(
      "broadcast_arrays",
      [](py::args arrays, py::object s) { return broadcast_arrays(to_arrays_list(arrays), sd(s)); },
      py::arg("stream") = py::none(), "Broadcast the arrays against one another.");
  m.def(
      "permute_dims",
      [](const array& a, std::optional<std::vector<int>> axes, py::object s) {
        return axes ? transpose(a, *axes, sd(s)) : transpose(a, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axes") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Permute the axes (reverse them by default).");
  m.def(
      "matrix_transpose", [](const array& a, py::object s) { return matrix_transpose(a, sd(s)); },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(), "Swap the last two axes.");
  m.def(
      "unflatten",
      [](const array& a, int axis, Shape shape, py::object s) { return unflatten(a, axis, shape, sd(s)); },
      py::arg("a"), py::pos_only(), py::arg("axis"), py::arg("shape"), py::kw_only(),
      py::arg("stream") = py::none(), "Split an axis into several with the given shape.");
  m.def(
      "as_strided",
      [](const array& a, std::optional<Shape> shape, std::optional<Strides> strides, size_t offset,
         py::object s) {
        Shape sh = shape ? *shape : a.shape();
        Strides st;
        if (strides) {
          st = *strides;
        } else {
          st = row_strides(sh);
        }
        return as_strided(a, sh, st, offset, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("shape") = py::none(), py::arg("strides") = py::none(),
      py::arg("offset") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "A view of the row-contiguous data of a with the given shape, element strides and offset.");
  m.def(
      "diag", [](const array& a, int k, py::object s) { return diag(a, k, sd(s)); }, py::arg("a"),
      py::pos_only(), py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Extract the k-th diagonal of a 2-D array or build a 2-D array with a 1-D one on it.");
  m.def(
      "diagonal",
      [](const array& a, int offset, int axis1, int axis2, py::object s) {
        return diagonal(a, offset, axis1, axis2, sd(s));
      },
      py::arg("a"), py::arg("offset") = 0, py::arg("axis1") = 0, py::arg("axis2") = 1,
      py::arg("stream") = py::none(), "The diagonal along axis1 and axis2, appended as the last axis.");
  m.def(
      "trace",
      [](const array& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype, py::object s) {
        return dtype ? trace(a, offset, axis1, axis2, *dtype, sd(s)) : trace(a, offset, axis1, axis2, sd(s));
      },
      py::arg("a"), py::pos_only(), py::arg("offset") = 0, py::arg("axis1") = 0, py::arg("axis2") = 1,
      py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
      "Sum along the diagonal of the array.");
  m.def(
      "diff", [](const array& a, int n, int axis, py::object s) { return diff(a, n, axis, sd(s)); },
      py::arg("a"), py::pos_only(), py::arg("n") = 1, py::arg("axis") = -1, py::kw_only(),
      py::arg("stream") = py::none(), "The n-th discrete difference along axis.");
}
