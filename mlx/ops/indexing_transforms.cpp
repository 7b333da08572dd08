// Transformation rules (jvp, vjp, vmap) and equivalence of the indexing,
// sorting and scan primitives (mlx/primitives/indexing.h, sort.h). They live
// here because the build globs mlx/ops/*.cpp but not mlx/primitives/*.cpp.
// Rules only call public ops, on the primitive's stream.
#include <limits>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"

namespace mlx::core {

namespace {

// Moves the batch axis of x to 0; an unbatched x gets a broadcast batch dim.
array batch_first(const array& x, int ax, int size, StreamOrDevice s) {
  if (ax < 0) {
    Shape shape = x.shape();
    shape.insert(shape.begin(), size);
    return broadcast_to(expand_dims(x, 0, s), shape, s);
  }
  return ax == 0 ? x : moveaxis(x, ax, 0, s);
}

int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      return inputs[i].shape(axes[i]);
    }
  }
  return 1;
}

array tangent_or_zeros(const std::vector<array>& primals, const std::vector<array>& tangents,
                       const std::vector<int>& argnums, int i) {
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == i) {
      return tangents[k];
    }
  }
  return zeros_like(primals[i]);
}

// A stop for slice() that means what the normalized stop `e` means.
Shape slice_stop(const Shape& stop, const Shape& strides, const Shape& shape) {
  Shape out = stop;
  for (size_t i = 0; i < out.size(); ++i) {
    if (strides[i] < 0 && out[i] == -1) {
      out[i] = -shape[i] - 1;
    }
  }
  return out;
}

// Index arrays addressing every element of `shape`, with `idx` along `axis`.
std::vector<array> full_indices(const array& idx, int axis, const Shape& shape, StreamOrDevice s) {
  std::vector<array> out;
  int nd = static_cast<int>(shape.size());
  for (int d = 0; d < nd; ++d) {
    if (d == axis) {
      out.push_back(idx);
    } else {
      Shape r(nd, 1);
      r[d] = shape[d];
      out.push_back(reshape(arange(0, shape[d], int32), r, s));
    }
  }
  return broadcast_arrays(out, s);
}

// zeros(shape) with vals added at idx along axis (idx and vals of one shape).
array scatter_add_along_axis(const Shape& out_shape, Dtype dtype, const array& idx, const array& vals,
                             int axis, StreamOrDevice s) {
  auto ind = full_indices(idx, axis, idx.shape(), s);
  std::vector<int> axes(out_shape.size());
  std::iota(axes.begin(), axes.end(), 0);
  Shape ushape = vals.shape();
  ushape.insert(ushape.end(), out_shape.size(), 1);
  return scatter_add(zeros(out_shape, dtype, s), ind, reshape(vals, ushape, s), axes, s);
}

} // namespace

// --------------------------------------------------------------- Concatenate

std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs[0].shape();
  shape[axis_] = 0;
  for (auto& x : inputs) {
    shape[axis_] += x.shape(axis_);
  }
  return {shape};
}

bool Concatenate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Concatenate*>(&other);
  return o && o->axis_ == axis_;
}

std::vector<array> Concatenate::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> t;
  for (size_t i = 0; i < primals.size(); ++i) {
    t.push_back(tangent_or_zeros(primals, tangents, argnums, int(i)));
  }
  return {concatenate(t, axis_, stream())};
}

std::vector<array> Concatenate::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<int> offsets{0};
  for (auto& p : primals) {
    offsets.push_back(offsets.back() + p.shape(axis_));
  }
  std::vector<array> out;
  const auto& ct = cotangents[0];
  for (int i : argnums) {
    Shape start(ct.ndim(), 0), stop = ct.shape();
    start[axis_] = offsets[i];
    stop[axis_] = offsets[i + 1];
    out.push_back(slice(ct, start, stop, stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  int b = batch_size(inputs, axes);
  std::vector<array> xs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    xs.push_back(batch_first(inputs[i], axes[i], b, stream()));
  }
  return {{concatenate(xs, axis_ + 1, stream())}, {0}};
}

// ----------------------------------------------------------------- AsStrided

bool AsStrided::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsStrided*>(&other);
  return o && o->shape_ == shape_ && o->strides_ == strides_ && o->offset_ == offset_;
}

std::vector<array> AsStrided::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {as_strided(tangents[0], shape_, strides_, offset_, stream())};
}

std::vector<array> AsStrided::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  auto s = stream();
  // The flat input position of every output element, then scatter-add.
  array pos = array(int64_t(offset_), int64);
  for (size_t d = 0; d < shape_.size(); ++d) {
    Shape r(shape_.size(), 1);
    r[d] = shape_[d];
    pos = add(pos, multiply(reshape(arange(0, shape_[d], int64), r, s), array(strides_[d], int64), s), s);
  }
  pos = flatten(broadcast_to(pos, shape_, s), 0, -1, s);
  auto ct = reshape(cotangents[0], {-1, 1}, s);
  auto g = scatter_add(zeros({ShapeElem(primals[0].size())}, cotangents[0].dtype(), s), {pos}, ct, {0}, s);
  return {reshape(g, primals[0].shape(), s)};
}

std::pair<std::vector<array>, std::vector<int>> AsStrided::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto s = stream();
  auto x = batch_first(inputs[0], axes[0], inputs[0].shape(std::max(axes[0], 0)), s);
  x = contiguous(x, false, s);
  int64_t per = x.ndim() > 1 ? int64_t(x.size() / x.shape(0)) : 1;
  Shape shape = shape_;
  Strides strides = strides_;
  shape.insert(shape.begin(), x.shape(0));
  strides.insert(strides.begin(), per);
  return {{as_strided(x, shape, strides, offset_, s)}, {0}};
}

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

// ----------------------------------------------------------- Sort and friends

namespace {

std::pair<array, int> batch_to_front(const array& x, int ax, int axis, StreamOrDevice s) {
  if (ax < 0) {
    return {x, axis};
  }
  return {moveaxis(x, ax, 0, s), axis + 1};
}

} // namespace

bool Sort::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Sort*>(&o);
  return p && p->axis_ == axis_;
}
bool ArgSort::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const ArgSort*>(&o);
  return p && p->axis_ == axis_;
}
bool Partition::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Partition*>(&o);
  return p && p->axis_ == axis_ && p->kth_ == kth_;
}
bool ArgPartition::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const ArgPartition*>(&o);
  return p && p->axis_ == axis_ && p->kth_ == kth_;
}
bool Scan::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const Scan*>(&o);
  return p && p->type_ == type_ && p->axis_ == axis_ && p->reverse_ == reverse_ &&
         p->inclusive_ == inclusive_;
}
bool SearchSorted::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const SearchSorted*>(&o);
  return p && p->right_ == right_;
}

std::vector<array> Sort::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto idx = argsort(primals[0], axis_, stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}
std::vector<array> Sort::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  auto idx = argsort(primals[0], axis_, stream());
  return {scatter_add_along_axis(primals[0].shape(), cotangents[0].dtype(), idx, cotangents[0], axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Sort::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{sort(x, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}

std::vector<array> Partition::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  auto idx = argpartition(primals[0], kth_, axis_, stream());
  return {take_along_axis(tangents[0], idx, axis_, stream())};
}
std::vector<array> Partition::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  auto idx = argpartition(primals[0], kth_, axis_, stream());
  return {scatter_add_along_axis(primals[0].shape(), cotangents[0].dtype(), idx, cotangents[0], axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Partition::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{partition(x, kth_, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}

// Integer-valued outputs: zero derivatives.
#define MLX_ZERO_GRADS(Prim)                                                                    \
  std::vector<array> Prim::jvp(const std::vector<array>& primals, const std::vector<array>&,   \
                               const std::vector<int>&) {                                      \
    return {zeros(output_shapes(primals)[0], uint32, stream())};                               \
  }                                                                                            \
  std::vector<array> Prim::vjp(const std::vector<array>& primals, const std::vector<array>&,   \
                               const std::vector<int>& argnums, const std::vector<array>&) {   \
    std::vector<array> out;                                                                    \
    for (int i : argnums) {                                                                    \
      out.push_back(zeros_like(primals[i], stream()));                                         \
    }                                                                                          \
    return out;                                                                                \
  }
MLX_ZERO_GRADS(ArgSort)
MLX_ZERO_GRADS(ArgPartition)
MLX_ZERO_GRADS(SearchSorted)
#undef MLX_ZERO_GRADS

std::pair<std::vector<array>, std::vector<int>> ArgSort::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{argsort(x, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}
std::pair<std::vector<array>, std::vector<int>> ArgPartition::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  return {{argpartition(x, kth_, ax, stream())}, {axes[0] < 0 ? -1 : 0}};
}
std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  if (axes[0] >= 0) {
    throw std::invalid_argument(
        "[searchsorted] Cannot vmap over the sorted sequence, only over the values being searched for.");
  }
  return {{searchsorted(inputs[0], inputs[1], right_, stream())}, {axes[1]}};
}

// ---------------------------------------------------------------------- Scan

namespace {

// Shifts x by one step along `axis` in scan order (towards later positions;
// `reverse` scans run from the end), filling the vacated slot with zeros:
// an exclusive scan's output i is the inclusive scan's output i - 1.
array shift_in_scan_order(const array& x, int axis, bool reverse, bool forward, StreamOrDevice s) {
  int n = x.shape(axis);
  if (n == 0) {
    return x;
  }
  Shape start(x.ndim(), 0), stop = x.shape();
  // Moving forward in scan order drops the last element (in scan order).
  bool drop_end = forward != reverse;
  if (drop_end) {
    stop[axis] = n - 1;
  } else {
    start[axis] = 1;
  }
  auto part = slice(x, start, stop, s);
  return pad(part, {axis}, {drop_end ? 1 : 0}, {drop_end ? 0 : 1}, array(0, x.dtype()), "constant", s);
}

// For an inclusive cummax/cummin y of x: the position along `axis` whose
// value each output holds (the latest one in scan order on ties).
array scan_extremum_arg(const array& x, const array& y, int axis, bool reverse, StreamOrDevice s) {
  int n = x.shape(axis);
  Shape r(x.ndim(), 1);
  r[axis] = n;
  auto pos = reshape(arange(0, n, int32), r, s);
  if (reverse) {
    pos = subtract(array(n - 1), pos, s);
  }
  auto hit = where(equal(x, y, s), broadcast_to(pos, x.shape(), s), array(-1), s);
  auto arg = cummax(hit, axis, reverse, true, s);
  return reverse ? subtract(array(n - 1), arg, s) : arg;
}

// The product of the other elements along `axis`: exact with zeros too.
array others_product(const array& x, int axis, StreamOrDevice s) {
  return multiply(cumprod(x, axis, false, false, s), cumprod(x, axis, true, false, s), s);
}

} // namespace

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  auto s = stream();
  const auto& x = primals[0];
  const auto& t = tangents[0];
  switch (type_) {
    case Sum:
      return {cumsum(t, axis_, reverse_, inclusive_, s)};
    case Prod: {
      // Where an output's factors hold no zero: y * cumsum(t / x). Where
      // they do, only the first zero's tangent survives: t_z * (the product
      // with that zero replaced by one).
      auto zero = equal(x, array(0, x.dtype()), s);
      auto count = cumsum(astype(zero, int32, s), axis_, reverse_, true, s);
      auto first = logical_and(zero, equal(count, array(1), s), s);
      auto covered = greater(cumsum(astype(zero, int32, s), axis_, reverse_, inclusive_, s), array(0), s);
      auto x_safe = where(zero, array(1, x.dtype()), x, s);
      auto y = cumprod(x, axis_, reverse_, inclusive_, s);
      auto smooth = multiply(y, cumsum(divide(t, x_safe, s), axis_, reverse_, inclusive_, s), s);
      auto t_first = sum(where(first, t, zeros_like(t, s), s), axis_, true, s);
      auto y_first = cumprod(where(first, array(1, x.dtype()), x, s), axis_, reverse_, inclusive_, s);
      return {where(covered, multiply(t_first, y_first, s), smooth, s)};
    }
    case LogAddExp: {
      // dy_i = sum_{j covered by i} t_j exp(x_j - y_i), summed in log space
      // (positive and negative tangents apart) so large |x| cannot overflow.
      auto y = logcumsumexp(x, axis_, reverse_, inclusive_, s);
      auto part = [&](const array& tp) {
        auto l = logcumsumexp(add(x, log(tp, s), s), axis_, reverse_, inclusive_, s);
        return where(isneginf(y, s), zeros_like(y, s), exp(subtract(l, y, s), s), s);
      };
      auto zero = zeros_like(t, s);
      return {subtract(part(maximum(t, zero, s)), part(maximum(negative(t, s), zero, s)), s)};
    }
    default: {
      // Each output carries the tangent of the element it holds.
      auto y = type_ == Max ? cummax(x, axis_, reverse_, true, s) : cummin(x, axis_, reverse_, true, s);
      auto ty = take_along_axis(t, scan_extremum_arg(x, y, axis_, reverse_, s), axis_, s);
      return {inclusive_ ? ty : shift_in_scan_order(ty, axis_, reverse_, true, s)};
    }
  }
}

std::vector<array> Scan::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& x = primals[0];
  const auto& ct = cotangents[0];
  const auto& y = outputs[0];
  switch (type_) {
    case Sum:
      return {cumsum(ct, axis_, !reverse_, inclusive_, s)};
    case Prod: {
      // d x_j = sum_{i covers j} ct_i * y_i / x_j before the first zero of
      // the lane; at that zero, the same sum of the products with the zero
      // replaced by one; after it, zero (every product holds the zero).
      auto zero = equal(x, array(0, x.dtype()), s);
      auto count = cumsum(astype(zero, int32, s), axis_, reverse_, true, s);
      auto before = equal(count, array(0), s);
      auto first = logical_and(zero, equal(count, array(1), s), s);
      // (Complex: the partials y_i / x_j enter conjugated, as elsewhere.)
      bool cplx = is_complex(x.dtype());
      auto cj = [&](const array& v) { return cplx ? conjugate(v, s) : v; };
      auto back = [&](const array& v) { return cumsum(multiply(ct, cj(v), s), axis_, !reverse_, inclusive_, s); };
      auto g_before = divide(back(y), cj(where(before, x, array(1, x.dtype()), s)), s);
      auto g_first = back(cumprod(where(first, array(1, x.dtype()), x, s), axis_, reverse_, inclusive_, s));
      return {where(before, g_before, where(first, g_first, zeros_like(x, s), s), s)};
    }
    case LogAddExp: {
      // d x_j = sum_{i covers j} ct_i * exp(x_j - y_i), summed in log space
      // (positive and negative cotangents apart) so large |x| cannot
      // overflow. Outputs at -inf (empty or all -inf prefixes) only reach
      // inputs at -inf, whose gradient is zero.
      auto neg_inf = array(-std::numeric_limits<float>::infinity(), x.dtype());
      auto part = [&](const array& cp) {
        auto v = where(isneginf(y, s), neg_inf, subtract(log(cp, s), y, s), s);
        return exp(add(x, logcumsumexp(v, axis_, !reverse_, inclusive_, s), s), s);
      };
      auto zero = zeros_like(ct, s);
      return {subtract(part(maximum(ct, zero, s)), part(maximum(negative(ct, s), zero, s)), s)};
    }
    default: {
      // Each output's cotangent goes to the position that attained it: the
      // latest position (in scan order) where x equals the running value.
      // An exclusive scan's output i is the inclusive one's output i - 1.
      auto yi = y;
      auto cti = ct;
      if (!inclusive_) {
        yi = type_ == Max ? cummax(x, axis_, reverse_, true, s) : cummin(x, axis_, reverse_, true, s);
        cti = shift_in_scan_order(ct, axis_, reverse_, false, s);
      }
      auto arg = scan_extremum_arg(x, yi, axis_, reverse_, s);
      return {scatter_add_along_axis(x.shape(), ct.dtype(), arg, cti, axis_, s)};
    }
  }
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  auto [x, ax] = batch_to_front(inputs[0], axes[0], axis_, stream());
  auto s = stream();
  array out = x;
  switch (type_) {
    case Sum:
      out = cumsum(x, ax, reverse_, inclusive_, s);
      break;
    case Prod:
      out = cumprod(x, ax, reverse_, inclusive_, s);
      break;
    case Max:
      out = cummax(x, ax, reverse_, inclusive_, s);
      break;
    case Min:
      out = cummin(x, ax, reverse_, inclusive_, s);
      break;
    case LogAddExp:
      out = logcumsumexp(x, ax, reverse_, inclusive_, s);
      break;
  }
  return {{out}, {axes[0] < 0 ? -1 : 0}};
}

} // namespace mlx::core
