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

// The inverse of each matrix in the last two dims (LU with partial
// pivoting); a singular matrix fails at evaluation.
class Inverse : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(Inverse)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override { return dynamic_cast<const Inverse*>(&other); }
};

// The Cholesky factor (lower, or upper when `upper`) of each symmetric
// positive-definite matrix in the last two dims, the other triangle zero.
class Cholesky : public Primitive {
 public:
  Cholesky(Stream s, bool upper) : Primitive(s), upper_(upper) {}
  MLX_PRIMITIVE_BODY(Cholesky)
  MLX_TRANSFORM_RULES

 private:
  bool upper_;
};

} // namespace mlx::core
