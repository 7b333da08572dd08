// mx.fast: fused versions of common transformer blocks.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::fast {

// x / sqrt(mean(x^2, -1) + eps) * weight, over the last axis.
array rms_norm(const array& x, const std::optional<array>& weight, float eps, StreamOrDevice s = {});

// (x - mean) / sqrt(var + eps) * weight + bias, over the last axis.
array layer_norm(const array& x, const std::optional<array>& weight, const std::optional<array>& bias,
                 float eps, StreamOrDevice s = {});

// Rotary position embedding of the first `dims` features of x (..., T, D):
// position t (plus `offset`, a scalar or one per leading batch entry) turns
// feature pairs by t * scale / f_i, f_i = base^(2i / dims) or `freqs`.
// Pairs are (i, i + dims/2), or (2i, 2i+1) when `traditional`.
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale,
           const array& offset, const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs = std::nullopt, StreamOrDevice s = {});

// softmax(q k^T * scale + mask) v with grouped-query heads: q (B, Hq, L, D),
// k and v (B, Hkv, S, D), Hq a multiple of Hkv. mask: "" (none), "causal",
// or an array (boolean: keep where true; otherwise added to the scores).
// sinks (Hq,): an extra logit per head in the softmax denominator.
array scaled_dot_product_attention(const array& q, const array& k, const array& v, float scale,
                                   const std::string& mask_mode = "",
                                   const std::optional<array>& mask = std::nullopt,
                                   const std::optional<array>& sinks = std::nullopt, StreamOrDevice s = {});

// -log softmax(logits)[target] over the last axis.
array cross_entropy(const array& logits, const array& targets, StreamOrDevice s = {});

} // namespace mlx::core::fast

namespace mlx::core::fast {

// The gated delta rule over time, per (batch, value head): with the state
// S (Dv x Dk), S <- gamma_t S; S <- S + beta_t (v_t - S k_t) k_t^T;
// o_t = S q_t. q, k: (B, T, Hk, Dk); v: (B, T, Hv, Dv), Hv a multiple of Hk
// (value head h reads key head h / (Hv / Hk)); gamma, beta: (B, T, Hv);
// initial_state: (B, Hv, Dv, Dk), zeros if absent; mask: (B, T), false
// steps keep the state and output zeros. Returns {o (B, T, Hv, Dv), final
// state (B, Hv, Dv, Dk)}.
std::vector<array> gated_delta_update(const array& q, const array& k, const array& v, const array& gamma,
                                      const array& beta,
                                      const std::optional<array>& initial_state = std::nullopt,
                                      const std::optional<array>& mask = std::nullopt, StreamOrDevice s = {});

} // namespace mlx::core::fast
