// Linear-algebra primitives computed by LAPACK.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// outputs: eigenvalues (..., n), eigenvectors (..., n, n) as columns.
class Eigh : public Primitive {
 public:
  Eigh(Stream s, bool lower) : Primitive(s), lower_(lower) {}
  MLX_PRIMITIVE_BODY(Eigh)
  MLX_TRANSFORM_RULES

 private:
  bool lower_;
};

} // namespace mlx::core
