// Transformation rules of the mx.fast primitives, written with ordinary ops
// (the forward passes are the fused kernels in backend/cpu/fast.cpp).
#include <algorithm>
#include <cmath>

#include "mlx/fast.h"
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/fast.h"
#include "mlx/transforms.h"

namespace mlx::core {

namespace {

// Half types accumulate in float32; float64 in itself.
Dtype acc_type(Dtype t) { return t == float64 ? float64 : float32; }

} // namespace

} // namespace mlx::core

// ------------------------------------------------------- transformation rules

namespace mlx::core {

namespace {

// Sums over every axis but the last.
array sum_rows(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int d = 0; d < a.ndim() - 1; ++d) {
    axes.push_back(d);
  }
  return axes.empty() ? a : sum(a, axes, false, s);
}

// A batched parameter (B, D) lined up with x of `nd` dims batched at 0.
array line_up(const array& p, int nd, StreamOrDevice s) {
  Shape sh(nd, 1);
  sh[0] = p.shape(0);
  sh[nd - 1] = p.shape(1);
  return reshape(p, sh, s);
}

// The length of the mapped axis (of whichever input is mapped).
int mapped_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      return inputs[i].shape(axes[i]);
    }
  }
  return 0;
}

array batched_at_front(const array& a, int axis, int size, StreamOrDevice s) {
  if (axis >= 0) {
    return moveaxis(a, axis, 0, s);
  }
  Shape sh = {size};
  sh.insert(sh.end(), a.shape().begin(), a.shape().end());
  return broadcast_to(expand_dims(a, 0, s), sh, s);
}

// The gradients of a norm's inputs (x[, weight][, bias]) given the
// cotangent of its output, by the fused NormGrad.
std::vector<array> norm_grad(const std::vector<array>& primals, const array& cotangent, bool layer, float eps,
                             bool has_weight, bool has_bias, StreamOrDevice s) {
  Dtype t = cotangent.dtype();
  std::vector<array> in = {astype(primals[0], t, s)};
  if (has_weight) {
    in.push_back(astype(primals[1], t, s));
  }
  in.push_back(cotangent);
  int d = in[0].ndim() ? in[0].shape(-1) : 1;
  std::vector<Shape> shapes = {in[0].shape()};
  std::vector<Dtype> dtypes = {t};
  for (int k = 0; k < int(has_weight) + int(has_bias); ++k) {
    shapes.push_back({d});
    dtypes.push_back(acc_type(t));
  }
  return array::make_arrays(std::move(shapes), dtypes,
                            std::make_shared<NormGrad>(to_stream(s), layer, eps, has_weight, has_bias), in);
}

} // namespace

std::vector<array> norm_grad_reference(const std::vector<array>& inputs, bool layer, float eps,
                                       bool has_weight, bool has_bias, StreamOrDevice s) {
  Dtype acc = acc_type(inputs[0].dtype());
  auto x = astype(inputs[0], acc, s);
  auto g = astype(inputs.back(), acc, s);
  // n: the normalized rows, r: 1 / (their root mean square or deviation).
  auto centered = layer ? subtract(x, mean(x, -1, true, s), s) : x;
  auto r = rsqrt(add(mean(square(centered, s), -1, true, s), array(eps, acc), s), s);
  auto n = multiply(centered, r, s);
  auto gw = has_weight ? multiply(g, astype(inputs[1], acc, s), s) : g;
  auto inner = subtract(gw, multiply(n, mean(multiply(gw, n, s), -1, true, s), s), s);
  if (layer) {
    inner = subtract(inner, mean(gw, -1, true, s), s);
  }
  std::vector<array> out = {astype(multiply(r, inner, s), inputs[0].dtype(), s)};
  if (has_weight) {
    out.push_back(sum_rows(multiply(g, n, s), s));
  }
  if (has_bias) {
    out.push_back(sum_rows(g, s));
  }
  return out;
}

// RMSNorm ------------------------------------------------------------------

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  auto grads = norm_grad(primals, cotangents[0], false, eps_, has_weight_, false, stream());
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(astype(grads[i], primals[i].dtype(), stream()));
  }
  return out;
}

std::vector<array> RMSNorm::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  auto s = stream();
  Dtype t = primals[0].dtype(), acc = acc_type(t);
  auto x = astype(primals[0], acc, s);
  auto r = rsqrt(add(mean(square(x, s), -1, true, s), array(eps_, acc), s), s);
  auto n = multiply(x, r, s);
  std::optional<array> res;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto tan = astype(tangents[k], acc, s);
    array term =
        argnums[k] == 0
            ? multiply(r, subtract(tan, multiply(n, mean(multiply(n, tan, s), -1, true, s), s), s), s)
            : multiply(n, tan, s);
    if (argnums[k] == 0 && has_weight_) {
      term = multiply(term, astype(primals[1], acc, s), s);
    }
    res = res ? add(*res, term, s) : term;
  }
  return {astype(*res, t, s)};
}

std::pair<std::vector<array>, std::vector<int>> RMSNorm::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  auto s = stream();
  int size = mapped_size(inputs, axes);
  auto x = batched_at_front(inputs[0], axes[0], size, s);
  if (!has_weight_ || axes[1] < 0) {
    return {{fast::rms_norm(x, has_weight_ ? std::optional<array>(inputs[1]) : std::nullopt, eps_, s)}, {0}};
  }
  auto w = line_up(moveaxis(inputs[1], axes[1], 0, s), x.ndim(), s);
  return {{multiply(fast::rms_norm(x, std::nullopt, eps_, s), w, s)}, {0}};
}

// LayerNorm ----------------------------------------------------------------

namespace {

struct Normalized {
  array n, r;
};

Normalized layer_normalize(const array& x, float eps, StreamOrDevice s) {
  auto mu = mean(x, -1, true, s);
  auto xc = subtract(x, mu, s);
  auto r = rsqrt(add(mean(square(xc, s), -1, true, s), array(eps, x.dtype()), s), s);
  return {multiply(xc, r, s), r};
}

} // namespace

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  auto grads = norm_grad(primals, cotangents[0], true, eps_, has_weight_, has_bias_, stream());
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(astype(grads[i], primals[i].dtype(), stream()));
  }
  return out;
}

std::vector<array> LayerNorm::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  auto s = stream();
  Dtype t = primals[0].dtype(), acc = acc_type(t);
  auto [n, r] = layer_normalize(astype(primals[0], acc, s), eps_, s);
  std::optional<array> res;
  for (size_t k = 0; k < argnums.size(); ++k) {
    int i = argnums[k];
    auto tan = astype(tangents[k], acc, s);
    array term = tan;
    if (i == 0) {
      term = multiply(r,
                      subtract(subtract(tan, mean(tan, -1, true, s), s),
                               multiply(n, mean(multiply(n, tan, s), -1, true, s), s), s),
                      s);
      if (has_weight_) {
        term = multiply(term, astype(primals[1], acc, s), s);
      }
    } else if (has_weight_ && i == 1) {
      term = multiply(n, tan, s);
    }
    res = res ? add(*res, term, s) : term;
  }
  return {astype(broadcast_to(*res, primals[0].shape(), s), t, s)};
}

std::pair<std::vector<array>, std::vector<int>> LayerNorm::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto s = stream();
  int size = mapped_size(inputs, axes);
  auto x = batched_at_front(inputs[0], axes[0], size, s);
  bool params_mapped = false;
  for (size_t i = 1; i < axes.size(); ++i) {
    params_mapped |= axes[i] >= 0;
  }
  size_t next = 1;
  std::optional<array> w, b;
  if (has_weight_) {
    w = inputs[next++];
  }
  if (has_bias_) {
    b = inputs[next++];
  }
  if (!params_mapped) {
    return {{fast::layer_norm(x, w, b, eps_, s)}, {0}};
  }
  auto out = fast::layer_norm(x, std::nullopt, std::nullopt, eps_, s);
  next = 1;
  if (has_weight_) {
    auto wi = axes[next] >= 0 ? line_up(moveaxis(*w, axes[next], 0, s), x.ndim(), s) : *w;
    out = multiply(out, wi, s);
    ++next;
  }
  if (has_bias_) {
    auto bi = axes[next] >= 0 ? line_up(moveaxis(*b, axes[next], 0, s), x.ndim(), s) : *b;
    out = add(out, bi, s);
  }
  return {{out}, {0}};
}

// NormGrad -----------------------------------------------------------------

namespace {

Function norm_grad_function(bool layer, float eps, bool has_weight, bool has_bias, Stream s) {
  return [=](const std::vector<array>& xs) {
    return norm_grad_reference(xs, layer, eps, has_weight, has_bias, s);
  };
}

} // namespace

std::vector<array> NormGrad::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>&) {
  // One cotangent per output (zeros for outputs nobody holds).
  auto s = stream();
  auto f = norm_grad_function(layer_, eps_, has_weight_, has_bias_, s);
  auto grads = mlx::core::vjp(f, primals, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(grads[i]);
  }
  return out;
}

std::vector<array> NormGrad::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  auto tans = detail::tangents_of_all(primals, tangents, argnums, stream());
  return mlx::core::jvp(norm_grad_function(layer_, eps_, has_weight_, has_bias_, stream()), primals, tans)
      .second;
}

std::pair<std::vector<array>, std::vector<int>> NormGrad::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  // The weight and bias gradients sum over rows, which must not mix the
  // mapped entries: the reference, vectorized.
  auto f = norm_grad_function(layer_, eps_, has_weight_, has_bias_, stream());
  std::vector<int> out_axes(1 + int(has_weight_) + int(has_bias_), 0);
  return {mlx::core::vmap(f, axes, out_axes)(inputs), out_axes};
}

// RoPE ---------------------------------------------------------------------

namespace {

array rope_node(const std::vector<array>& inputs, const array& x, int dims, bool traditional, float base,
                float scale, bool has_freqs, bool inverse, Stream s) {
  std::vector<array> ins = inputs;
  ins[0] = x;
  return detail::make_node<RoPE>(x.shape(), x.dtype(), std::move(ins), s, dims, traditional, base, scale,
                                 has_freqs, inverse);
}

} // namespace

std::vector<array> RoPE::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                             const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      // A rotation's transpose turns the other way.
      out.push_back(rope_node(primals, astype(cotangents[0], primals[0].dtype(), stream()), dims_,
                              traditional_, base_, scale_, has_freqs_, !inverse_, stream()));
    } else {
      out.push_back(zeros_like(primals[i], stream()));
    }
  }
  return out;
}

std::vector<array> RoPE::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>& argnums) {
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) {
      return {rope_node(primals, astype(tangents[k], primals[0].dtype(), stream()), dims_, traditional_,
                        base_, scale_, has_freqs_, inverse_, stream())};
    }
  }
  return {zeros_like(primals[0], stream())};
}

std::pair<std::vector<array>, std::vector<int>> RoPE::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  auto s = stream();
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] >= 0) {
      detail::fail("rope", "vmap over the offset or freqs is not supported.");
    }
  }
  // Positions run along axis -2 and per-batch offsets along axis 0: keep
  // both in place by putting the mapped axis right after axis 0 (or first).
  int to = inputs[1].ndim() == 1 ? 1 : 0;
  auto x = moveaxis(inputs[0], axes[0], to, s);
  return {{rope_node(inputs, x, dims_, traditional_, base_, scale_, has_freqs_, inverse_, s)}, {to}};
}

} // namespace mlx::core

namespace mlx::core {

std::vector<array> gated_delta_reference(const std::vector<array>& in, bool has_mask, StreamOrDevice s) {
  const auto& q = in[0];
  int b = q.shape(0), t_len = q.shape(1), hk = q.shape(2);
  int hv = in[2].shape(2);
  auto expand = [&](const array& x) { return hv == hk ? x : repeat(x, hv / hk, 2, s); };
  auto qh = expand(q), kh = expand(in[1]);
  auto state = in[5]; // (B, Hv, Dv, Dk)
  std::vector<array> outs;
  for (int t = 0; t < t_len; ++t) {
    auto at = [&](const array& x) { return take(x, t, 1, s); };
    auto kt = at(kh), qt = at(qh), vt = at(in[2]); // (B, Hv, Dk) / (B, Hv, Dv)
    auto gt = expand_dims(expand_dims(at(in[3]), -1, s), -1, s);
    auto bt = expand_dims(expand_dims(at(in[4]), -1, s), -1, s);
    auto next = multiply(gt, state, s);
    auto pred = matmul(next, expand_dims(kt, -1, s), s); // (B, Hv, Dv, 1)
    auto delta = subtract(expand_dims(vt, -1, s), pred, s);
    next = add(next, multiply(bt, multiply(delta, expand_dims(kt, -2, s), s), s), s);
    auto o = squeeze(matmul(next, expand_dims(qt, -1, s), s), -1, s); // (B, Hv, Dv)
    if (has_mask) {
      auto m = at(in[6]); // (B,)
      auto m4 = reshape(m, {b, 1, 1, 1}, s);
      state = where(m4, next, state, s);
      o = where(reshape(m, {b, 1, 1}, s), o, zeros_like(o, s), s);
    } else {
      state = next;
    }
    outs.push_back(o);
  }
  auto o = outs.empty() ? zeros({b, 0, hv, in[2].shape(3)}, q.dtype(), s) : stack(outs, 1, s);
  return {o, state};
}

namespace {

std::vector<array> differentiable_inputs(const std::vector<array>& primals) {
  return std::vector<array>(primals.begin(), primals.begin() + 6);
}

// The op-level recurrence as a function of the six differentiable inputs
// (the mask, if any, is a constant of it).
Function reference_of(const std::vector<array>& primals, bool has_mask, Stream s) {
  std::optional<array> mask;
  if (has_mask) {
    mask = primals[6];
  }
  return [mask, has_mask, s](const std::vector<array>& xs) {
    std::vector<array> all = xs;
    if (mask) {
      all.push_back(*mask);
    }
    return gated_delta_reference(all, has_mask, s);
  };
}

} // namespace

std::vector<array> GatedDelta::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents_in,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  auto diff = differentiable_inputs(primals);
  // One cotangent per output (zeros for outputs nobody holds).
  auto grads = mlx::core::vjp(reference_of(primals, has_mask_, stream()), diff, cotangents_in).second;
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i < 6 ? grads[i] : zeros_like(primals[i], stream()));
  }
  return out;
}

std::vector<array> GatedDelta::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  auto diff = differentiable_inputs(primals);
  std::vector<array> tans;
  for (auto& p : diff) {
    tans.push_back(zeros_like(p, stream()));
  }
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] < 6) {
      tans[argnums[k]] = tangents[k];
    }
  }
  return mlx::core::jvp(reference_of(primals, has_mask_, stream()), diff, tans).second;
}

std::pair<std::vector<array>, std::vector<int>> GatedDelta::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  // Every input leads with the batch dim: fold the mapped axis into it.
  auto s = stream();
  int size = mapped_size(inputs, axes);
  std::vector<array> folded;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto x = batched_at_front(inputs[i], axes[i], size, s);
    Shape sh = {size * x.shape(1)};
    sh.insert(sh.end(), x.shape().begin() + 2, x.shape().end());
    folded.push_back(reshape(x, sh, s));
  }
  std::optional<array> mask;
  if (has_mask_) {
    mask = folded[6];
  }
  auto outs =
      fast::gated_delta_update(folded[0], folded[1], folded[2], folded[3], folded[4], folded[5], mask, s);
  for (auto& o : outs) {
    Shape sh = {size, o.shape(0) / size};
    sh.insert(sh.end(), o.shape().begin() + 1, o.shape().end());
    o = reshape(o, sh, s);
  }
  return {outs, {0, 0}};
}

} // namespace mlx::core

namespace mlx::core {

array sdpa_reference(const array& q, const array& k, const array& v, float scale, bool causal,
                     const std::optional<array>& mask, const std::optional<array>& sinks, StreamOrDevice s) {
  int b = q.shape(0), hq = q.shape(1), l = q.shape(2), d = q.shape(3);
  int hkv = k.shape(1), sl = k.shape(2);
  Dtype out_type = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
  Dtype acc = acc_type(out_type);
  int g = hq / hkv;
  // Scores per kv head group: (B, Hkv, G, L, S), viewed as (B, Hq, L, S).
  auto qg = reshape(multiply(astype(q, acc, s), array(scale, acc), s), {b, hkv, g, l, d}, s);
  auto kt = swapaxes(reshape(astype(k, acc, s), {b, hkv, 1, sl, d}, s), -1, -2, s);
  auto scores = reshape(matmul(qg, kt, s), {b, hq, l, sl}, s);
  // Masked keys score the lowest finite value (as MLX and the kernel).
  array masked = acc == float64 ? array(std::numeric_limits<double>::lowest(), acc)
                                : array(std::numeric_limits<float>::lowest(), acc);
  if (causal) {
    auto rows = reshape(arange(0, l, int32, s), {l, 1}, s);
    auto cols = reshape(arange(0, sl, int32, s), {1, sl}, s);
    auto keep = less_equal(cols, add(rows, array(sl - l, int32), s), s);
    scores = where(keep, scores, masked, s);
  } else if (mask) {
    if (mask->dtype() == bool_) {
      scores = where(*mask, scores, masked, s);
    } else {
      scores = add(scores, astype(*mask, acc, s), s);
    }
  }
  array p = scores;
  if (sinks) {
    // The sink joins the normalizer only.
    auto lse =
        logaddexp(logsumexp(scores, -1, true, s), reshape(astype(*sinks, acc, s), {1, hq, 1, 1}, s), s);
    p = exp(subtract(scores, lse, s), s);
  } else {
    p = softmax(scores, -1, true, s);
  }
  p = reshape(p, {b, hkv, g, l, sl}, s);
  auto out = matmul(p, reshape(astype(v, acc, s), {b, hkv, 1, sl, v.shape(3)}, s), s);
  return astype(reshape(out, {b, hq, l, v.shape(3)}, s), out_type, s);
}

namespace {

// The reference as a function of its differentiable inputs: q, k, v, an
// additive mask and the sinks; a bool mask is a constant of it.
struct SdpaReference {
  Function fn;
  std::vector<array> diff;   // the differentiable primals, in order
  std::vector<int> position; // each one's index among the primitive's inputs
};

SdpaReference sdpa_reference_of(const std::vector<array>& primals, float scale,
                                ScaledDotProductAttention::Mask kind, bool has_sinks, Stream s) {
  using Mask = ScaledDotProductAttention::Mask;
  std::optional<array> bool_mask;
  SdpaReference r;
  for (int i = 0; i < int(primals.size()); ++i) {
    if (i == 3 && kind == Mask::Bool) {
      bool_mask = primals[i];
    } else {
      r.diff.push_back(primals[i]);
      r.position.push_back(i);
    }
  }
  r.fn = [=](const std::vector<array>& xs) {
    std::optional<array> mask = bool_mask, sinks;
    size_t next = 3;
    if (kind == Mask::Additive) {
      mask = xs[next++];
    }
    if (has_sinks) {
      sinks = xs[next++];
    }
    return std::vector<array>{
        sdpa_reference(xs[0], xs[1], xs[2], scale, kind == Mask::Causal, mask, sinks, s)};
  };
  return r;
}

} // namespace

// The gradients of q, k and v of the unmasked (or causal) reference for
// cotangent g: the source of ScaledDotProductAttentionVJP's own rules.
std::vector<array> sdpa_vjp_reference(const std::vector<array>& qkvg, float scale, bool causal, Stream s) {
  auto f = [=](const std::vector<array>& xs) {
    return std::vector<array>{
        sdpa_reference(xs[0], xs[1], xs[2], scale, causal, std::nullopt, std::nullopt, s)};
  };
  return mlx::core::vjp(f, {qkvg[0], qkvg[1], qkvg[2]}, {qkvg[3]}).second;
}

std::vector<array> ScaledDotProductAttention::vjp(const std::vector<array>& primals,
                                                  const std::vector<array>& cotangents,
                                                  const std::vector<int>& argnums,
                                                  const std::vector<array>& outputs) {
  const auto &q = primals[0], &k = primals[1], &v = primals[2];
  // Without a mask array or sinks, one node computes the three gradients
  // blockwise (a causal mask needs every query to see a key: L <= S).
  bool blockwise = !has_sinks_ && !outputs.empty() &&
                   (mask_ == Mask::None || (mask_ == Mask::Causal && q.shape(2) <= k.shape(2)));
  if (blockwise) {
    auto g = astype(cotangents[0], outputs[0].dtype(), stream());
    auto grads = array::make_arrays(
        {q.shape(), k.shape(), v.shape()}, {q.dtype(), k.dtype(), v.dtype()},
        std::make_shared<ScaledDotProductAttentionVJP>(stream(), scale_, mask_ == Mask::Causal),
        {q, k, v, outputs[0], g});
    std::vector<array> out;
    for (int i : argnums) {
      out.push_back(grads[i]);
    }
    return out;
  }
  auto ref = sdpa_reference_of(primals, scale_, mask_, has_sinks_, stream());
  auto grads = mlx::core::vjp(ref.fn, ref.diff, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) {
    auto at = std::find(ref.position.begin(), ref.position.end(), i);
    out.push_back(at == ref.position.end() ? zeros_like(primals[i], stream())
                                           : grads[at - ref.position.begin()]);
  }
  return out;
}

// Its rules differentiate or batch the reference's gradients of (q, k, v,
// g); o, a function of q, k and v there, gets no gradient of its own.
std::vector<array> ScaledDotProductAttentionVJP::vjp(const std::vector<array>& primals,
                                                     const std::vector<array>& cotangents,
                                                     const std::vector<int>& argnums,
                                                     const std::vector<array>&) {
  auto s = stream();
  float scale = scale_;
  bool causal = causal_;
  auto f = [=](const std::vector<array>& xs) { return sdpa_vjp_reference(xs, scale, causal, s); };
  auto grads = mlx::core::vjp(f, {primals[0], primals[1], primals[2], primals[4]}, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i == 3 ? zeros_like(primals[3], s) : grads[i == 4 ? 3 : i]);
  }
  return out;
}

std::vector<array> ScaledDotProductAttentionVJP::jvp(const std::vector<array>& primals,
                                                     const std::vector<array>& tangents,
                                                     const std::vector<int>& argnums) {
  auto s = stream();
  float scale = scale_;
  bool causal = causal_;
  auto f = [=](const std::vector<array>& xs) { return sdpa_vjp_reference(xs, scale, causal, s); };
  std::vector<array> ins = {primals[0], primals[1], primals[2], primals[4]};
  std::vector<array> tans;
  for (auto& x : ins) {
    tans.push_back(zeros_like(x, s));
  }
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] != 3) {
      tans[argnums[k] == 4 ? 3 : argnums[k]] = tangents[k];
    }
  }
  return mlx::core::jvp(f, ins, tans).second;
}

std::pair<std::vector<array>, std::vector<int>> ScaledDotProductAttentionVJP::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  float scale = scale_;
  bool causal = causal_;
  auto f = [=](const std::vector<array>& xs) { return sdpa_vjp_reference(xs, scale, causal, s); };
  std::vector<array> ins = {inputs[0], inputs[1], inputs[2], inputs[4]};
  std::vector<int> in_axes = {axes[0], axes[1], axes[2], axes[4]};
  return {mlx::core::vmap(f, in_axes, {0, 0, 0})(ins), {0, 0, 0}};
}

std::vector<array> ScaledDotProductAttention::jvp(const std::vector<array>& primals,
                                                  const std::vector<array>& tangents,
                                                  const std::vector<int>& argnums) {
  auto ref = sdpa_reference_of(primals, scale_, mask_, has_sinks_, stream());
  std::vector<array> tans;
  for (auto& p : ref.diff) {
    tans.push_back(zeros_like(p, stream()));
  }
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto at = std::find(ref.position.begin(), ref.position.end(), argnums[k]);
    if (at != ref.position.end()) {
      tans[at - ref.position.begin()] = tangents[k];
    }
  }
  return mlx::core::jvp(ref.fn, ref.diff, tans).second;
}

std::pair<std::vector<array>, std::vector<int>> ScaledDotProductAttention::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Mapped q, k and v fold the mapped axis into the batch; the mask and
  // sinks are then lined up with the folded batch.
  auto s = stream();
  int size = mapped_size(inputs, axes);
  auto fold = [&](int i) {
    auto x = batched_at_front(inputs[i], axes[i], size, s);
    Shape sh = {size * x.shape(1)};
    sh.insert(sh.end(), x.shape().begin() + 2, x.shape().end());
    return reshape(x, sh, s);
  };
  auto q = fold(0), k = fold(1), v = fold(2);
  int b = q.shape(0) / size;
  int hq = q.shape(1), l = q.shape(2), sl = k.shape(2);
  std::optional<array> mask, sinks;
  size_t next = 3;
  if (mask_ == Mask::Bool || mask_ == Mask::Additive) {
    // The mask broadcast to (size, B, Hq, L, S), then folded.
    auto m = inputs[next];
    if (axes[next] >= 0) {
      m = moveaxis(m, axes[next], 0, s);
      Shape sh = {size};
      for (int pad = 0; pad < 4 - (m.ndim() - 1); ++pad) {
        sh.push_back(1);
      }
      sh.insert(sh.end(), m.shape().begin() + 1, m.shape().end());
      m = reshape(m, sh, s);
    }
    m = broadcast_to(m, {size, b, hq, l, sl}, s);
    mask = reshape(m, {size * b, hq, l, sl}, s);
    ++next;
  }
  if (has_sinks_) {
    if (axes[next] >= 0) {
      // Sinks that differ per mapped entry have no folded form: the
      // reference under vmap computes them.
      auto ref = sdpa_reference_of(inputs, scale_, mask_, has_sinks_, s);
      std::vector<int> diff_axes;
      for (int p : ref.position) {
        diff_axes.push_back(axes[p]);
      }
      if (mask_ == Mask::Bool && axes[3] >= 0) {
        throw std::invalid_argument(
            "[scaled_dot_product_attention] vmap over both a bool mask and the sinks is not supported.");
      }
      return {mlx::core::vmap(ref.fn, diff_axes, {0})(ref.diff), {0}};
    }
    sinks = inputs[next];
  }
  std::string mode = mask_ == Mask::Causal ? "causal" : (mask ? "array" : "");
  auto out = fast::scaled_dot_product_attention(q, k, v, scale_, mode, mask, sinks, s);
  Shape sh = {size, out.shape(0) / size};
  sh.insert(sh.end(), out.shape().begin() + 1, out.shape().end());
  return {{reshape(out, sh, s)}, {0}};
}

} // namespace mlx::core

// CrossEntropy ---------------------------------------------------------------

namespace mlx::core {

namespace {

// logits[target] per row, and the loss gradient written with ops (the
// source of CrossEntropyGrad's rules); targets are int32.
// The class each target names among v: negatives count from the end,
// out-of-range ones are clamped (as the kernels read them).
array class_index(const array& targets, int v, StreamOrDevice s) {
  auto t = where(less(targets, array(0, int32), s), add(targets, array(v, int32), s), targets, s);
  return clip(t, array(0, int32), array(std::max(v - 1, 0), int32), s);
}

array picked_logits(const array& logits, const array& targets, StreamOrDevice s) {
  auto t = class_index(targets, logits.shape(-1), s);
  return squeeze(take_along_axis(logits, expand_dims(t, -1, s), -1, s), -1, s);
}

array cross_entropy_grad_reference(const array& logits, const array& targets, const array& cot,
                                   StreamOrDevice s) {
  int v = logits.shape(-1);
  auto t = class_index(targets, v, s);
  auto hot = astype(equal(arange(0, v, int32, s), expand_dims(t, -1, s), s), logits.dtype(), s);
  return multiply(expand_dims(cot, -1, s), subtract(softmax(logits, -1, true, s), hot, s), s);
}

// Moves the mapped axis of every input to the front (broadcasting unmapped
// ones), so that the rows gain a leading batch dim.
std::vector<array> rows_batched(const std::vector<array>& inputs, const std::vector<int>& axes,
                                StreamOrDevice s) {
  int size = mapped_size(inputs, axes);
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    out.push_back(batched_at_front(inputs[i], axes[i], size, s));
  }
  return out;
}

} // namespace

std::vector<array> CrossEntropy::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                     const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(detail::make_node<CrossEntropyGrad>(
          primals[0].shape(), primals[0].dtype(),
          {primals[0], primals[1], astype(cotangents[0], primals[0].dtype(), stream())}, stream()));
    } else {
      out.push_back(zeros_like(primals[1], stream()));
    }
  }
  return out;
}

std::vector<array> CrossEntropy::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                     const std::vector<int>& argnums) {
  auto s = stream();
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) {
      // d(lse) = sum(softmax * t); d(picked) = t[target].
      auto& t = tangents[k];
      auto dl = sum(multiply(softmax(primals[0], -1, true, s), t, s), -1, false, s);
      return {subtract(dl, picked_logits(t, primals[1], s), s)};
    }
  }
  return {zeros(primals[1].shape(), primals[0].dtype(), s)};
}

std::pair<std::vector<array>, std::vector<int>> CrossEntropy::vmap(const std::vector<array>& inputs,
                                                                   const std::vector<int>& axes) {
  // The mapped axis goes first; the class axis stays last.
  auto in = rows_batched(inputs, axes, stream());
  return {{fast::cross_entropy(in[0], in[1], stream())}, {0}};
}

std::vector<array> CrossEntropyGrad::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  auto targets = primals[1];
  auto f = [targets, s](const std::vector<array>& xs) {
    return std::vector<array>{cross_entropy_grad_reference(xs[0], targets, xs[1], s)};
  };
  auto grads = mlx::core::vjp(f, {primals[0], primals[2]}, cotangents).second;
  std::vector<array> out;
  for (int i : argnums) {
    out.push_back(i == 0 ? grads[0] : (i == 2 ? grads[1] : zeros_like(primals[1], s)));
  }
  return out;
}

std::vector<array> CrossEntropyGrad::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  auto s = stream();
  auto targets = primals[1];
  auto f = [targets, s](const std::vector<array>& xs) {
    return std::vector<array>{cross_entropy_grad_reference(xs[0], targets, xs[1], s)};
  };
  std::vector<array> tans = {zeros_like(primals[0], s), zeros_like(primals[2], s)};
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) {
      tans[0] = tangents[k];
    } else if (argnums[k] == 2) {
      tans[1] = tangents[k];
    }
  }
  return mlx::core::jvp(f, {primals[0], primals[2]}, tans).second;
}

std::pair<std::vector<array>, std::vector<int>> CrossEntropyGrad::vmap(const std::vector<array>& inputs,
                                                                       const std::vector<int>& axes) {
  auto in = rows_batched(inputs, axes, stream());
  return {{detail::make_node<CrossEntropyGrad>(in[0].shape(), in[0].dtype(), in, stream())}, {0}};
}

} // namespace mlx::core
