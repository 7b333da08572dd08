// Indexing primitives: gather, scatter and slice updates.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

// inputs: {src, idx_0, ..., idx_k-1} with the indices broadcast to one
// shape I. out[i, s...] = src[idx_0[i] + s_axes0, ..., s_other...]: the
// slice of size slice_sizes starting at the indexed position. Negative
// indices count from the end; indices are clamped into range.
class Gather : public Primitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : Primitive(s), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}
  MLX_PRIMITIVE_BODY(Gather)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// inputs: {a, idx_0, ..., idx_k-1, updates}; updates has shape I followed
// by a slice of a.ndim() dims. Writes (or reduces) each update slice into a
// copy of `a` at the indexed position along axes_. Duplicates are applied in
// order, so they accumulate for the reductions and the last one wins for None.
class Scatter : public Primitive {
 public:
  enum ReduceType { None, Sum, Prod, Max, Min };
  Scatter(Stream s, ReduceType type, std::vector<int> axes)
      : Primitive(s), type_(type), axes_(std::move(axes)) {}
  MLX_PRIMITIVE_BODY(Scatter)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

// inputs: {src, update}: a copy of src with src[start:stop:strides] (bounds
// already normalized) replaced by update (of the slice's shape).
class SliceUpdate : public Primitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape stop, Shape strides)
      : Primitive(s), start_(std::move(start)), stop_(std::move(stop)), strides_(std::move(strides)) {}
  MLX_PRIMITIVE_BODY(SliceUpdate)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  Shape start_, stop_, strides_;
};

} // namespace mlx::core
