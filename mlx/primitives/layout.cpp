// Transformation rules of the layout primitives.
#include <algorithm>
#include <optional>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"

namespace mlx::core {

using namespace detail;

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

namespace {

[[noreturn]] void cannot_infer(const char* who, const Shape& in) {
  throw std::invalid_argument(std::string("[") + who +
                              "] Shapeless compile cannot infer the output shape for " +
                              "an input of shape " + shape_str(in) + ".");
}

// The axes of `from` to drop (all of size 1) to get `to`, if that is what
// the reshape did.
std::optional<std::vector<int>> dropped_ones(const Shape& from, const Shape& to) {
  std::vector<int> dropped;
  size_t j = 0;
  for (size_t i = 0; i < from.size(); ++i) {
    if (j < to.size() && from[i] == to[j]) {
      ++j;
    } else if (from[i] == 1) {
      dropped.push_back(int(i));
    } else {
      return std::nullopt;
    }
  }
  if (j != to.size()) {
    return std::nullopt;
  }
  return dropped;
}

// Both ends of the possible alignments: where size-1 axes sit next to each
// other, matching from the left and from the right pick different ones.
std::vector<std::vector<int>> dropped_ones_candidates(const Shape& from, const Shape& to) {
  auto left = dropped_ones(from, to);
  if (!left) {
    return {};
  }
  Shape rfrom(from.rbegin(), from.rend()), rto(to.rbegin(), to.rend());
  auto right = dropped_ones(rfrom, rto);
  std::vector<int> mirrored;
  for (auto it = right->rbegin(); it != right->rend(); ++it) {
    mirrored.push_back(int(from.size()) - 1 - *it);
  }
  if (mirrored == *left) {
    return {*left};
  }
  return {*left, mirrored};
}

} // namespace

// A reshape replayed on an input of another shape: a -1 of the requested
// shape is inferred again; a reshape that only dropped or inserted size-1
// axes (squeeze, expand_dims, a reduction without keepdims) does the same
// on the new input; otherwise the requested shape must still fit.
std::vector<Shape> Reshape::output_shapes(const std::vector<array>& inputs) {
  const Shape& in = inputs[0].shape();
  if (!ones_.empty() && in != in_shape_) {
    // expand_dims or squeeze of known axes, redone on the new input.
    if (in.size() != in_shape_.size()) {
      cannot_infer("Reshape", in);
    }
    Shape out;
    if (inserts_) {
      for (size_t i = 0, k = 0; i < shape_.size(); ++i) {
        out.push_back(std::find(ones_.begin(), ones_.end(), int(i)) != ones_.end() ? 1 : in[k++]);
      }
      return {out};
    }
    for (int i = 0; i < int(in.size()); ++i) {
      if (std::find(ones_.begin(), ones_.end(), i) == ones_.end()) {
        out.push_back(in[i]);
      } else if (in[i] != 1) {
        cannot_infer("Reshape", in);
      }
    }
    return {out};
  }
  if (in == in_shape_ || requested_.empty()) {
    if (inputs[0].size() != shape_size(shape_)) {
      cannot_infer("Reshape", in);
    }
    return {shape_};
  }
  bool infers = std::find(requested_.begin(), requested_.end(), -1) != requested_.end();
  if (infers) {
    size_t known = 1;
    for (auto d : requested_) {
      known *= d == -1 ? 1 : size_t(d);
    }
    if (known == 0 || inputs[0].size() % known != 0) {
      fail("reshape", "Cannot infer the shape of an array of size ", inputs[0].size(), " into shape ",
           shape_str(requested_), ".");
    }
    Shape out = requested_;
    for (auto& d : out) {
      d = d == -1 ? ShapeElem(inputs[0].size() / known) : d;
    }
    return {out};
  }
  // A squeeze or expand_dims: redo it on the new input. Where the traced
  // shapes leave it ambiguous which size-1 axes it dropped or inserted, the
  // candidates must agree on the new input (or only one must fit it).
  std::vector<Shape> outs;
  auto add = [&](const Shape& out) {
    if (std::find(outs.begin(), outs.end(), out) == outs.end()) {
      outs.push_back(out);
    }
  };
  if (in.size() == in_shape_.size()) {
    for (auto& dropped : dropped_ones_candidates(in_shape_, shape_)) {
      Shape out;
      bool fits = true;
      for (int i = 0; i < int(in.size()); ++i) {
        bool drop = std::find(dropped.begin(), dropped.end(), i) != dropped.end();
        fits &= !drop || in[i] == 1;
        if (!drop) {
          out.push_back(in[i]);
        }
      }
      if (fits) {
        add(out);
      }
    }
    for (auto& inserted : dropped_ones_candidates(shape_, in_shape_)) {
      Shape out;
      size_t j = 0;
      for (int i = 0; i < int(shape_.size()); ++i) {
        bool ins = std::find(inserted.begin(), inserted.end(), i) != inserted.end();
        out.push_back(ins ? 1 : in[j++]);
      }
      add(out);
    }
  }
  if (outs.size() == 1) {
    return outs;
  }
  if (outs.size() > 1) {
    cannot_infer("Reshape", in);
  }
  if (inputs[0].size() != shape_size(shape_)) {
    fail("reshape", "Cannot reshape array of size ", inputs[0].size(), " into shape ", shape_str(shape_),
         ".");
  }
  return {shape_};
}

// ---- Transpose
std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) {
  Shape out;
  for (int a : axes_) {
    out.push_back(inputs[0].shape(a));
  }
  return {out};
}
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

// ---- Broadcast: the vjp sums over the broadcast dims. Operands it was
// broadcast against (shapeless traces) get no gradient from it.
std::vector<Shape> Broadcast::output_shapes(const std::vector<array>& inputs) {
  Shape out = inputs[0].shape();
  if (inputs.size() == 1) {
    // Broadcast to a fixed shape: only valid while that shape still fits.
    out = broadcast_shapes(out, shape_);
    if (out != shape_) {
      cannot_infer("Broadcast", inputs[0].shape());
    }
    return {out};
  }
  auto leading = [&](const Shape& sh) {
    return Shape(sh.begin(), sh.end() - std::min<int>(own_dims_, sh.size()));
  };
  out = leading(out);
  for (size_t i = 1; i < inputs.size(); ++i) {
    out = broadcast_shapes(out, leading(inputs[i].shape()));
  }
  const Shape& in = inputs[0].shape();
  out.insert(out.end(), in.end() - std::min<int>(own_dims_, in.size()), in.end());
  return {out};
}
std::vector<array> Broadcast::jvp(const std::vector<array>& p, const std::vector<array>& t,
                                  const std::vector<int>& argnums) {
  Shape shape = output_shapes(p)[0];
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) {
      return {broadcast_to(t[i], shape, stream())};
    }
  }
  return {zeros(shape, t[0].dtype(), stream())};
}
std::vector<array> Broadcast::vjp(const std::vector<array>& p, const std::vector<array>& c,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  const auto& in_shape = p[0].shape();
  const auto& shape = c[0].shape();
  int diff = int(shape.size()) - int(in_shape.size());
  std::vector<int> axes;
  for (int i = 0; i < int(shape.size()); ++i) {
    if (i < diff || (in_shape[i - diff] == 1 && shape[i] != 1)) {
      axes.push_back(i);
    }
  }
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      auto g = axes.empty() ? c[0] : sum(c[0], axes, true, stream());
      out.push_back(reshape(g, in_shape, stream()));
    } else {
      out.push_back(zeros_like(p[a], stream()));
    }
  }
  return out;
}
Rules Broadcast::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  if (in.size() > 1) {
    return vmap_against_operands(in, axes);
  }
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

// A broadcast against operands (shapeless compile traces), batched: every
// input batch-first (an unbatched one with a batch axis of 1), its lane
// padded with leading 1s to the widest lane's rank so that lanes align on
// the right, then broadcast against the others again, so that the result
// still follows their shapes.
Rules Broadcast::vmap_against_operands(const std::vector<array>& in, const std::vector<int>& axes) {
  int rank = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    rank = std::max(rank, in[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  std::vector<array> aligned;
  for (size_t i = 0; i < in.size(); ++i) {
    auto a = axes[i] >= 0 ? moveaxis(in[i], axes[i], 0, stream()) : expand_dims(in[i], 0, stream());
    std::vector<int> pad;
    for (int k = 0; k < rank - (a.ndim() - 1); ++k) {
      pad.push_back(1 + k);
    }
    aligned.push_back(pad.empty() ? a : expand_dims(a, pad, stream()));
  }
  auto leading = [&](const Shape& sh) {
    return Shape(sh.begin(), sh.end() - std::min<int>(own_dims_, sh.size()));
  };
  Shape target = leading(aligned[0].shape());
  for (size_t i = 1; i < aligned.size(); ++i) {
    target = broadcast_shapes(target, leading(aligned[i].shape()));
  }
  const Shape& x = aligned[0].shape();
  target.insert(target.end(), x.end() - std::min<int>(own_dims_, x.size()), x.end());
  std::vector<array> others(aligned.begin() + 1, aligned.end());
  return {{broadcast_against(aligned[0], target, others, stream(), own_dims_)}, {0}};
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
std::vector<array> View::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  no_grad(*this, "jvp");
}
std::vector<array> View::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                             const std::vector<array>&) {
  no_grad(*this, "vjp");
}
Rules View::vmap(const std::vector<array>& in, const std::vector<int>& axes) {
  auto x = batch_first(in[0], axes[0], stream());
  if (x.ndim() == 1 && in[0].dtype().size != dtype_.size) {
    no_grad(*this, "vmap over the last axis");
  }
  return {{view(x, dtype_, stream())}, {0}};
}

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

// -------------------------------------------------------------------- Split

namespace detail {

// The shapes of the pieces [bounds[i], bounds[i + 1]) of `shape` along `axis`.
std::vector<Shape> piece_shapes(const Shape& shape, int axis, const std::vector<int>& bounds) {
  std::vector<Shape> shapes;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    shapes.push_back(shape);
    shapes.back()[axis] = bounds[i + 1] - bounds[i];
  }
  return shapes;
}

// The pieces of `a` along `axis`, all from one Split node.
std::vector<array> split_pieces(const array& a, int axis, std::vector<int> bounds, const Stream& s) {
  auto shapes = piece_shapes(a.shape(), axis, bounds);
  std::vector<Dtype> dtypes(shapes.size(), a.dtype());
  return array::make_arrays(std::move(shapes), dtypes, std::make_shared<Split>(s, axis, std::move(bounds)),
                            {a});
}

} // namespace detail

std::vector<Shape> Split::output_shapes(const std::vector<array>& inputs) {
  return piece_shapes(inputs[0].shape(), axis_, bounds_);
}

std::vector<array> Split::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>&) {
  // One cotangent per piece (zeros for pieces nobody holds).
  return {concatenate(cotangents, axis_, stream())};
}

std::vector<array> Split::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return split_pieces(tangents[0], axis_, bounds_, stream());
}

std::pair<std::vector<array>, std::vector<int>> Split::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  auto pieces = split_pieces(x, axis_ + 1, bounds_, stream());
  return {pieces, std::vector<int>(pieces.size(), 0)};
}

} // namespace mlx::core
