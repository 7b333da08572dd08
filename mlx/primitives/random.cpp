// Transformation rules of RandomBits.
#include "mlx/ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

bool RandomBits::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const RandomBits*>(&other);
  return o && o->shape_ == shape_ && o->width_ == width_;
}

// Bits are integers of the key: no derivative flows through them.
std::vector<array> RandomBits::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&) {
  Shape shape(primals[0].shape().begin(), primals[0].shape().end() - 1);
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {zeros(shape, width_ == 1 ? uint8 : width_ == 2 ? uint16 : uint32, stream())};
}
std::vector<array> RandomBits::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

// A batched key gives one block of bits per key: the batch axis goes first.
std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(const std::vector<array>& in,
                                                                 const std::vector<int>& axes) {
  auto keys = in[0];
  int ax = axes[0];
  if (ax > 0) {
    keys = moveaxis(keys, ax, 0, stream());
  }
  Shape shape(keys.shape().begin(), keys.shape().end() - 1);
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  Dtype t = width_ == 1 ? uint8 : width_ == 2 ? uint16 : uint32;
  auto out = array(shape, t, std::make_shared<RandomBits>(stream(), shape_, width_), {keys});
  return {{out}, {ax >= 0 ? 0 : -1}};
}

} // namespace mlx::core
