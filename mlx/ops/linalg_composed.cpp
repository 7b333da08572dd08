// mx.linalg.norm, cross and the triangular helpers (tri_inv,
// solve_triangular, cholesky_inv), composed from existing ops (so they get
// gradients, vmap and compile for free). The singular values that the
// 2, -2 and "nuc" matrix norms need come from the eigenvalues of the Gram
// matrix, formed and decomposed in float64.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "mlx/linalg.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"

namespace mlx::core::linalg {

namespace {

constexpr const char* kNorm = "linalg::norm";

std::string order_str(const NormOrder& ord) {
  if (auto* s = std::get_if<std::string>(&ord)) {
    return "'" + *s + "'";
  }
  std::ostringstream msg;
  msg << std::get<double>(ord);
  return msg.str();
}

// |x| in a real floating type (complex -> float32, integers -> float32).
array magnitude(const array& a, const Stream& s) {
  array m = is_complex(a.dtype()) ? abs(a, s) : a;
  return astype(abs(m, s), detail::at_least_float(m.dtype()), s);
}

array vector_norm(const array& a, double p, const std::vector<int>& axes, bool keepdims, const Stream& s) {
  array x = magnitude(a, s);
  if (p == 2.0) {
    return sqrt(sum(square(x, s), axes, keepdims, s), s);
  }
  if (std::isinf(p)) {
    return p > 0 ? max(x, axes, keepdims, s) : min(x, axes, keepdims, s);
  }
  if (p == 0.0) {
    return astype(sum(not_equal(x, array(0.0, x.dtype()), s), axes, keepdims, s), x.dtype(), s);
  }
  if (p == 1.0) {
    return sum(x, axes, keepdims, s);
  }
  array e(p, x.dtype());
  return power(sum(power(x, e, s), axes, keepdims, s), reciprocal(e, s), s);
}

// The singular values of the matrices spanned by axes (r, c), as the last
// axis of the result (the other axes keep their order).
array singular_values(const array& a, int r, int c, const Stream& s) {
  if (is_complex(a.dtype())) {
    detail::fail(kNorm, "Singular-value norms of complex matrices are not supported.");
  }
  array x = moveaxis(moveaxis(a, r, -1, s), c > r ? c - 1 : c, -1, s); // (..., rows, cols)
  x = astype(x, float64, s);
  bool wide = x.shape(-2) <= x.shape(-1);
  array xt = swapaxes(x, -1, -2, s);
  array gram = wide ? matmul(x, xt, s) : matmul(xt, x, s);
  return sqrt(maximum(eigvalsh(gram, "L", s), array(0.0, float64), s), s);
}

array matrix_norm(const array& a, const NormOrder& ord, int r, int c, bool keepdims, const Stream& s) {
  Dtype out_type = is_complex(a.dtype()) ? float32 : detail::at_least_float(a.dtype());
  auto restore = [&](array v) {
    // Reductions below keep both axes; drop them unless asked not to.
    return keepdims ? v : squeeze(v, {std::min(r, c), std::max(r, c)}, s);
  };
  if (auto* name = std::get_if<std::string>(&ord)) {
    if (*name == "fro") {
      return vector_norm(a, 2.0, {r, c}, keepdims, s);
    }
    if (*name == "nuc") {
      array sv = sum(singular_values(a, r, c, s), -1, false, s);
      if (keepdims) {
        sv = expand_dims(sv, {std::min(r, c), std::max(r, c)}, s);
      }
      return astype(sv, out_type, s);
    }
    detail::fail(kNorm, "Invalid ord value ", order_str(ord), " for matrix norm.");
  }
  double p = std::get<double>(ord);
  if (p == 2.0 || p == -2.0) {
    array sv = singular_values(a, r, c, s);
    array v = p > 0 ? max(sv, -1, false, s) : min(sv, -1, false, s);
    if (keepdims) {
      v = expand_dims(v, {std::min(r, c), std::max(r, c)}, s);
    }
    return astype(v, out_type, s);
  }
  if (std::abs(p) == 1.0 || std::isinf(p)) {
    // 1: the largest column sum of |a|; inf: the largest row sum (-1 and
    // -inf: the smallest).
    int summed = std::isinf(p) ? c : r;
    int across = std::isinf(p) ? r : c;
    array sums = sum(magnitude(a, s), summed, true, s);
    array v = p > 0 ? max(sums, across, true, s) : min(sums, across, true, s);
    return restore(v);
  }
  detail::fail(kNorm, "Invalid ord ", order_str(ord), " for matrix norm.");
}

} // namespace

array norm(const array& a, const std::optional<NormOrder>& ord,
           const std::optional<std::vector<int>>& axes_in, bool keepdims, StreamOrDevice s_) {
  Stream s = to_stream(s_);
  std::vector<int> axes;
  if (axes_in) {
    for (int ax : *axes_in) {
      axes.push_back(detail::normalize_axis(ax, a.ndim(), kNorm));
    }
    if (axes.size() == 2 && axes[0] == axes[1]) {
      detail::fail(kNorm, "Duplicate axes detected in reduction.");
    }
  } else {
    if (!ord) {
      // The 2-norm of everything, whatever the rank.
      std::vector<int> all(a.ndim());
      for (int i = 0; i < a.ndim(); ++i) {
        all[i] = i;
      }
      return vector_norm(a, 2.0, all, keepdims, s);
    }
    for (int i = 0; i < a.ndim(); ++i) {
      axes.push_back(i);
    }
  }
  if (axes.size() > 2) {
    if (ord && std::holds_alternative<std::string>(*ord)) {
      detail::fail(kNorm, "Norm ", order_str(*ord), " only supported for matrices, but received ",
                   axes.size(), " axis/axes.");
    }
    detail::fail(kNorm, "Received too many axes for norm.");
  }
  if (axes.size() == 2) {
    return matrix_norm(a, ord.value_or(NormOrder(std::string("fro"))), axes[0], axes[1], keepdims, s);
  }
  if (ord && std::holds_alternative<std::string>(*ord)) {
    detail::fail(kNorm, "Norm ", order_str(*ord), " only supported for matrices, but received ", axes.size(),
                 " axis/axes.");
  }
  return vector_norm(a, ord ? std::get<double>(*ord) : 2.0, axes, keepdims, s);
}

array tri_inv(const array& a, bool upper, StreamOrDevice s) {
  if (a.ndim() < 2) {
    detail::fail("linalg::tri_inv", "Arrays must have >= 2 dimensions. Received array with ", a.ndim(),
                 " dimensions.");
  }
  // The inverse of a triangular matrix is triangular: the other triangle
  // is made exactly zero (LU's pivoting may leave -0 there).
  array t = inv(upper ? triu(a, 0, s) : tril(a, 0, s), s);
  return upper ? triu(t, 0, s) : tril(t, 0, s);
}

array solve_triangular(const array& a, const array& b, bool upper, StreamOrDevice s) {
  if (a.ndim() < 2 || a.shape(-1) != a.shape(-2)) {
    detail::fail("linalg::solve_triangular", "The first input must be square matrices.");
  }
  bool vector = b.ndim() == 1 || (b.ndim() == a.ndim() - 1 && b.ndim() >= 1);
  int rows = b.ndim() == 0 ? -1 : (vector ? b.shape(-1) : b.shape(-2));
  if (rows != a.shape(-1)) {
    detail::fail("linalg::solve_triangular", "Last dimension of first input with shape ",
                 detail::shape_str(a.shape()),
                 " must match second to last dimension of second input with shape ",
                 detail::shape_str(b.shape()), ".");
  }
  return solve(upper ? triu(a, 0, s) : tril(a, 0, s), b, s);
}

array cholesky_inv(const array& factor, bool upper, StreamOrDevice s) {
  if (factor.ndim() < 2 || factor.shape(-1) != factor.shape(-2)) {
    detail::fail("linalg::cholesky_inv", "Cholesky inverse is only defined for square matrices.");
  }
  // A = L L^T: A^-1 = L^-T L^-1; A = U^T U: A^-1 = U^-1 U^-T.
  array t = tri_inv(factor, upper, s);
  array tt = swapaxes(t, -1, -2, s);
  return upper ? matmul(t, tt, s) : matmul(tt, t, s);
}

array cross(const array& a, const array& b, int axis, StreamOrDevice s_) {
  Stream s = to_stream(s_);
  constexpr const char* kCross = "linalg::cross";
  // Each input's axis in its own rank; the two broadcast against each other
  // elsewhere, and a 2-vector gets a zero third component.
  int ax_a = detail::normalize_axis(axis, a.ndim(), kCross);
  int ax_b = detail::normalize_axis(axis, b.ndim(), kCross);
  for (auto [x, ax] : {std::pair<const array&, int>{a, ax_a}, std::pair<const array&, int>{b, ax_b}}) {
    if (x.shape(ax) != 2 && x.shape(ax) != 3) {
      detail::fail(kCross, "The specified axis must have size 2 or 3.");
    }
  }
  auto component = [&](const array& x, int ax, int i) {
    Shape start(x.ndim(), 0), stop = x.shape();
    if (i >= x.shape(ax)) {
      stop[ax] = 1;
      return zeros(stop, x.dtype(), s);
    }
    start[ax] = i;
    stop[ax] = i + 1;
    return slice(x, start, stop, s);
  };
  array a0 = component(a, ax_a, 0), a1 = component(a, ax_a, 1), a2 = component(a, ax_a, 2);
  array b0 = component(b, ax_b, 0), b1 = component(b, ax_b, 1), b2 = component(b, ax_b, 2);
  int ndim = std::max(a.ndim(), b.ndim());
  int out_axis = axis < 0 ? axis + ndim : axis + (ndim - a.ndim());
  return concatenate({subtract(multiply(a1, b2, s), multiply(a2, b1, s), s),
                      subtract(multiply(a2, b0, s), multiply(a0, b2, s), s),
                      subtract(multiply(a0, b1, s), multiply(a1, b0, s), s)},
                     out_axis, s);
}

} // namespace mlx::core::linalg
