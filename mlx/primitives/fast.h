// Primitives of mx.fast: row-wise fused kernels over the last axis.
#pragma once

#include <optional>

#include "mlx/primitives.h"

namespace mlx::core {

// inputs: x[, weight]
class RMSNorm : public Primitive {
 public:
  RMSNorm(Stream s, float eps, bool has_weight) : Primitive(s), eps_(eps), has_weight_(has_weight) {}
  MLX_PRIMITIVE_BODY(RMSNorm)
  MLX_TRANSFORM_RULES

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

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

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

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool has_freqs_, inverse_;
};

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

} // namespace mlx::core
