#include "convert.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace {

// What a nested Python list holds, for dtype inference.
struct ListInfo {
  Shape shape;
  bool has_bool = false;
  bool has_int = false;
  bool has_float = false;
  bool has_complex = false;
  bool int_needs_64 = false;
  std::optional<Dtype> array_dtype; // promoted dtype of mx.array leaves
};

[[noreturn]] void raise_value(const std::string& msg) { throw py::value_error(msg); }

void scan(py::handle obj, int depth, ListInfo& info) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    auto seq = py::reinterpret_borrow<py::sequence>(obj);
    ShapeElem n = static_cast<ShapeElem>(py::len(seq));
    if (int(info.shape.size()) == depth) {
      info.shape.push_back(n);
    } else if (int(info.shape.size()) < depth || info.shape[depth] != n) {
      raise_value("Initialization encountered non-uniform length.");
    }
    for (auto item : seq) {
      scan(item, depth + 1, info);
    }
    if (n == 0 && int(info.shape.size()) != depth + 1) {
      raise_value("Initialization encountered non-uniform length.");
    }
    return;
  }
  // A leaf: it must sit at the deepest level.
  auto check_depth = [&](const Shape& leaf_shape) {
    Shape full(info.shape.begin(), info.shape.begin() + std::min<size_t>(depth, info.shape.size()));
    if (int(info.shape.size()) == depth) {
      info.shape.insert(info.shape.end(), leaf_shape.begin(), leaf_shape.end());
    } else {
      Shape rest(info.shape.begin() + depth, info.shape.end());
      if (rest != leaf_shape) {
        raise_value("Initialization encountered non-uniform length.");
      }
    }
  };
  if (py::isinstance<array>(obj)) {
    auto a = obj.cast<array>();
    check_depth(a.shape());
    info.array_dtype = info.array_dtype ? promote_types(*info.array_dtype, a.dtype()) : a.dtype();
    return;
  }
  check_depth({});
  if (py::isinstance<py::bool_>(obj)) {
    info.has_bool = true;
  } else if (py::isinstance<py::int_>(obj)) {
    info.has_int = true;
    auto v = obj.cast<py::int_>();
    long long x;
    try {
      x = v.cast<long long>();
    } catch (py::cast_error&) {
      x = std::numeric_limits<long long>::max();
    }
    if (x > std::numeric_limits<int32_t>::max() || x < std::numeric_limits<int32_t>::min()) {
      info.int_needs_64 = true;
    }
  } else if (py::isinstance<py::float_>(obj)) {
    info.has_float = true;
  } else if (PyComplex_Check(obj.ptr())) {
    info.has_complex = true;
  } else if (py::hasattr(obj, "__float__") && !py::isinstance<py::str>(obj)) {
    info.has_float = true; // NumPy scalars and the like
  } else {
    std::ostringstream msg;
    msg << "Invalid type " << py::str(obj.get_type().attr("__name__")).cast<std::string>()
        << " received in array initialization.";
    raise_value(msg.str());
  }
}

Dtype infer_dtype(const ListInfo& info) {
  std::optional<Dtype> t;
  auto join = [&](Dtype d) { t = t ? promote_types(*t, d) : d; };
  if (info.has_bool) join(bool_);
  if (info.has_int) join(info.int_needs_64 ? int64 : int32);
  if (info.has_float) join(float32);
  if (info.has_complex) join(complex64);
  if (info.array_dtype) join(*info.array_dtype);
  return t ? *t : float32;
}

// Writes the leaves of a nested list, in order, as T.
template <typename T>
void fill(py::handle obj, T*& out) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) {
      fill(item, out);
    }
    return;
  }
  if (py::isinstance<array>(obj)) {
    auto c = contiguous(astype(obj.cast<array>(), dtype_of<T>));
    c.eval();
    const T* src = c.template data<T>();
    std::copy(src, src + c.size(), out);
    out += c.size();
    return;
  }
  if constexpr (std::is_same_v<T, complex64_t>) {
    auto c = obj.cast<std::complex<double>>();
    *out++ = complex64_t(float(c.real()), float(c.imag()));
  } else if constexpr (std::is_same_v<T, bool>) {
    *out++ = obj.cast<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (py::isinstance<py::float_>(obj)) {
      *out++ = static_cast<T>(obj.cast<double>());
    } else {
      *out++ = static_cast<T>(obj.cast<long long>());
    }
  } else {
    *out++ = scalar_cast<T>(obj.cast<double>());
  }
}

array from_list(py::handle obj, std::optional<Dtype> dtype) {
  ListInfo info;
  scan(obj, 0, info);
  Dtype t = dtype ? *dtype : infer_dtype(info);
  // Fill in the widest exact type, then cast: keeps one fill per C++ type.
  Dtype fill_t = t;
  array out(allocator::malloc(shape_size(info.shape) * fill_t.size), info.shape, fill_t);
  dispatch_dtype(fill_t, [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    fill<T>(obj, p);
  });
  return out;
}

std::optional<Dtype> dtype_from_format(const std::string& fmt, size_t itemsize) {
  char c = fmt.empty() ? 0 : fmt.back();
  if (fmt.size() >= 2 && fmt[fmt.size() - 2] == 'Z') {
    return complex64;
  }
  switch (c) {
    case '?':
      return bool_;
    case 'e':
      return float16;
    case 'f':
      return float32;
    case 'd':
      return float64;
    case 'b':
    case 'h':
    case 'i':
    case 'l':
    case 'q':
      return itemsize == 1 ? int8 : itemsize == 2 ? int16 : itemsize == 4 ? int32 : int64;
    case 'B':
    case 'H':
    case 'I':
    case 'L':
    case 'Q':
      return itemsize == 1 ? uint8 : itemsize == 2 ? uint16 : itemsize == 4 ? uint32 : uint64;
    default:
      return std::nullopt;
  }
}

array from_buffer(py::buffer buf, std::optional<Dtype> dtype) {
  py::buffer_info info = buf.request();
  auto t = dtype_from_format(info.format, info.itemsize);
  if (!t) {
    raise_value("Cannot convert buffer with format " + info.format + " to an array.");
  }
  Shape shape(info.shape.begin(), info.shape.end());
  Strides strides;
  for (auto s : info.strides) {
    if (s % info.itemsize != 0) {
      raise_value("Buffer strides must be a multiple of the item size.");
    }
    strides.push_back(s / info.itemsize);
  }
  // Copy into a dense buffer of the source type, then cast as asked.
  size_t n = shape_size(shape);
  Dtype src_t = *t;
  bool src_complex128 = info.format.size() >= 2 && info.format.back() == 'd' &&
      info.format[info.format.size() - 2] == 'Z';
  bool src_float64 = src_t == float64;
  Dtype store_t = src_complex128 ? complex64 : src_t;
  array out(allocator::malloc(n * store_t.size), shape, store_t);
  char* dst = out.data<char>();
  const char* src = static_cast<const char*>(info.ptr);
  int nd = int(shape.size());
  std::vector<int64_t> idx(nd, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) {
      off += idx[d] * strides[d];
    }
    if (src_complex128) {
      const double* c = reinterpret_cast<const double*>(src + off * info.itemsize);
      complex64_t v{float(c[0]), float(c[1])};
      std::memcpy(dst + i * 8, &v, 8);
    } else {
      std::memcpy(dst + i * info.itemsize, src + off * info.itemsize, info.itemsize);
    }
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        break;
      }
      idx[d] = 0;
    }
  }
  // MLX makes float32 from float64 NumPy data unless asked otherwise.
  Dtype target = dtype ? *dtype : (src_float64 ? float32 : store_t);
  return astype(out, target);
}

template <typename T>
void check_int_range(long long v, Dtype t) {
  if (v < static_cast<long long>(std::numeric_limits<T>::min()) ||
      (v > 0 && static_cast<unsigned long long>(v) > static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
    std::ostringstream msg;
    msg << "Converting " << v << " to " << t << " would result in overflow.";
    raise_value(msg.str());
  }
}

// Python int to an array of an integer dtype, with MLX's overflow check.
array int_scalar(py::handle obj, Dtype t) {
  long long v;
  try {
    v = obj.cast<long long>();
  } catch (py::cast_error&) {
    raise_value("Python int too large to convert.");
  }
  dispatch_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    // uint64 takes any int64 value (negative ones wrap), as in MLX.
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                  !std::is_same_v<T, uint64_t>) {
      check_int_range<T>(v, t);
    }
  });
  return array(v, t);
}

} // namespace

bool is_array(py::handle obj) { return py::isinstance<array>(obj); }

bool is_python_scalar(py::handle obj) {
  return py::isinstance<py::bool_>(obj) || py::isinstance<py::int_>(obj) ||
      py::isinstance<py::float_>(obj) || PyComplex_Check(obj.ptr());
}

array to_array(py::handle obj, std::optional<Dtype> dtype) {
  if (py::isinstance<array>(obj)) {
    auto a = obj.cast<array>();
    return dtype ? astype(a, *dtype) : a;
  }
  if (py::isinstance<py::bool_>(obj)) {
    return array(obj.cast<bool>(), dtype.value_or(bool_));
  }
  if (py::isinstance<py::int_>(obj)) {
    long long v;
    try {
      v = obj.cast<long long>();
    } catch (py::cast_error&) {
      throw std::runtime_error("std::bad_cast");
    }
    bool big = v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min();
    return array(v, dtype.value_or(big ? int64 : int32));
  }
  if (py::isinstance<py::float_>(obj)) {
    return array(obj.cast<double>(), dtype.value_or(float32));
  }
  if (PyComplex_Check(obj.ptr())) {
    auto c = obj.cast<std::complex<double>>();
    return array(complex64_t(float(c.real()), float(c.imag())), dtype.value_or(complex64));
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    return from_list(obj, dtype);
  }
  if (py::isinstance<py::buffer>(obj)) {
    return from_buffer(py::reinterpret_borrow<py::buffer>(obj), dtype);
  }
  if (py::hasattr(obj, "__array__")) {
    return to_array(obj.attr("__array__")(), dtype);
  }
  std::ostringstream msg;
  msg << "Invalid type " << py::str(obj.get_type().attr("__name__")).cast<std::string>()
      << " received in array initialization.";
  raise_value(msg.str());
}

array to_array_like(py::handle obj, const array& other) {
  if (py::isinstance<array>(obj)) {
    return obj.cast<array>();
  }
  Dtype t = other.dtype();
  if (py::isinstance<py::bool_>(obj)) {
    return array(obj.cast<bool>(), t);
  }
  if (py::isinstance<py::int_>(obj)) {
    if (t == bool_) {
      // MLX makes an int32 scalar here, truncating wider values.
      long long v;
      try {
        v = obj.cast<long long>();
      } catch (py::cast_error&) {
        raise_value("Python int too large to convert.");
      }
      return array(static_cast<int32_t>(v), int32);
    }
    if (is_integral(t)) {
      return int_scalar(obj, t);
    }
    return array(obj.cast<double>(), t);
  }
  if (py::isinstance<py::float_>(obj)) {
    return array(obj.cast<double>(), is_inexact(t) ? t : float32);
  }
  if (PyComplex_Check(obj.ptr())) {
    return to_array(obj);
  }
  std::ostringstream msg;
  msg << "Cannot convert " << py::str(obj.get_type().attr("__name__")).cast<std::string>()
      << " to an array.";
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) ||
      py::isinstance<py::buffer>(obj) || py::hasattr(obj, "__array__")) {
    return to_array(obj);
  }
  throw py::type_error(msg.str());
}

std::pair<array, array> to_arrays(py::handle a, py::handle b) {
  bool a_arr = py::isinstance<array>(a), b_arr = py::isinstance<array>(b);
  if (a_arr) {
    auto x = a.cast<array>();
    return {x, to_array_like(b, x)};
  }
  if (b_arr) {
    auto y = b.cast<array>();
    return {to_array_like(a, y), y};
  }
  return {to_array(a), to_array(b)};
}

namespace {

template <typename T>
py::object py_value(T v) {
  if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(v);
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    return py::cast(std::complex<double>(v.real(), v.imag()));
  } else if constexpr (std::is_integral_v<T>) {
    return py::int_(v);
  } else {
    if constexpr (std::is_same_v<T, double>) {
      return py::float_(v);
    } else {
      return py::float_(static_cast<double>(static_cast<float>(v)));
    }
  }
}

template <typename T>
py::object list_dim(const array& a, int dim, int64_t offset) {
  if (dim == a.ndim()) {
    return py_value(a.data<T>()[offset]);
  }
  py::list out;
  for (int i = 0; i < a.shape(dim); ++i) {
    out.append(list_dim<T>(a, dim + 1, offset + i * a.strides(dim)));
  }
  return out;
}

} // namespace

py::object to_list(array& a) {
  {
    py::gil_scoped_release nogil;
    a.eval();
  }
  return dispatch_dtype(a.dtype(), [&](auto tag) -> py::object {
    return list_dim<decltype(tag)>(a, 0, 0);
  });
}

py::object to_scalar(array& a) {
  if (a.size() != 1) {
    raise_value("[convert] Only length-1 arrays can be converted to Python scalars.");
  }
  {
    py::gil_scoped_release nogil;
    a.eval();
  }
  return dispatch_dtype(a.dtype(), [&](auto tag) -> py::object {
    return py_value(a.data<decltype(tag)>()[0]);
  });
}

std::optional<Stream> thread_local_stream_of(py::handle obj);

StreamOrDevice to_stream_or_device(py::handle obj) {
  if (obj.is_none()) {
    return {};
  }
  if (py::isinstance<Stream>(obj)) {
    return obj.cast<Stream>();
  }
  if (py::isinstance<Device>(obj)) {
    return obj.cast<Device>();
  }
  if (py::isinstance<Device::DeviceType>(obj)) {
    return Device(obj.cast<Device::DeviceType>());
  }
  // mx.ThreadLocalStream (ops_more.cpp) stands for this thread's stream.
  if (auto s = thread_local_stream_of(obj)) {
    return *s;
  }
  throw py::type_error("Expected a Stream, Device or None for the stream argument.");
}

std::string buffer_format(Dtype t) {
  switch (t.val) {
    case Dtype::Val::bool_:
      return "?";
    case Dtype::Val::uint8:
      return "B";
    case Dtype::Val::uint16:
      return "H";
    case Dtype::Val::uint32:
      return "I";
    case Dtype::Val::uint64:
      return "Q";
    case Dtype::Val::int8:
      return "b";
    case Dtype::Val::int16:
      return "h";
    case Dtype::Val::int32:
      return "i";
    case Dtype::Val::int64:
      return "q";
    case Dtype::Val::float16:
      return "e";
    case Dtype::Val::float32:
      return "f";
    case Dtype::Val::float64:
      return "d";
    case Dtype::Val::bfloat16:
      return "bfloat16";
    case Dtype::Val::complex64:
      return "Zf";
  }
  return "";
}

namespace {

// mx.ArrayLike: a typing helper in MLX; instances only hold their object.
struct ArrayLike {
  py::object obj;
};

} // namespace

// mx.ArrayLike and mx.from_dlpack.
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
