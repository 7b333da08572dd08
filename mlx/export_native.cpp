// This project's own primitives as native .mlxfn files write them
// ("native:<Name>" with their own state, see ExportForm in mlx/export.h),
// rebuilt on import: through the op that makes each one where there is one
// (it checks the inputs), else constructed after the same checks.
#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "mlx/export_state.h"
#include "mlx/fast.h"
#include "mlx/ops.h"
#include "mlx/primitives/fast.h"
#include "mlx/primitives/fft.h"
#include "mlx/primitives/fused.h"

namespace mlx::core::detail {

namespace {

using In = NodeArgs;

using Out = std::vector<array>;
using Builder = std::function<Out(const In&)>;

bool is_float(Dtype t) { return t == float16 || t == bfloat16 || t == float32 || t == float64; }

Out fft_of(const In& a) {
  a.need(1);
  auto axes = a.get<std::vector<int>>(0);
  bool inverse = a.b(1), real = a.b(2);
  int last_n = a.get<int>(3);
  const array& x = a.in[0];
  for (size_t k = 0; k < axes.size(); ++k) {
    if (axes[k] < 0 || axes[k] >= x.ndim() || std::count(axes.begin(), axes.end(), axes[k]) != 1) {
      bad_node(a.node.name, "invalid axes");
    }
  }
  if (axes.empty() || x.dtype() != (real && !inverse ? float32 : complex64)) {
    bad_node(a.node.name, "invalid axes or input dtype");
  }
  int have = x.shape(axes.back());
  if (last_n < 0 || (real && inverse ? last_n / 2 + 1 != have : last_n != have)) {
    bad_node(a.node.name, "the transform length does not match the input");
  }
  return {fft_node(x, axes, inverse, real, last_n, to_stream({}))};
}

// NormGrad: x[, weight], cotangent of one float type -> dx[, dweight][,
// dbias] (the sums in the accumulation type), as the norms' vjp makes it.
Out norm_grad_of(const In& a) {
  bool layer = a.b(0), has_w = a.b(2), has_b = a.b(3);
  float eps = a.get<float>(1);
  a.need(2 + has_w);
  const array &x = a.in[0], &g = a.in.back();
  Dtype t = x.dtype();
  if (!is_float(t) || x.ndim() == 0 || g.shape() != x.shape() || g.dtype() != t || (has_b && !layer) ||
      (has_w &&
       (a.in[1].ndim() != 1 || a.in[1].size() != static_cast<size_t>(x.shape(-1)) || a.in[1].dtype() != t))) {
    bad_node(a.node.name, "inputs do not match");
  }
  std::vector<Shape> shapes = {x.shape()};
  std::vector<Dtype> dtypes = {t};
  for (int k = 0; k < int(has_w) + int(has_b); ++k) {
    shapes.push_back({x.shape(-1)});
    dtypes.push_back(t == float64 ? float64 : float32);
  }
  return array::make_arrays(std::move(shapes), dtypes,
                            std::make_shared<NormGrad>(to_stream({}), layer, eps, has_w, has_b), a.in);
}

Out rope_of(const In& a) {
  int dims = a.get<int>(0);
  bool traditional = a.b(1), has_freqs = a.b(4), inverse = a.b(5);
  float base = a.get<float>(2), scale = a.get<float>(3);
  a.need(2 + has_freqs);
  auto out = fast::rope(a.in[0], dims, traditional, has_freqs ? std::nullopt : std::optional<float>(base),
                        scale, a.in[1], a.opt(has_freqs, 2));
  if (!inverse) {
    return {out};
  }
  if (!out.has_primitive() || std::string(out.primitive().name()) != "RoPE") {
    bad_node(a.node.name, "the inputs do not make a rotation");
  }
  // The same node turning the other way (what RoPE's vjp makes).
  return {
      array(out.shape(), out.dtype(),
            std::make_shared<RoPE>(out.primitive().stream(), dims, traditional, base, scale, has_freqs, true),
            out.inputs())};
}

Out attention_of(const In& a) {
  float scale = a.get<float>(0);
  int mask = a.get<int>(1);
  bool sinks = a.b(2);
  using M = ScaledDotProductAttention::Mask;
  if (mask < 0 || mask > static_cast<int>(M::Additive)) {
    bad_node(a.node.name, "unknown mask kind");
  }
  bool mask_array = mask == static_cast<int>(M::Bool) || mask == static_cast<int>(M::Additive);
  a.need(3 + mask_array + sinks);
  std::optional<array> m = a.opt(mask_array, 3);
  if (m && (m->dtype() == bool_) != (mask == static_cast<int>(M::Bool))) {
    bad_node(a.node.name, "the mask's dtype does not match its kind");
  }
  return {fast::scaled_dot_product_attention(a.in[0], a.in[1], a.in[2], scale,
                                             mask == static_cast<int>(M::Causal) ? "causal"
                                             : m                                 ? "array"
                                                                                 : "",
                                             m, a.opt(sinks, a.in.size() - 1))};
}

// Checked as the forward op checks q, k and v; o and its cotangent must
// have the output's shape.
Out attention_vjp_of(const In& a) {
  float scale = a.get<float>(0);
  bool causal = a.b(1);
  a.need(5);
  const auto &q = a.in[0], &k = a.in[1], &v = a.in[2];
  auto o = fast::scaled_dot_product_attention(q, k, v, scale, causal ? "causal" : "");
  if (a.in[3].shape() != o.shape() || a.in[4].shape() != o.shape() || (causal && q.shape(2) > k.shape(2))) {
    bad_node(a.node.name, "inputs do not match");
  }
  return array::make_arrays({q.shape(), k.shape(), v.shape()}, {q.dtype(), k.dtype(), v.dtype()},
                            std::make_shared<ScaledDotProductAttentionVJP>(to_stream({}), scale, causal),
                            a.in);
}

Out cross_entropy_grad_of(const In& a) {
  a.need(3);
  const array &logits = a.in[0], &targets = a.in[1], &g = a.in[2];
  // The forward op checks logits against targets.
  fast::cross_entropy(logits, targets);
  if ((logits.dtype() != float32 && logits.dtype() != float64) || targets.dtype() != int32 ||
      g.shape() != targets.shape() || g.dtype() != logits.dtype()) {
    bad_node(a.node.name, "inputs do not match");
  }
  return {array(logits.shape(), logits.dtype(), std::make_shared<CrossEntropyGrad>(to_stream({})), a.in)};
}

// A fused chain: each step rebuilt by its own builder on the node's inputs
// (of its shape, or single values that a step broadcasts) and earlier
// steps, then the steps' primitives joined into one Fused node, as compile
// makes it.
Out fused_of(const In& a) {
  const auto& st = a.node.state;
  auto output_steps = a.get<std::vector<int>>(0);
  int n = a.get<int>(1);
  if (a.in.empty() || n < 1 || output_steps.empty() || a.node.shapes.empty()) {
    bad_node(a.node.name, "no inputs, steps or outputs");
  }
  const Shape& shape = a.node.shapes[0];
  for (auto& x : a.in) {
    if (x.shape() != shape && x.size() != 1) {
      bad_node(a.node.name, "inputs of different shapes");
    }
  }
  std::vector<FusedStep> steps;
  std::vector<array> values;
  size_t at = 2;
  for (int k = 0; k < n; ++k) {
    ImportedNode step;
    step.name = std::get<std::string>(st.at(at++));
    Dtype dtype = std::get<Dtype>(st.at(at++));
    auto args = std::get<std::vector<int>>(st.at(at++));
    size_t items = state_layout(step.name)->size();
    step.state.assign(st.begin() + at, st.begin() + at + items);
    at += items;
    step.shapes = {shape};
    step.dtypes = {dtype};
    std::vector<array> ins;
    for (int j : args) {
      if (j >= static_cast<int>(a.in.size()) || -1 - j >= k) {
        bad_node(a.node.name, "a step reads a value defined nowhere before it");
      }
      ins.push_back(j >= 0 ? a.in[j] : values[-1 - j]);
    }
    auto out = build_node(step, ins);
    // The op must have made the step itself, on exactly these inputs.
    bool broadcast = step.name == "Broadcast" && ins.size() == 1 && ins[0].size() == 1;
    bool fits = out.size() == 1 && out[0].has_primitive() &&
                (out[0].primitive().is_elementwise() || broadcast) && out[0].shape() == shape &&
                out[0].dtype() == dtype && out[0].inputs().size() == ins.size();
    for (size_t j = 0; fits && j < ins.size(); ++j) {
      fits = out[0].inputs()[j].id() == ins[j].id();
    }
    if (!fits) {
      bad_node(a.node.name, "step " + std::to_string(k) + " (" + step.name + ") does not fit its inputs");
    }
    steps.push_back({out[0].primitive_ptr(), args, dtype});
    values.push_back(out[0]);
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (int k : output_steps) {
    if (k < 0 || k >= n) {
      bad_node(a.node.name, "an output is no step");
    }
    shapes.push_back(shape);
    dtypes.push_back(steps[k].dtype);
  }
  return array::make_arrays(std::move(shapes), dtypes,
                            std::make_shared<Fused>(to_stream({}), std::move(steps), std::move(output_steps)),
                            a.in);
}

const std::unordered_map<std::string, Builder>& builders() {
  static const std::unordered_map<std::string, Builder> table = [] {
    std::unordered_map<std::string, Builder> t;
    auto add = [&](const char* name, Builder b) { t[std::string(kNativePrefix) + name] = std::move(b); };
#define MLX_UNARY(...)
#define MLX_UNARY_NO_GRAD(...)
#define MLX_BINARY(...)
#define MLX_BINARY_NO_GRAD(...)
#define MLX_COMPARISON(...)
#define MLX_PREDICATE(Name, op)       \
  add(#Name, [](const In& a) -> Out { \
    a.need(1);                        \
    return {op(a.in[0], {})};         \
  });
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
    add("FFT", fft_of);
    add("LogSumExp", [](const In& a) -> Out {
      a.need(1);
      return {logsumexp(a.in[0], -1, false)};
    });
    add("RMSNorm", [](const In& a) -> Out {
      bool w = a.b(1);
      a.need(1 + w);
      return {fast::rms_norm(a.in[0], a.opt(w, 1), a.get<float>(0))};
    });
    add("LayerNorm", [](const In& a) -> Out {
      bool w = a.b(1), b = a.b(2);
      a.need(1 + w + b);
      return {fast::layer_norm(a.in[0], a.opt(w, 1), a.opt(b, 1 + w), a.get<float>(0))};
    });
    add("NormGrad", norm_grad_of);
    add("RoPE", rope_of);
    add("ScaledDotProductAttention", attention_of);
    add("ScaledDotProductAttentionVJP", attention_vjp_of);
    add("GatedDelta", [](const In& a) -> Out {
      bool m = a.b(0);
      a.need(6 + m);
      auto& in = a.in;
      return fast::gated_delta_update(in[0], in[1], in[2], in[3], in[4], in[5], a.opt(m, 6));
    });
    add("CrossEntropy", [](const In& a) -> Out {
      a.need(2);
      return {fast::cross_entropy(a.in[0], a.in[1])};
    });
    add("CrossEntropyGrad", cross_entropy_grad_of);
    add("Fused", fused_of);
    return t;
  }();
  return table;
}

} // namespace

bool is_native(const std::string& name) { return name.rfind(kNativePrefix, 0) == 0; }

std::vector<array> build_native(const ImportedNode& node, const std::vector<array>& inputs) {
  auto it = builders().find(node.name);
  if (it == builders().end()) {
    throw std::invalid_argument("[import_function] Unable to deserialize primitive " + node.name);
  }
  return it->second(In{node, inputs});
}

} // namespace mlx::core::detail
