// Transformation rules of the elementwise primitives. Each op states its
// derivative (`partial`) and how to re-apply itself (`apply`); the
// Elementwise base turns those into jvp, vjp and vmap.
#include <cmath>

#include "mlx/ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

std::vector<Shape> Elementwise::output_shapes(const std::vector<array>& inputs) {
  // Ops broadcast their operands first; a node replayed on operands of
  // different shapes cannot run.
  for (auto& in : inputs) {
    if (in.shape() != inputs[0].shape()) {
      throw std::invalid_argument(std::string("[Primitive::output_shapes] ") + name() +
                                  " cannot infer output shapes.");
    }
  }
  return {inputs[0].shape()};
}

array Elementwise::partial(int i, const std::vector<array>& inputs, const array&) {
  return zeros_like(inputs[i], stream());
}

namespace {
// A constant derivative: a 0-d array of x's type (see times_partial).
array scalar_like(double v, const array& x) { return array(v, x.dtype()); }

array conj_if_complex(const array& x, const Stream& s) { return is_complex(x.dtype()) ? conjugate(x, s) : x; }

// t * partial. Constant partials are 0-d arrays (scalar_like below), so
// that no full array of ones is made and multiplied: 1 passes t through,
// -1 negates it, any other constant broadcasts.
array times_partial(const array& t, const array& partial, const Stream& s) {
  if (partial.ndim() == 0 && partial.is_available() && !partial.has_primitive() &&
      !is_complex(partial.dtype())) {
    double v = array(partial).item<double>();
    if (v == 1.0 && t.dtype() == promote_types(t.dtype(), partial.dtype())) {
      return t;
    }
    if (v == -1.0 && t.dtype() == promote_types(t.dtype(), partial.dtype())) {
      return negative(t, s);
    }
  }
  return multiply(t, partial, s);
}
} // namespace

// Complex inputs follow MLX: jvp is the derivative along a real step,
// t * partial; vjp gives cot * conj(partial), the gradient dL/dRe + i dL/dIm
// of L = Re(sum(conj(cot) * out)). Conjugation is not complex-linear, so its
// rules are stated directly.
std::vector<array> Elementwise::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  if (dynamic_cast<const Conjugate*>(this)) {
    return {conjugate(tangents[0], stream())};
  }
  auto out = apply(primals);
  if (out.dtype() == bool_) {
    // Boolean results have zero tangents, in the tangents' dtype (as MLX).
    return {zeros(out.shape(), tangents[0].dtype(), stream())};
  }
  std::optional<array> total;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = times_partial(tangents[k], partial(argnums[k], primals, out), stream());
    total = total ? add(*total, term, stream()) : term;
  }
  return {astype(*total, out.dtype(), stream())};
}

std::vector<array> Elementwise::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>& outputs) {
  if (dynamic_cast<const Conjugate*>(this)) {
    return {conjugate(cotangents[0], stream())};
  }
  std::vector<array> out;
  for (int i : argnums) {
    auto g =
        times_partial(cotangents[0], conj_if_complex(partial(i, primals, outputs[0]), stream()), stream());
    out.push_back(astype(g, primals[i].dtype(), stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Elementwise::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  // Batched inputs carry the batch axis first; unbatched ones, one dim
  // shorter, broadcast against them from the right.
  int ndim = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ndim = std::max(ndim, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  std::vector<array> moved;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      auto x = moveaxis(inputs[i], axes[i], 0, stream());
      // Pad missing leading dims after the batch axis (ranks may differ).
      int missing = ndim - (x.ndim() - 1);
      if (missing > 0) {
        Shape shape = x.shape();
        shape.insert(shape.begin() + 1, missing, 1);
        x = reshape(x, shape, stream());
      }
      moved.push_back(x);
    } else {
      moved.push_back(inputs[i]);
    }
  }
  return {{apply(moved)}, {0}};
}

// ---- unary: apply, then the derivative in terms of x = in[0] and out.
#define MLX_UNARY_RULES(Name, op, deriv)                                          \
  array Name::apply(const std::vector<array>& in) { return op(in[0], stream()); } \
  array Name::partial(int, const std::vector<array>& in, const array& out) {      \
    const array& x = in[0];                                                       \
    (void)x;                                                                      \
    (void)out;                                                                    \
    auto s = stream();                                                            \
    (void)s;                                                                      \
    return deriv;                                                                 \
  }

// |z|: d|z| = Re(conj(z) dz) / |z| for complex z.
MLX_UNARY_RULES(Abs, abs,
                is_complex(x.dtype()) ? divide(conjugate(x, s), astype(out, x.dtype(), s), s) : sign(x, s))
MLX_UNARY_RULES(Copy, copy, scalar_like(1, x))

// Piecewise-constant or non-numeric ops: zero derivative.
#define MLX_UNARY_ZERO_GRAD(Name, op)                                             \
  array Name::apply(const std::vector<array>& in) { return op(in[0], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {    \
    return Elementwise::partial(i, in, out);                                      \
  }

// Re z = real(1 * z), Im z = real(-i * z): their partials on complex input.
array Real::apply(const std::vector<array>& in) { return real(in[0], stream()); }
array Real::partial(int, const std::vector<array>& in, const array&) { return scalar_like(1, in[0]); }
array Imag::apply(const std::vector<array>& in) { return imag(in[0], stream()); }
array Imag::partial(int i, const std::vector<array>& in, const array& out) {
  if (!is_complex(in[0].dtype())) {
    return Elementwise::partial(i, in, out);
  }
  return array(complex64_t(0.0f, -1.0f));
}

array Round::apply(const std::vector<array>& in) { return round(in[0], decimals_, stream()); }
array Round::partial(int i, const std::vector<array>& in, const array& out) {
  return Elementwise::partial(i, in, out);
}

array AsType::apply(const std::vector<array>& in) { return astype(in[0], dtype_, stream()); }
array AsType::partial(int, const std::vector<array>& in, const array&) { return scalar_like(1, in[0]); }

// ---- binary: derivative with respect to in[i], from a = in[0], b = in[1].
#define MLX_BINARY_RULES(Name, op, da, db)                                               \
  array Name::apply(const std::vector<array>& in) { return op(in[0], in[1], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {           \
    const array& a = in[0];                                                              \
    const array& b = in[1];                                                              \
    (void)a;                                                                             \
    (void)b;                                                                             \
    (void)out;                                                                           \
    auto s = stream();                                                                   \
    (void)s;                                                                             \
    return i == 0 ? (da) : (db);                                                         \
  }

#define MLX_BINARY_ZERO_GRAD(Name, op)                                                   \
  array Name::apply(const std::vector<array>& in) { return op(in[0], in[1], stream()); } \
  array Name::partial(int i, const std::vector<array>& in, const array& out) {           \
    return Elementwise::partial(i, in, out);                                             \
  }

// ---- the rows of the table
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) MLX_UNARY_RULES(Name, op, derivative)
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel) MLX_UNARY_ZERO_GRAD(Name, op)
#define MLX_PREDICATE(Name, op) MLX_UNARY_ZERO_GRAD(Name, op)
#define MLX_BINARY(Name, op, Types, da, db) MLX_BINARY_RULES(Name, op, da, db)
#define MLX_BINARY_NO_GRAD(Name, op, Types) MLX_BINARY_ZERO_GRAD(Name, op)
#define MLX_COMPARISON(Name, op) MLX_BINARY_ZERO_GRAD(Name, op)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
#undef MLX_UNARY_RULES
#undef MLX_UNARY_ZERO_GRAD
#undef MLX_BINARY_RULES
#undef MLX_BINARY_ZERO_GRAD

array Equal::apply(const std::vector<array>& in) {
  if (equal_nan_) {
    auto both_nan = logical_and(isnan(in[0], stream()), isnan(in[1], stream()), stream());
    return logical_or(equal(in[0], in[1], stream()), both_nan, stream());
  }
  return equal(in[0], in[1], stream());
}
array Equal::partial(int i, const std::vector<array>& in, const array& out) {
  return Elementwise::partial(i, in, out);
}

// where(condition, x, y): the condition gets no gradient.
array Select::apply(const std::vector<array>& in) { return where(in[0], in[1], in[2], stream()); }
array Select::partial(int i, const std::vector<array>& in, const array& out) {
  if (i == 0) {
    return Elementwise::partial(i, in, out);
  }
  auto picked = i == 1 ? in[0] : logical_not(in[0], stream());
  return astype(picked, in[i].dtype(), stream());
}

} // namespace mlx::core
