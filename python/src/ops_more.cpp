// Bindings of ops_more.h and the small Python-level utilities of MLX 0.32:
// constants, softmax and friends, fused products, windows, dtype queries,
// einsum_path, depends, per-thread streams, print options, ArrayLike and
// from_dlpack.
#include <cmath>
#include <limits>

#include <pybind11/stl.h>

#include "py_args.h"

namespace {

// mx.ArrayLike: a typing helper in MLX; instances only hold their object.
struct ArrayLike {
  py::object obj;
};

// `with mx.printoptions(...)`: sets the options, restores the old ones.
struct PrintOptionsContext {
  PrintOptions options;
  PrintOptions saved;
};

Device to_device(py::handle d) {
  if (py::isinstance<Device::DeviceType>(d)) {
    return Device(d.cast<Device::DeviceType>());
  }
  return d.cast<Device>();
}

std::vector<array> to_array_list(py::handle x) {
  if (py::isinstance<array>(x)) {
    return {x.cast<array>()};
  }
  return x.cast<std::vector<array>>();
}

Dtype dtype_of_arg(py::handle x, const char* op, const char* what) {
  if (py::isinstance<Dtype>(x)) {
    return x.cast<Dtype>();
  }
  if (py::isinstance<array>(x)) {
    return x.cast<array>().dtype();
  }
  throw std::invalid_argument(std::string("[") + op + "] " + what);
}

void init_constants(py::module_& m) {
  m.attr("e") = M_E;
  m.attr("pi") = M_PI;
  m.attr("inf") = std::numeric_limits<double>::infinity();
  m.attr("nan") = std::numeric_limits<double>::quiet_NaN();
  m.attr("euler_gamma") = 0.5772156649015329;
  m.attr("newaxis") = py::none();
}

void init_reductions(py::module_& m) {
  m.def(
      "softmax",
      [](const array& a, py::object axis, bool precise, py::object s) {
        return softmax(a, axes_or_all(a, axis), precise, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("precise") = false, py::arg("stream") = py::none(),
      "Softmax over the given axes (all when None), computed stably.");
  m.def(
      "positive", [](const array& a, py::object s) { return positive(a, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "Element-wise unary plus: the array itself.");
  m.def(
      "count_nonzero",
      [](const array& a, py::object axis, bool keepdims, py::object s) {
        return count_nonzero(a, axes_or_all(a, axis), keepdims, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
      py::arg("keepdims") = false, py::arg("stream") = py::none(),
      "Number of non-zero elements over the given axes (int32).");
  m.def(
      "minmax",
      [](const array& a, py::object axis, bool keepdims, py::object s) {
        auto [lo, hi] = minmax(a, axes_or_all(a, axis), keepdims, to_stream_or_device(s));
        return py::make_tuple(lo, hi);
      },
      py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::arg("keepdims") = false,
      py::kw_only(), py::arg("stream") = py::none(), "The minimum and maximum over the given axes.");
}

void init_products(py::module_& m) {
  m.def(
      "addmm",
      [](const array& c, const array& a, const array& b, float alpha, float beta, py::object s) {
        return addmm(c, a, b, alpha, beta, to_stream_or_device(s));
      },
      py::arg("c"), py::arg("a"), py::arg("b"), py::pos_only(), py::arg("alpha") = 1.0f,
      py::arg("beta") = 1.0f, py::kw_only(), py::arg("stream") = py::none(),
      "beta * c + alpha * (a @ b).");
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
         bool sorted_indices, py::object s) {
        return gather_mm(a, b, lhs, rhs, sorted_indices, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("lhs_indices") = py::none(),
      py::arg("rhs_indices") = py::none(), py::kw_only(), py::arg("sorted_indices") = false,
      py::arg("stream") = py::none(),
      "Matrix products of the matrices of a and b picked by the indices.");
  m.def(
      "segmented_mm",
      [](const array& a, const array& b, const array& segments, py::object s) {
        return segmented_mm(a, b, segments, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("segments"), py::kw_only(),
      py::arg("stream") = py::none(),
      "One product per [start, end) segment of the inner dimension.");
  m.def(
      "block_masked_mm",
      [](const array& a, const array& b, int block_size, std::optional<array> mask_out,
         std::optional<array> mask_lhs, std::optional<array> mask_rhs, py::object s) {
        return block_masked_mm(a, b, block_size, mask_out, mask_lhs, mask_rhs, to_stream_or_device(s));
      },
      py::arg("a"), py::arg("b"), py::pos_only(), py::arg("block_size") = 64,
      py::arg("mask_out") = py::none(), py::arg("mask_lhs") = py::none(),
      py::arg("mask_rhs") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
      "Matrix product with block masks on the output and the operands.");
  m.def(
      "hadamard_transform",
      [](const array& a, std::optional<float> scale, py::object s) {
        return hadamard_transform(a, scale, to_stream_or_device(s));
      },
      py::arg("a"), py::pos_only(), py::arg("scale") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Walsh-Hadamard transform along the last axis (default scale 1/sqrt(n)).");
}

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

void init_dtype_queries(py::module_& m) {
  m.def(
      "can_cast",
      [](py::object from, Dtype to) {
        return can_cast(dtype_of_arg(from, "can_cast", "`from_` must be an array or a dtype."), to);
      },
      py::arg("from_"), py::arg("to"), "Whether from_ converts to `to` without loss.");
  m.def(
      "result_type",
      [](py::args args) {
        std::vector<Dtype> dtypes;
        for (auto x : args) {
          dtypes.push_back(dtype_of_arg(x, "result_type", "Inputs must be arrays or dtypes."));
        }
        return result_type(dtypes);
      },
      "The dtype that promoting the arrays and dtypes gives.");
  m.def(
      "isdtype",
      [](Dtype dtype, py::object kind) {
        auto one = [&](py::handle k) {
          if (py::isinstance<Dtype>(k)) {
            return k.cast<Dtype>() == dtype;
          }
          if (py::isinstance<py::str>(k)) {
            return isdtype(dtype, k.cast<std::string>());
          }
          throw std::invalid_argument(
              "[isdtype] `kind` must be a dtype, a string, or a tuple of dtypes and strings.");
        };
        if (py::isinstance<py::tuple>(kind)) {
          bool any = false;
          for (auto k : kind) {
            any = one(k) || any;
          }
          return any;
        }
        return one(kind);
      },
      py::arg("dtype"), py::arg("kind"), "Whether the dtype is of the given kind (array API).");
}

void init_streams(py::module_& m) {
  py::class_<ThreadLocalStream>(m, "ThreadLocalStream",
                                "A stream that is a different stream in each thread.")
      .def_property_readonly("device", [](const ThreadLocalStream& s) { return s.device; })
      .def("__repr__",
           [](const ThreadLocalStream& s) {
             std::ostringstream os;
             os << "ThreadLocalStream(" << s.device << ", " << s.index << ")";
             return os.str();
           })
      .def("__eq__", [](const ThreadLocalStream& s, py::object o) {
        return py::isinstance<ThreadLocalStream>(o) && o.cast<ThreadLocalStream>() == s;
      })
      .def("__hash__", [](const ThreadLocalStream& s) { return s.index; });
  m.def(
      "new_thread_local_stream", [](py::object d) { return new_thread_local_stream(to_device(d)); },
      py::arg("device"), "A stream that each thread using it gets its own copy of.");
  m.def(
      "new_thread_unsafe_stream", [](py::object d) { return new_thread_unsafe_stream(to_device(d)); },
      py::arg("device"), "A new stream for use from one thread at a time.");
  m.def(
      "clear_streams",
      []() {
        py::gil_scoped_release nogil;
        clear_streams();
      },
      "Wait for queued work and release this thread's streams.");
  m.def(
      "device_info",
      [](py::object d) {
        Device dev = d.is_none() ? default_device() : to_device(d);
        py::dict out;
        for (auto& [k, v] : device_info(dev)) {
          if (auto* s = std::get_if<std::string>(&v)) {
            out[py::str(k)] = *s;
          } else {
            out[py::str(k)] = std::get<size_t>(v);
          }
        }
        return out;
      },
      py::arg("d") = py::none(), "Properties of a device (default: the default device).");
}

void init_print_options(py::module_& m) {
  py::class_<PrintOptions>(m, "PrintOptions", "Options for printing arrays.")
      .def(py::init([](int precision) { return PrintOptions{precision}; }), py::arg("precision") = -1)
      .def_readwrite("precision", &PrintOptions::precision);
  m.def("get_printoptions", []() { return get_global_formatter(); },
        "The current print options (a copy).");
  m.def(
      "set_printoptions", [](int precision) { get_global_formatter().precision = precision; },
      py::arg("precision") = -1,
      "Set the print options; precision -1 prints 6 significant digits.");
  py::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def(py::init([](const PrintOptions& o) { return PrintOptionsContext{o, o}; }), py::arg("arg"),
           py::pos_only())
      .def("__enter__",
           [](PrintOptionsContext& c) -> PrintOptionsContext& {
             c.saved = get_global_formatter();
             get_global_formatter() = c.options;
             return c;
           },
           py::return_value_policy::reference)
      .def("__exit__", [](PrintOptionsContext& c, py::args) { get_global_formatter() = c.saved; });
  m.def(
      "printoptions",
      [](int precision) { return PrintOptionsContext{PrintOptions{precision}, PrintOptions{}}; },
      py::arg("precision") = -1, "A context manager that sets print options for its body.");
}

void init_interop(py::module_& m) {
  py::class_<ArrayLike>(m, "ArrayLike",
                        "Any Python object which has an ``__mlx__array__`` method that returns an array.")
      .def(py::init([](py::object o) { return ArrayLike{o}; }), py::arg("arg"), py::pos_only());
  m.def(
      "from_dlpack",
      [](py::object x, std::optional<bool> copy) {
        if (py::isinstance<array>(x)) {
          return x.cast<array>();
        }
        if (!py::hasattr(x, "__dlpack__")) {
          throw py::type_error("[from_dlpack] Expected an object with a __dlpack__ method.");
        }
        if (copy && !*copy) {
          throw std::invalid_argument("[convert] Cannot import a CPU array without a copy.");
        }
        // NumPy reads the capsule; the conversion then copies the data, as
        // MLX does for CPU arrays.
        py::object np;
        try {
          np = py::module_::import("numpy");
        } catch (py::error_already_set&) {
          throw std::runtime_error("[from_dlpack] NumPy is needed to read DLPack capsules.");
        }
        return to_array(np.attr("from_dlpack")(x));
      },
      py::arg("x"), py::pos_only(), py::kw_only(), py::arg("copy") = py::none(),
      "An array with a copy of the data of a DLPack-compatible object.");
}

void init_depends(py::module_& m) {
  m.def(
      "depends",
      [](py::object inputs, py::object deps) -> py::object {
        auto out = depends(to_array_list(inputs), to_array_list(deps));
        if (py::isinstance<array>(inputs)) {
          return py::cast(out[0]);
        }
        return py::cast(out);
      },
      py::arg("inputs"), py::arg("dependencies"), py::pos_only(),
      "The inputs, evaluated only after the dependencies.");
}

} // namespace

// Used by to_stream_or_device (convert.cpp): a ThreadLocalStream argument
// means this thread's stream.
std::optional<Stream> thread_local_stream_of(py::handle obj) {
  if (py::isinstance<ThreadLocalStream>(obj)) {
    return resolve(obj.cast<ThreadLocalStream>());
  }
  return std::nullopt;
}

void init_einsum_path(py::module_& m);

void init_ops_more(py::module_& m) {
  init_constants(m);
  init_reductions(m);
  init_products(m);
  init_windows(m);
  init_dtype_queries(m);
  init_streams(m);
  init_print_options(m);
  init_interop(m);
  init_depends(m);
  init_einsum_path(m);
}

// einsum_path is bound here too; registered from init_ops_more.
void init_einsum_path(py::module_& m) {
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
      py::arg("subscripts"),
      "The contraction order einsum would use and a summary of its cost.");
}
