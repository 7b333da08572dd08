// The Python class mlx.core.array.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>

#include "convert.h"
#include "array_indexing.h"
#include "py_args.h"

namespace {

py::tuple shape_tuple(const array& a) {
  py::tuple t(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    t[i] = py::int_(a.shape(i));
  }
  return t;
}

// Iterates over the first axis.
struct ArrayIterator {
  array a;
  int index;
  array next() {
    if (index >= a.shape(0)) {
      throw py::stop_iteration();
    }
    return get_item(a, py::int_(index++));
  }
};

array evaluated(const array& a) {
  array x = a;
  py::gil_scoped_release nogil;
  x.eval();
  return x;
}

// What an operator accepts besides an array: Python scalars, buffers (NumPy
// arrays and scalars), DLPack tensors and objects with __mlx_array__, as MLX.
bool is_operand(py::handle other) {
  return is_array(other) || is_python_scalar(other) || py::isinstance<py::buffer>(other) ||
         ((py::hasattr(other, "__dlpack__") || py::hasattr(other, "__mlx_array__")) &&
          !py::isinstance<py::type>(other));
}

// MLX's name of a Python type in error messages: "str", "__main__.C".
std::string type_name(py::handle obj) {
  auto t = py::type::handle_of(obj);
  std::string mod = py::str(t.attr("__module__"));
  std::string name = py::str(t.attr("__qualname__"));
  return mod == "builtins" ? name : mod + "." + name;
}

// MLX raises ValueError for an operand it cannot convert (TypeError for None).
[[noreturn]] void invalid_operation(const std::string& what, py::handle other) {
  if (other.is_none()) {
    throw py::type_error("Cannot perform " + what + " on an mlx.core.array and None.");
  }
  throw py::value_error("Cannot perform " + what + " on an mlx.core.array and " + type_name(other));
}

// Bitwise operators refuse inexact operands, as MLX's do.
void check_integral_operands(const std::string& what, const array& x, const array& y) {
  if (is_inexact(x.dtype()) || is_inexact(y.dtype())) {
    throw py::value_error("Floating point types not allowed with " + what + ".");
  }
}

// Binary operator with weak scalars; `reflect` swaps the operands. `what` is
// MLX's name of the operation in error messages.
template <typename F>
auto binop(F f, std::string what, bool bitwise, bool reflect = false) {
  // `self` stays the Python object: casting an array& back would wrap a copy.
  return [f, what, bitwise, reflect](py::handle self, py::handle other) -> py::object {
    if (!is_operand(other)) {
      invalid_operation(what, other);
    }
    auto [x, y] = reflect ? to_arrays(other, self) : to_arrays(self, other);
    if (bitwise) {
      check_integral_operands(what, x, y);
    }
    if (x.ndim() == 0) {
      x = kept_scalar_view(x, y.shape());
    } else if (y.ndim() == 0) {
      y = kept_scalar_view(y, x.shape());
    }
    return wrap_array(f(x, y, StreamOrDevice{}));
  };
}

// The arithmetic operators' type slots, called by Python's `a + b` directly.
// The slots pybind11's class gets for __add__ and __radd__ look the method
// up by name, bind it and go through pybind11's overload dispatch (`y =
// y + 0.001; mx.eval(y)`: 2.2 -> 2.0 us per op; 1.52 -> 1.33 without the
// evals). Same semantics as the methods, which stay defined: the left
// operand an array calls the forward form, else the reflected one; errors
// are raised as the methods raise them.
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);
struct NumberSlot {
  BinaryFn f;
  const char* what;
};
const NumberSlot kNumberSlots[] = {
    {&add, "addition"},    {&subtract, "subtraction"},        {&multiply, "multiplication"},
    {&divide, "division"}, {&floor_divide, "floor division"}, {&remainder, "modulus"}};

template <int I>
PyObject* number_slot(PyObject* a, PyObject* b) {
  static const auto forward = binop(kNumberSlots[I].f, kNumberSlots[I].what, false);
  static const auto reflected = binop(kNumberSlots[I].f, kNumberSlots[I].what, false, true);
  try {
    py::object out = is_array(a) ? forward(a, b) : reflected(b, a);
    return out.release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

PyObject* negative_slot(PyObject* a) {
  try {
    return wrap_array(negative(array_ref(a))).release().ptr();
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

// The deallocation of an mx.array object. pybind11's looks the type's
// bindings up (a hash lookup), walks their values and holders, and checks
// the instance registry and the patients of keep_alive. An instance
// wrap_array made (simple layout, unregistered, no patients, exactly
// mx.array) only needs its holder destroyed, its weak references cleared
// and its memory freed; anything else goes to pybind11's.
destructor pybind11_array_dealloc = nullptr;

void array_dealloc(PyObject* self) {
  static PyTypeObject* const type = reinterpret_cast<PyTypeObject*>(py::type::of<array>().ptr());
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  if (Py_TYPE(self) != type || !inst->simple_layout || inst->simple_instance_registered ||
      inst->has_patients || !inst->simple_holder_constructed) {
    pybind11_array_dealloc(self);
    return;
  }
  {
    py::error_scope keep_error; // (the array's graph may release Python objects)
    using Holder = std::unique_ptr<array>;
    reinterpret_cast<Holder*>(&inst->simple_value_holder[1])->~Holder();
    inst->simple_holder_constructed = false;
    inst->simple_value_holder[0] = nullptr;
  }
  if (inst->weakrefs != nullptr) {
    PyObject_ClearWeakRefs(self);
  }
  type->tp_free(self);
  Py_DECREF(type);
}

void install_array_dealloc(PyTypeObject* type) {
  // (an instance dict or garbage-collector tracking would need pybind11's)
  if (PyType_HasFeature(type, Py_TPFLAGS_HAVE_GC) || type->tp_dictoffset != 0) {
    return;
  }
  pybind11_array_dealloc = type->tp_dealloc;
  type->tp_dealloc = array_dealloc;
  PyType_Modified(type);
}

void install_number_slots(PyTypeObject* type) {
  PyNumberMethods* nb = type->tp_as_number;
  nb->nb_add = number_slot<0>;
  nb->nb_subtract = number_slot<1>;
  nb->nb_multiply = number_slot<2>;
  nb->nb_true_divide = number_slot<3>;
  nb->nb_floor_divide = number_slot<4>;
  nb->nb_remainder = number_slot<5>;
  nb->nb_negative = negative_slot;
  PyType_Modified(type);
}

} // namespace

namespace {

// `with mx.printoptions(...)`: sets the options, restores the old ones.
struct PrintOptionsContext {
  PrintOptions options;
  PrintOptions saved;
};

} // namespace

namespace {

void init_print_options(py::module_& m) {
  py::class_<PrintOptions>(m, "PrintOptions", "Options for printing arrays.")
      .def(py::init([](int precision) { return PrintOptions{precision}; }), py::arg("precision") = -1)
      .def_readwrite("precision", &PrintOptions::precision);
  m.def("get_printoptions", []() { return get_global_formatter(); }, "The current print options (a copy).");
  m.def(
      "set_printoptions", [](int precision) { get_global_formatter().precision = precision; },
      py::arg("precision") = -1, "Set the print options; precision -1 prints 6 significant digits.");
  py::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def(py::init([](const PrintOptions& o) { return PrintOptionsContext{o, o}; }), py::arg("arg"),
           py::pos_only())
      .def(
          "__enter__",
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

} // namespace

void init_array(py::module_& m) {
  py::class_<ArrayIterator>(m, "ArrayIterator")
      .def("__iter__", [](ArrayIterator& it) -> ArrayIterator& { return it; })
      .def("__next__", &ArrayIterator::next);

  py::class_<array> cls(m, "array", py::buffer_protocol(), "An N-dimensional array object.");
  cls.def(py::init([](py::object val, std::optional<Dtype> dtype) { return to_array(val, dtype); }),
          py::arg("val"), py::arg("dtype") = py::none())
      .def_property_readonly("shape", &shape_tuple, "The shape of the array.")
      .def_property_readonly("dtype", &array::dtype, "The array's Dtype.")
      .def_property_readonly("size", &array::size, "Number of elements.")
      .def_property_readonly("ndim", &array::ndim, "Number of dimensions.")
      .def_property_readonly("itemsize", &array::itemsize, "Bytes per element.")
      .def_property_readonly("nbytes", &array::nbytes, "Bytes of all elements.")
      .def_property_readonly(
          "T", [](const array& a) { return transpose(a); }, "The array with its axes reversed.")
      .def_property_readonly("mT",
                             [](const array& a) {
                               if (a.ndim() < 2) {
                                 throw py::value_error("[mT] Array must have at least 2 dimensions.");
                               }
                               return swapaxes(a, -1, -2);
                             })
      .def_property_readonly("real", [](const array& a) { return real(a); })
      .def_property_readonly("imag", [](const array& a) { return imag(a); })
      .def(
          "item", [](array& a) { return to_scalar(a); }, "The single element as a Python scalar.")
      .def(
          "tolist", [](array& a) { return to_list(a); }, "The array as nested Python lists.")
      .def(
          "astype",
          [](const array& a, Dtype t, py::object s) { return astype(a, t, to_stream_or_device(s)); },
          py::arg("dtype"), py::arg("stream") = py::none())
      .def(
          "view", [](const array& a, Dtype t, py::object s) { return view(a, t, to_stream_or_device(s)); },
          py::arg("dtype"), py::kw_only(), py::arg("stream") = py::none())
      .def("__repr__",
           [](const array& a) {
             std::ostringstream os;
             os << evaluated(a);
             return os.str();
           })
      .def("__str__",
           [](const array& a) {
             std::ostringstream os;
             os << evaluated(a);
             return os.str();
           })
      .def("__len__",
           [](const array& a) {
             if (a.ndim() == 0) {
               throw py::type_error("len() 0-dimensional array.");
             }
             return a.shape(0);
           })
      .def("__iter__",
           [](const array& a) {
             if (a.ndim() == 0) {
               throw py::type_error("iteration over a 0-d array.");
             }
             return ArrayIterator{a, 0};
           })
      .def("__getitem__", [](const array& a, py::object idx) { return get_item(a, idx); })
      .def("__bool__", [](array& a) { return to_scalar(a).cast<bool>(); })
      .def("__int__", [](array& a) { return py::int_(to_scalar(a)); })
      .def("__float__", [](array& a) { return py::float_(to_scalar(a)); })
      .def("__complex__",
           [](array& a) {
             auto v = to_scalar(a);
             return py::reinterpret_steal<py::object>(PyObject_CallFunctionObjArgs(
                 reinterpret_cast<PyObject*>(&PyComplex_Type), v.ptr(), nullptr));
           })
      .def("__index__",
           [](array& a) {
             if (a.ndim() != 0 || !is_integral(a.dtype()) || a.dtype() == bool_) {
               throw py::type_error("Only 0-dimensional integer arrays can be converted to an index.");
             }
             return py::int_(to_scalar(a));
           })
      // f"{a:.2f}": a 0-d array formats as its element (as MLX); others
      // print as the array and take no format spec.
      .def("__format__",
           [](array& a, const std::string& spec) -> py::object {
             if (a.ndim() != 0) {
               if (spec.empty()) {
                 return py::str(py::cast(a));
               }
               throw py::type_error("unsupported format string passed to mx.array.__format__");
             }
             return py::reinterpret_steal<py::object>(
                 PyObject_Format(to_scalar(a).ptr(), py::str(spec).ptr()));
           })
      .def(
          "__array_namespace__",
          [](const array&, py::object api_version) { return py::module_::import("mlx.core"); }, py::kw_only(),
          py::arg("api_version") = py::none(), "The array API namespace of the array: mlx.core.")
      .def(
          "__dlpack__",
          [](const array& a, py::object stream, py::object max_version, py::object dl_device,
             std::optional<bool> copy_arg) {
            if (!dl_device.is_none()) {
              auto dev = dl_device.cast<std::pair<int, int>>();
              if (dev.first != 1) {
                throw py::buffer_error(dev.first == 2 ? "CUDA DLPack export is not supported."
                                                      : "Only CPU DLPack export is supported.");
              }
            }
            return to_dlpack((copy_arg && *copy_arg) ? copy(a) : a);
          },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none(),
          "A DLPack capsule sharing the array's memory.")
      .def(
          "__dlpack_device__", [](const array&) { return py::make_tuple(1, 0); },
          "(device type, device id) of the array for DLPack: (1, 0), the CPU.")
      .def("__copy__", [](const array& a) { return a; })
      .def(
          "__deepcopy__", [](const array& a, py::dict) { return copy(a); }, py::arg("memo"))
      .def("__hash__", [](const array& a) { return std::hash<std::uintptr_t>()(a.id()); })
      // Pickled as (NumPy array, dtype name); bfloat16 travels as float32.
      .def("__getstate__",
           [](array& a) {
             auto np = py::module_::import("numpy");
             array data = a.dtype() == bfloat16 ? astype(a, float32) : a;
             return py::make_tuple(np.attr("array")(py::cast(data)), dtype_to_string(a.dtype()));
           })
      .def("__setstate__",
           [](array& self, py::tuple state) {
             auto name = state[1].cast<std::string>();
             auto core = py::module_::import("mlx.core");
             auto t = core.attr(name == "bool" ? "bool_" : name.c_str()).cast<Dtype>();
             new (&self) array(to_array(state[0], t));
           })
      .def(
          "__array__",
          [](py::object self, py::object dtype, py::object copy_arg) {
            // A view of the array's memory (as MLX gives); copy=True copies,
            // copy=False refuses a dtype change.
            auto np = py::module_::import("numpy");
            py::object out = np.attr("asarray")(py::memoryview(self));
            bool must_copy = !copy_arg.is_none() && copy_arg.cast<bool>();
            bool no_copy = !copy_arg.is_none() && !copy_arg.cast<bool>();
            if (!dtype.is_none() && !np.attr("dtype")(dtype).equal(out.attr("dtype"))) {
              if (no_copy) {
                throw py::value_error("Unable to avoid copy while creating an array as requested.");
              }
              return out.attr("astype")(dtype);
            }
            return must_copy ? out.attr("copy")() : out;
          },
          py::arg("dtype") = py::none(), py::arg("copy") = py::none())
      .def_buffer([](array& a) -> py::buffer_info {
        {
          py::gil_scoped_release nogil;
          a.eval();
        }
        std::vector<py::ssize_t> shape(a.shape().begin(), a.shape().end());
        std::vector<py::ssize_t> strides;
        for (auto s : a.strides()) {
          strides.push_back(s * a.itemsize());
        }
        return py::buffer_info(a.data<void>(), a.itemsize(), buffer_format(a.dtype()), a.ndim(), shape,
                               strides, /* readonly */ false);
      });

  // Arithmetic, comparison and bitwise operators with weak Python scalars.
  using F = array (*)(const array&, const array&, StreamOrDevice);
  struct OpInfo {
    const char* name;
    const char* rname;
    F f;
    const char* what;
    const char* rwhat; // MLX names a reflected comparison by its mirror
    bool bitwise;
  };
  const OpInfo ops[] = {
      {"__add__", "__radd__", &add, "addition", "addition", false},
      {"__sub__", "__rsub__", &subtract, "subtraction", "subtraction", false},
      {"__mul__", "__rmul__", &multiply, "multiplication", "multiplication", false},
      {"__truediv__", "__rtruediv__", &divide, "division", "division", false},
      {"__div__", "__rdiv__", &divide, "division", "division", false},
      {"__floordiv__", "__rfloordiv__", &floor_divide, "floor division", "floor division", false},
      {"__mod__", "__rmod__", &remainder, "modulus", "modulus", false},
      {"__pow__", "__rpow__", &power, "power", "power", false},
      {"__and__", nullptr, &bitwise_and, "bitwise and", nullptr, true},
      {"__or__", nullptr, &bitwise_or, "bitwise or", nullptr, true},
      {"__xor__", nullptr, &bitwise_xor, "bitwise xor", nullptr, true},
      {"__lshift__", nullptr, &left_shift, "left shift", nullptr, true},
      {"__rshift__", nullptr, &right_shift, "right shift", nullptr, true},
      {"__lt__", nullptr, &less, "less than", nullptr, false},
      {"__le__", nullptr, &less_equal, "less than or equal", nullptr, false},
      {"__gt__", nullptr, &greater, "greater than", nullptr, false},
      {"__ge__", nullptr, &greater_equal, "greater than or equal", nullptr, false},
  };
  for (auto& op : ops) {
    cls.def(op.name, binop(op.f, op.what, op.bitwise), py::is_operator());
    if (op.rname) {
      cls.def(op.rname, binop(op.f, op.rwhat, op.bitwise, true), py::is_operator());
    }
  }
  // In-place forms rebind the name to a new array, as MLX arrays are immutable.
  struct InplaceInfo {
    const char* name;
    F f;
    const char* what;
    bool bitwise;
  };
  const InplaceInfo inplace[] = {
      {"__iadd__", &add, "addition", false},
      {"__isub__", &subtract, "subtraction", false},
      {"__imul__", &multiply, "multiplication", false},
      {"__itruediv__", &divide, "division", false},
      {"__ifloordiv__", &floor_divide, "floor division", false},
      {"__imod__", &remainder, "modulus", false},
      {"__ipow__", &power, "power", false},
      {"__iand__", &bitwise_and, "bitwise and", true},
      {"__ior__", &bitwise_or, "bitwise or", true},
      {"__ixor__", &bitwise_xor, "bitwise xor", true},
      {"__ilshift__", &left_shift, "left shift", true},
      {"__irshift__", &right_shift, "right shift", true},
  };
  for (auto& op : inplace) {
    bool is_div = std::string(op.name) == "__itruediv__";
    cls.def(
        op.name,
        [f = op.f, what = std::string(op.what), bitwise = op.bitwise, is_div](
            py::handle self, py::handle other) -> py::object {
          if (!is_operand(other)) {
            invalid_operation("inplace " + what, other);
          }
          array& a = array_ref(self);
          if (is_div && !is_inexact(a.dtype())) {
            throw py::value_error("In place division cannot cast to non-floating point type.");
          }
          auto [x, y] = to_arrays(self, other);
          if (bitwise) {
            check_integral_operands(what, x, y);
          }
          a.overwrite_descriptor(f(x, y, StreamOrDevice{}));
          return py::reinterpret_borrow<py::object>(self);
        },
        py::is_operator());
  }
  // == and != give False / True against objects that are not array-like.
  cls.def("__eq__", [](py::handle self, py::handle other) -> py::object {
    if (other.is_none()) {
      throw py::type_error(
          "__eq__(): incompatible function arguments: cannot compare an mlx.core.array with None.");
    }
    if (!is_operand(other)) {
      return py::bool_(false);
    }
    auto [x, y] = to_arrays(self, other);
    return py::cast(equal(x, y));
  });
  cls.def("__ne__", [](py::handle self, py::handle other) -> py::object {
    if (other.is_none()) {
      throw py::type_error(
          "__ne__(): incompatible function arguments: cannot compare an mlx.core.array with None.");
    }
    if (!is_operand(other)) {
      return py::bool_(true);
    }
    auto [x, y] = to_arrays(self, other);
    return py::cast(not_equal(x, y));
  });
  cls.def("__matmul__", [](const array& a, const array& b) { return matmul(a, b); });
  cls.def("__imatmul__", [](array& a, const array& b) {
    a.overwrite_descriptor(matmul(a, b));
    return a;
  });
  cls.def("__neg__", [](const array& a) { return negative(a); });
  cls.def("__pos__", [](const array& a) { return a; });
  cls.def("__abs__", [](const array& a) { return abs(a); });
  cls.def("__invert__", [](const array& a) {
    if (is_inexact(a.dtype())) {
      throw py::value_error("Floating point types not allowed with bitwise inversion.");
    }
    return bitwise_invert(a);
  });

  add_array_methods(cls);
  // (After every def: pybind11 sets the slots of the methods it defines.)
  install_number_slots(reinterpret_cast<PyTypeObject*>(cls.ptr()));
  install_array_dealloc(reinterpret_cast<PyTypeObject*>(cls.ptr()));
  init_print_options(m);
}
