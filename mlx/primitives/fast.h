// Primitives of mx.fast: row-wise fused kernels over the last axis.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <variant>

#include "mlx/primitives.h"

namespace mlx::core {

// inputs: x[, weight]
class RMSNorm : public Primitive {
 public:
  RMSNorm(Stream s, float eps, bool has_weight) : Primitive(s), eps_(eps), has_weight_(has_weight) {}
  MLX_PRIMITIVE_BODY(RMSNorm)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float eps_;
  bool has_weight_;
};

// inputs: x[, weight][, bias]
class LayerNorm : public Primitive {
 public:
  LayerNorm(Stream s, float eps, bool has_weight, bool has_bias)
      : Primitive(s), eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  MLX_PRIMITIVE_BODY(LayerNorm)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

// The vjp of RMSNorm (layer = false) or LayerNorm (layer = true) in one
// pass per row. inputs: x[, weight], cotangent, all of one float type;
// outputs: dx (that type)[, dweight][, dbias] (sums over the rows, in the
// accumulation type; dbias only for a LayerNorm with a bias). The rules
// transform norm_grad_reference, the same gradient written with ops.
class NormGrad : public Primitive {
 public:
  NormGrad(Stream s, bool layer, float eps, bool has_weight, bool has_bias)
      : Primitive(s), layer_(layer), eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  MLX_PRIMITIVE_BODY(NormGrad)
  MLX_TRANSFORM_RULES

 private:
  bool layer_;
  float eps_;
  bool has_weight_, has_bias_;
};

// NormGrad's inputs and outputs, computed with ops.
std::vector<array> norm_grad_reference(const std::vector<array>& inputs, bool layer, float eps,
                                       bool has_weight, bool has_bias, StreamOrDevice s);

// inputs: x, offset (int32 scalar or (B,))[, freqs]. `inverse` turns the
// other way (the vjp).
class RoPE : public Primitive {
 public:
  RoPE(Stream s, int dims, bool traditional, float base, float scale, bool has_freqs, bool inverse)
      : Primitive(s),
        dims_(dims),
        traditional_(traditional),
        base_(base),
        scale_(scale),
        has_freqs_(has_freqs),
        inverse_(inverse) {}
  MLX_PRIMITIVE_BODY(RoPE)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool has_freqs_, inverse_;
};

// inputs: q, k, v[, mask][, sinks]; q (B, Hq, L, D), k (B, Hkv, S, D), v
// (B, Hkv, S, Dv) of the output type, a bool or additive mask broadcastable
// to (B, Hq, L, S), sinks (Hq,) in the accumulation type. One pass per block
// of queries with an online softmax over blocks of keys; the transformation
// rules differentiate sdpa_reference, the same attention written with ops.
class ScaledDotProductAttention : public Primitive {
 public:
  enum class Mask { None, Causal, Bool, Additive };
  ScaledDotProductAttention(Stream s, float scale, Mask mask, bool has_sinks)
      : Primitive(s), scale_(scale), mask_(mask), has_sinks_(has_sinks) {}
  MLX_PRIMITIVE_BODY(ScaledDotProductAttention)
  MLX_TRANSFORM_RULES

 private:
  float scale_;
  Mask mask_;
  bool has_sinks_;
};

// ScaledDotProductAttention's vjp without a mask array or sinks (causal
// only where every query sees a key): inputs q, k, v, the output o and its
// cotangent; outputs the gradients of q, k and v, in their dtypes. The
// kernel goes over blocks as the forward one does, recomputing the scores
// instead of keeping the L x S probabilities.
class ScaledDotProductAttentionVJP : public Primitive {
 public:
  ScaledDotProductAttentionVJP(Stream s, float scale, bool causal)
      : Primitive(s), scale_(scale), causal_(causal) {}
  MLX_PRIMITIVE_BODY(ScaledDotProductAttentionVJP)
  MLX_TRANSFORM_RULES

 private:
  float scale_;
  bool causal_;
};

// inputs: logits (..., V) in float32 or float64, targets (...) int32;
// output (...): logsumexp(logits) - logits[target], one pass per row. A
// negative target counts from the end; out-of-range ones are clamped.
class CrossEntropy : public Primitive {
 public:
  explicit CrossEntropy(Stream s) : Primitive(s) {}
  MLX_PRIMITIVE_BODY(CrossEntropy)
  MLX_TRANSFORM_RULES
};

// inputs: logits, targets, cotangent (...); output (..., V):
// cotangent * (softmax(logits) - one_hot(target)), CrossEntropy's vjp.
class CrossEntropyGrad : public Primitive {
 public:
  explicit CrossEntropyGrad(Stream s) : Primitive(s) {}
  MLX_PRIMITIVE_BODY(CrossEntropyGrad)
  MLX_TRANSFORM_RULES
};

// Attention written with ops (matmul, softmax): the definition the fused
// kernel follows and the source of its transformation rules.
array sdpa_reference(const array& q, const array& k, const array& v, float scale, bool causal,
                     const std::optional<array>& mask, const std::optional<array>& sinks, StreamOrDevice s);

// The gradients of q, k and v of sdpa_reference without a mask array or
// sinks, for qkvg = {q, k, v, cotangent}.
std::vector<array> sdpa_vjp_reference(const std::vector<array>& qkvg, float scale, bool causal, Stream s);

// inputs: q, k, v, gamma, beta, state (zeros when not given)[, mask];
// outputs: o, final state. Rules differentiate the same recurrence
// written with ops (gated_delta_reference).
class GatedDelta : public Primitive {
 public:
  GatedDelta(Stream s, bool has_mask) : Primitive(s), has_mask_(has_mask) {}
  MLX_PRIMITIVE_BODY(GatedDelta)
  MLX_TRANSFORM_RULES

 private:
  bool has_mask_;
};

// The recurrence of GatedDelta written with ops (for its transformation
// rules): inputs and outputs as GatedDelta's.
std::vector<array> gated_delta_reference(const std::vector<array>& inputs, bool has_mask, StreamOrDevice s);

// A kernel written for a back-end this build lacks (mx.fast.metal_kernel):
// it can be traced for export and written to a file, never run here.
class CustomKernel : public Primitive {
 public:
  struct Params {
    std::string name, source;
    std::tuple<int, int, int> grid, threadgroup;
    // Per input: whether the source reads its shape, strides and ndim.
    std::vector<std::tuple<bool, bool, bool>> shape_infos;
    bool ensure_row_contiguous = true;
    std::optional<float> init_value;
    std::vector<std::variant<bool, int, float>> scalars;
    int shared_memory = 0;
    int math_mode = 0;
  };
  CustomKernel(Stream s, Params p) : Primitive(s), p_(std::move(p)) {}
  MLX_PRIMITIVE_BODY(CustomKernel)
  const Params& params() const { return p_; }

 private:
  Params p_;
};

// The outputs of a CustomKernel (mx.fast.metal_kernel) on `inputs`: only
// on the GPU, and only while tracing for export (there is no Metal back-end
// to run it).
std::vector<array> custom_kernel(const std::vector<array>& inputs, CustomKernel::Params p,
                                 std::vector<Shape> shapes, std::vector<Dtype> dtypes, StreamOrDevice s);

} // namespace mlx::core
