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

// LU factorization with partial pivoting (getrf) of each (m, n) matrix:
// outputs the packed factors (m, n) (L strictly below the diagonal, with
// a unit diagonal left implicit, and U on and above it), the row swaps
// (k = min(m, n) of them, 0-based: row i was swapped with pivots[i]) and
// the permutation p (m) with a[i] = (L U)[p[i]], both uint32.
class LUF : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(LUF)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override { return dynamic_cast<const LUF*>(&other); }
};

// The LUF node's outputs for a (the factors, swaps, permutation).
std::vector<array> luf_node(const array& a, Stream s);

// The reduced QR factorization (geqrf, orgqr) of each (m, n) matrix:
// Q (m, k) with orthonormal columns and R (k, n) upper triangular.
class QRF : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(QRF)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override { return dynamic_cast<const QRF*>(&other); }
};

// The singular value decomposition (gesdd) of each (m, n) matrix: U (m, m),
// the k singular values (descending) and V^T (n, n); only the values when
// not compute_uv.
class SVD : public Primitive {
 public:
  SVD(Stream s, bool compute_uv) : Primitive(s), compute_uv_(compute_uv) {}
  MLX_PRIMITIVE_BODY(SVD)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const SVD*>(&other);
    return o && o->compute_uv_ == compute_uv_;
  }

 private:
  bool compute_uv_;
};

// The eigenvalues (geev) of each general square matrix, complex64, and
// with compute_vectors the right eigenvectors as columns (unit norm).
class Eig : public Primitive {
 public:
  Eig(Stream s, bool compute_vectors) : Primitive(s), compute_vectors_(compute_vectors) {}
  MLX_PRIMITIVE_BODY(Eig)
  MLX_TRANSFORM_RULES
  bool is_equivalent(const Primitive& other) const override {
    auto* o = dynamic_cast<const Eig*>(&other);
    return o && o->compute_vectors_ == compute_vectors_;
  }

 private:
  bool compute_vectors_;
};

} // namespace mlx::core
