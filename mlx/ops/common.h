// Helpers shared by the op functions.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "mlx/array.h"
#include "mlx/primitives.h"

namespace mlx::core::detail {

// Throws std::invalid_argument("[op] message").
template <typename... Args>
[[noreturn]] void fail(const char* op, const Args&... parts) {
  std::ostringstream msg;
  msg << "[" << op << "] ";
  (msg << ... << parts);
  throw std::invalid_argument(msg.str());
}

// A computed shape dimension as ShapeElem; throws std::overflow_error
// (Python's OverflowError) naming the value when int32 cannot hold it.
ShapeElem checked_dim(int64_t dim, const char* op);

// The element count of an array of `shape` and `dtype`: throws
// invalid_argument for a negative dimension and overflow_error when the
// element or byte count does not fit in int64 (every array is checked so when
// it is made; ops call this to name themselves in the message).
size_t checked_shape_size(const Shape& shape, Dtype dtype, const std::string& op);

// Normalizes a possibly negative axis; throws out_of_range naming `op`.
int normalize_axis(int axis, int ndim, const char* op);

// The same with MLX's wording for ops that say "out of bounds" (sort,
// split, stack and friends).
int check_axis(int axis, int ndim, const char* op);

// Normalized, sorted axes; rejects duplicates.
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim, const char* op);

// `shape` printed as MLX prints it: (2,3), (4).
std::string shape_str(const Shape& shape);

// float32 unless the dtype is already inexact.
inline Dtype at_least_float(Dtype t) { return is_inexact(t) ? t : float32; }

// A jvp rule's tangents for every primal: those of `argnums` from
// `tangents`, zeros for the others (for rules that transform a function of
// all the primals).
std::vector<array> tangents_of_all(const std::vector<array>& primals, const std::vector<array>& tangents,
                                   const std::vector<int>& argnums, Stream s);

// Makes a lazy array with one output.
template <typename P, typename... Args>
array make_node(Shape shape, Dtype dtype, std::vector<array> inputs, Stream s, Args&&... args) {
  return array(std::move(shape), dtype, std::make_shared<P>(s, std::forward<Args>(args)...),
               std::move(inputs));
}

// For the vmap of an op over the last axis: x with its batch axis `ax`
// moved to the front when it is the last axis (ax is updated).
array batch_axis_off_last(const array& x, int& ax, const Stream& s);

// `a` (computed) broadcast to `shape` as a view of its buffer, with no node.
array broadcast_view(const array& a, const Shape& shape);

// broadcast_to for an operand of an op; in a trace for shapeless compile,
// the node also takes `operands`, so that its shape follows theirs when the
// graph is replayed on other shapes.
// The last `own_dims` dims of `a` are its own (not broadcast).
array broadcast_against(const array& a, const Shape& shape, const std::vector<array>& operands,
                        StreamOrDevice s, int own_dims = 0);

} // namespace mlx::core::detail
