// mx.linalg ops backed by LAPACK primitives: checks and node building (the
// rules are in primitives/linalg.cpp).
#include "mlx/linalg.h"

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/linalg.h"
#include "mlx/transforms.h"

namespace mlx::core::linalg {

using detail::fail;

std::pair<array, array> eigh(const array& a, const std::string& uplo, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("linalg::eigh", "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.shape(-1) != a.shape(-2)) {
    fail("linalg::eigh", "Only defined for square matrices but got shape ", detail::shape_str(a.shape()),
         ".");
  }
  if (uplo != "L" && uplo != "U") {
    fail("linalg::eigh", "UPLO must be 'L' or 'U' but got '", uplo, "'.");
  }
  if (a.dtype() != float32 && a.dtype() != float64 && a.dtype() != complex64) {
    fail("linalg::eigh", "Arrays must have type float32, float64 or complex64. Received array with type ",
         dtype_to_string(a.dtype()), ".");
  }
  Shape vals(a.shape().begin(), a.shape().end() - 1);
  // Hermitian matrices have real eigenvalues.
  Dtype wt = a.dtype() == complex64 ? float32 : a.dtype();
  auto outs = array::make_arrays({vals, a.shape()}, {wt, a.dtype()},
                                 std::make_shared<Eigh>(to_stream(s), uplo == "L"), {a});
  return {outs[0], outs[1]};
}

array eigvalsh(const array& a, const std::string& uplo, StreamOrDevice s) { return eigh(a, uplo, s).first; }

namespace {

// The checks shared by inv and cholesky: float32/float64 square matrices.
void check_square(const array& a, const char* op, const char* what) {
  if (a.dtype() != float32 && a.dtype() != float64) {
    fail(op, "Arrays must have type float32 or float64. Received array with type ",
         dtype_to_string(a.dtype()), ".");
  }
  if (a.ndim() < 2) {
    fail(op, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.shape(-1) != a.shape(-2)) {
    fail(op, what);
  }
}

} // namespace

array inv(const array& a, StreamOrDevice s) {
  check_square(a, "linalg::inv", "Inverses are only defined for square matrices.");
  return detail::make_node<Inverse>(a.shape(), a.dtype(), {a}, to_stream(s));
}

array solve(const array& a, const array& b, StreamOrDevice s) {
  check_square(a, "linalg::solve", "The first input must be square matrices.");
  bool vector = b.ndim() == 1 || (b.ndim() == a.ndim() - 1 && b.ndim() >= 1);
  int rows = vector ? b.shape(-1) : (b.ndim() >= 2 ? b.shape(-2) : -1);
  if (b.ndim() == 0 || rows != a.shape(-1)) {
    fail("linalg::solve", "Last dimension of first input with shape ", detail::shape_str(a.shape()),
         " must match second to last dimension of second input with shape ", detail::shape_str(b.shape()),
         ".");
  }
  // Through the inverse (LU with partial pivoting): one factorization per
  // matrix, reused for every right-hand side.
  array x = astype(b, a.dtype(), s);
  if (vector) {
    return squeeze(matmul(inv(a, s), expand_dims(x, -1, s), s), -1, s);
  }
  return matmul(inv(a, s), x, s);
}

array cholesky(const array& a, bool upper, StreamOrDevice s) {
  check_square(a, "linalg::cholesky", "Cholesky decomposition is only defined for square matrices.");
  return detail::make_node<Cholesky>(a.shape(), a.dtype(), {a}, to_stream(s), upper);
}

namespace {

// The checks shared by the factorizations: float32/float64 matrices.
void check_matrices(const array& a, const char* op) {
  if (a.ndim() < 2) {
    fail(op, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64) {
    fail(op, "Arrays must have type float32 or float64. Received array with type ",
         dtype_to_string(a.dtype()), ".");
  }
}

// The factorizations LAPACK also runs on complex64: svd, eig, eigh.
void check_matrices_or_complex(const array& a, const char* op) {
  if (a.ndim() < 2) {
    fail(op, "Arrays must have >= 2 dimensions. Received array with ", a.ndim(), " dimensions.");
  }
  if (a.dtype() != float32 && a.dtype() != float64 && a.dtype() != complex64) {
    fail(op, "Arrays must have type float32, float64 or complex64. Received array with type ",
         dtype_to_string(a.dtype()), ".");
  }
}

Shape with_last(const array& a, std::initializer_list<int> last) {
  Shape sh(a.shape().begin(), a.shape().end() - 2);
  sh.insert(sh.end(), last);
  return sh;
}

} // namespace

std::pair<array, array> lu_factor(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::lu_factor");
  auto outs = luf_node(a, to_stream(s));
  return {outs[0], outs[1]};
}

std::vector<array> lu(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::lu");
  auto outs = luf_node(a, to_stream(s));
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape zero(a.ndim(), 0), stop = a.shape();
  stop[a.ndim() - 1] = k;
  auto l = add(tril(slice(outs[0], zero, stop, s), -1, s), eye(m, k, 0, a.dtype(), s), s);
  stop = a.shape();
  stop[a.ndim() - 2] = k;
  auto u = triu(slice(outs[0], zero, stop, s), 0, s);
  (void)n;
  return {outs[2], l, u};
}

std::pair<array, array> qr(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::qr");
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  auto outs = array::make_arrays({with_last(a, {m, k}), with_last(a, {k, n})}, {a.dtype(), a.dtype()},
                                 std::make_shared<QRF>(to_stream(s)), {a});
  return {outs[0], outs[1]};
}

std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s) {
  check_matrices_or_complex(a, "linalg::svd");
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  Shape values(a.shape().begin(), a.shape().end() - 2);
  values.push_back(k);
  auto prim = std::make_shared<SVD>(to_stream(s), compute_uv);
  // Singular values are real.
  Dtype st = a.dtype() == complex64 ? float32 : a.dtype();
  if (!compute_uv) {
    return array::make_arrays({values}, {st}, prim, {a});
  }
  return array::make_arrays({with_last(a, {m, m}), values, with_last(a, {n, n})}, {a.dtype(), st, a.dtype()},
                            prim, {a});
}

array pinv(const array& a, StreamOrDevice s) {
  check_matrices(a, "linalg::pinv");
  int m = a.shape(-2), n = a.shape(-1), k = std::min(m, n);
  if (k == 0) {
    // The pseudo-inverse of an empty matrix: zeros of the transposed shape.
    Shape t = a.shape();
    std::swap(t[t.size() - 1], t[t.size() - 2]);
    return zeros(t, a.dtype(), s);
  }
  auto usv = svd(a, true, s);
  // Singular values at most max(m, n) eps times the largest count as zero.
  double eps = a.dtype() == float64 ? 2.220446049250313e-16 : 1.1920928955078125e-07;
  auto& sv = usv[1];
  auto cutoff = multiply(max(sv, -1, true, s), array(static_cast<float>(std::max(m, n) * eps), a.dtype()), s);
  auto inv_s = where(greater(sv, cutoff, s), divide(array(1, a.dtype()), sv, s), array(0, a.dtype()), s);
  Shape zero(a.ndim(), 0), u_stop = usv[0].shape(), v_stop = usv[2].shape();
  u_stop[a.ndim() - 1] = k;
  v_stop[a.ndim() - 2] = k;
  auto u = slice(usv[0], zero, u_stop, s);  // (m, k)
  auto vt = slice(usv[2], zero, v_stop, s); // (k, n)
  // V diag(1/s) U^T
  return matmul(swapaxes(vt, -1, -2, s), multiply(expand_dims(inv_s, -1, s), swapaxes(u, -1, -2, s), s), s);
}

namespace {

// slogdet with its checks in the name of `op` (det reports as linalg::det).
std::pair<array, array> slogdet_checked(const array& a_in, const char* op, StreamOrDevice s) {
  if (a_in.ndim() < 2) {
    fail(op, "Arrays must have >= 2 dimensions. Received array with ", a_in.ndim(), " dimensions.");
  }
  if (a_in.shape(-1) != a_in.shape(-2)) {
    fail(op, "Only defined for square matrices.");
  }
  if (is_complex(a_in.dtype())) {
    fail(op, "Complex inputs are not supported.");
  }
  array a = is_floating_point(a_in.dtype()) && a_in.dtype() != float16 && a_in.dtype() != bfloat16
                ? a_in
                : astype(a_in, float32, s);
  check_square(a, op, "Only defined for square matrices.");
  auto stream = to_stream(s);
  // From the LU factors: the product of U's diagonal, negated once per
  // row swap. The gradient of log|det| is inv(a)^T.
  auto fun = [stream](const std::vector<array>& xs) {
    auto outs = luf_node(xs[0], stream);
    auto d = diagonal(outs[0], 0, -2, -1, stream);
    int n = xs[0].shape(-1);
    auto swaps = sum(astype(not_equal(outs[1], astype(arange(0, n, int32, stream), uint32, stream), stream),
                            int32, stream),
                     -1, false, stream);
    auto parity =
        subtract(array(1, xs[0].dtype()),
                 multiply(array(2, xs[0].dtype()),
                          astype(remainder(swaps, array(2), stream), xs[0].dtype(), stream), stream),
                 stream);
    // (+ 0 turns the -0 of a singular matrix with an odd permutation to 0.)
    auto sgn = add(multiply(parity, prod(sign(d, stream), -1, false, stream), stream),
                   array(0, xs[0].dtype()), stream);
    auto logabs = sum(log(abs(d, stream), stream), -1, false, stream);
    return std::vector<array>{sgn, logabs};
  };
  auto vjp = [stream](const std::vector<array>& primals, const std::vector<array>& cots,
                      const std::vector<array>&) {
    auto g = expand_dims(cots[1], {-2, -1}, stream);
    return std::vector<array>{multiply(g, swapaxes(inv(primals[0], stream), -1, -2, stream), stream)};
  };
  auto outs = custom_function(fun, vjp)({a});
  return {outs[0], outs[1]};
}

} // namespace

std::pair<array, array> slogdet(const array& a_in, StreamOrDevice s) {
  return slogdet_checked(a_in, "linalg::slogdet", s);
}

namespace {

std::vector<array> eig_outputs(const array& a, bool vectors, StreamOrDevice s) {
  check_matrices_or_complex(a, "linalg::eig");
  if (a.shape(-1) != a.shape(-2)) {
    fail("linalg::eig", "Only defined for square matrices.");
  }
  Shape w(a.shape().begin(), a.shape().end() - 1);
  auto prim = std::make_shared<Eig>(to_stream(s), vectors);
  if (!vectors) {
    return array::make_arrays({w}, {complex64}, prim, {a});
  }
  return array::make_arrays({w, a.shape()}, {complex64, complex64}, prim, {a});
}

} // namespace

std::pair<array, array> eig(const array& a, StreamOrDevice s) {
  auto outs = eig_outputs(a, true, s);
  return {outs[0], outs[1]};
}

array eigvals(const array& a, StreamOrDevice s) { return eig_outputs(a, false, s)[0]; }

array det(const array& a, StreamOrDevice s) {
  auto [sgn, logabs] = slogdet_checked(a, "linalg::det", s);
  return multiply(sgn, exp(logabs, s), s);
}

} // namespace mlx::core::linalg
