// The primitive of split into consecutive pieces. Included only by its own
// sources.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// The consecutive pieces [bounds[i], bounds[i + 1]) of the input along
// `axis`, as views. One node instead of a Slice per piece, so that the vjp
// concatenates the pieces' cotangents in one copy (a Slice's vjp pads its
// cotangent to the input's shape, and the padded pieces are then added).
class Split : public Primitive {
 public:
  Split(Stream s, int axis, std::vector<int> bounds) : Primitive(s), axis_(axis), bounds_(std::move(bounds)) {}
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

} // namespace mlx::core
