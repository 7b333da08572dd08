// mx.fast ops: argument checks and node building (the rules are in
// primitives/fast.cpp, the kernels in backend/cpu/fast.cpp).
#include "mlx/fast.h"

#include <algorithm>
#include <cmath>

#include "mlx/ops.h"
#include "mlx/export_state.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/fast.h"
#include "mlx/transforms.h"

namespace mlx::core::fast {

using detail::fail;

namespace {

Dtype float_type(Dtype t) { return is_floating_point(t) ? t : float32; }

// Accumulation type of the rules: float32 for 16-bit floats.
Dtype acc_type(Dtype t) { return t == float64 ? float64 : float32; }

void check_affine(const char* op, const char* name, const array& x, const std::optional<array>& p) {
  if (!p) {
    return;
  }
  if (p->ndim() != 1) {
    fail(op, "(*", name, ") must have 1 dimension but has ", p->ndim(), " dimensions.");
  }
  if (p->shape(0) != x.shape(-1)) {
    fail(op, "(*", name, ") must have the same size as the last dimension of x but has ", p->size(),
         " elements.");
  }
}

} // namespace

array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s) {
  if (x.ndim() == 0) {
    fail("rms_norm", "Input must have at least 1 dimension but got input with 0 dimensions.");
  }
  check_affine("rms_norm", "weight", x, weight);
  Dtype t = weight ? promote_types(x.dtype(), weight->dtype()) : x.dtype();
  if (!is_floating_point(t)) {
    fail("rms_norm", "Received unsupported type ", t, ".");
  }
  std::vector<array> inputs = {astype(x, t, s)};
  if (weight) {
    inputs.push_back(astype(*weight, t, s));
  }
  return detail::make_node<RMSNorm>(x.shape(), t, std::move(inputs), to_stream(s), eps, bool(weight));
}

array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias,
                 float eps, StreamOrDevice s) {
  if (x.ndim() == 0) {
    fail("layer_norm", "Input must have at least 1 dimension but got input with 0 dimensions.");
  }
  check_affine("layer_norm", "weight", x, weight);
  check_affine("layer_norm", "bias", x, bias);
  Dtype t = x.dtype();
  for (auto* p : {&weight, &bias}) {
    if (*p) {
      t = promote_types(t, (*p)->dtype());
    }
  }
  if (!is_floating_point(t)) {
    fail("layer_norm", "Received unsupported type ", t, ".");
  }
  std::vector<array> inputs = {astype(x, t, s)};
  for (auto* p : {&weight, &bias}) {
    if (*p) {
      inputs.push_back(astype(**p, t, s));
    }
  }
  return detail::make_node<LayerNorm>(x.shape(), t, std::move(inputs), to_stream(s), eps, bool(weight),
                                      bool(bias));
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 3) {
    fail("rope", "Input must have at least 3 dimensions but got input with ", x.ndim(), " dimensions.");
  }
  if (!is_floating_point(x.dtype())) {
    fail("rope", "Input must be a floating type but got ", x.dtype(), ".");
  }
  if (dims % 2 != 0) {
    fail("rope", "dims must be even but got ", dims, ".");
  }
  if (dims <= 0 || dims > x.shape(-1)) {
    fail("rope", "dims must be in (0, ", x.shape(-1), "] but got ", dims, ".");
  }
  if (base && freqs) {
    fail("rope", "Only one of base or freqs can have a value.");
  }
  if (!base && !freqs) {
    fail("rope", "Neither base nor freqs has a value.");
  }
  if (offset.ndim() > 1 || (offset.ndim() == 1 && offset.size() != 1 && offset.shape(0) != x.shape(0))) {
    fail("rope", "offset must be a scalar or vector with ", x.shape(0), " elements but has shape ",
         detail::shape_str(offset.shape()), ".");
  }
  if (!is_integral(offset.dtype()) && offset.dtype() != bool_) {
    // MLX accepts only integer offsets.
    fail("rope", "offset must be an integer but got type ", dtype_to_string(offset.dtype()), ".");
  }
  std::vector<array> inputs = {astype(x, float_type(x.dtype()), s),
                               astype(offset.size() == 1 ? reshape(offset, {}, s) : offset, int32, s)};
  if (freqs) {
    if (freqs->ndim() != 1 || freqs->shape(0) != dims / 2) {
      fail("rope", "freqs must be one dimensional with size ", dims / 2, " but got shape ",
           detail::shape_str(freqs->shape()), ".");
    }
    inputs.push_back(astype(*freqs, float32, s));
  }
  return detail::make_node<RoPE>(x.shape(), float_type(x.dtype()), std::move(inputs), to_stream(s), dims,
                                 traditional, base.value_or(0.0f), scale, bool(freqs), false);
}

array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, array(offset, int32), freqs, s);
}

array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode, const std::optional<array>& mask,
                                   const std::optional<array>& sinks, StreamOrDevice s) {
  const char* op = "scaled_dot_product_attention";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
    fail(op, "q, k and v must have 4 dimensions (batch, heads, sequence, features).");
  }
  if (mask_mode != "" && mask_mode != "causal" && mask_mode != "array") {
    fail(op, "invalid mask option '", mask_mode, "'. Must be 'causal', or an array.");
  }
  int b = q.shape(0), hq = q.shape(1), l = q.shape(2), d = q.shape(3);
  int hkv = k.shape(1), sl = k.shape(2);
  if (k.shape(1) != v.shape(1) || k.shape(2) != v.shape(2) || k.shape(3) != d) {
    fail(op, "k and v must have matching heads and sequence lengths, and k the features of q; got q ",
         detail::shape_str(q.shape()), ", k ", detail::shape_str(k.shape()), ", v ",
         detail::shape_str(v.shape()), ".");
  }
  if (k.shape(0) != b || v.shape(0) != b) {
    fail(op, "q, k and v must have the same batch size; got q ", detail::shape_str(q.shape()), ", k ",
         detail::shape_str(k.shape()), ", v ", detail::shape_str(v.shape()), ".");
  }
  if (hkv == 0 || hq % hkv != 0) {
    fail(op, "n_heads must be a multiple of n_kv_heads, found n_heads ", hq, " for n_kv_heads ", hkv, ".");
  }
  Dtype out_type = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
  if (!is_floating_point(out_type)) {
    fail(op, "Received unsupported type ", out_type, ".");
  }
  Dtype acc = acc_type(out_type);
  using Mask = ScaledDotProductAttention::Mask;
  Mask kind = mask_mode == "causal" ? Mask::Causal : Mask::None;
  std::vector<array> inputs = {astype(q, out_type, s), astype(k, out_type, s), astype(v, out_type, s)};
  if (mask_mode != "causal" && mask) {
    Shape scores = {b, hq, l, sl};
    if (broadcast_shapes(mask->shape(), scores) != scores) {
      fail(op, "mask of shape ", detail::shape_str(mask->shape()),
           " does not broadcast to the scores' shape ", detail::shape_str(scores), ".");
    }
    kind = mask->dtype() == bool_ ? Mask::Bool : Mask::Additive;
    if (kind == Mask::Additive && promote_types(mask->dtype(), out_type) != out_type) {
      fail(op, "Mask type must promote to output type ", out_type, ".");
    }
    inputs.push_back(kind == Mask::Bool ? *mask : astype(*mask, acc, s));
  }
  if (sinks) {
    if (sinks->ndim() != 1 || sinks->shape(0) != hq) {
      fail(op, "Received invalid shape for sinks ", detail::shape_str(sinks->shape()), ".");
    }
    if (promote_types(sinks->dtype(), out_type) != out_type) {
      fail(op, "Type of sinks must promote to output type ", out_type, ".");
    }
    inputs.push_back(astype(*sinks, acc, s));
  }
  return detail::make_node<ScaledDotProductAttention>(
      Shape{b, hq, l, v.shape(3)}, out_type, std::move(inputs), to_stream(s), scale, kind, bool(sinks));
}

array cross_entropy(const array& logits, const array& targets, StreamOrDevice s) {
  if (logits.ndim() == 0) {
    fail("cross_entropy", "logits must have at least 1 dimension.");
  }
  if (!is_integral(targets.dtype())) {
    fail("cross_entropy", "targets must be integer class indices.");
  }
  if (logits.shape(-1) == 0) {
    fail("cross_entropy", "logits must have at least one class.");
  }
  Shape expected(logits.shape().begin(), logits.shape().end() - 1);
  if (targets.shape() != expected) {
    fail("cross_entropy", "targets of shape ", detail::shape_str(targets.shape()),
         " do not match logits of shape ", detail::shape_str(logits.shape()), ".");
  }
  // Computed (and returned) in float32 for 16-bit logits, as MLX.
  Dtype t = acc_type(float_type(logits.dtype()));
  return detail::make_node<CrossEntropy>(targets.shape(), t,
                                         {astype(logits, t, s), astype(targets, int32, s)}, to_stream(s));
}

} // namespace mlx::core::fast

// Gated delta rule -----------------------------------------------------------

namespace mlx::core::fast {

std::vector<array> gated_delta_update(const array& q, const array& k, const array& v, const array& gamma,
                                      const array& beta, const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice s) {
  const char* op = "gated_delta_update";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
    fail(op, "q, k and v must have 4 dimensions (batch, time, heads, features).");
  }
  if (q.shape() != k.shape()) {
    fail(op, "q and k must have the same shape but got ", detail::shape_str(q.shape()), " and ",
         detail::shape_str(k.shape()), ".");
  }
  int b = q.shape(0), t = q.shape(1), hk = q.shape(2), dk = q.shape(3);
  int hv = v.shape(2), dv = v.shape(3);
  if (v.shape(0) != b || v.shape(1) != t || hk == 0 || hv % hk != 0) {
    fail(op, "v of shape ", detail::shape_str(v.shape()), " does not match q of shape ",
         detail::shape_str(q.shape()), " (value heads must be a multiple of key heads).");
  }
  Shape gshape = {b, t, hv};
  if (gamma.shape() != gshape || beta.shape() != gshape) {
    fail(op, "gamma and beta must have shape ", detail::shape_str(gshape), ".");
  }
  Shape sshape = {b, hv, dv, dk};
  if (initial_state && initial_state->shape() != sshape) {
    fail(op, "initial_state must have shape ", detail::shape_str(sshape), " but got ",
         detail::shape_str(initial_state->shape()), ".");
  }
  if (mask && mask->shape() != Shape{b, t}) {
    fail(op, "mask must have shape (", b, ",", t, ") but got ", detail::shape_str(mask->shape()), ".");
  }
  Dtype dt = float_type(promote_types(promote_types(q.dtype(), k.dtype()), v.dtype()));
  std::vector<array> inputs = {
      astype(q, dt, s),    astype(k, dt, s),
      astype(v, dt, s),    astype(gamma, dt, s),
      astype(beta, dt, s), initial_state ? astype(*initial_state, dt, s) : zeros(sshape, dt, s)};
  if (mask) {
    inputs.push_back(astype(*mask, bool_, s));
  }
  return array::make_arrays({{b, t, hv, dv}, sshape}, {dt, dt},
                            std::make_shared<GatedDelta>(to_stream(s), bool(mask)), inputs);
}

} // namespace mlx::core::fast

namespace mlx::core {

std::vector<array> custom_kernel(const std::vector<array>& inputs, CustomKernel::Params p,
                                 std::vector<Shape> shapes, std::vector<Dtype> dtypes, StreamOrDevice s) {
  // Without a stream it runs on the GPU's.
  Device d = std::holds_alternative<Stream>(s)   ? std::get<Stream>(s).device
             : std::holds_alternative<Device>(s) ? std::get<Device>(s)
                                                 : Device(Device::gpu);
  if (!detail::in_export_tracing()) {
    throw std::runtime_error("[metal_kernel] No Metal back-end.");
  }
  if (d.type == Device::cpu) {
    throw std::invalid_argument("[metal_kernel] Only supports the GPU.");
  }
  if (shapes.empty() || shapes.size() != dtypes.size()) {
    throw std::invalid_argument(
        "[metal_kernel] Needs as many output dtypes as output shapes (at least one).");
  }
  return array::make_arrays(std::move(shapes), dtypes,
                            std::make_shared<CustomKernel>(Stream(0, d), std::move(p)), inputs);
}

} // namespace mlx::core
