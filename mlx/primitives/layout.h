// Layout primitives: views (reshape, transpose, broadcast, slice, strided
// views, splits, bit casts) and copies (concatenation, contiguous copies).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/primitive.h"
#include "mlx/primitives/elementwise.h"

namespace mlx::core {

// Row-contiguous copy of the input.
MLX_ELEMENTWISE(Copy)

// A view when the input's layout allows it, otherwise a copy.
class Reshape : public Primitive {
 public:
  // `requested` is the shape as asked for (a -1 kept), `in_shape` the
  // input's: together they let shapeless compile redo the reshape on
  // inputs of other shapes (see output_shapes).
  // expand_dims and squeeze also give the size-1 axes they insert (axes
  // of the output, `inserts`) or remove (axes of the input), which the
  // shapes alone can leave ambiguous: shapeless compile redoes exactly that.
  Reshape(Stream s, Shape shape, Shape requested = {}, Shape in_shape = {}, std::vector<int> ones = {},
          bool inserts = false)
      : Primitive(s),
        shape_(std::move(shape)),
        requested_(std::move(requested)),
        in_shape_(std::move(in_shape)),
        ones_(std::move(ones)),
        inserts_(inserts) {}
  MLX_PRIMITIVE_BODY(Reshape)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  Shape shape_, requested_, in_shape_;
  std::vector<int> ones_;
  bool inserts_;
};

// Always a view.
class Transpose : public Primitive {
 public:
  Transpose(Stream s, std::vector<int> axes) : Primitive(s), axes_(std::move(axes)) {}
  MLX_PRIMITIVE_BODY(Transpose)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  std::vector<int> axes_;
};

// A view with stride 0 along the broadcast dims.
//
// Inputs past the first (only in graphs traced for shapeless compile) are
// the operands it was broadcast against: its shape is then theirs
// broadcast together, whatever shapes they have at a later call, except
// for the last `own_dims` dims, which stay those of the first input (the
// matrix dims of a batched matmul operand).
class Broadcast : public Primitive {
 public:
  Broadcast(Stream s, Shape shape, int own_dims = 0)
      : Primitive(s), shape_(std::move(shape)), own_dims_(own_dims) {}
  MLX_PRIMITIVE_BODY(Broadcast)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  std::pair<std::vector<array>, std::vector<int>> vmap_against_operands(const std::vector<array>& inputs,
                                                                        const std::vector<int>& axes);
  Shape shape_;
  int own_dims_;
};

// A strided view: out[i] = in[start + i * step] along each dim.
class Slice : public Primitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape strides)
      : Primitive(s), start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  MLX_PRIMITIVE_BODY(Slice)
  MLX_TRANSFORM_RULES

 private:
  Shape start_, stop_, strides_;
};

// Reinterprets the bytes of the input as another dtype.
class View : public Primitive {
 public:
  View(Stream s, Dtype dtype) : Primitive(s), dtype_(dtype) {}
  MLX_PRIMITIVE_BODY(View)
  MLX_TRANSFORM_RULES

 private:
  Dtype dtype_;
};

// Joins its inputs (same dtype, equal shapes off `axis`) along `axis`.
class Concatenate : public Primitive {
 public:
  Concatenate(Stream s, int axis) : Primitive(s), axis_(axis) {}
  MLX_PRIMITIVE_BODY(Concatenate)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  int axis_;
};

// A view of the row-contiguous input with explicit element strides/offset.
class AsStrided : public Primitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, size_t offset)
      : Primitive(s), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset) {}
  MLX_PRIMITIVE_BODY(AsStrided)
  MLX_TRANSFORMS_BODY

 private:
  Shape shape_;
  Strides strides_;
  size_t offset_;
};

// The consecutive pieces [bounds[i], bounds[i + 1]) of the input along
// `axis`, as views. One node instead of a Slice per piece, so that the vjp
// concatenates the pieces' cotangents in one copy (a Slice's vjp pads its
// cotangent to the input's shape, and the padded pieces are then added).
class Split : public Primitive {
 public:
  Split(Stream s, int axis, std::vector<int> bounds)
      : Primitive(s), axis_(axis), bounds_(std::move(bounds)) {}
  MLX_PRIMITIVE_BODY(Split)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Split*>(&other);
    return o && o->axis_ == axis_ && o->bounds_ == bounds_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  int axis() const { return axis_; }
  const std::vector<int>& bounds() const { return bounds_; }

 private:
  int axis_;
  std::vector<int> bounds_;
};

namespace detail {

// The consecutive pieces [bounds[i], bounds[i + 1]) of `a` along `axis`,
// all outputs of one Split node.
std::vector<array> split_pieces(const array& a, int axis, std::vector<int> bounds, const Stream& s);

} // namespace detail

} // namespace mlx::core
