#include "convert.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "mlx/ops/common.h" // (detail::broadcast_view)

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
  bool leaf_seen = false;           // the shape below the lists is fixed
};

[[noreturn]] void raise_value(const std::string& msg) { throw py::value_error(msg); }

// A Python int (or an object with __index__) as int64; OverflowError naming
// the value past int64 (MLX raises std::bad_cast there).
long long int64_value(py::handle obj) {
  auto v = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!v) {
    PyErr_Clear();
    return obj.cast<long long>(); // other numbers, as pybind11 converts them
  }
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow) {
    std::ostringstream msg;
    msg << "Python int " << std::string(py::str(v))
        << " is outside the range of int64 [-9223372036854775808, 9223372036854775807].";
    PyErr_SetString(PyExc_OverflowError, msg.str().c_str());
    throw py::error_already_set();
  }
  return x;
}

// Nested lists deeper than this are refused: scan, fill and stack_list
// recurse once per level, and about 15,000 levels overflow an 8 MiB stack
// (MLX crashes there). 2,000 levels use about 1 MiB; NumPy stops at 64.
constexpr int kMaxListDepth = 2000;

void scan(py::handle obj, int depth, ListInfo& info) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    if (depth >= kMaxListDepth) {
      std::ostringstream msg;
      msg << "Initialization encountered lists nested more than " << kMaxListDepth << " levels deep.";
      raise_value(msg.str());
    }
    auto seq = py::reinterpret_borrow<py::sequence>(obj);
    ShapeElem n = static_cast<ShapeElem>(py::len(seq));
    if (int(info.shape.size()) == depth) {
      if (info.leaf_seen) {
        raise_value("Initialization encountered extra dimension.");
      }
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
    if (int(info.shape.size()) == depth && !info.leaf_seen) {
      info.shape.insert(info.shape.end(), leaf_shape.begin(), leaf_shape.end());
    } else {
      Shape rest(info.shape.begin() + depth, info.shape.end());
      if (rest != leaf_shape) {
        raise_value("Initialization encountered non-uniform length.");
      }
    }
    info.leaf_seen = true;
  };
  if (is_array(obj)) {
    auto a = array_ref(obj);
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
  if (info.has_bool)
    join(bool_);
  if (info.has_int)
    join(info.int_needs_64 ? int64 : int32);
  if (info.has_float)
    join(float32);
  if (info.has_complex)
    join(complex64);
  if (info.array_dtype)
    join(*info.array_dtype);
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
  if (is_array(obj)) {
    auto c = contiguous(astype(array_ref(obj), dtype_of<T>));
    c.eval();
    const T* src = c.template data<T>();
    std::copy(src, src + c.size(), out);
    out += c.size();
    return;
  }
  if constexpr (std::is_same_v<T, complex64_t>) {
    auto c = obj.cast<std::complex<double>>();
    *out++ = complex64_t(float(c.real()), float(c.imag()));
  } else if (PyComplex_Check(obj.ptr())) {
    // A complex leaf in a real array keeps its real part (as MLX).
    double re = PyComplex_RealAsDouble(obj.ptr());
    if constexpr (std::is_same_v<T, bool>) {
      *out++ = re != 0;
    } else if constexpr (std::is_integral_v<T>) {
      *out++ = static_cast<T>(re);
    } else {
      *out++ = scalar_cast<T>(re);
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    *out++ = obj.cast<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (py::isinstance<py::float_>(obj)) {
      *out++ = static_cast<T>(obj.cast<double>());
    } else {
      *out++ = static_cast<T>(int64_value(obj));
    }
  } else {
    *out++ = scalar_cast<T>(obj.cast<double>());
  }
}

// A nested list holding mx.array leaves: stacked level by level, so the
// result stays in the graph of those arrays (gradients flow through it).
array stack_list(py::handle obj, Dtype t) {
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    std::vector<array> parts;
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) {
      parts.push_back(stack_list(item, t));
    }
    return stack(parts, 0);
  }
  if (is_array(obj)) {
    return astype(array_ref(obj), t);
  }
  return to_array(obj, t);
}

array from_list(py::handle obj, std::optional<Dtype> dtype) {
  ListInfo info;
  scan(obj, 0, info);
  Dtype t = dtype ? *dtype : infer_dtype(info);
  if (info.array_dtype && shape_size(info.shape) > 0) {
    return stack_list(obj, t);
  }
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

// Copies `n` elements of `itemsize` bytes from `src` (element strides
// `src_stride`, may be negative) to consecutive places in `dst`; a complex128
// source becomes complex64.
inline void copy_run(char* dst, const char* src, int64_t n, int64_t src_stride, size_t itemsize,
                     bool complex128) {
  if (complex128) {
    for (int64_t i = 0; i < n; ++i) {
      const double* c = reinterpret_cast<const double*>(src + i * src_stride * 16);
      float v[2] = {float(c[0]), float(c[1])};
      std::memcpy(dst + i * 8, v, 8);
    }
    return;
  }
  if (src_stride == 1) {
    std::memcpy(dst, src, n * itemsize);
    return;
  }
  auto strided = [&](auto tag) {
    using T = decltype(tag);
    T* d = reinterpret_cast<T*>(dst);
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(d + i, src + i * src_stride * int64_t(sizeof(T)), sizeof(T));
    }
  };
  switch (itemsize) {
    case 1:
      strided(uint8_t{});
      break;
    case 2:
      strided(uint16_t{});
      break;
    case 4:
      strided(uint32_t{});
      break;
    case 8:
      strided(uint64_t{});
      break;
    default:
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + i * itemsize, src + i * src_stride * int64_t(itemsize), itemsize);
      }
  }
}

} // namespace

void check_shape_dim(long long d) {
  if (d < std::numeric_limits<int32_t>::min() || d > std::numeric_limits<int32_t>::max()) {
    std::ostringstream msg;
    msg << "Shape dimension " << d << " is outside the supported range [-2147483648, 2147483647]. "
        << "MLX currently uses 32-bit integers for shape dimensions.";
    PyErr_SetString(PyExc_OverflowError, msg.str().c_str());
    throw py::error_already_set();
  }
}

namespace {

// A new array holding a copy of strided host memory. `strides` are in
// elements of `src_itemsize` bytes. As MLX does, non-negative strides are
// kept (the memory spanned is copied and viewed with them) unless the span is
// much larger than the elements; otherwise, and for negative strides, the
// elements are gathered in row-major order.
array copy_host_memory(const char* src, const std::vector<int64_t>& shape64,
                       const std::vector<int64_t>& strides, size_t src_itemsize, Dtype store_t,
                       bool complex128) {
  Shape shape;
  for (auto d : shape64) {
    check_shape_dim(d);
    shape.push_back(static_cast<ShapeElem>(d));
  }
  int nd = static_cast<int>(shape.size());
  size_t n = 1;
  for (auto d : shape) {
    n *= size_t(d);
  }
  size_t out_itemsize = store_t.size;
  if (n == 0) {
    return array(allocator::malloc(0), shape, store_t);
  }
  bool negative = false, row = true;
  int64_t span = 1, expect = 1;
  for (int d = nd - 1; d >= 0; --d) {
    if (shape[d] == 1) {
      continue;
    }
    negative |= strides[d] < 0;
    row &= strides[d] == expect;
    expect *= shape[d];
    span += (shape[d] - 1) * strides[d];
  }
  bool big = n * out_itemsize > (1 << 20);
  std::optional<py::gil_scoped_release> nogil;
  if (big && PyGILState_Check()) {
    nogil.emplace();
  }
  if (row) {
    array out(allocator::malloc(n * out_itemsize), shape, store_t);
    copy_run(out.data<char>(), src, int64_t(n), 1, src_itemsize, complex128);
    return out;
  }
  if (!negative && size_t(span) <= 4 * n + 64) {
    array base(allocator::malloc(size_t(span) * out_itemsize), {static_cast<ShapeElem>(span)}, store_t);
    copy_run(base.data<char>(), src, span, 1, src_itemsize, complex128);
    Strides st(strides.begin(), strides.end());
    for (int d = 0; d < nd; ++d) {
      if (shape[d] == 1) {
        st[d] = 0;
      }
    }
    return as_strided(base, shape, st, 0);
  }
  // Gather in row-major order, a run along the last dim at a time.
  array out(allocator::malloc(n * out_itemsize), shape, store_t);
  char* dst = out.data<char>();
  int64_t inner = nd ? shape[nd - 1] : 1;
  int64_t inner_stride = nd ? strides[nd - 1] : 1;
  std::vector<int64_t> idx(std::max(nd - 1, 0), 0);
  for (size_t done = 0; done < n; done += size_t(inner)) {
    int64_t off = 0;
    for (int d = 0; d < nd - 1; ++d) {
      off += idx[d] * strides[d];
    }
    copy_run(dst + done * out_itemsize, src + off * int64_t(src_itemsize), inner, inner_stride, src_itemsize,
             complex128);
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        break;
      }
      idx[d] = 0;
    }
  }
  return out;
}

array from_buffer(py::buffer buf, std::optional<Dtype> dtype) {
  py::buffer_info info = buf.request();
  std::optional<Dtype> t = info.format == "bfloat16" ? std::optional<Dtype>(bfloat16)
                                                     : dtype_from_format(info.format, info.itemsize);
  if (!t) {
    raise_value("Cannot convert buffer with format " + info.format + " to an array.");
  }
  std::vector<int64_t> strides;
  for (auto s : info.strides) {
    if (s % info.itemsize != 0) {
      raise_value("Buffer strides must be a multiple of the item size.");
    }
    strides.push_back(s / info.itemsize);
  }
  std::vector<int64_t> shape(info.shape.begin(), info.shape.end());
  bool src_complex128 =
      info.format.size() >= 2 && info.format.back() == 'd' && info.format[info.format.size() - 2] == 'Z';
  Dtype store_t = src_complex128 ? complex64 : *t;
  auto out = copy_host_memory(static_cast<const char*>(info.ptr), shape, strides, info.itemsize, store_t,
                              src_complex128);
  // MLX makes float32 from float64 data unless asked otherwise.
  Dtype target = dtype ? *dtype : (*t == float64 ? float32 : store_t);
  return astype(out, target);
}

template <typename T>
void check_int_range(long long v, Dtype t) {
  if (v < static_cast<long long>(std::numeric_limits<T>::min()) ||
      (v > 0 &&
       static_cast<unsigned long long>(v) > static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
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
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, uint64_t>) {
      check_int_range<T>(v, t);
    }
  });
  return array(v, t);
}

// DLPack (https://dmlc.github.io/dlpack/latest/), the C structs of v1.
struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion {
  uint32_t major;
  uint32_t minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};
enum : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLComplex = 5, kDLBool = 6 };
enum : int32_t { kDLCPU = 1, kDLCUDAHost = 3, kDLCUDAManaged = 13 };

// The dtype of a DLPack tensor, and whether it is complex128 (stored as
// complex64). Unsupported ones raise ValueError.
std::pair<Dtype, bool> dlpack_dtype(DLDataType t) {
  if (t.lanes == 1) {
    switch (t.code) {
      case kDLBool:
        if (t.bits == 8)
          return {bool_, false};
        break;
      case kDLInt:
        if (t.bits == 8)
          return {int8, false};
        if (t.bits == 16)
          return {int16, false};
        if (t.bits == 32)
          return {int32, false};
        if (t.bits == 64)
          return {int64, false};
        break;
      case kDLUInt:
        if (t.bits == 8)
          return {uint8, false};
        if (t.bits == 16)
          return {uint16, false};
        if (t.bits == 32)
          return {uint32, false};
        if (t.bits == 64)
          return {uint64, false};
        break;
      case kDLFloat:
        if (t.bits == 16)
          return {float16, false};
        if (t.bits == 32)
          return {float32, false};
        if (t.bits == 64)
          return {float64, false};
        break;
      case kDLBfloat:
        if (t.bits == 16)
          return {bfloat16, false};
        break;
      case kDLComplex:
        if (t.bits == 64)
          return {complex64, false};
        if (t.bits == 128)
          return {complex64, true};
        break;
    }
  }
  std::ostringstream msg;
  msg << "Unsupported DLPack dtype (code " << int(t.code) << ", bits " << int(t.bits) << ", lanes " << t.lanes
      << ").";
  raise_value(msg.str());
}

// Reads a DLPack capsule into a new array (a copy, as MLX makes on the CPU,
// keeping the producer's strides), then releases the producer's tensor.
array from_dlpack_capsule(py::capsule cap, std::optional<Dtype> dtype) {
  std::string name = cap.name() ? cap.name() : "";
  DLTensor* t = nullptr;
  DLManagedTensor* legacy = nullptr;
  DLManagedTensorVersioned* versioned = nullptr;
  if (name == "dltensor_versioned") {
    versioned = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap.ptr(), name.c_str()));
    if (!versioned) {
      throw py::error_already_set();
    }
    if (versioned->version.major > 1) {
      raise_value("Unsupported DLPack version.");
    }
    t = &versioned->dl_tensor;
  } else if (name == "dltensor") {
    legacy = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap.ptr(), name.c_str()));
    if (!legacy) {
      throw py::error_already_set();
    }
    t = &legacy->dl_tensor;
  } else {
    raise_value("Expected a DLPack capsule (\"dltensor\" or \"dltensor_versioned\"), got \"" + name + "\".");
  }
  // The capsule is ours from here: mark it used so its destructor leaves
  // the tensor alone, and release the tensor when done.
  PyCapsule_SetName(cap.ptr(), versioned ? "used_dltensor_versioned" : "used_dltensor");
  struct Release {
    DLManagedTensor* l;
    DLManagedTensorVersioned* v;
    ~Release() {
      if (l && l->deleter)
        l->deleter(l);
      if (v && v->deleter)
        v->deleter(v);
    }
  } release{legacy, versioned};
  int32_t dev = t->device.device_type;
  if (dev != kDLCPU && dev != kDLCUDAHost && dev != kDLCUDAManaged) {
    raise_value("[from_dlpack] Only CPU DLPack tensors can be imported.");
  }
  auto [src_t, complex128] = dlpack_dtype(t->dtype);
  std::vector<int64_t> shape(t->shape, t->shape + t->ndim);
  std::vector<int64_t> strides(t->ndim);
  for (int d = t->ndim - 1, acc = 1; d >= 0; --d) {
    if (t->strides) {
      strides[d] = t->strides[d];
    } else {
      strides[d] = acc;
      acc *= static_cast<int>(shape[d]);
    }
    if (strides[d] < 0 && shape[d] > 1) {
      raise_value("Cannot convert DLPack arrays with negative strides to mlx array.");
    }
  }
  size_t itemsize = (size_t(t->dtype.bits) + 7) / 8;
  const char* src = static_cast<const char*>(t->data) + t->byte_offset;
  auto out = copy_host_memory(src, shape, strides, itemsize, src_t, complex128);
  Dtype target = dtype ? *dtype : (src_t == float64 ? float32 : src_t);
  return astype(out, target);
}

// Calls obj.__dlpack__ (versioned first, then the legacy form) and imports
// the capsule.
array from_dlpack_object(py::handle obj, std::optional<Dtype> dtype) {
  py::object cap;
  try {
    cap = obj.attr("__dlpack__")(py::arg("max_version") = py::make_tuple(1, 0));
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError)) {
      throw;
    }
    cap = obj.attr("__dlpack__")();
  }
  if (!py::isinstance<py::capsule>(cap)) {
    throw py::type_error("__dlpack__ did not return a capsule.");
  }
  return from_dlpack_capsule(py::reinterpret_borrow<py::capsule>(cap), dtype);
}

// What an exported DLPack tensor owns: the array (keeping its buffer alive)
// and the shape and strides the struct points to.
struct DLPackExport {
  array a;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  DLManagedTensor tensor;
};

DLDataType dlpack_type_of(Dtype t) {
  uint8_t bits = static_cast<uint8_t>(t.size * 8);
  switch (t.val) {
    case Dtype::Val::bool_:
      return {kDLBool, 8, 1};
    case Dtype::Val::uint8:
    case Dtype::Val::uint16:
    case Dtype::Val::uint32:
    case Dtype::Val::uint64:
      return {kDLUInt, bits, 1};
    case Dtype::Val::int8:
    case Dtype::Val::int16:
    case Dtype::Val::int32:
    case Dtype::Val::int64:
      return {kDLInt, bits, 1};
    case Dtype::Val::float16:
    case Dtype::Val::float32:
    case Dtype::Val::float64:
      return {kDLFloat, bits, 1};
    case Dtype::Val::bfloat16:
      return {kDLBfloat, 16, 1};
    case Dtype::Val::complex64:
      return {kDLComplex, 64, 1};
  }
  return {kDLFloat, bits, 1};
}

} // namespace

py::capsule to_dlpack(array a) {
  {
    py::gil_scoped_release nogil;
    a.eval();
  }
  auto* ctx = new DLPackExport{a, {}, {}, {}};
  ctx->shape.assign(a.shape().begin(), a.shape().end());
  ctx->strides.assign(a.strides().begin(), a.strides().end());
  DLTensor& t = ctx->tensor.dl_tensor;
  t.data = ctx->a.data<void>();
  t.device = {kDLCPU, 0};
  t.ndim = a.ndim();
  t.dtype = dlpack_type_of(a.dtype());
  t.shape = ctx->shape.data();
  t.strides = ctx->strides.data();
  t.byte_offset = 0;
  ctx->tensor.manager_ctx = ctx;
  ctx->tensor.deleter = [](DLManagedTensor* m) { delete static_cast<DLPackExport*>(m->manager_ctx); };
  // A capsule nobody consumed still owns the tensor.
  PyObject* cap = PyCapsule_New(&ctx->tensor, "dltensor", [](PyObject* c) {
    if (PyCapsule_IsValid(c, "dltensor")) {
      auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
      m->deleter(m);
    }
  });
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

bool is_python_scalar(py::handle obj) {
  return py::isinstance<py::bool_>(obj) || py::isinstance<py::int_>(obj) || py::isinstance<py::float_>(obj) ||
         PyComplex_Check(obj.ptr());
}

array to_array(py::handle obj, std::optional<Dtype> dtype) {
  if (is_array(obj)) {
    auto a = array_ref(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  if (py::isinstance<py::bool_>(obj)) {
    return array(obj.cast<bool>(), dtype.value_or(bool_));
  }
  if (py::isinstance<py::int_>(obj)) {
    long long v = int64_value(obj);
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
  if (py::hasattr(obj, "__mlx_array__")) {
    auto r = obj.attr("__mlx_array__")();
    if (!is_array(r)) {
      throw py::type_error("__mlx_array__ must return an mlx.core.array.");
    }
    return to_array(r, dtype);
  }
  if (py::isinstance<py::buffer>(obj)) {
    return from_buffer(py::reinterpret_borrow<py::buffer>(obj), dtype);
  }
  if (py::hasattr(obj, "__dlpack__") && !py::isinstance<py::type>(obj)) {
    return from_dlpack_object(obj, dtype);
  }
  if (py::hasattr(obj, "__array__")) {
    return to_array(obj.attr("__array__")(), dtype);
  }
  if (obj.is_none()) {
    throw py::type_error("Cannot make an array from None.");
  }
  std::ostringstream msg;
  msg << "Invalid type " << py::str(obj.get_type().attr("__name__")).cast<std::string>()
      << " received in array initialization.";
  raise_value(msg.str());
}

namespace {

// A float operand as a 0-d array of dtype t. The same few constants recur
// (`y * 0.999 + 0.001` in a loop): the last ones made are reused, which
// saves making and freeing an array per operator. An array's value never
// changes, and a kept one is never given to a kernel to write over (its
// buffer has more than one holder). Each also keeps its last view at an
// array's shape (kept_scalar_view).
struct KeptScalar {
  double v = 0;
  Dtype t = float32;
  std::optional<array> a, view;
};
thread_local std::array<KeptScalar, 8> kept_scalars;
thread_local size_t next_kept = 0;

array float_scalar(double v, Dtype t) {
  for (auto& k : kept_scalars) {
    if (k.a && k.t == t && std::memcmp(&k.v, &v, sizeof(v)) == 0) {
      return *k.a;
    }
  }
  array a(v, t);
  kept_scalars[next_kept] = {v, t, a, std::nullopt};
  next_kept = (next_kept + 1) % kept_scalars.size();
  return a;
}

} // namespace

array to_array_like(py::handle obj, const array& other) {
  if (is_array(obj)) {
    return array_ref(obj);
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
    return float_scalar(obj.cast<double>(), is_inexact(t) ? t : float32);
  }
  if (PyComplex_Check(obj.ptr())) {
    return to_array(obj);
  }
  // NumPy arrays and other buffers or DLPack tensors take the dtype of the
  // array they meet, as in MLX.
  if (py::isinstance<py::buffer>(obj) || (py::hasattr(obj, "__dlpack__") && !py::isinstance<py::type>(obj))) {
    return to_array(obj, t);
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) || py::hasattr(obj, "__mlx_array__") ||
      py::hasattr(obj, "__array__")) {
    return to_array(obj);
  }
  std::ostringstream msg;
  msg << "Cannot convert " << py::str(obj.get_type().attr("__name__")).cast<std::string>() << " to an array.";
  throw py::type_error(msg.str());
}

array kept_scalar_view(const array& scalar, const Shape& shape) {
  if (scalar.ndim() != 0 || shape.empty() || mlx::core::detail::in_tracing()) {
    return scalar;
  }
  for (auto& k : kept_scalars) {
    if (k.a && k.a->id() == scalar.id()) {
      if (!k.view || k.view->shape() != shape) {
        k.view = mlx::core::detail::broadcast_view(scalar, shape);
      }
      return *k.view;
    }
  }
  return scalar;
}

std::pair<array, array> to_arrays(py::handle a, py::handle b) {
  bool a_arr = is_array(a), b_arr = is_array(b);
  if (a_arr) {
    auto x = array_ref(a);
    return {x, to_array_like(b, x)};
  }
  if (b_arr) {
    auto y = array_ref(b);
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
  return dispatch_dtype(a.dtype(), [&](auto tag) -> py::object { return list_dim<decltype(tag)>(a, 0, 0); });
}

py::object to_scalar(array& a) {
  if (a.size() != 1) {
    raise_value("[convert] Only length-1 arrays can be converted to Python scalars.");
  }
  {
    py::gil_scoped_release nogil;
    a.eval();
  }
  return dispatch_dtype(a.dtype(),
                        [&](auto tag) -> py::object { return py_value(a.data<decltype(tag)>()[0]); });
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
      [](py::object x, std::optional<bool> copy_arg) {
        if (is_array(x)) {
          auto a = array_ref(x);
          return (copy_arg && *copy_arg) ? copy(a) : a;
        }
        if (!py::hasattr(x, "__dlpack__")) {
          throw py::type_error("[from_dlpack] Expected an object with a __dlpack__ method.");
        }
        if (copy_arg && !*copy_arg) {
          throw std::invalid_argument("[convert] Cannot import a CPU array without a copy.");
        }
        return from_dlpack_object(x, std::nullopt);
      },
      py::arg("x"), py::pos_only(), py::kw_only(), py::arg("copy") = py::none(),
      "Create an array from an object that supports DLPack. On the CPU the data is copied "
      "(copy=False raises), keeping the source's strides.");
}
