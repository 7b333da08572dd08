// Transformation rules of the creation, layout, reduction and matmul
// primitives.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

using Rules = std::pair<std::vector<array>, std::vector<int>>;

[[noreturn]] void no_grad(const Primitive& p, const char* what) {
  std::ostringstream msg;
  msg << "[" << p.name() << "] " << what << " is not supported.";
  throw std::invalid_argument(msg.str());
}

// Moves the batch axis of x to 0 (x unbatched: unchanged).
array batch_first(const array& x, int axis, const Stream& s) {
  return axis > 0 ? moveaxis(x, axis, 0, s) : x;
}

// x with the reduced axes moved last and merged into one; also the shape
// before merging and the permutation (kept dims keep their order).
struct Merged {
  array x;
  Shape shape;
  std::vector<int> perm;
};
Merged merge_reduced(const array& x, const std::vector<int>& axes, const Stream& s) {
  std::vector<int> perm;
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) {
      perm.push_back(d);
    }
  }
  int kept = int(perm.size());
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto xt = transpose(x, perm, s);
  Shape flat(xt.shape().begin(), xt.shape().begin() + kept);
  ShapeElem k = 1;
  for (int a : axes) {
    k *= x.shape(a);
  }
  flat.push_back(k);
  return {reshape(xt, flat, s), xt.shape(), perm};
}

// d prod(x, axes) / d x: the product of the other reduced elements, as
// exclusive products from both sides (exact where x has zeros).
array prod_others(const array& x, const std::vector<int>& axes, const Stream& s) {
  if (x.size() == 0) {
    return zeros_like(x, s);
  }
  auto m = merge_reduced(x, axes, s);
  int last = m.x.ndim() - 1;
  auto o = multiply(cumprod(m.x, last, false, false, s), cumprod(m.x, last, true, false, s), s);
  std::vector<int> inverse(m.perm.size());
  for (size_t i = 0; i < m.perm.size(); ++i) {
    inverse[m.perm[i]] = int(i);
  }
  return transpose(reshape(o, m.shape, s), inverse, s);
}

} // namespace

// ---- Arange: no inputs, nothing to transform.
std::vector<array> Arange::jvp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&) {
  no_grad(*this, "jvp");
}
std::vector<array> Arange::vjp(const std::vector<array>&, const std::vector<array>&,
                               const std::vector<int>&, const std::vector<array>&) {
  no_grad(*this, "vjp");
}
Rules Arange::vmap(const std::vector<array>&, const std::vector<int>&) {
  no_grad(*this, "vmap");
}

// ---- Full: out = broadcast input, materialized.
std::vector<array> Full::jvp(const std::vector<array>&, const std::vector<array>& t,
                             const std::vector<int>&) {
  return {copy(t[0], stream())};
}
std::vector<array> Full::vjp(const std::vector<array>&, const std::vector<array>& c,
                             const std::vector<int>&, const std::vector<array>&) {
  return {c[0]};
}
Rules Full::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  return {{copy(in[0], stream())}, {axes[0]}};
}

// ---- StopGradient
std::vector<array> StopGradient::jvp(const std::vector<array>& p, const std::vector<array>&,
                                     const std::vector<int>&) {
  return {zeros_like(p[0], stream())};
}
std::vector<array> StopGradient::vjp(const std::vector<array>& p, const std::vector<array>&,
                                     const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(p[0], stream())};
}
Rules StopGradient::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  return {{stop_gradient(in[0], stream())}, {axes[0]}};
}

// ---- Reshape
std::vector<array> Reshape::jvp(const std::vector<array>&, const std::vector<array>& t,
                                const std::vector<int>&) {
  return {reshape(t[0], shape_, stream())};
}
std::vector<array> Reshape::vjp(const std::vector<array>& p, const std::vector<array>& c,
                                const std::vector<int>&, const std::vector<array>&) {
  return {reshape(c[0], p[0].shape(), stream())};
}
Rules Reshape::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  Shape shape = shape_;
  shape.insert(shape.begin(), x.shape(0));
  return {{reshape(x, shape, stream())}, {0}};
}

// ---- Transpose
std::vector<array> Transpose::jvp(const std::vector<array>&, const std::vector<array>& t,
                                  const std::vector<int>&) {
  return {transpose(t[0], axes_, stream())};
}
std::vector<array> Transpose::vjp(const std::vector<array>&, const std::vector<array>& c,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int> inverse(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) {
    inverse[axes_[i]] = int(i);
  }
  return {transpose(c[0], inverse, stream())};
}
Rules Transpose::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  std::vector<int> perm = {0};
  for (int a : axes_) {
    perm.push_back(a + 1);
  }
  return {{transpose(x, perm, stream())}, {0}};
}

// ---- Broadcast: the vjp sums over the broadcast dims.
std::vector<array> Broadcast::jvp(const std::vector<array>&, const std::vector<array>& t,
                                  const std::vector<int>&) {
  return {broadcast_to(t[0], shape_, stream())};
}
std::vector<array> Broadcast::vjp(const std::vector<array>& p, const std::vector<array>& c,
                                  const std::vector<int>&, const std::vector<array>&) {
  const auto& in_shape = p[0].shape();
  int diff = int(shape_.size()) - int(in_shape.size());
  std::vector<int> axes;
  for (int i = 0; i < int(shape_.size()); ++i) {
    if (i < diff || (in_shape[i - diff] == 1 && shape_[i] != 1)) {
      axes.push_back(i);
    }
  }
  auto g = axes.empty() ? c[0] : sum(c[0], axes, true, stream());
  return {reshape(g, in_shape, stream())};
}
Rules Broadcast::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  // Align the unbatched dims with the target's trailing dims.
  int missing = int(shape_.size()) - (x.ndim() - 1);
  Shape shape = x.shape();
  shape.insert(shape.begin() + 1, missing, 1);
  x = reshape(x, shape, stream());
  Shape target = shape_;
  target.insert(target.begin(), x.shape(0));
  return {{broadcast_to(x, target, stream())}, {0}};
}

// ---- Slice: the vjp places the cotangent back with zero padding.
std::vector<array> Slice::jvp(const std::vector<array>&, const std::vector<array>& t,
                              const std::vector<int>&) {
  // slice() reads a negative stop from the end: keep "before index 0".
  Shape stop = stop_;
  for (size_t d = 0; d < stop.size(); ++d) {
    if (stop[d] < 0) {
      stop[d] -= t[0].shape(d);
    }
  }
  return {slice(t[0], start_, stop, strides_, stream())};
}
std::vector<array> Slice::vjp(const std::vector<array>& p, const std::vector<array>& c,
                              const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  array g = c[0];
  const auto& in_shape = p[0].shape();
  for (int d = 0; d < p[0].ndim(); ++d) {
    int n = outputs[0].shape(d);
    int step = strides_[d];
    int first = start_[d];
    if (step < 0) {
      // Reverse: the same elements, visited with a positive step.
      Shape b(g.ndim(), 0), e = g.shape(), st(g.ndim(), 1);
      b[d] = n - 1;
      e[d] = -n - 1;
      st[d] = -1;
      g = slice(g, b, e, st, s);
      step = -step;
      first = n > 0 ? start_[d] - (n - 1) * step : 0;
    }
    if (step > 1 && n > 0) {
      // Interleave step - 1 zeros after each element.
      Shape spread = g.shape();
      spread.insert(spread.begin() + d + 1, 1);
      g = reshape(g, spread, s);
      g = pad(g, {d + 1}, {0}, {step - 1}, array(0, g.dtype()), "constant", s);
      Shape merged = g.shape();
      merged[d] *= merged[d + 1];
      merged.erase(merged.begin() + d + 1);
      g = reshape(g, merged, s);
      Shape b(g.ndim(), 0), e = g.shape();
      e[d] = (n - 1) * step + 1;
      g = slice(g, b, e, s);
    }
    int low = n > 0 ? first : 0;
    int high = in_shape[d] - low - g.shape(d);
    if (low > 0 || high > 0) {
      g = pad(g, {d}, {low}, {high}, array(0, g.dtype()), "constant", s);
    }
  }
  return {g};
}
Rules Slice::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  Shape start = start_, stop = stop_, strides = strides_;
  start.insert(start.begin(), 0);
  stop.insert(stop.begin(), x.shape(0));
  strides.insert(strides.begin(), 1);
  // Normalized negative stops must stay "before the first element".
  for (size_t d = 1; d < stop.size(); ++d) {
    if (stop[d] < 0) {
      stop[d] -= x.shape(d);
    }
  }
  return {{slice(x, start, stop, strides, stream())}, {0}};
}

// ---- View: reinterpreting bits has no derivative.
std::vector<array> View::jvp(const std::vector<array>&, const std::vector<array>&,
                             const std::vector<int>&) {
  no_grad(*this, "jvp");
}
std::vector<array> View::vjp(const std::vector<array>&, const std::vector<array>&,
                             const std::vector<int>&, const std::vector<array>&) {
  no_grad(*this, "vjp");
}
Rules View::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  if (x.ndim() == 1 && in[0].dtype().size != dtype_.size) {
    no_grad(*this, "vmap over the last axis");
  }
  return {{view(x, dtype_, stream())}, {0}};
}

// ---- Reduce (outputs keep the reduced dims with size 1).
std::vector<array> Reduce::jvp(const std::vector<array>& p, const std::vector<array>& t,
                               const std::vector<int>&) {
  auto s = stream();
  switch (type_) {
    case Sum:
      return {sum(t[0], axes_, true, s)};
    case Prod:
      return {sum(multiply(t[0], prod_others(p[0], axes_, s), s), axes_, true, s)};
    case Min:
    case Max: {
      // The tangent of the first extremum (row-major over the reduced axes), as MLX.
      Shape kept = p[0].shape();
      for (int a : axes_) {
        kept[a] = 1;
      }
      if (p[0].size() == 0) {
        return {zeros(kept, t[0].dtype(), s)};
      }
      auto x = merge_reduced(p[0], axes_, s).x;
      auto tx = merge_reduced(t[0], axes_, s).x;
      int last = x.ndim() - 1;
      auto idx = type_ == Min ? argmin(x, last, true, s) : argmax(x, last, true, s);
      return {reshape(take_along_axis(tx, idx, last, s), kept, s)};
    }
    default: {
      // all/any: zero tangents in the tangent's dtype (as MLX).
      Shape kept = p[0].shape();
      for (int a : axes_) {
        kept[a] = 1;
      }
      return {zeros(kept, t[0].dtype(), s)};
    }
  }
}
std::vector<array> Reduce::vjp(const std::vector<array>& p, const std::vector<array>& c,
                               const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& shape = p[0].shape();
  auto cot = broadcast_to(c[0], shape, s);
  switch (type_) {
    case Sum:
      return {astype(cot, p[0].dtype(), s)};
    case Prod: {
      auto others = prod_others(p[0], axes_, s);
      return {multiply(cot, is_complex(others.dtype()) ? conjugate(others, s) : others, s)};
    }
    case Min:
    case Max: {
      auto mask = astype(equal(p[0], broadcast_to(outputs[0], shape, s), s), p[0].dtype(), s);
      auto count = broadcast_to(sum(mask, axes_, true, s), shape, s);
      return {divide(multiply(cot, mask, s), count, s)};
    }
    default:
      return {zeros_like(p[0], s)};
  }
}
Rules Reduce::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  std::vector<int> ax;
  for (int a : axes_) {
    ax.push_back(a + 1);
  }
  auto s = stream();
  array out = [&] {
    switch (type_) {
      case And:
        return all(x, ax, true, s);
      case Or:
        return any(x, ax, true, s);
      case Sum:
        return sum(x, ax, true, s);
      case Prod:
        return prod(x, ax, true, s);
      case Min:
        return min(x, ax, true, s);
      default:
        return max(x, ax, true, s);
    }
  }();
  return {{out}, {0}};
}

// ---- ArgReduce: integer output, zero derivatives (as MLX: a uint32 tangent).
std::vector<array> ArgReduce::jvp(const std::vector<array>& p, const std::vector<array>&,
                                  const std::vector<int>&) {
  Shape kept = p[0].shape();
  if (!kept.empty()) {
    kept[axis_] = 1;
  }
  return {zeros(kept, uint32, stream())};
}
std::vector<array> ArgReduce::vjp(const std::vector<array>& p, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(p[0], stream())};
}
Rules ArgReduce::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  auto out = type_ == ArgMax ? argmax(x, axis_ + 1, true, stream())
                             : argmin(x, axis_ + 1, true, stream());
  return {{out}, {0}};
}

// ---- Matmul (inputs already broadcast in their batch dims).
std::vector<array> Matmul::jvp(const std::vector<array>& p, const std::vector<array>& t,
                               const std::vector<int>& argnums) {
  auto s = stream();
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? matmul(t[k], p[1], s) : matmul(p[0], t[k], s);
    out = out ? add(*out, term, s) : term;
  }
  return {*out};
}
namespace {

// Whether x is a 2-D matrix made by transposing another.
bool is_transposed_matrix(const array& x) {
  return x.ndim() == 2 && x.has_primitive() && dynamic_cast<const Transpose*>(&x.primitive());
}

} // namespace

std::vector<array> Matmul::vjp(const std::vector<array>& p, const std::vector<array>& c,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  std::vector<array> out;
  // Complex operands: the other operand's conjugate (MLX's convention, see
  // Elementwise::vjp).
  auto adjoint = [&](const array& x) {
    auto xt = swapaxes(x, -1, -2, s);
    return is_complex(x.dtype()) ? conjugate(xt, s) : xt;
  };
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(matmul(c[0], adjoint(p[1]), s));
    } else if (is_transposed_matrix(p[1]) && !is_complex(p[1].dtype())) {
      // b = W.T (a Linear layer): W's gradient is c.T @ a, computed as such
      // and handed back transposed, so that after the Transpose's own vjp
      // it is row-contiguous (a column-major gradient makes every later
      // elementwise op on it, such as the optimizer's, a strided walk).
      out.push_back(swapaxes(matmul(swapaxes(c[0], -1, -2, s), p[0], s), -1, -2, s));
    } else {
      out.push_back(matmul(adjoint(p[0]), c[0], s));
    }
  }
  return out;
}
Rules Matmul::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  // Batch axes go first; an unbatched operand broadcasts in matmul's batch
  // dims, which needs both operands to have equal rank.
  auto a = batch_first(in[0], axes[0], stream());
  auto b = batch_first(in[1], axes[1], stream());
  if (axes[0] < 0) {
    a = expand_dims(a, 0, stream());
  }
  if (axes[1] < 0) {
    b = expand_dims(b, 0, stream());
  }
  return {{matmul(a, b, stream())}, {0}};
}

} // namespace mlx::core
