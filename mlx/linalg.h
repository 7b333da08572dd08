// mx.linalg (the part implemented so far): eigen-decomposition of
// symmetric matrices through LAPACK, and norm and cross composed from ops.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::linalg {

// Eigenvalues (ascending) and eigenvectors (as columns) of the symmetric
// matrices in the last two dims of `a`, reading its `uplo` ("L" or "U")
// triangle. float32 and float64.
std::pair<array, array> eigh(const array& a, const std::string& uplo = "L", StreamOrDevice s = {});
array eigvalsh(const array& a, const std::string& uplo = "L", StreamOrDevice s = {});

// The inverse of the square matrices in the last two dims (float32 and
// float64); singular matrices fail at evaluation.
array inv(const array& a, StreamOrDevice s = {});

// x with a x = b: b a vector (..., n) or matrices (..., n, k).
array solve(const array& a, const array& b, StreamOrDevice s = {});

// The lower (or upper) Cholesky factor of symmetric positive-definite
// matrices; matrices that are not positive definite fail at evaluation.
array cholesky(const array& a, bool upper = false, StreamOrDevice s = {});

// The inverse of the lower (or upper) triangle of square matrices (the
// other triangle is ignored).
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});

// x with t x = b for t the lower (or upper) triangle of a.
array solve_triangular(const array& a, const array& b, bool upper = false, StreamOrDevice s = {});

// The inverse of A = L L^T (or U^T U) from its Cholesky factor.
array cholesky_inv(const array& factor, bool upper = false, StreamOrDevice s = {});

// A norm order: a number (inf and -inf included) or "fro" / "nuc".
using NormOrder = std::variant<double, std::string>;

// Vector norms over one axis, matrix norms over two, as numpy.linalg.norm:
// with neither `ord` nor `axes`, the 2-norm of the flattened input. Real
// results (float32 unless the input is a wider or half float).
array norm(const array& a, const std::optional<NormOrder>& ord = std::nullopt,
           const std::optional<std::vector<int>>& axes = std::nullopt, bool keepdims = false,
           StreamOrDevice s = {});

// The cross product of 3-vectors (2-vectors get a zero third component)
// along `axis`, a and b broadcast against each other.
array cross(const array& a, const array& b, int axis = -1, StreamOrDevice s = {});

// LU factorization with partial pivoting: the packed factors and the row
// swaps (lu_factor), or the permutation p, L (m, k) and U (k, n) with
// a[i] = (L U)[p[i]] (lu).
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});
std::vector<array> lu(const array& a, StreamOrDevice s = {});

// The reduced QR factorization: Q (m, k) and R (k, n).
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});

// U (m, m), the singular values and V^T (n, n); only the values when not
// compute_uv.
std::vector<array> svd(const array& a, bool compute_uv = true, StreamOrDevice s = {});

// The pseudo-inverse from the SVD (values up to max(m, n) eps of the
// largest count as zero).
array pinv(const array& a, StreamOrDevice s = {});

// Eigenvalues and right eigenvectors (columns, unit norm) of general
// square matrices, complex64.
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});
array eigvals(const array& a, StreamOrDevice s = {});

// The determinant, and its sign with the log of its absolute value, of
// square matrices (integers as float32); differentiable.
array det(const array& a, StreamOrDevice s = {});
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});

} // namespace mlx::core::linalg
