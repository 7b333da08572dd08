// Dtype, DtypeCategory, finfo, iinfo and the dtype constants.
#include "py_args.h"
#include <pybind11/stl.h>
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "convert.h"

namespace {

// finfo / iinfo values of a dtype.
struct FInfo {
  Dtype dtype;
  double min, max, eps, smallest_normal;
  int bits;
};

FInfo make_finfo(Dtype t) {
  switch (t.val) {
    case Dtype::Val::float16:
      return {t, -65504.0, 65504.0, 0.0009765625, 6.103515625e-05, 16};
    case Dtype::Val::bfloat16:
      return {t, -3.3895313892515355e38, 3.3895313892515355e38, 0.0078125, 1.1754943508222875e-38, 16};
    case Dtype::Val::float32:
      return {
          t, -3.4028234663852886e38, 3.4028234663852886e38, 1.1920928955078125e-07, 1.1754943508222875e-38,
          32};
    case Dtype::Val::float64:
      return {t,
              std::numeric_limits<double>::lowest(),
              std::numeric_limits<double>::max(),
              std::numeric_limits<double>::epsilon(),
              std::numeric_limits<double>::min(),
              64};
    case Dtype::Val::complex64:
      // The limits of its float32 parts, as MLX reports them.
      return {float32,
              -3.4028234663852886e38,
              3.4028234663852886e38,
              1.1920928955078125e-07,
              1.1754943508222875e-38,
              32};
    default: {
      std::ostringstream msg;
      msg << "[finfo] dtype " << t << " is not inexact.";
      throw py::value_error(msg.str());
    }
  }
}

struct IInfo {
  Dtype dtype;
  py::object min, max;
};

IInfo make_iinfo(Dtype t) {
  IInfo out{t, py::none(), py::none()};
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      out.min = py::int_(std::numeric_limits<T>::min());
      out.max = py::int_(std::numeric_limits<T>::max());
    } else {
      std::ostringstream msg;
      msg << "[iinfo] dtype " << t << " is not integral.";
      throw py::value_error(msg.str());
    }
  });
  return out;
}

Dtype dtype_arg(py::handle h, const char* op) {
  if (py::isinstance<Dtype>(h)) {
    return h.cast<Dtype>();
  }
  std::ostringstream msg;
  msg << "[" << op << "] Expected a Dtype.";
  throw py::type_error(msg.str());
}

} // namespace

namespace {

Dtype dtype_of_arg(py::handle x, const char* op, const char* what) {
  if (py::isinstance<Dtype>(x)) {
    return x.cast<Dtype>();
  }
  if (is_array(x)) {
    return x.cast<array>().dtype();
  }
  throw std::invalid_argument(std::string("[") + op + "] " + what);
}

} // namespace

namespace {

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

} // namespace

void init_dtype(py::module_& m) {
  py::class_<Dtype>(m, "Dtype", "An object holding the type of the elements of an array.")
      .def_property_readonly(
          "size", [](const Dtype& t) { return int(t.size); }, "Size of the type in bytes.")
      .def("__repr__", [](const Dtype& t) { return "mlx.core." + dtype_to_string(t); })
      .def("__eq__",
           [](const Dtype& t, py::object o) { return py::isinstance<Dtype>(o) && o.cast<Dtype>() == t; })
      .def("__hash__", [](const Dtype& t) { return static_cast<int>(t.val); });

  for (auto t : all_dtypes) {
    auto name = dtype_to_string(t);
    m.attr(name == "bool" ? "bool_" : name.c_str()) = py::cast(t);
  }

  py::enum_<DtypeCategory>(m, "DtypeCategory", "Abstract groups of dtypes.")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic);
  for (auto name : {"complexfloating", "floating", "inexact", "signedinteger", "unsignedinteger", "integer",
                    "number", "generic"}) {
    m.attr(name) = m.attr("DtypeCategory").attr(name);
  }

  m.def(
      "issubdtype",
      [](py::object a, py::object b) {
        bool a_cat = py::isinstance<DtypeCategory>(a), b_cat = py::isinstance<DtypeCategory>(b);
        if (a_cat && b_cat) {
          return issubdtype(a.cast<DtypeCategory>(), b.cast<DtypeCategory>());
        }
        if (a_cat) {
          return issubdtype(a.cast<DtypeCategory>(), dtype_arg(b, "issubdtype"));
        }
        if (b_cat) {
          return issubdtype(dtype_arg(a, "issubdtype"), b.cast<DtypeCategory>());
        }
        return issubdtype(dtype_arg(a, "issubdtype"), dtype_arg(b, "issubdtype"));
      },
      py::arg("arg1"), py::arg("arg2"), py::pos_only(),
      "Check if a Dtype or DtypeCategory is a subtype of another.");

  py::class_<FInfo>(m, "finfo", "Machine limits of floating point types.")
      .def(py::init([](py::object t) {
        if (is_array(t)) {
          return make_finfo(t.cast<array>().dtype());
        }
        return make_finfo(dtype_arg(t, "finfo"));
      }))
      .def_readonly("min", &FInfo::min)
      .def_readonly("max", &FInfo::max)
      .def_readonly("eps", &FInfo::eps)
      .def_readonly("smallest_normal", &FInfo::smallest_normal)
      .def_readonly("bits", &FInfo::bits)
      .def_readonly("dtype", &FInfo::dtype)
      .def("__repr__", [](const FInfo& f) {
        std::ostringstream os;
        os << "finfo(min=" << f.min << ", max=" << f.max << ", dtype=" << f.dtype << ")";
        return os.str();
      });

  py::class_<IInfo>(m, "iinfo", "Machine limits of integer types.")
      .def(py::init([](py::object t) {
        if (is_array(t)) {
          return make_iinfo(t.cast<array>().dtype());
        }
        return make_iinfo(dtype_arg(t, "iinfo"));
      }))
      .def_readonly("min", &IInfo::min)
      .def_readonly("max", &IInfo::max)
      .def_readonly("dtype", &IInfo::dtype)
      .def("__repr__", [](const IInfo& f) {
        std::ostringstream os;
        os << "iinfo(min=" << py::str(f.min).cast<std::string>()
           << ", max=" << py::str(f.max).cast<std::string>() << ", dtype=" << f.dtype << ")";
        return os.str();
      });
  init_dtype_queries(m);
}
