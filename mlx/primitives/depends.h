// The primitive of mx.depends. Included only by its own source.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Passes its first `n` inputs through; the others only have to be evaluated
// first. Outputs share the buffers of those inputs.
class Depends : public Primitive {
 public:
  Depends(Stream s, int n) : Primitive(s), n_(n) {}
  MLX_PRIMITIVE_BODY(Depends)
  MLX_TRANSFORM_RULES

 private:
  int n_;
};

} // namespace mlx::core
