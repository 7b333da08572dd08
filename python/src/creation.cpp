// Creation ops of mlx.core.
#include <pybind11/stl.h>
#include <sstream>

#include "py_args.h"

namespace {

bool is_float_arg(py::handle h) { return py::isinstance<py::float_>(h); }

double as_double(py::handle h, const char* name) {
  if (!py::isinstance<py::int_>(h) && !py::isinstance<py::float_>(h)) {
    std::string msg = std::string("[arange] ") + name + " must be an int or a float.";
    throw py::type_error(msg);
  }
  return h.cast<double>();
}

// Whether a Python int argument lies outside int32 (then the inferred dtype
// widens to int64, as MLX's scalar inference does). Ints past int64 are
// refused as pybind11 refuses them for MLX's int64 overload.
bool outside_int32(py::handle h) {
  if (!py::isinstance<py::int_>(h) || py::isinstance<py::bool_>(h)) {
    return false;
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (overflow != 0) {
    throw py::type_error(
        "arange(): incompatible function arguments: an integer argument does not fit in int64.");
  }
  return v < INT32_MIN || v > INT32_MAX;
}

array arange_py(py::object start, py::object stop, py::object step, std::optional<Dtype> dtype,
                py::object s) {
  bool any_float = is_float_arg(start) || is_float_arg(stop) || is_float_arg(step);
  bool wide = outside_int32(start) | outside_int32(stop) | outside_int32(step);
  Dtype t = dtype.value_or(any_float ? float32 : wide ? int64 : int32);
  double b = as_double(start, "start");
  double e = as_double(stop, "stop");
  double st = step.is_none() ? 1.0 : as_double(step, "step");
  return arange(b, e, st, t, to_stream_or_device(s));
}

Shape shape_arg(py::handle shape, const char* op) { return get_shape(shape, op); }

// The dtype MLX's `full` gives a Python scalar: it keeps `dtype` only where
// the scalar's kind allows it (an int never becomes bool, a float only a
// floating dtype, a complex stays complex64) and ignores it for an mx.array.
array full_vals(py::handle v, std::optional<Dtype> dtype) {
  if (!dtype || is_array(v)) {
    return to_array(v);
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    throw py::value_error(std::string("Invalid type ") + Py_TYPE(v.ptr())->tp_name +
                          " received in array initialization.");
  }
  Dtype t = *dtype;
  if (py::isinstance<py::bool_>(v)) {
    return to_array(v, t);
  }
  if (py::isinstance<py::int_>(v)) {
    if (t == bool_) {
      return to_array(v, int32);
    }
    if (is_integral(t) && t.size < 8) {
      // Small integer dtypes must hold the value, as in MLX.
      long long x;
      try {
        x = v.cast<long long>();
      } catch (py::cast_error&) {
        to_array(v); // raises OverflowError naming the value
        throw;
      }
      bool fits = is_unsigned(t) ? (x >= 0 && x < (1LL << (8 * t.size)))
                                 : (x >= -(1LL << (8 * t.size - 1)) && x < (1LL << (8 * t.size - 1)));
      if (!fits) {
        std::ostringstream msg;
        msg << "Converting " << x << " to " << t << " would result in overflow.";
        throw py::value_error(msg.str());
      }
    }
    return to_array(v, t);
  }
  if (py::isinstance<py::float_>(v)) {
    return to_array(v, is_floating_point(t) ? t : float32);
  }
  if (PyComplex_Check(v.ptr())) {
    return to_array(v, complex64);
  }
  return to_array(v, t);
}

} // namespace

namespace {

void init_windows(py::module_& m) {
  using Window = array (*)(int, StreamOrDevice);
  const std::tuple<const char*, Window, const char*> windows[] = {
      {"bartlett", &bartlett, "The Bartlett (triangular) window of length M."},
      {"blackman", &blackman, "The Blackman window of length M."},
      {"hamming", &hamming, "The Hamming window of length M."},
      {"hanning", &hanning, "The Hann window of length M."},
  };
  for (auto& [name, f, doc] : windows) {
    m.def(
        name, [f = f](int M, py::object s) { return f(M, to_stream_or_device(s)); }, py::arg("M"),
        py::kw_only(), py::arg("stream") = py::none(), doc);
  }
}

} // namespace

namespace {

// The array whose shape (and, in a shapeless compile trace, whose shape at
// later calls) a *_like result takes, with the result's dtype. The cast is
// never evaluated outside such traces: nothing reads it.
array like(const array& a, Dtype t) { return t == a.dtype() ? a : astype(a, t); }

} // namespace

void init_creation(py::module_& m) {
  // Two overloads, as MLX: arange(start, stop, step=None, dtype=None) and
  // arange(stop, step=None, dtype=None); arange(start=..., step=...) matches
  // neither (TypeError).
  m.def(
      "arange",
      [](py::object start, py::object stop, py::object step, std::optional<Dtype> dtype, py::object s) {
        if (stop.is_none()) {
          return arange_py(py::int_(0), start, step, dtype, s);
        }
        return arange_py(start, stop, step, dtype, s);
      },
      py::arg("start"), py::arg("stop"), py::arg("step") = py::none(), py::arg("dtype") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(),
      "Values in [start, stop) spaced by step (int32 unless an argument is a float).");
  m.def(
      "arange",
      [](py::object stop, py::object step, std::optional<Dtype> dtype, py::object s) {
        return arange_py(py::int_(0), stop, step, dtype, s);
      },
      py::arg("stop"), py::arg("step") = py::none(), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Values in [0, stop) spaced by step (int32 unless an argument is a float).");
  m.def(
      "linspace",
      [](double start, double stop, int num, bool endpoint, std::optional<Dtype> dtype, py::object s) {
        auto sd = to_stream_or_device(s);
        Dtype t = dtype.value_or(float32);
        if (endpoint || num <= 0) {
          return linspace(start, stop, num, t, sd);
        }
        auto full_range = linspace(start, stop, num + 1, t, sd);
        return slice(full_range, {0}, {num}, sd);
      },
      py::arg("start"), py::arg("stop"), py::arg("num") = 50, py::arg("endpoint") = true,
      py::arg("dtype") = float32, py::arg("stream") = py::none(),
      "num evenly spaced values from start to stop.");
  m.def(
      "zeros",
      [](py::object shape, std::optional<Dtype> dtype, py::object s) {
        return zeros(shape_arg(shape, "zeros"), dtype.value_or(float32), to_stream_or_device(s));
      },
      py::arg("shape"), py::arg("dtype") = float32, py::kw_only(), py::arg("stream") = py::none(),
      "An array of zeros.");
  m.attr("empty") = m.attr("zeros");
  m.def(
      "ones",
      [](py::object shape, std::optional<Dtype> dtype, py::object s) {
        return ones(shape_arg(shape, "ones"), dtype.value_or(float32), to_stream_or_device(s));
      },
      py::arg("shape"), py::arg("dtype") = float32, py::kw_only(), py::arg("stream") = py::none(),
      "An array of ones.");
  m.def(
      "full",
      [](py::object shape, py::object vals, std::optional<Dtype> dtype, py::object s) {
        auto v = full_vals(vals, dtype);
        return full(shape_arg(shape, "full"), v, to_stream_or_device(s));
      },
      py::arg("shape"), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "An array of the given shape filled with vals.");
  m.def(
      "zeros_like",
      [](const array& a, std::optional<Dtype> dtype, py::object s) {
        Dtype t = dtype.value_or(a.dtype());
        return full_like(like(a, t), array(0, t), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Zeros with the shape (and dtype) of a.");
  m.attr("empty_like") = m.attr("zeros_like");
  m.def(
      "ones_like",
      [](const array& a, std::optional<Dtype> dtype, py::object s) {
        Dtype t = dtype.value_or(a.dtype());
        return full_like(like(a, t), array(1, t), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Ones with the shape (and dtype) of a.");
  m.def(
      "full_like",
      [](const array& a, py::object vals, std::optional<Dtype> dtype, py::object s) {
        Dtype t = dtype.value_or(a.dtype());
        return full_like(like(a, t), full_vals(vals, t), to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "An array like a filled with vals.");
  m.def(
      "eye",
      [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, py::object s) {
        return eye(n, mm.value_or(n), k, dtype.value_or(float32), to_stream_or_device(s));
      },
      py::arg("n"), py::arg("m") = py::none(), py::arg("k") = 0, py::arg("dtype") = float32, py::kw_only(),
      py::arg("stream") = py::none(), "Ones on the k-th diagonal, zeros elsewhere.");
  m.def(
      "identity",
      [](int n, std::optional<Dtype> dtype, py::object s) {
        return identity(n, dtype.value_or(float32), to_stream_or_device(s));
      },
      py::arg("n"), py::arg("dtype") = float32, py::kw_only(), py::arg("stream") = py::none(),
      "The n x n identity matrix.");
  m.def(
      "tri",
      [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, py::object s) {
        return tri(n, mm.value_or(n), k, dtype.value_or(float32), to_stream_or_device(s));
      },
      py::arg("n"), py::arg("m") = py::none(), py::arg("k") = 0, py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Ones at and below the k-th diagonal.");
  m.def(
      "tril", [](const array& x, int k, py::object s) { return tril(x, k, to_stream_or_device(s)); },
      py::arg("x"), py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Zero the elements above the k-th diagonal.");
  m.def(
      "triu", [](const array& x, int k, py::object s) { return triu(x, k, to_stream_or_device(s)); },
      py::arg("x"), py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none(),
      "Zero the elements below the k-th diagonal.");
  m.def(
      "asarray",
      [](py::object a, std::optional<Dtype> dtype, std::optional<bool> copy_arg) {
        // On the CPU, MLX never shares memory here: copy=False always raises.
        if (copy_arg && !*copy_arg) {
          if (!is_array(a) && !py::isinstance<py::list>(a) && !py::isinstance<py::tuple>(a) &&
              !is_python_scalar(a) && (py::isinstance<py::buffer>(a) || py::hasattr(a, "__dlpack__"))) {
            throw py::value_error("[convert] Cannot import a CPU array without a copy.");
          }
          throw py::value_error("Unable to avoid copy while creating an array as requested.");
        }
        auto out = to_array(a, dtype);
        return (copy_arg && *copy_arg && is_array(a) && out.is_same(a.cast<array>())) ? copy(out) : out;
      },
      py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("copy") = py::none(), "Convert the input to an array.");
  init_windows(m);
}
