// The array: a cheap, shared handle on a lazily computed n-d array.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "mlx/allocator.h"
#include "mlx/dtype.h"

namespace mlx::core {

class Primitive;

namespace detail {
// Number of transforms currently tracing a function on this thread.
bool in_tracing();
// Marks a region where a transform traces a function.
struct TracingScope {
  TracingScope();
  ~TracingScope();
};
// Whether a transform is tracing a function on placeholder values (vmap
// traces one slice of the batch): values read then would be wrong, so ops
// whose output shape depends on values refuse to run on tracers.
bool in_placeholder_tracing();
struct PlaceholderTracingScope {
  PlaceholderTracingScope();
  ~PlaceholderTracingScope();
};
} // namespace detail

using ShapeElem = int32_t;
using Shape = std::vector<ShapeElem>;
using Strides = std::vector<int64_t>;

class array {
 public:
  // Scalars (0-d arrays), cast to `dtype`.
  template <typename T>
  explicit array(T val, Dtype dtype = dtype_of<T>);

  // 1-d arrays from a list of values.
  template <typename T>
  array(std::initializer_list<T> data);
  template <typename T>
  array(std::initializer_list<T> data, Dtype dtype);

  // Copies `data` (size of the product of `shape`) into a new array.
  template <typename It>
  array(It data, Shape shape, Dtype dtype = dtype_of<typename std::iterator_traits<It>::value_type>);
  template <typename T>
  array(std::initializer_list<T> data, Shape shape, Dtype dtype = dtype_of<T>);

  // An array that owns an existing buffer (row contiguous).
  array(allocator::Buffer data, Shape shape, Dtype dtype,
        std::function<void(allocator::Buffer)> deleter = allocator::free);

  // A lazy array: the output of `primitive` applied to `inputs`.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs);

  // The outputs of a primitive with several outputs (they become siblings).
  static std::vector<array> make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                        const std::shared_ptr<Primitive>& primitive,
                                        const std::vector<array>& inputs);

  array(const array&) = default;
  array(array&&) = default;
  array& operator=(const array&) & = default;
  array& operator=(array&&) & = default;

  Dtype dtype() const { return desc_->dtype; }
  size_t itemsize() const { return desc_->dtype.size; }
  size_t size() const { return desc_->size; }
  size_t nbytes() const { return size() * itemsize(); }
  int ndim() const { return static_cast<int>(desc_->shape.size()); }
  const Shape& shape() const { return desc_->shape; }
  // Negative dims count from the end.
  ShapeElem shape(int dim) const;
  const Strides& strides() const { return desc_->strides; }
  int64_t strides(int dim) const;

  // Computes the array (and what it depends on) if it is not yet available.
  void eval();

  // The single element of a size-1 array, cast to T. Evaluates.
  template <typename T>
  T item();

  struct Flags {
    // The elements occupy data_size() consecutive elements, in some order.
    bool contiguous : 1;
    // Strides are those of a C-ordered array (ignoring size-1 dims).
    bool row_contiguous : 1;
    // Strides are those of a Fortran-ordered array (ignoring size-1 dims).
    bool col_contiguous : 1;
  };
  Flags flags() const { return desc_->flags; }
  // Number of elements the buffer region spans (== size() unless broadcast).
  size_t data_size() const { return desc_->data_size; }

  template <typename T>
  T* data() {
    return static_cast<T*>(desc_->data_ptr);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(desc_->data_ptr);
  }
  allocator::Buffer& buffer() { return desc_->data->buffer; }
  const allocator::Buffer& buffer() const { return desc_->data->buffer; }
  // Bytes from the start of the buffer to the first element.
  int64_t offset() const;
  bool has_data() const { return desc_->data != nullptr; }
  // The number of handles to this array (eval uses it to see which values
  // anything beyond the graph being run still needs).
  long use_count() const { return desc_.use_count(); }
  // The number of handles sharing this array's buffer (for donation).
  long buffer_use_count() const { return desc_->data.use_count(); }
  // Whether a kernel may write its output over this array's buffer: this is
  // the only handle to the array (the consumer's input), no view shares the
  // buffer, and the buffer is the allocator's own (not borrowed memory).
  bool is_donatable() const;

  bool has_primitive() const { return desc_->primitive != nullptr; }
  Primitive& primitive() const { return *desc_->primitive; }
  const std::shared_ptr<Primitive>& primitive_ptr() const { return desc_->primitive; }
  std::vector<array>& inputs() { return desc_->inputs; }
  const std::vector<array>& inputs() const { return desc_->inputs; }
  // The other outputs of this array's primitive.
  std::vector<array> siblings() const;
  // All outputs of this array's primitive still held somewhere, this one
  // included, in order.
  std::vector<array> outputs() const;
  // Every output of this array's primitive in order, with fresh arrays of
  // the right shape and dtype standing in for those nobody holds any more
  // (the kernel writes all of them).
  std::vector<array> outputs_for_eval() const;
  // The same, appended to `out` (eval reuses one vector for every node).
  void outputs_for_eval(std::vector<array>& out) const;
  int sibling_position() const { return desc_->position; }

  bool is_available() const { return has_data(); }

  // Tracers are arrays built while a transform (vjp, jvp, vmap) traces a
  // function: eval keeps their graph, which the transform still needs.
  bool is_tracer() const { return desc_->is_tracer && detail::in_tracing(); }
  void set_tracer(bool t) { desc_->is_tracer = t; }
  // Drops the primitive, inputs and siblings (the graph behind this array).
  void detach();

  // An id unique among live arrays.
  std::uintptr_t id() const { return reinterpret_cast<std::uintptr_t>(desc_.get()); }
  bool is_same(const array& o) const { return desc_ == o.desc_; }

  // Makes this handle share `other`'s descriptor: every copy of this handle
  // then sees the new array (Python's in-place operators rely on this).
  void overwrite_descriptor(const array& other) { desc_ = other.desc_; }

  // Used by kernels to give an output its memory.
  void set_data(allocator::Buffer buffer);
  void set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags);
  // Makes this array a view of `other`'s buffer.
  void copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size,
                          int64_t offset_elems = 0);
  void copy_shared_buffer(const array& other);
  // Drops the buffer, so that the array counts as not yet computed again
  // (eval does this to the outputs of a kernel that raised).
  void clear_data();

  // Releases the array's graph iteratively when the last handle goes away.
  ~array();

 private:
  struct Data {
    allocator::Buffer buffer;
    std::function<void(allocator::Buffer)> deleter;
    Data(allocator::Buffer b, std::function<void(allocator::Buffer)> d) : buffer(b), deleter(std::move(d)) {}
    Data(const Data&) = delete;
    ~Data() { deleter(buffer); }
  };

  struct ArrayDesc {
    Shape shape;
    Strides strides;
    size_t size;
    Dtype dtype;
    std::shared_ptr<Primitive> primitive;
    std::shared_ptr<Data> data;
    void* data_ptr{nullptr};
    size_t data_size{0};
    Flags flags{};
    std::vector<array> inputs;
    // Weak links to the other outputs of the same primitive, and their
    // shapes and dtypes (to stand in for siblings that are gone).
    std::vector<std::weak_ptr<ArrayDesc>> siblings;
    std::vector<std::pair<Shape, Dtype>> sibling_specs;
    int position{0};
    bool is_tracer{false};

    ArrayDesc(Shape shape, Dtype dtype);
    ArrayDesc(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs);
  };

  explicit array(std::shared_ptr<ArrayDesc> desc) : desc_(std::move(desc)) {}
  void init_from_buffer(const void* src, Dtype src_dtype);
  template <typename It>
  void init(It src);

  std::shared_ptr<ArrayDesc> desc_;
};

// Row-major strides of a shape.
Strides row_strides(const Shape& shape);
size_t shape_size(const Shape& shape);

// Converts a scalar value between the C++ types of two dtypes.
template <typename Out, typename In>
inline Out scalar_cast(In v) {
  if constexpr (std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (std::is_same_v<Out, complex64_t>) {
    if constexpr (std::is_same_v<In, bfloat16_t> || std::is_same_v<In, float16_t>) {
      return complex64_t(static_cast<float>(v), 0.0f);
    } else {
      return complex64_t(static_cast<float>(v), 0.0f);
    }
  } else if constexpr (std::is_same_v<In, complex64_t>) {
    return scalar_cast<Out>(v.real());
  } else if constexpr (std::is_same_v<Out, bool>) {
    return static_cast<float>(v) != 0.0f || static_cast<double>(v) != 0.0;
  } else if constexpr (std::is_same_v<Out, bfloat16_t>) {
    return bfloat16_t(static_cast<float>(v));
  } else if constexpr (std::is_same_v<In, bfloat16_t>) {
    return static_cast<Out>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<Out, float16_t> && !std::is_same_v<In, float> &&
                       !std::is_same_v<In, double>) {
    return static_cast<float16_t>(static_cast<float>(v));
  } else {
    return static_cast<Out>(v);
  }
}

// Calls f(T{}) with T the C++ type of `dtype`.
template <typename F>
decltype(auto) dispatch_dtype(Dtype dtype, F&& f) {
  switch (dtype.val) {
    case Dtype::Val::bool_:
      return f(bool{});
    case Dtype::Val::uint8:
      return f(uint8_t{});
    case Dtype::Val::uint16:
      return f(uint16_t{});
    case Dtype::Val::uint32:
      return f(uint32_t{});
    case Dtype::Val::uint64:
      return f(uint64_t{});
    case Dtype::Val::int8:
      return f(int8_t{});
    case Dtype::Val::int16:
      return f(int16_t{});
    case Dtype::Val::int32:
      return f(int32_t{});
    case Dtype::Val::int64:
      return f(int64_t{});
    case Dtype::Val::float16:
      return f(float16_t{});
    case Dtype::Val::float32:
      return f(float{});
    case Dtype::Val::float64:
      return f(double{});
    case Dtype::Val::bfloat16:
      return f(bfloat16_t{});
    case Dtype::Val::complex64:
      return f(complex64_t{});
  }
  throw std::runtime_error("[dispatch_dtype] Unknown dtype.");
}

// ---------------------------------------------------------------- templates

template <typename T>
array::array(T val, Dtype dtype) : desc_(std::make_shared<ArrayDesc>(Shape{}, dtype)) {
  init(&val);
}

template <typename T>
array::array(std::initializer_list<T> data)
    : desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype_of<T>)) {
  init(data.begin());
}

template <typename T>
array::array(std::initializer_list<T> data, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(Shape{static_cast<ShapeElem>(data.size())}, dtype)) {
  init(data.begin());
}

template <typename It>
array::array(It data, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  init(data);
}

template <typename T>
array::array(std::initializer_list<T> data, Shape shape, Dtype dtype)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  if (data.size() != size()) {
    throw std::invalid_argument("[array] Data size and provided shape mismatch.");
  }
  init(data.begin());
}

template <typename It>
void array::init(It src) {
  set_data(allocator::malloc(nbytes()));
  dispatch_dtype(dtype(), [&](auto out_type) {
    using Out = decltype(out_type);
    using In = std::decay_t<decltype(*src)>;
    Out* out = data<Out>();
    It it = src;
    for (size_t i = 0; i < size(); ++i, ++it) {
      out[i] = scalar_cast<Out>(static_cast<In>(*it));
    }
  });
}

template <typename T>
T array::item() {
  if (size() != 1) {
    throw std::invalid_argument("[item] Only size-1 arrays can be converted to scalars.");
  }
  eval();
  return dispatch_dtype(dtype(), [&](auto in_type) -> T {
    using In = decltype(in_type);
    return scalar_cast<T>(*data<In>());
  });
}

} // namespace mlx::core
