// The quantized primitives' nodes and transformation rules.
#include "mlx/primitives/quantized.h"

#include <sstream>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/common.h"
#include "mlx/quantized.h"

namespace mlx::core {

namespace {

std::vector<Shape> quantize_shapes(const Shape& w, int group_size, int bits) {
  Shape wq = w, sc = w;
  wq.back() = static_cast<int>(int64_t(w.back()) * bits / 32);
  sc.back() = w.back() / group_size;
  return {wq, sc, sc};
}

} // namespace

std::vector<array> quantize_node(const array& w, int group_size, int bits, Stream s) {
  auto shapes = quantize_shapes(w.shape(), group_size, bits);
  return array::make_arrays(std::move(shapes), {uint32, w.dtype(), w.dtype()},
                            std::make_shared<Quantize>(s, group_size, bits), {w});
}

array quantized_matmul_node(std::vector<array> inputs, Dtype out_type, int outer, int group_size, int bits,
                            QuantMode mode, bool transpose, Stream s) {
  Shape shape = inputs[0].shape();
  shape.back() = outer;
  return detail::make_node<QuantizedMatmul>(std::move(shape), out_type, std::move(inputs), s, group_size,
                                            bits, mode, transpose);
}

array gather_qmm_node(std::vector<array> inputs, Dtype out_type, int outer, int group_size, int bits,
                      QuantMode mode, bool transpose, Stream s) {
  Shape shape = inputs.back().shape();
  shape.push_back(inputs[0].shape(-2));
  shape.push_back(outer);
  return detail::make_node<GatherQMM>(std::move(shape), out_type, std::move(inputs), s, group_size, bits,
                                      mode, transpose);
}

// ---- Quantize: piecewise constant in w, so its derivatives are zero.

std::vector<array> Quantize::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                 const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> Quantize::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                 const std::vector<int>&) {
  auto shapes = quantize_shapes(primals[0].shape(), group_size_, bits_);
  Dtype t = primals[0].dtype();
  return {zeros(shapes[0], uint32, stream()), zeros(shapes[1], t, stream()), zeros(shapes[2], t, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Quantize::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  // Groups run along the last axis: a batch axis there moves to the front.
  array w = inputs[0];
  int ax = axes[0];
  if (ax == w.ndim() - 1) {
    w = moveaxis(w, ax, 0, stream());
    ax = 0;
  }
  if (w.ndim() < 3) {
    // The batched matrix must stay at least 2-D.
    w = expand_dims(w, ax == 0 ? 1 : 0, stream());
    auto out = quantize_node(w, group_size_, bits_, stream());
    for (auto& o : out) {
      o = squeeze(o, ax == 0 ? 1 : 0, stream());
    }
    return {out, {ax, ax, ax}};
  }
  return {quantize_node(w, group_size_, bits_, stream()), {ax, ax, ax}};
}

bool Quantize::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Quantize*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_;
}

std::vector<Shape> Quantize::output_shapes(const std::vector<array>& inputs) {
  return quantize_shapes(inputs[0].shape(), group_size_, bits_);
}

// ---- QuantizedMatmul

namespace {

// x @ dequantize(w, scales, biases) in the primitive's orientation.
array dense_product(const QuantizedMatmul& p, const array& x, const array& w, const array& scales,
                    const array& biases, Stream s) {
  auto wh = dequantize(w, scales, biases, p.group_size(), p.bits(), "affine", std::nullopt, std::nullopt, s);
  return matmul(x, p.transpose() ? swapaxes(wh, -1, -2, s) : wh, s);
}

} // namespace

std::vector<array> QuantizedMatmul::vjp(const std::vector<array>& primals,
                                        const std::vector<array>& cotangents, const std::vector<int>& argnums,
                                        const std::vector<array>&) {
  auto s = stream();
  bool affine = mode_ == QuantMode::Affine;
  std::optional<array> biases = affine ? std::optional<array>(primals[3]) : std::nullopt;
  const array& cot = cotangents[0];
  std::vector<array> out;
  std::optional<array> dw; // d(dequantized w), grouped: (..., rows, groups, group_size)
  bool w_asked = false;
  for (int arg : argnums) {
    if (arg == 0) {
      out.push_back(quantized_matmul(cot, primals[1], primals[2], biases, !transpose_, group_size_, bits_,
                                     quant_mode_name(mode_), s));
      continue;
    }
    // The engine asks for every input; only one that depends on what is
    // differentiated (a tracer) raises, as MLX raises when asked for it.
    if (arg == 1) {
      if (primals[1].is_tracer()) {
        w_asked = true;
      }
      out.push_back(zeros_like(primals[1], s));
      continue;
    }
    if (!affine) {
      if (!primals[arg].is_tracer()) {
        out.push_back(zeros_like(primals[arg], s));
        continue;
      }
      std::ostringstream msg;
      msg << "[QuantizedMatmul::vjp] no gradient wrt scales in " << quant_mode_name(mode_)
          << " quantization.";
      throw std::invalid_argument(msg.str());
    }
    if (!dw) {
      // Sum the per-batch products over the batch dims w does not have.
      int wd = primals[1].ndim();
      auto fc = cot.ndim() == 1 ? expand_dims(cot, 0, s) : cot;
      auto fx = primals[0].ndim() == 1 ? expand_dims(primals[0], 0, s) : primals[0];
      fc = flatten(fc, 0, fc.ndim() - wd, s);
      fx = flatten(fx, 0, fx.ndim() - wd, s);
      auto g = transpose_ ? matmul(swapaxes(fc, -1, -2, s), fx, s) : matmul(swapaxes(fx, -1, -2, s), fc, s);
      dw = unflatten(g, -1, {-1, group_size_}, s);
    }
    // (16-bit scales and biases of a float32 product: cotangents cast back)
    if (arg == 3) {
      out.push_back(astype(sum(*dw, -1, false, s), primals[3].dtype(), s));
    } else {
      auto q = dequantize(primals[1], ones_like(primals[2], s), zeros_like(primals[3], s), group_size_, bits_,
                          "affine", std::nullopt, std::nullopt, s);
      q = unflatten(q, -1, {-1, group_size_}, s);
      out.push_back(astype(sum(multiply(*dw, q, s), -1, false, s), primals[2].dtype(), s));
    }
  }
  if (w_asked) {
    throw std::runtime_error("[QuantizedMatmul::vjp] no gradient wrt the quantized weights.");
  }
  return out;
}

std::vector<array> QuantizedMatmul::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                        const std::vector<int>& argnums) {
  auto s = stream();
  bool affine = mode_ == QuantMode::Affine;
  std::optional<array> out;
  auto accumulate = [&](array v) { out = out ? add(*out, v, s) : v; };
  for (size_t i = 0; i < argnums.size(); ++i) {
    int arg = argnums[i];
    if (arg == 0) {
      accumulate(quantized_matmul(tangents[i], primals[1], primals[2],
                                  affine ? std::optional<array>(primals[3]) : std::nullopt, transpose_,
                                  group_size_, bits_, quant_mode_name(mode_), s));
    } else if (arg == 1 || !affine) {
      throw std::runtime_error("[QuantizedMatmul::jvp] No JVP wrt the quantized matrix yet.");
    } else {
      // Linear in scales and biases: x @ (q * ts + tb).
      const array& tscale = arg == 2 ? tangents[i] : zeros_like(primals[2], s);
      const array& tbias = arg == 3 ? tangents[i] : zeros_like(primals[3], s);
      accumulate(dense_product(*this, primals[0], primals[1], tscale, tbias, s));
    }
  }
  return {*out};
}

std::pair<std::vector<array>, std::vector<int>> QuantizedMatmul::vmap(const std::vector<array>& inputs,
                                                                      const std::vector<int>& axes) {
  auto s = stream();
  int n = detail::batch_size(inputs, axes);
  bool w_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) {
    w_batched |= axes[i] >= 0;
  }
  std::optional<array> biases;
  std::string mode = quant_mode_name(mode_);
  if (!w_batched) {
    // x's batch axis goes first; x stays at least 2-D (a vector x would be
    // read as the matrix otherwise).
    array x = detail::batch_first(inputs[0], axes[0], s);
    if (inputs.size() > 3) {
      biases = inputs[3];
    }
    return {{quantized_matmul(x, inputs[1], inputs[2], biases, transpose_, group_size_, bits_, mode, s)},
            {0}};
  }
  std::vector<array> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.push_back(detail::batch_first(inputs[i], axes[i], n, s));
  }
  bool vec = inputs[0].ndim() == (axes[0] >= 0 ? 2 : 1);
  if (vec) {
    in[0] = expand_dims(in[0], 1, s);
  }
  // Line the batch dims up behind the mapped one.
  int xd = in[0].ndim(), wd = in[1].ndim();
  for (int i = xd; i < wd; ++i) {
    in[0] = expand_dims(in[0], 1, s);
  }
  for (size_t k = 1; k < in.size(); ++k) {
    for (int i = wd; i < xd; ++i) {
      in[k] = expand_dims(in[k], 1, s);
    }
  }
  if (in.size() > 3) {
    biases = in[3];
  }
  auto out = quantized_matmul(in[0], in[1], in[2], biases, transpose_, group_size_, bits_, mode, s);
  if (vec) {
    out = squeeze(out, -2, s);
  }
  return {{out}, {0}};
}

bool QuantizedMatmul::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const QuantizedMatmul*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_ && o->mode_ == mode_ &&
         o->transpose_ == transpose_;
}

std::vector<Shape> QuantizedMatmul::output_shapes(const std::vector<array>& inputs) {
  const array& w = inputs[1];
  Shape shape = inputs[0].shape();
  shape.back() = transpose_ ? w.shape(-2) : static_cast<int>(int64_t(w.shape(-1)) * 32 / bits_);
  return {shape};
}

// ---- GatherQMM: the rules of take + quantized_matmul.

namespace {

// The matrices of a picked by idx over its flattened batch dims.
array pick(const array& a, const array& idx, Stream s) {
  int64_t n = 1;
  for (int d = 0; d + 2 < a.ndim(); ++d) {
    n *= a.shape(d);
  }
  return take(reshape(a, {static_cast<int>(n), a.shape(-2), a.shape(-1)}, s), idx, 0, s);
}

// The transpose of pick: g (idx.shape + matrix) summed back into a's shape.
array unpick(const array& a, const array& idx, const array& g, Stream s) {
  int64_t n = 1;
  for (int d = 0; d + 2 < a.ndim(); ++d) {
    n *= a.shape(d);
  }
  auto flat = zeros({static_cast<int>(n), a.shape(-2), a.shape(-1)}, g.dtype(), s);
  return reshape(scatter_add(flat, {idx}, expand_dims(g, idx.ndim(), s), {0}, s), a.shape(), s);
}

} // namespace

std::vector<array> GatherQMM::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  int n_ops = static_cast<int>(primals.size()) - 2;
  const array& lhs = primals[n_ops];
  const array& rhs = primals[n_ops + 1];
  std::vector<array> picked = {pick(primals[0], lhs, s)};
  for (int i = 1; i < n_ops; ++i) {
    picked.push_back(pick(primals[i], rhs, s));
  }
  std::vector<int> inner;
  for (int arg : argnums) {
    if (arg < n_ops) {
      inner.push_back(arg);
    }
  }
  QuantizedMatmul qm(s, group_size_, bits_, mode_, transpose_);
  auto g = inner.empty() ? std::vector<array>{} : qm.vjp(picked, cotangents, inner, {});
  std::vector<array> out;
  size_t k = 0;
  for (int arg : argnums) {
    if (arg >= n_ops || arg == 1) {
      out.push_back(zeros_like(primals[arg], s));
      k += arg == 1;
    } else {
      out.push_back(unpick(primals[arg], arg == 0 ? lhs : rhs, g[k++], s));
    }
  }
  return out;
}

std::vector<array> GatherQMM::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
  auto s = stream();
  int n_ops = static_cast<int>(primals.size()) - 2;
  const array& lhs = primals[n_ops];
  const array& rhs = primals[n_ops + 1];
  std::vector<array> picked = {pick(primals[0], lhs, s)};
  for (int i = 1; i < n_ops; ++i) {
    picked.push_back(pick(primals[i], rhs, s));
  }
  std::vector<int> inner;
  std::vector<array> picked_tangents;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] < n_ops) {
      inner.push_back(argnums[i]);
      picked_tangents.push_back(pick(tangents[i], argnums[i] == 0 ? lhs : rhs, s));
    }
  }
  if (inner.empty()) {
    return {zeros(output_shapes(primals)[0], picked[0].dtype(), s)};
  }
  QuantizedMatmul qm(s, group_size_, bits_, mode_, transpose_);
  return qm.jvp(picked, picked_tangents, inner);
}

// Beyond MLX (which has no vmap of gather_qmm): the mapped axis joins the
// batch dims that the indices address. A batched x (or w with its scales
// and biases) becomes one stack of n * X matrices, and each lane's indices
// are offset by lane * X; the indices gain the mapped axis first.
std::pair<std::vector<array>, std::vector<int>> GatherQMM::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  auto s = stream();
  int n = detail::batch_size(inputs, axes);
  size_t ni = inputs.size();
  array lhs = astype(detail::batch_first(inputs[ni - 2], axes[ni - 2], n, s), uint32, s);
  array rhs = astype(detail::batch_first(inputs[ni - 1], axes[ni - 1], n, s), uint32, s);
  // The offsets lane * count, shaped to add to the (n, ...) indices.
  auto offsets = [&](int64_t count) {
    Shape shape(lhs.ndim(), 1);
    shape[0] = n;
    auto lanes = multiply(arange(0, n, 1, uint32, s), array(static_cast<uint32_t>(count)), s);
    return reshape(lanes, shape, s);
  };
  // a's mapped axis first, then it and a's batch dims as one stack of
  // matrices; `per` gets the matrices of one lane.
  auto stack = [&](const array& a, int ax, int64_t& per) {
    array b = detail::batch_first(a, ax, n, s);
    per = 1;
    for (int d = 1; d + 2 < b.ndim(); ++d) {
      per *= b.shape(d);
    }
    Shape shape = {-1, b.shape(-2), b.shape(-1)};
    return reshape(b, shape, s);
  };
  array x = inputs[0];
  int64_t per = 1;
  if (axes[0] >= 0) {
    x = stack(inputs[0], axes[0], per);
    lhs = add(lhs, offsets(per), s);
  }
  std::vector<array> wsb(inputs.begin() + 1, inputs.end() - 2);
  bool w_batched = false;
  for (size_t i = 1; i + 2 < ni; ++i) {
    w_batched |= axes[i] >= 0;
  }
  if (w_batched) {
    for (size_t i = 1; i + 2 < ni; ++i) {
      wsb[i - 1] = stack(inputs[i], axes[i], per);
    }
    rhs = add(rhs, offsets(per), s);
  }
  std::optional<array> biases;
  if (wsb.size() > 2) {
    biases = wsb[2];
  }
  auto out = gather_qmm(x, wsb[0], wsb[1], biases, lhs, rhs, transpose_, group_size_, bits_,
                        quant_mode_name(mode_), false, s);
  return {{out}, {0}};
}

bool GatherQMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherQMM*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_ && o->mode_ == mode_ &&
         o->transpose_ == transpose_;
}

std::vector<Shape> GatherQMM::output_shapes(const std::vector<array>& inputs) {
  const array& w = inputs[1];
  Shape shape = inputs.back().shape();
  shape.push_back(inputs[0].shape(-2));
  shape.push_back(transpose_ ? w.shape(-2) : static_cast<int>(int64_t(w.shape(-1)) * 32 / bits_));
  return {shape};
}

} // namespace mlx::core
