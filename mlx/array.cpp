#include "mlx/array.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <sstream>

#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/scheduler.h"
#include "mlx/transforms.h"

namespace mlx::core {

namespace detail {
// Per thread, as in MLX: a transform traced on one thread does not make
// another thread's arrays tracers, nor refuse its evaluations.
namespace {
thread_local int tracing_depth = 0;
}
bool in_tracing() { return tracing_depth > 0; }
TracingScope::TracingScope() { ++tracing_depth; }
TracingScope::~TracingScope() { --tracing_depth; }

namespace {
thread_local int placeholder_depth = 0;
}
bool in_placeholder_tracing() { return placeholder_depth > 0; }
PlaceholderTracingScope::PlaceholderTracingScope() { ++placeholder_depth; }
PlaceholderTracingScope::~PlaceholderTracingScope() { --placeholder_depth; }
} // namespace detail

Strides row_strides(const Shape& shape) {
  // Wrapping (unsigned) products: a stride can only overflow when a later
  // dimension is 0, and then the array has no element to reach with it.
  Strides strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] =
        static_cast<int64_t>(static_cast<uint64_t>(strides[i + 1]) * static_cast<uint64_t>(shape[i + 1]));
  }
  return strides;
}

namespace {

// "RandomBits" -> "random_bits": the op's name, as MLX's messages spell it.
std::string snake_name(const char* name) {
  std::string out;
  for (const char* c = name; *c; ++c) {
    if (std::isupper(static_cast<unsigned char>(*c))) {
      if (!out.empty()) {
        out += '_';
      }
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
    } else {
      out += *c;
    }
  }
  return out;
}

// The element count of `shape`. Every array passes here, so no kernel sees a
// negative dimension or an element or byte count that int64 cannot hold
// (a product that wraps would make kernels write out of their buffers).
size_t checked_size(const Shape& shape, Dtype dtype, const Primitive* p) {
  // Every node checks its shape: the common case runs without building the
  // op's name, which only the error needs.
  // (Multiplications checked for overflow: a division per dimension showed
  // in profiles of small ops.)
  uint64_t n = 1;
  bool ok = true;
  for (auto d : shape) {
    ok &= d >= 0 && !__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n);
  }
  uint64_t bytes;
  if (!ok || __builtin_mul_overflow(n, uint64_t(std::max<size_t>(dtype.size, 1)), &bytes) ||
      bytes > static_cast<uint64_t>(INT64_MAX)) {
    // (A 0 after an overflow makes the array empty: the slow path sorts it out.)
    return detail::checked_shape_size(shape, dtype, p ? snake_name(p->name()) : "array");
  }
  return n;
}

} // namespace

size_t detail::checked_shape_size(const Shape& shape, Dtype dtype, const std::string& op) {
  bool empty = false;
  for (auto d : shape) {
    if (d < 0) {
      std::ostringstream msg;
      msg << "[" << op << "] Negative dimensions not allowed.";
      throw std::invalid_argument(msg.str());
    }
    empty |= d == 0;
  }
  if (empty) {
    return 0;
  }
  const uint64_t limit = static_cast<uint64_t>(INT64_MAX) / std::max<uint64_t>(dtype.size, 1);
  uint64_t n = 1;
  for (auto d : shape) {
    if (n > limit / static_cast<uint64_t>(d)) {
      std::ostringstream msg;
      msg << "[" << op << "] An array of shape (";
      for (size_t i = 0; i < shape.size(); ++i) {
        msg << (i ? "," : "") << shape[i];
      }
      msg << ") and dtype " << dtype << " has more elements or bytes than a 64-bit integer can count.";
      throw std::overflow_error(msg.str());
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

size_t shape_size(const Shape& shape) {
  size_t n = 1;
  for (auto s : shape) {
    n *= static_cast<size_t>(s);
  }
  return n;
}

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_)
    : shape(std::move(shape_)), size(checked_size(shape, dtype_, nullptr)), dtype(dtype_) {
  strides = row_strides(shape);
}

array::ArrayDesc::ArrayDesc(Shape shape_, Dtype dtype_, std::shared_ptr<Primitive> primitive_,
                            std::vector<array> inputs_)
    : shape(std::move(shape_)),
      size(checked_size(shape, dtype_, primitive_.get())),
      dtype(dtype_),
      primitive(std::move(primitive_)),
      inputs(std::move(inputs_)) {
  strides = row_strides(shape);
  for (auto& in : inputs) {
    is_tracer |= in.is_tracer();
  }
}

array::array(allocator::Buffer data, Shape shape, Dtype dtype, std::function<void(allocator::Buffer)> deleter)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype)) {
  desc_->data = std::make_shared<Data>(data, std::move(deleter));
  desc_->data_ptr = data.raw_ptr();
  desc_->data_size = size();
  desc_->flags = {true, true, ndim() <= 1 || size() <= 1};
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> primitive, std::vector<array> inputs)
    : desc_(std::make_shared<ArrayDesc>(std::move(shape), dtype, std::move(primitive), std::move(inputs))) {}

std::vector<array> array::make_arrays(std::vector<Shape> shapes, const std::vector<Dtype>& dtypes,
                                      const std::shared_ptr<Primitive>& primitive,
                                      const std::vector<array>& inputs) {
  std::vector<array> outputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    outputs.emplace_back(std::move(shapes[i]), dtypes[i], primitive, inputs);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto& desc = *outputs[i].desc_;
    desc.position = static_cast<int>(i);
    for (size_t j = 0; j < outputs.size(); ++j) {
      if (j != i) {
        desc.siblings.push_back(outputs[j].desc_);
        desc.sibling_specs.emplace_back(outputs[j].shape(), outputs[j].dtype());
      }
    }
  }
  return outputs;
}

ShapeElem array::shape(int dim) const {
  int d = dim < 0 ? dim + ndim() : dim;
  if (d < 0 || d >= ndim()) {
    std::ostringstream msg;
    msg << "[array::shape] Dimension " << dim << " is out of bounds for array with " << ndim()
        << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return desc_->shape[d];
}

int64_t array::strides(int dim) const {
  int d = dim < 0 ? dim + ndim() : dim;
  return desc_->strides.at(d);
}

int64_t array::offset() const {
  if (!has_data()) {
    return 0;
  }
  return static_cast<char*>(desc_->data_ptr) - static_cast<char*>(desc_->data->buffer.raw_ptr());
}

std::vector<array> array::siblings() const {
  std::vector<array> out;
  for (auto& w : desc_->siblings) {
    if (auto s = w.lock()) {
      out.push_back(array(s));
    }
  }
  return out;
}

std::vector<array> array::outputs_for_eval() const {
  std::vector<array> out;
  outputs_for_eval(out);
  return out;
}

void array::outputs_for_eval(std::vector<array>& out) const {
  const size_t first = out.size();
  for (size_t j = 0; j < desc_->siblings.size(); ++j) {
    if (auto sib = desc_->siblings[j].lock()) {
      out.push_back(array(sib));
    } else {
      auto& [shape, dtype] = desc_->sibling_specs[j];
      out.push_back(array(shape, dtype, nullptr, {}));
    }
  }
  out.insert(out.begin() + first + std::min<size_t>(desc_->position, out.size() - first), *this);
}

std::vector<array> array::outputs() const {
  std::vector<array> out = siblings();
  out.insert(out.begin() + std::min<size_t>(desc_->position, out.size()), *this);
  return out;
}

void array::eval() {
  // A buffer alone does not mean the values are there: an async_eval may
  // still be writing it (a kernel allocates its output before it fills it),
  // and eval waits for that work first.
  if (is_available() && scheduler::async_idle()) {
    return;
  }
  mlx::core::eval({*this});
}

void array::detach() {
  desc_->primitive = nullptr;
  desc_->inputs.clear();
  desc_->siblings.clear();
  desc_->sibling_specs.clear();
  desc_->position = 0;
}

void array::set_data(allocator::Buffer buffer) {
  desc_->data = std::make_shared<Data>(buffer, allocator::free);
  desc_->data_ptr = buffer.raw_ptr();
  desc_->data_size = size();
  desc_->strides = row_strides(shape());
  desc_->flags = {true, true, ndim() <= 1 || size() <= 1};
  if (ndim() > 1) {
    // A C-ordered array is also Fortran-ordered when at most one dim > 1.
    int big = 0;
    for (auto s : shape()) {
      big += s > 1;
    }
    desc_->flags.col_contiguous = big <= 1;
  }
}

void array::set_data(allocator::Buffer buffer, size_t data_size, Strides strides, Flags flags) {
  desc_->data = std::make_shared<Data>(buffer, allocator::free);
  desc_->data_ptr = buffer.raw_ptr();
  desc_->data_size = data_size;
  desc_->strides = std::move(strides);
  desc_->flags = flags;
}

void array::copy_shared_buffer(const array& other, const Strides& strides, Flags flags, size_t data_size,
                               int64_t offset_elems) {
  desc_->data = other.desc_->data;
  desc_->data_ptr =
      static_cast<char*>(other.desc_->data_ptr) + offset_elems * static_cast<int64_t>(other.itemsize());
  desc_->strides = strides;
  desc_->flags = flags;
  desc_->data_size = data_size;
}

void array::clear_data() {
  desc_->data = nullptr;
  desc_->data_ptr = nullptr;
  desc_->data_size = 0;
  desc_->strides = row_strides(shape());
  desc_->flags = {};
}

bool array::is_donatable() const {
  // While a transform traces, evaluated nodes keep their inputs for the
  // backward graph still to be built: nothing is donated then.
  if (detail::in_tracing() || desc_.use_count() != 1 || !desc_->data || desc_->data.use_count() != 1) {
    return false;
  }
  auto* f = desc_->data->deleter.target<void (*)(allocator::Buffer)>();
  return f && *f == &allocator::free;
}

void array::copy_shared_buffer(const array& other) {
  copy_shared_buffer(other, other.strides(), other.flags(), other.data_size());
}

array::~array() {
  // Destroying the last handle of a deep unevaluated graph would recurse once
  // per node through ~ArrayDesc. Instead, take over the inputs of every
  // descriptor about to die and release them from an explicit stack. Every
  // input handle is moved onto the stack (whatever its count), so the one
  // that drops a descriptor's count to zero is always released here, never
  // from inside another descriptor's destructor: that covers inputs shared
  // within one node (x + x) and by siblings (the outputs of split).
  if (!desc_ || desc_.use_count() > 1 || desc_->inputs.empty()) {
    return;
  }
  // Nothing deep dies when no input that has inputs itself can lose its
  // last handle here (each is held more often than this node holds
  // handles): the default release then recurses at most one level.
  const long held = long(desc_->inputs.size());
  bool deep = false;
  for (auto& in : desc_->inputs) {
    deep |= in.desc_ && !in.desc_->inputs.empty() && in.desc_.use_count() <= held;
  }
  if (!deep) {
    return;
  }
  std::vector<std::shared_ptr<ArrayDesc>> stack;
  auto take_inputs = [&stack](ArrayDesc& d) {
    for (auto& in : d.inputs) {
      if (in.desc_) {
        stack.push_back(std::move(in.desc_));
      }
    }
    d.inputs.clear();
  };
  take_inputs(*desc_);
  while (!stack.empty()) {
    auto d = std::move(stack.back());
    stack.pop_back();
    if (d.use_count() == 1) {
      take_inputs(*d);
    }
    // d (and its now input-free descriptor) is released here, or, while
    // other handles hold it, its count drops by one.
  }
}

} // namespace mlx::core
