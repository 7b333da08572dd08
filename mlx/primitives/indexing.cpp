// Transformation rules and equivalence of the indexing primitives.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"
#include <limits>

namespace mlx::core {

using namespace detail;

namespace {

// Indices have no derivative, and MLX refuses to pretend they do: a rule asked
// for one (the indices depend on what is differentiated) fails and points at
// stop_gradient. `first`..`last` are the positions of the indices among the
// inputs.
void refuse_index_grads(const char* op, const char* mode, const std::vector<int>& argnums, int first,
                        int last) {
  for (int i : argnums) {
    if (i >= first && i < last) {
      fail(op, "Cannot calculate ", mode,
           " with respect to indices. Use stop_gradient on indices to stop gradients from being computed.");
    }
  }
}

} // namespace

// -------------------------------------------------------------------- Gather

std::vector<Shape> Gather::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs.size() > 1 ? inputs[1].shape() : Shape{};
  shape.insert(shape.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {shape};
}

bool Gather::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Gather*>(&other);
  return o && o->axes_ == axes_ && o->slice_sizes_ == slice_sizes_;
}

std::vector<array> Gather::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  refuse_index_grads("gather", "JVP", argnums, 1, static_cast<int>(primals.size()));
  std::vector<array> idx(primals.begin() + 1, primals.end());
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) {
      return {gather(tangents[k], idx, axes_, slice_sizes_, stream())};
    }
  }
  auto shape = output_shapes(primals)[0];
  return {zeros(shape, primals[0].dtype(), stream())};
}

std::vector<array> Gather::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  refuse_index_grads("gather", "VJP", argnums, 1, static_cast<int>(primals.size()));
  std::vector<array> idx(primals.begin() + 1, primals.end());
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(scatter_add(zeros_like(primals[0], stream()), idx, cotangents[0], axes_, stream()));
    } else {
      out.push_back(zeros_like(primals[i], stream()));
    }
  }
  return out;
}

namespace {

// Brings batched index arrays to (B, 1.., I...) so that they broadcast with
// the unbatched ones (I...) and each other; returns whether any is batched.
bool batch_indices(std::vector<array>& idx, const std::vector<int>& axes, int b, StreamOrDevice s) {
  int rank = 0;
  bool any = false;
  for (size_t k = 0; k < idx.size(); ++k) {
    rank = std::max(rank, idx[k].ndim() - (axes[k] >= 0 ? 1 : 0));
    any |= axes[k] >= 0;
  }
  if (!any) {
    return false;
  }
  for (size_t k = 0; k < idx.size(); ++k) {
    if (axes[k] >= 0) {
      auto x = moveaxis(idx[k], axes[k], 0, s);
      Shape shape = x.shape();
      shape.insert(shape.begin() + 1, rank - (x.ndim() - 1), 1);
      idx[k] = reshape(x, shape, s);
    }
  }
  (void)b;
  return true;
}

} // namespace

std::pair<std::vector<array>, std::vector<int>> Gather::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& in_axes) {
  auto s = stream();
  int b = batch_size(inputs, in_axes);
  auto src = inputs[0];
  std::vector<array> idx(inputs.begin() + 1, inputs.end());
  std::vector<int> idx_axes(in_axes.begin() + 1, in_axes.end());
  bool idx_batched = batch_indices(idx, idx_axes, b, s);
  if (!idx_batched) {
    if (in_axes[0] < 0) {
      return {{gather(src, idx, axes_, slice_sizes_, s)}, {-1}};
    }
    // Batched source only: a full slice along its batch axis (moved to 0).
    src = moveaxis(src, in_axes[0], 0, s);
    std::vector<int> axes;
    for (int a : axes_) {
      axes.push_back(a + 1);
    }
    Shape sizes = slice_sizes_;
    sizes.insert(sizes.begin(), b);
    int out_ax = idx.empty() ? 0 : idx[0].ndim();
    return {{gather(src, idx, axes, sizes, s)}, {out_ax}};
  }
  if (in_axes[0] < 0) {
    // Batched indices only: the batch dim is the first index dim.
    return {{gather(src, idx, axes_, slice_sizes_, s)}, {0}};
  }
  // Both batched: index the source's batch dim with arange(B).
  src = moveaxis(src, in_axes[0], 0, s);
  int rank = 0;
  for (auto& x : idx) {
    rank = std::max(rank, x.ndim());
  }
  Shape r(std::max(rank, 1), 1);
  r[0] = b;
  std::vector<array> all{reshape(arange(0, b, int32), r, s)};
  all.insert(all.end(), idx.begin(), idx.end());
  std::vector<int> axes{0};
  for (int a : axes_) {
    axes.push_back(a + 1);
  }
  Shape sizes = slice_sizes_;
  sizes.insert(sizes.begin(), 1);
  auto g = gather(src, all, axes, sizes, s);
  int ni = g.ndim() - static_cast<int>(sizes.size());
  return {{squeeze(g, ni, s)}, {0}};
}

// ------------------------------------------------------------------- Scatter

bool Scatter::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Scatter*>(&other);
  return o && o->type_ == type_ && o->axes_ == axes_;
}

std::vector<array> Scatter::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  auto s = stream();
  int nidx = static_cast<int>(primals.size()) - 2;
  refuse_index_grads("scatter", "JVP", argnums, 1, nidx + 1);
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  auto ta = tangent_or_zeros(primals, tangents, argnums, 0);
  auto tu = tangent_or_zeros(primals, tangents, argnums, nidx + 1);
  switch (type_) {
    case None:
      return {scatter(ta, idx, tu, axes_, s)};
    case Sum:
      return {scatter_add(ta, idx, tu, axes_, s)};
    default:
      break;
  }
  const auto& a = primals[0];
  const auto& upd = primals.back();
  auto out = type_ == Prod  ? scatter_prod(a, idx, upd, axes_, s)
             : type_ == Max ? scatter_max(a, idx, upd, axes_, s)
                            : scatter_min(a, idx, upd, axes_, s);
  if (type_ == Prod) {
    // d log out = ta / a + the sum of tu / u over the updates at each place
    // (inputs assumed non-zero, as in the vjp).
    return {multiply(out, scatter_add(divide(ta, a, s), idx, divide(tu, upd, s), axes_, s), s)};
  }
  // Max, Min: the tangents of whatever attained the result (the transpose of the vjp).
  Shape slice_sizes(upd.shape().end() - a.ndim(), upd.shape().end());
  auto ma = astype(equal(a, out, s), ta.dtype(), s);
  auto mu = astype(equal(upd, gather(out, idx, axes_, slice_sizes, s), s), tu.dtype(), s);
  return {scatter_add(multiply(ta, ma, s), idx, multiply(tu, mu, s), axes_, s)};
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>& outputs) {
  auto s = stream();
  int nidx = static_cast<int>(primals.size()) - 2;
  refuse_index_grads("scatter", "VJP", argnums, 1, nidx + 1);
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  const auto& a = primals[0];
  const auto& upd = primals.back();
  const auto& ct = cotangents[0];
  const auto& out = outputs[0];
  Shape slice_sizes(upd.shape().end() - a.ndim(), upd.shape().end());
  auto gathered = [&](const array& x) { return gather(x, idx, axes_, slice_sizes, s); };
  // Complex: partials enter conjugated (MLX's convention for vjp).
  auto cj = [&](const array& x) { return is_complex(x.dtype()) ? conjugate(x, s) : x; };
  std::vector<array> grads;
  for (int i : argnums) {
    if (i == 0) {
      switch (type_) {
        case None:
          grads.push_back(scatter(ct, idx, zeros_like(upd, s), axes_, s));
          break;
        case Sum:
          grads.push_back(ct);
          break;
        case Prod:
          grads.push_back(divide(multiply(ct, cj(out), s), cj(a), s));
          break;
        default: // Max, Min: to the entries of `a` that survived.
          grads.push_back(multiply(ct, astype(equal(a, out, s), ct.dtype(), s), s));
      }
    } else if (i == nidx + 1) {
      switch (type_) {
        case None:
        case Sum:
          grads.push_back(gathered(ct));
          break;
        case Prod:
          grads.push_back(divide(gathered(multiply(ct, cj(out), s)), cj(upd), s));
          break;
        default:
          grads.push_back(multiply(gathered(ct), astype(equal(upd, gathered(out), s), ct.dtype(), s), s));
      }
    } else {
      grads.push_back(zeros_like(primals[i], s));
    }
  }
  return grads;
}

std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& in_axes) {
  auto s = stream();
  int b = batch_size(inputs, in_axes);
  int nidx = static_cast<int>(inputs.size()) - 2;
  auto a = batch_first(inputs[0], in_axes[0], b, s);
  std::vector<array> idx(inputs.begin() + 1, inputs.end() - 1);
  std::vector<int> idx_axes(in_axes.begin() + 1, in_axes.end() - 1);
  bool idx_batched = batch_indices(idx, idx_axes, b, s);
  int rank = 0;
  for (size_t k = 0; k < idx.size(); ++k) {
    rank = std::max(rank, idx[k].ndim() - ((idx_batched && idx_axes[k] >= 0) ? 1 : 0));
  }
  Shape r(rank + 1, 1);
  r[0] = b;
  std::vector<array> all{reshape(arange(0, b, int32), r, s)};
  all.insert(all.end(), idx.begin(), idx.end());
  auto bidx = broadcast_arrays(all, s);
  std::vector<int> axes{0};
  for (int ax : axes_) {
    axes.push_back(ax + 1);
  }
  // updates: (B, I..., slice...) -> (B, I..., 1, slice...).
  auto upd = batch_first(inputs.back(), in_axes[nidx + 1], b, s);
  Shape ishape = bidx[0].shape();
  Shape ushape = ishape;
  ushape.push_back(1);
  ushape.insert(ushape.end(), upd.shape().end() - (a.ndim() - 1), upd.shape().end());
  Shape bshape = ishape;
  bshape.insert(bshape.end(), upd.shape().end() - (a.ndim() - 1), upd.shape().end());
  upd = reshape(broadcast_to(upd, bshape, s), ushape, s);
  array out = a;
  switch (type_) {
    case None:
      out = scatter(a, bidx, upd, axes, s);
      break;
    case Sum:
      out = scatter_add(a, bidx, upd, axes, s);
      break;
    case Prod:
      out = scatter_prod(a, bidx, upd, axes, s);
      break;
    case Max:
      out = scatter_max(a, bidx, upd, axes, s);
      break;
    case Min:
      out = scatter_min(a, bidx, upd, axes, s);
      break;
  }
  return {{out}, {0}};
}

// --------------------------------------------------------------- SliceUpdate

bool SliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SliceUpdate*>(&other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->strides_ == strides_;
}

std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto ts = tangent_or_zeros(primals, tangents, argnums, 0);
  auto tu = tangent_or_zeros(primals, tangents, argnums, 1);
  return {slice_update(ts, tu, start_, slice_stop(stop_, strides_, primals[0].shape()), strides_, stream())};
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  auto stop = slice_stop(stop_, strides_, primals[0].shape());
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(slice_update(cotangents[0], zeros_like(primals[1], s), start_, stop, strides_, s));
    } else {
      out.push_back(slice(cotangents[0], start_, stop, strides_, s));
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  auto s = stream();
  int b = batch_size(inputs, axes);
  auto src = batch_first(inputs[0], axes[0], b, s);
  auto upd = batch_first(inputs[1], axes[1], b, s);
  Shape start = start_, stop = slice_stop(stop_, strides_, inputs[0].shape()), strides = strides_;
  if (axes[0] < 0) {
    stop = slice_stop(stop_, strides_, inputs[0].shape());
  } else {
    Shape unb = src.shape();
    unb.erase(unb.begin());
    stop = slice_stop(stop_, strides_, unb);
  }
  start.insert(start.begin(), 0);
  stop.insert(stop.begin(), b);
  strides.insert(strides.begin(), 1);
  return {{slice_update(src, upd, start, stop, strides, s)}, {0}};
}

} // namespace mlx::core
