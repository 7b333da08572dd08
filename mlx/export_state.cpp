// This project's primitives as MLX 0.32 writes them in .mlxfn files: MLX's
// primitive name and state layout, read through ExportAccess (every
// primitive class befriends it, see MLX_DEVICE_EVALS), and for primitives
// MLX has no serialized form of, an equivalent graph of ones it has.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "mlx/export_state.h"
#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/primitives/conv.h"
#include "mlx/primitives/creation.h"
#include "mlx/primitives/fast.h"
#include "mlx/primitives/fft.h"
#include "mlx/primitives/fused.h"
#include "mlx/primitives/graph.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/last_axis.h"
#include "mlx/primitives/layout.h"
#include "mlx/primitives/linalg.h"
#include "mlx/primitives/quantized.h"
#include "mlx/primitives/random.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/sort_scan.h"

namespace mlx::core {

namespace detail {

namespace {

using K = StateKind;

const std::unordered_map<std::string, std::vector<StateKind>>& layouts() {
  static const std::unordered_map<std::string, std::vector<StateKind>> table = [] {
    std::unordered_map<std::string, std::vector<StateKind>> t;
    for (auto& op : stateless_elementwise()) {
      t[op.name] = {};
    }
    for (const char* n : {"Abs", "Copy", "Depends", "DivMod", "Full", "Imag", "LogSumExp", "Matmul",
                          "MaskedScatter", "QRF", "Real", "Round", "Select", "StopGradient"}) {
      t[n] = {};
    }
    t["AddMM"] = {K::Float, K::Float};
    t["Arange"] = {K::Double, K::Double, K::Double};
    t["ArgPartition"] = t["Partition"] = {K::Int, K::Int};
    t["ArgReduce"] = {K::Int, K::Int};
    t["ArgSort"] = t["Sort"] = {K::Int};
    t["AsType"] = t["View"] = {K::Dtype};
    t["AsStrided"] = {K::Shape, K::Strides, K::SizeT};
    t["BitwiseBinary"] = {K::Int};
    t["BlockMaskedMM"] = {K::Int};
    t["Broadcast"] = {K::Shape};
    t["BroadcastAxes"] = {K::VecInt};
    t["Concatenate"] = {K::Int};
    t["Convolution"] = {K::VecInt, K::VecInt, K::VecInt, K::VecInt, K::VecInt, K::Int, K::Bool};
    t["DynamicSlice"] = {K::VecInt, K::Shape};
    t["DynamicSliceUpdate"] = {K::VecInt};
    t["Equal"] = {K::Bool};
    t["ExpandDims"] = t["Squeeze"] = t["Transpose"] = {K::VecInt};
    t["FFT"] = {K::VecSizeT, K::Bool, K::Bool, K::Bool};
    t["Flatten"] = {K::Int, K::Int};
    t["Gather"] = {K::VecInt, K::Shape};
    t["GatherAxis"] = {K::Int};
    t["GatherMM"] = {K::Bool, K::Bool};
    t["Hadamard"] = {K::Float};
    t["Log"] = {K::Int};
    t["NumberOfElements"] = {K::VecInt, K::Bool, K::Dtype};
    t["Pad"] = {K::VecInt, K::Shape, K::Shape};
    t["QuantizedMatmul"] = {K::Int, K::Int, K::Int, K::Bool};
    t["GatherQMM"] = {K::Int, K::Int, K::Int, K::Bool, K::Bool, K::Bool};
    t["RandomBits"] = {K::Shape, K::Int};
    t["Reshape"] = {K::Shape};
    t["Reduce"] = {K::Int, K::VecInt};
    t["Scan"] = {K::Int, K::Int, K::Bool, K::Bool};
    t["Scatter"] = {K::Int, K::VecInt};
    t["ScatterAxis"] = {K::Int, K::Int};
    t["SearchSorted"] = {K::Bool};
    t["Slice"] = {K::Shape, K::Shape, K::Shape};
    t["SliceUpdate"] = {K::Int, K::Shape, K::Shape, K::Shape};
    t["Softmax"] = {K::Bool};
    t["Split"] = {K::Shape, K::Int};
    t["Sqrt"] = {K::Bool};
    t["Unflatten"] = {K::Int, K::Shape};
    t["SVD"] = t["Cholesky"] = t["Eig"] = {K::Bool};
    t["Inverse"] = {K::Bool, K::Bool};
    t["Eigh"] = {K::String, K::Bool};
    t["Quantize"] = {K::Int, K::Int, K::Int, K::Bool};
    t["RMSNorm"] = t["RMSNormVJP"] = t["LayerNorm"] = t["LayerNormVJP"] = {K::Float};
    t["RoPE"] = {K::Int, K::Bool, K::Float, K::Float, K::Bool};
    t["ScaledDotProductAttention"] = {K::Float, K::Bool, K::Bool, K::Bool, K::Bool};
    // This project's own primitives (native files only), with their state.
    auto native = [&](const std::string& n) -> std::vector<StateKind>& { return t[kNativePrefix + n]; };
#define MLX_UNARY(...)
#define MLX_UNARY_NO_GRAD(...)
#define MLX_BINARY(...)
#define MLX_BINARY_NO_GRAD(...)
#define MLX_COMPARISON(...)
#define MLX_PREDICATE(Name, op) native(#Name) = {};
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
    native("FFT") = {K::VecInt, K::Bool, K::Bool, K::Int};
    native("LogSumExp") = native("CrossEntropy") = native("CrossEntropyGrad") = {};
    native("RMSNorm") = {K::Float, K::Bool};
    native("LayerNorm") = {K::Float, K::Bool, K::Bool};
    native("NormGrad") = {K::Bool, K::Float, K::Bool, K::Bool};
    native("RoPE") = {K::Int, K::Bool, K::Float, K::Float, K::Bool, K::Bool};
    native("ScaledDotProductAttention") = {K::Float, K::Int, K::Bool};
    native("ScaledDotProductAttentionVJP") = {K::Float, K::Bool};
    native("GatedDelta") = {K::Bool};
    // Output steps and the step count; then per step (read by the importer,
    // see export_import.cpp): name, dtype, arguments and that name's state.
    native("Fused") = {K::VecInt, K::Int};
    return t;
  }();
  return table;
}

} // namespace

const std::vector<StatelessElementwise>& stateless_elementwise() {
  static const std::vector<StatelessElementwise> ops = [] {
    std::vector<StatelessElementwise> all = {
#define MLX_UNARY(Name, op, ...) {#Name, op, nullptr},
#define MLX_UNARY_NO_GRAD(Name, op, ...) {#Name, op, nullptr},
#define MLX_PREDICATE(Name, op)
#define MLX_BINARY(Name, op, ...) {#Name, nullptr, op},
#define MLX_BINARY_NO_GRAD(Name, op, ...) {#Name, nullptr, op},
#define MLX_COMPARISON(Name, op) {#Name, nullptr, op},
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"
    };
    static const std::string_view renamed[] = {"Log",       "Log2",       "Log10",        "Sqrt",
                                               "Rsqrt",     "BitwiseAnd", "BitwiseOr",    "BitwiseXor",
                                               "LeftShift", "RightShift", "BitwiseInvert"};
    std::vector<StatelessElementwise> kept;
    for (auto& op : all) {
      if (std::find(std::begin(renamed), std::end(renamed), op.name) == std::end(renamed)) {
        kept.push_back(op);
      }
    }
    return kept;
  }();
  return ops;
}

const std::vector<StateKind>* state_layout(const std::string& name) {
  auto it = layouts().find(name);
  return it == layouts().end() ? nullptr : &it->second;
}

} // namespace detail

// Reads the parameters of each class (a friend of all of them).
struct ExportAccess {
  using Form = std::optional<detail::MlxForm>;
  static Form form(const array& node);
  static Form native(const array& node);
  static std::vector<array> lower(const array& node, const std::vector<array>& in,
                                  std::unordered_map<std::uintptr_t, detail::MlxForm>& forced);
};

namespace {

template <typename T>
const T* as(const Primitive& p) {
  return dynamic_cast<const T*>(&p);
}

std::vector<int> to_ints(const Shape& s) { return std::vector<int>(s.begin(), s.end()); }

int mlx_scan_type(Scan::ReduceType t) {
  switch (t) {
    case Scan::Max:
      return 0;
    case Scan::Min:
      return 1;
    case Scan::Sum:
      return 2;
    case Scan::Prod:
      return 3;
    default:
      return 4;
  }
}

int mlx_scatter_type(Scatter::ReduceType t) {
  switch (t) {
    case Scatter::Max:
      return 0;
    case Scatter::Min:
      return 1;
    case Scatter::Sum:
      return 2;
    case Scatter::Prod:
      return 3;
    default:
      return 4;
  }
}

// x[..., a:b] along the last axis.
array last_axis(const array& x, int a, int b, Stream s) {
  Shape start(x.ndim(), 0), stop = x.shape();
  start.back() = a;
  stop.back() = b;
  return slice(x, start, stop, s);
}

// The rotation of RoPE with ops: inputs {x (..., T, D), offset (scalar or
// one per x.shape[0]), [freqs]}, pairs (i, i + dims/2) or (2i, 2i + 1).
array rope_graph(const std::vector<array>& in, int dims, bool traditional, float base, float scale,
                 bool has_freqs, bool inverse, Stream s) {
  const array& x = in[0];
  int nd = x.ndim(), t = x.shape(-2), d = x.shape(-1), half = dims / 2;
  array pos = astype(arange(t, s), float32, s);
  array off = astype(in[1], float32, s);
  if (off.ndim() == 1 && off.size() > 1) {
    Shape b(nd - 1, 1);
    b[0] = off.shape(0);
    pos = add(reshape(off, b, s), pos, s);
  } else {
    pos = add(pos, reshape(off, {}, s), s);
  }
  array theta = has_freqs ? reciprocal(astype(in[2], float32, s), s)
                          : exp(multiply(astype(arange(0, dims, 2, s), float32, s),
                                         array(static_cast<float>(-std::log(base) / dims)), s),
                                s);
  array angle = multiply(multiply(expand_dims(pos, -1, s), array(scale), s), theta, s);
  if (inverse) {
    angle = negative(angle, s);
  }
  array c = cos(angle, s), sn = sin(angle, s);
  array xf = astype(x, float32, s);
  array x1 = xf, x2 = xf;
  Shape pairs;
  if (traditional) {
    pairs = x.shape();
    pairs.back() = half;
    pairs.push_back(2);
    array xr = reshape(last_axis(xf, 0, dims, s), pairs, s);
    x1 = squeeze(last_axis(xr, 0, 1, s), -1, s);
    x2 = squeeze(last_axis(xr, 1, 2, s), -1, s);
  } else {
    x1 = last_axis(xf, 0, half, s);
    x2 = last_axis(xf, half, dims, s);
  }
  array o1 = subtract(multiply(x1, c, s), multiply(x2, sn, s), s);
  array o2 = add(multiply(x1, sn, s), multiply(x2, c, s), s);
  array rotated = traditional ? reshape(
                                    stack({o1, o2}, -1, s),
                                    [&] {
                                      Shape r = x.shape();
                                      r.back() = dims;
                                      return r;
                                    }(),
                                    s)
                              : concatenate({o1, o2}, -1, s);
  if (dims < d) {
    rotated = concatenate({rotated, last_axis(xf, dims, d, s)}, -1, s);
  }
  return astype(rotated, x.dtype(), s);
}

} // namespace

ExportAccess::Form ExportAccess::form(const array& node) {
  const Primitive& p = node.primitive();
  std::string name = p.name();
  using S = std::vector<StateT>;
  auto plain = [&](std::string n, S state = {}) {
    return Form(detail::MlxForm{std::move(n), std::move(state)});
  };
  // Ops MLX writes under the same name with no state.
  static const std::unordered_map<std::string, int> same = [] {
    std::unordered_map<std::string, int> m;
    for (auto& op : detail::stateless_elementwise()) {
      m[op.name] = 0;
    }
    for (const char* n : {"Abs", "Copy", "Full", "Imag", "Matmul", "QRF", "Real", "Select", "StopGradient"}) {
      m[n] = 0;
    }
    return m;
  }();
  if (same.count(name)) {
    return plain(name);
  }
  if (name == "Log" || name == "Log2" || name == "Log10") {
    return plain("Log", {name == "Log2" ? 0 : name == "Log10" ? 1 : 2});
  }
  if (name == "Sqrt" || name == "Rsqrt") {
    return plain("Sqrt", {name == "Rsqrt"});
  }
  static const std::unordered_map<std::string, int> bitwise = {
      {"BitwiseAnd", 0}, {"BitwiseOr", 1}, {"BitwiseXor", 2}, {"LeftShift", 3}, {"RightShift", 4}};
  if (auto it = bitwise.find(name); it != bitwise.end()) {
    return plain("BitwiseBinary", {it->second});
  }
  if (name == "Equal" || name == "NaNEqual") {
    return plain("Equal", {name == "NaNEqual"});
  }
  if (auto* r = as<Round>(p)) {
    return r->decimals_ == 0 ? plain("Round") : std::nullopt;
  }
  if (auto* r = as<AsType>(p)) {
    return plain("AsType", {r->dtype_});
  }
  if (auto* r = as<View>(p)) {
    return plain("View", {r->dtype_});
  }
  if (auto* r = as<Reduce>(p)) {
    return plain("Reduce", {static_cast<int>(r->type_), r->axes_});
  }
  if (auto* r = as<ArgReduce>(p)) {
    return plain("ArgReduce", {static_cast<int>(r->type_), r->axis_});
  }
  if (auto* r = as<Reshape>(p)) {
    bool keep = !r->requested_.empty() && node.inputs()[0].shape() == r->in_shape_;
    return plain("Reshape", {keep ? r->requested_ : node.shape()});
  }
  if (auto* r = as<Transpose>(p)) {
    return plain("Transpose", {r->axes_});
  }
  if (auto* r = as<Broadcast>(p)) {
    if (node.inputs().size() == 1 || r->own_dims_ == 0) {
      return plain("Broadcast", {node.shape()});
    }
    std::vector<int> ignore;
    for (int d = -r->own_dims_; d < 0; ++d) {
      ignore.push_back(d);
    }
    return plain("BroadcastAxes", {ignore});
  }
  if (auto* r = as<Slice>(p)) {
    return plain("Slice", {r->start_, r->stop_, r->strides_});
  }
  if (auto* r = as<Concatenate>(p)) {
    return plain("Concatenate", {r->axis_});
  }
  if (auto* r = as<AsStrided>(p)) {
    return plain("AsStrided", {r->shape_, r->strides_, r->offset_});
  }
  if (auto* r = as<Split>(p)) {
    Shape indices(r->bounds_.begin() + 1, r->bounds_.end() - 1);
    return plain("Split", {indices, r->axis_});
  }
  if (auto* r = as<Gather>(p)) {
    return plain("Gather", {r->axes_, r->slice_sizes_});
  }
  if (auto* r = as<Scatter>(p)) {
    return plain("Scatter", {mlx_scatter_type(r->type_), r->axes_});
  }
  if (auto* r = as<SliceUpdate>(p)) {
    return plain("SliceUpdate", {4, r->start_, r->stop_, r->strides_});
  }
  if (auto* r = as<Arange>(p)) {
    double n = node.ndim() == 1 ? node.shape(0) : 0;
    return plain("Arange", {r->start_, r->start_ + n * r->step_, r->step_});
  }
  if (auto* r = as<RandomBits>(p)) {
    return plain("RandomBits", {r->shape_, r->width_});
  }
  if (auto* r = as<Sort>(p)) {
    return plain("Sort", {r->axis_});
  }
  if (auto* r = as<ArgSort>(p)) {
    return plain("ArgSort", {r->axis_});
  }
  if (auto* r = as<Partition>(p)) {
    return plain("Partition", {r->kth_, r->axis_});
  }
  if (auto* r = as<ArgPartition>(p)) {
    return plain("ArgPartition", {r->kth_, r->axis_});
  }
  if (auto* r = as<Scan>(p)) {
    return plain("Scan", {mlx_scan_type(r->type_), r->axis_, r->reverse_, r->inclusive_});
  }
  if (auto* r = as<SearchSorted>(p)) {
    return plain("SearchSorted", {r->right_});
  }
  if (auto* r = as<Convolution>(p)) {
    auto& c = r->p_;
    return plain("Convolution", {c.stride, c.padding_lo, c.padding_hi, c.kernel_dilation, c.input_dilation,
                                 c.groups, c.flip});
  }
  if (auto* r = as<FFT>(p)) {
    if (r->inverse_) {
      return std::nullopt; // MLX's inverse is normalized: see lower_node
    }
    std::vector<size_t> axes(r->axes_.begin(), r->axes_.end());
    return plain("FFT", {axes, false, r->real_, false});
  }
  if (as<Depends>(p)) {
    return plain("Depends");
  }
  if (auto* r = as<Softmax>(p)) {
    return plain("Softmax", {r->precise_});
  }
  if (as<LogSumExp>(p)) {
    // MLX's keeps the reduced axis (as 1).
    if (node.ndim() == node.inputs()[0].ndim() && node.shape(-1) == 1) {
      return plain("LogSumExp");
    }
    return std::nullopt;
  }
  if (auto* r = as<Hadamard>(p)) {
    return plain("Hadamard", {r->scale_});
  }
  if (auto* r = as<Eigh>(p)) {
    return plain("Eigh", {std::string(r->lower_ ? "L" : "U"), node.outputs_for_eval().size() == 2});
  }
  if (as<Inverse>(p)) {
    return plain("Inverse", {false, false});
  }
  if (auto* r = as<Cholesky>(p)) {
    return plain("Cholesky", {r->upper_});
  }
  if (auto* r = as<SVD>(p)) {
    return plain("SVD", {r->compute_uv_});
  }
  if (auto* r = as<Eig>(p)) {
    return plain("Eig", {r->compute_vectors_});
  }
  if (auto* r = as<Quantize>(p)) {
    return plain("Quantize", {r->group_size_, r->bits_, 0, false});
  }
  if (auto* r = as<QuantizedMatmul>(p)) {
    return plain("QuantizedMatmul", {r->group_size_, r->bits_, static_cast<int>(r->mode_), r->transpose_});
  }
  if (auto* r = as<GatherQMM>(p)) {
    return plain("GatherQMM",
                 {r->group_size_, r->bits_, static_cast<int>(r->mode_), r->transpose_, false, false});
  }
  if (auto* r = as<CustomKernel>(p)) {
    auto& k = r->p_;
    auto [gx, gy, gz] = k.grid;
    auto [tx, ty, tz] = k.threadgroup;
    return plain("CustomKernel",
                 {k.name, k.source, gx, gy, gz, tx, ty, tz, k.shape_infos, k.ensure_row_contiguous,
                  k.init_value, k.scalars, false, k.shared_memory, k.math_mode});
  }
  // RoPE: MLX's CPU build runs a deserialized RoPE only through a fallback it
  // does not have, so it is written as the graph MLX itself traces on CPU.
  return std::nullopt;
}

ExportAccess::Form ExportAccess::native(const array& node) {
  const Primitive& p = node.primitive();
  using S = std::vector<StateT>;
  auto own = [&](S state = {}) {
    return Form(detail::MlxForm{detail::kNativePrefix + std::string(p.name()), std::move(state)});
  };
  if (form(node)) {
    return std::nullopt;
  }
  if (auto* r = as<FFT>(p)) {
    return own({r->axes_, r->inverse_, r->real_, r->last_n_});
  }
  if (as<LogSumExp>(p) || as<CrossEntropy>(p) || as<CrossEntropyGrad>(p)) {
    return own();
  }
  if (auto* r = as<RMSNorm>(p)) {
    return own({r->eps_, r->has_weight_});
  }
  if (auto* r = as<LayerNorm>(p)) {
    return own({r->eps_, r->has_weight_, r->has_bias_});
  }
  if (auto* r = as<NormGrad>(p)) {
    return own({r->layer_, r->eps_, r->has_weight_, r->has_bias_});
  }
  if (auto* r = as<RoPE>(p)) {
    return own({r->dims_, r->traditional_, r->base_, r->scale_, r->has_freqs_, r->inverse_});
  }
  if (auto* r = as<ScaledDotProductAttention>(p)) {
    return own({r->scale_, static_cast<int>(r->mask_), r->has_sinks_});
  }
  if (auto* r = as<ScaledDotProductAttentionVJP>(p)) {
    return own({r->scale_, r->causal_});
  }
  if (auto* r = as<GatedDelta>(p)) {
    return own({r->has_mask_});
  }
  if (auto* r = as<Fused>(p)) {
    // Each step in its own form (MLX's, else native), on stand-ins of the
    // node's shape (a broadcast step's state is the shape).
    S state{r->output_steps_, static_cast<int>(r->steps_.size())};
    for (auto& step : r->steps_) {
      array stand_in(node.shape(), step.dtype, step.primitive, {});
      auto f = form(stand_in);
      if (!f) {
        f = native(stand_in);
      }
      if (!f) {
        return std::nullopt;
      }
      state.push_back(f->name);
      state.push_back(step.dtype);
      state.push_back(step.args);
      state.insert(state.end(), f->state.begin(), f->state.end());
    }
    return own(state);
  }
  // The predicates (IsNaN, IsInf, IsFinite): stateless, named in the table.
  auto layout = detail::state_layout(detail::kNativePrefix + std::string(p.name()));
  if (layout && layout->empty() && p.is_elementwise()) {
    return own();
  }
  return std::nullopt;
}

std::vector<array> ExportAccess::lower(const array& node, const std::vector<array>& in,
                                       std::unordered_map<std::uintptr_t, detail::MlxForm>& forced) {
  const Primitive& p = node.primitive();
  Stream s = p.stream();
  std::string name = p.name();
  auto scalar = [&](double v, Dtype t) { return astype(array(v), t, s); };
  if (auto* r = as<Fused>(p)) {
    return r->expand(in);
  }
  if (auto* r = as<Round>(p)) {
    auto f = scalar(std::pow(10.0, r->decimals_), node.dtype());
    return {divide(round(multiply(in[0], f, s), 0, s), f, s)};
  }
  if (name == "IsNaN") {
    return {not_equal(in[0], in[0], s)};
  }
  if (name == "IsInf" || name == "IsFinite") {
    auto x = in[0];
    auto t = issubdtype(x.dtype(), DtypeCategory::complexfloating) ? float32 : x.dtype();
    auto inf = logical_or(equal(x, scalar(INFINITY, t), s), equal(x, scalar(-INFINITY, t), s), s);
    if (name == "IsInf") {
      return {inf};
    }
    return {logical_not(logical_or(inf, not_equal(x, x, s), s), s)};
  }
  if (auto* r = as<FFT>(p)) {
    // MLX's inverse transform divides by the transform's size; this one
    // does not, so multiply back.
    array raw(node.shape(), node.dtype(), node.primitive_ptr(), in);
    std::vector<size_t> axes(r->axes_.begin(), r->axes_.end());
    forced[raw.id()] = {"FFT", {axes, true, r->real_, false}};
    double n = 1;
    const Shape& full = r->real_ ? node.shape() : in[0].shape();
    for (int a : r->axes_) {
      n *= full[a];
    }
    return {multiply(raw, scalar(n, node.dtype() == complex64 ? complex64 : node.dtype()), s)};
  }
  if (as<LogSumExp>(p)) {
    Shape kept = node.shape();
    kept.push_back(1);
    array raw(kept, node.dtype(), node.primitive_ptr(), in);
    forced[raw.id()] = {"LogSumExp", {}};
    return {squeeze(raw, -1, s)};
  }
  if (auto* r = as<RMSNorm>(p)) {
    auto x = astype(in[0], float32, s);
    auto y = multiply(x, rsqrt(add(mean(square(x, s), -1, true, s), scalar(r->eps_, float32), s), s), s);
    y = astype(y, node.dtype(), s);
    return {r->has_weight_ ? multiply(y, in[1], s) : y};
  }
  if (auto* r = as<LayerNorm>(p)) {
    auto x = astype(in[0], float32, s);
    auto c = subtract(x, mean(x, -1, true, s), s);
    auto y = multiply(c, rsqrt(add(mean(square(c, s), -1, true, s), scalar(r->eps_, float32), s), s), s);
    y = astype(y, node.dtype(), s);
    size_t k = 1;
    if (r->has_weight_) {
      y = multiply(y, in[k++], s);
    }
    if (r->has_bias_) {
      y = add(y, in[k], s);
    }
    return {y};
  }
  if (auto* r = as<RoPE>(p)) {
    return {rope_graph(in, r->dims_, r->traditional_, r->base_, r->scale_, r->has_freqs_, r->inverse_, s)};
  }
  if (auto* r = as<NormGrad>(p)) {
    return norm_grad_reference(in, r->layer_, r->eps_, r->has_weight_, r->has_bias_, s);
  }
  if (auto* r = as<ScaledDotProductAttention>(p)) {
    using M = ScaledDotProductAttention::Mask;
    std::optional<array> mask, sinks;
    size_t k = 3;
    if (r->mask_ == M::Bool || r->mask_ == M::Additive) {
      mask = in[k++];
    }
    if (r->has_sinks_) {
      sinks = in[k];
    }
    return {astype(sdpa_reference(in[0], in[1], in[2], r->scale_, r->mask_ == M::Causal, mask, sinks, s),
                   node.dtype(), s)};
  }
  if (auto* r = as<GatedDelta>(p)) {
    return gated_delta_reference(in, r->has_mask_, s);
  }
  if (auto* r = as<ScaledDotProductAttentionVJP>(p)) {
    auto grads = sdpa_vjp_reference({in[0], in[1], in[2], in[4]}, r->scale_, r->causal_, s);
    for (size_t i = 0; i < grads.size(); ++i) {
      grads[i] = astype(grads[i], in[i].dtype(), s);
    }
    return grads;
  }
  if (as<CrossEntropy>(p) || as<CrossEntropyGrad>(p)) {
    // Targets count from the end when negative and are clipped into range.
    int v = in[0].shape(-1);
    auto t = where(less(in[1], array(0, int32), s), add(in[1], array(v, int32), s), in[1], s);
    t = expand_dims(clip(t, array(0, int32), array(std::max(v - 1, 0), int32), s), -1, s);
    if (as<CrossEntropy>(p)) {
      auto picked = squeeze(take_along_axis(in[0], t, -1, s), -1, s);
      return {subtract(logsumexp(in[0], -1, false, s), picked, s)};
    }
    auto hot = astype(equal(arange(0, v, int32, s), t, s), in[0].dtype(), s);
    return {multiply(expand_dims(in[2], -1, s), subtract(softmax(in[0], -1, true, s), hot, s), s)};
  }
  throw std::invalid_argument("[export_function] Unable to serialize primitive " + name);
}

namespace detail {

std::optional<MlxForm> mlx_form(const array& node) { return ExportAccess::form(node); }

std::optional<MlxForm> native_form(const array& node) { return ExportAccess::native(node); }

std::vector<array> lower_node(const array& node, const std::vector<array>& inputs,
                              std::unordered_map<std::uintptr_t, MlxForm>& forced) {
  return ExportAccess::lower(node, inputs, forced);
}

} // namespace detail

} // namespace mlx::core
