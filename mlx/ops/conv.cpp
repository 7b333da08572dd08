// Convolution ops (argument checks, the transposed and 1-d forms) and the
// Convolution primitive's transformation rules, all in terms of
// conv_general itself.
#include "mlx/conv.h"

#include <sstream>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/primitives/conv.h"

namespace mlx::core {

using detail::fail;

namespace {

std::string vec_str(const std::vector<int>& v) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < v.size(); ++i) {
    os << (i ? ", " : "") << v[i];
  }
  os << ")";
  return os.str();
}

// One value per spatial dim: a single value is repeated, none gives `def`.
std::vector<int> per_dim(std::vector<int> v, int nsp, int def, const char* what) {
  if (v.empty()) {
    return std::vector<int>(nsp, def);
  }
  if (v.size() == 1) {
    return std::vector<int>(nsp, v[0]);
  }
  if (static_cast<int>(v.size()) != nsp) {
    fail("conv", "Invalid ", what, " ", vec_str(v), " for ", nsp, " spatial dimensions.");
  }
  return v;
}

// Output spatial size for one dim.
int out_size(int in, int k, int stride, int lo, int hi, int kdil, int idil) {
  int dilated_in = in > 0 ? (in - 1) * idil + 1 : 0;
  int padded = lo + dilated_in + hi;
  int dilated_k = (k - 1) * kdil + 1;
  return (padded - dilated_k) / stride + 1;
}

// Weights regrouped for the input gradient: (G*Cout_g, K..., Cin_g) ->
// (G*Cin_g, K..., Cout_g).
array swap_weight_channels(const array& w, int groups, StreamOrDevice s) {
  int nd = w.ndim();
  int cout_g = w.shape(0) / groups;
  Shape split = {groups, cout_g};
  split.insert(split.end(), w.shape().begin() + 1, w.shape().end());
  auto x = reshape(w, split, s);  // (G, Cout_g, K..., Cin_g)
  std::vector<int> perm = {0, nd};
  for (int d = 2; d < nd; ++d) {
    perm.push_back(d);
  }
  perm.push_back(1);
  x = transpose(x, perm, s);  // (G, Cin_g, K..., Cout_g)
  Shape merged = {groups * w.shape(-1)};
  merged.insert(merged.end(), w.shape().begin() + 1, w.shape().end() - 1);
  merged.push_back(cout_g);
  return reshape(x, merged, s);
}

} // namespace

array conv_general(array input, array weight, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  int nd = input.ndim();
  if (nd < 3 || nd > 5) {
    fail("conv", "Only works for inputs with 1-3 spatial dimensions. The inputs must be in the "
                 "format [N, ..., C_in]");
  }
  if (weight.ndim() != nd) {
    fail("conv", "Invalid weight array with ", weight.ndim(), " dimensions for input array with ",
         nd, " dimensions.");
  }
  Dtype out_type = promote_types(input.dtype(), weight.dtype());
  for (auto* a : {&input, &weight}) {
    if (!is_floating_point(a->dtype())) {
      fail("conv", "Invalid ", a == &input ? "input" : "weight", " array with type ",
           dtype_to_string(a->dtype()), ". Convolution currently only supports floating point types");
    }
  }
  int nsp = nd - 2;
  if (groups <= 0) {
    fail("conv", "Number of groups must be positive but got ", groups, ".");
  }
  int cin = input.shape(-1);
  if (cin % groups != 0) {
    fail("conv", "The input channels must be divisible by the number of groups. Got input with "
                 "shape ", detail::shape_str(input.shape()), " and ", groups, " groups.");
  }
  if (weight.shape(-1) * groups != cin) {
    fail("conv", "Expect the input channels in the input and weight array to match but got shapes "
                 "- input: ", detail::shape_str(input.shape()), " and weight: ",
         detail::shape_str(weight.shape()));
  }
  if (weight.shape(0) % groups != 0) {
    fail("conv", "The output channels must be divisible by the number of groups. Got weight with "
                 "shape ", detail::shape_str(weight.shape()), " and ", groups, " groups.");
  }
  stride = per_dim(stride, nsp, 1, "stride");
  padding_lo = per_dim(padding_lo, nsp, 0, "padding");
  padding_hi = per_dim(padding_hi.empty() ? padding_lo : padding_hi, nsp, 0, "padding");
  kernel_dilation = per_dim(kernel_dilation, nsp, 1, "kernel dilation");
  input_dilation = per_dim(input_dilation, nsp, 1, "input dilation");
  for (auto* v : {&stride, &kernel_dilation, &input_dilation}) {
    for (int x : *v) {
      if (x <= 0) {
        const char* what = v == &stride ? "Stride" : v == &kernel_dilation ? "Kernel dilation" : "Input dilation";
        fail("conv", what, " sizes must be positive. Got ", v == &stride ? "strides" : "dilation",
             " ", vec_str(*v), ".");
      }
    }
  }
  Shape out_shape = {input.shape(0)};
  for (int d = 0; d < nsp; ++d) {
    int in = input.shape(d + 1), k = weight.shape(d + 1);
    int dilated_in = in > 0 ? (in - 1) * input_dilation[d] + 1 : 0;
    if (padding_lo[d] + dilated_in + padding_hi[d] < (k - 1) * kernel_dilation[d] + 1) {
      fail("conv", "Spatial dimensions of input after padding cannot be smaller than weight "
                   "spatial dimensions. Got error at axis ", d + 1, " for input with shape ",
           detail::shape_str(input.shape()), ", padding low ", vec_str({padding_lo[d]}),
           ", padding high ", vec_str({padding_hi[d]}), ", and weight of shape ",
           detail::shape_str(weight.shape()), ".");
    }
    out_shape.push_back(out_size(in, k, stride[d], padding_lo[d], padding_hi[d], kernel_dilation[d],
                                 input_dilation[d]));
  }
  out_shape.push_back(weight.shape(0));
  Convolution::Params p{stride, padding_lo, padding_hi, kernel_dilation, input_dilation, groups, flip};
  return detail::make_node<Convolution>(std::move(out_shape), out_type,
                                        {astype(input, out_type, s), astype(weight, out_type, s)},
                                        to_stream(s), std::move(p));
}

array conv1d(const array& input, const array& weight, int stride, int padding, int dilation, int groups,
             StreamOrDevice s) {
  return conv_general(input, weight, {stride}, {padding}, {padding}, {dilation}, {1}, groups, false, s);
}

array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride,
             const std::pair<int, int>& padding, const std::pair<int, int>& dilation, int groups,
             StreamOrDevice s) {
  std::vector<int> pad = {padding.first, padding.second};
  return conv_general(input, weight, {stride.first, stride.second}, pad, pad,
                      {dilation.first, dilation.second}, {1, 1}, groups, false, s);
}

array conv3d(const array& input, const array& weight, const std::vector<int>& stride,
             const std::vector<int>& padding, const std::vector<int>& dilation, int groups,
             StreamOrDevice s) {
  return conv_general(input, weight, stride, padding, padding, dilation, {1}, groups, false, s);
}

array conv_transpose_general(const array& input, const array& weight, const std::vector<int>& stride,
                             const std::vector<int>& padding, const std::vector<int>& dilation,
                             const std::vector<int>& output_padding, int groups, StreamOrDevice s) {
  int nsp = input.ndim() - 2;
  if (nsp < 1 || nsp > 3 || weight.ndim() != input.ndim()) {
    return conv_general(input, weight, stride, padding, padding, dilation, {1}, groups, true, s);
  }
  auto st = per_dim(stride, nsp, 1, "stride");
  auto pd = per_dim(padding, nsp, 0, "padding");
  auto dl = per_dim(dilation, nsp, 1, "dilation");
  auto op = per_dim(output_padding, nsp, 0, "output padding");
  // Stride becomes input dilation; the kernel's reach minus the padding
  // becomes padding on both sides, with the output padding added at the end.
  std::vector<int> lo(nsp), hi(nsp);
  for (int d = 0; d < nsp; ++d) {
    lo[d] = dl[d] * (weight.shape(d + 1) - 1) - pd[d];
    hi[d] = lo[d] + op[d];
  }
  return conv_general(input, weight, std::vector<int>(nsp, 1), lo, hi, dl, st, groups, true, s);
}

array conv_transpose1d(const array& input, const array& weight, int stride, int padding, int dilation,
                       int output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(input, weight, {stride}, {padding}, {dilation}, {output_padding},
                                groups, s);
}

array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(input, weight, {stride.first, stride.second},
                                {padding.first, padding.second}, {dilation.first, dilation.second},
                                {output_padding.first, output_padding.second}, groups, s);
}

array conv_transpose3d(const array& input, const array& weight, const std::vector<int>& stride,
                       const std::vector<int>& padding, const std::vector<int>& dilation,
                       const std::vector<int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(input, weight, stride, padding, dilation, output_padding, groups, s);
}

array convolve(const array& a, const array& v, const std::string& mode, StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) {
    fail("convolve", "Inputs must be 1-dimensional but got shapes ", detail::shape_str(a.shape()),
         " and ", detail::shape_str(v.shape()), ".");
  }
  if (a.size() == 0 || v.size() == 0) {
    fail("convolve", "Inputs cannot be empty.");
  }
  // NumPy's convolve is symmetric: slide the shorter array over the longer.
  const array& longer = a.size() >= v.size() ? a : v;
  const array& shorter = a.size() >= v.size() ? v : a;
  int n = longer.shape(0), m = shorter.shape(0);
  int lo, hi;
  if (mode == "full") {
    lo = hi = m - 1;
  } else if (mode == "same") {
    // The middle max(len(a), len(v)) entries of "full".
    lo = m / 2;
    hi = m - 1 - lo;
  } else if (mode == "valid") {
    lo = hi = 0;
  } else {
    fail("convolve", "Invalid mode \"", mode, "\": expected \"full\", \"same\" or \"valid\".");
  }
  // The inputs' common float type (integers convolve in float32).
  Dtype t = promote_types(a.dtype(), v.dtype());
  if (!is_floating_point(t)) {
    t = float32;
  }
  auto x = reshape(astype(longer, t, s), {1, n, 1}, s);
  auto w = reshape(astype(shorter, t, s), {1, m, 1}, s);
  auto out = conv_general(x, w, {1}, {lo}, {hi}, {1}, {1}, 1, true, s);
  return reshape(out, {out.shape(1)}, s);
}

// --------------------------------------------------------------- transforms

std::vector<array> Convolution::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto conv = [&](const array& x, const array& w) {
    return conv_general(x, w, p_.stride, p_.padding_lo, p_.padding_hi, p_.kernel_dilation,
                        p_.input_dilation, p_.groups, p_.flip, stream());
  };
  std::optional<array> out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    auto term = argnums[k] == 0 ? conv(tangents[k], primals[1]) : conv(primals[0], tangents[k]);
    out = out ? add(*out, term, stream()) : term;
  }
  return {*out};
}

std::vector<array> Convolution::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  const auto& x = primals[0];
  const auto& w = primals[1];
  const auto& g = cotangents[0];
  auto s = stream();
  int nsp = x.ndim() - 2;
  std::vector<array> grads;
  for (int arg : argnums) {
    if (arg == 0) {
      // The input gradient: a transposed convolution of the cotangent,
      // giving the gradient of the padded, dilated input; then undo the
      // padding (zero where it cropped) and the dilation.
      std::vector<int> lo(nsp), hi(nsp), ones(nsp, 1);
      Shape crop_lo(nsp), crop_hi(nsp), start(nsp), stop(nsp), step(nsp);
      for (int d = 0; d < nsp; ++d) {
        int k = w.shape(d + 1), kd = p_.kernel_dilation[d], st = p_.stride[d];
        int in = x.shape(d + 1), o = g.shape(d + 1);
        int dilated_in = (in - 1) * p_.input_dilation[d] + 1;
        int padded = p_.padding_lo[d] + dilated_in + p_.padding_hi[d];
        lo[d] = kd * (k - 1);
        hi[d] = kd * (k - 1) + padded - ((o - 1) * st + 1 + kd * (k - 1));
        crop_lo[d] = std::max(0, -p_.padding_lo[d]);
        crop_hi[d] = std::max(0, -p_.padding_hi[d]);
        start[d] = std::max(0, p_.padding_lo[d]);
        stop[d] = start[d] + dilated_in;
        step[d] = p_.input_dilation[d];
      }
      auto gx = conv_general(g, swap_weight_channels(w, p_.groups, s), ones, lo, hi, p_.kernel_dilation,
                             p_.stride, p_.groups, !p_.flip, s);
      std::vector<int> axes(nsp);
      for (int d = 0; d < nsp; ++d) {
        axes[d] = d + 1;
      }
      gx = pad(gx, axes, crop_lo, crop_hi, array(0, gx.dtype()), "constant", s);
      Shape b = {0}, e = {gx.shape(0)}, sp = {1};
      b.insert(b.end(), start.begin(), start.end());
      e.insert(e.end(), stop.begin(), stop.end());
      sp.insert(sp.end(), step.begin(), step.end());
      b.push_back(0);
      e.push_back(gx.shape(-1));
      sp.push_back(1);
      grads.push_back(slice(gx, b, e, sp, s));
    } else {
      // The weight gradient: correlate the input with the cotangent, with
      // channels as the batch and the batch as the channels, per group.
      int groups = p_.groups;
      int cin_g = x.shape(-1) / groups, cout_g = g.shape(-1) / groups;
      std::vector<int> to_front = {x.ndim() - 1};
      for (int d = 1; d < x.ndim() - 1; ++d) {
        to_front.push_back(d);
      }
      to_front.push_back(0);
      auto xt = transpose(x, to_front, s);  // (Cin, spatial..., N)
      auto gt = transpose(g, to_front, s);  // (Cout, out spatial..., N)
      std::vector<array> parts;
      for (int gi = 0; gi < groups; ++gi) {
        auto xg = groups == 1 ? xt : slice(xt, [&] { Shape b(xt.ndim(), 0); b[0] = gi * cin_g; return b; }(),
                                           [&] { Shape e = xt.shape(); e[0] = (gi + 1) * cin_g; return e; }(), s);
        auto gg = groups == 1 ? gt : slice(gt, [&] { Shape b(gt.ndim(), 0); b[0] = gi * cout_g; return b; }(),
                                           [&] { Shape e = gt.shape(); e[0] = (gi + 1) * cout_g; return e; }(), s);
        auto r = conv_general(xg, gg, p_.kernel_dilation, p_.padding_lo, p_.padding_hi, p_.stride,
                              p_.input_dilation, 1, false, s);  // (Cin_g, reach..., Cout_g)
        Shape b(r.ndim(), 0), e = r.shape();
        for (int d = 0; d < nsp; ++d) {
          e[d + 1] = w.shape(d + 1);
        }
        parts.push_back(slice(r, b, e, s));
      }
      auto gw = groups == 1 ? parts[0] : concatenate(parts, -1, s);  // (Cin_g, K..., Cout)
      gw = swapaxes(gw, 0, -1, s);                                     // (Cout, K..., Cin_g)
      if (p_.flip) {
        std::vector<int> axes;
        for (int d = 0; d < nsp; ++d) {
          axes.push_back(d + 1);
        }
        gw = flip(gw, axes, s);
      }
      grads.push_back(gw);
    }
  }
  return grads;
}

std::pair<std::vector<array>, std::vector<int>> Convolution::vmap(const std::vector<array>& inputs,
                                                                 const std::vector<int>& axes) {
  auto s = stream();
  auto x = inputs[0], w = inputs[1];
  int bx = axes[0], bw = axes[1];
  auto conv = [&](const array& a, const array& b, int groups) {
    return conv_general(a, b, p_.stride, p_.padding_lo, p_.padding_hi, p_.kernel_dilation,
                        p_.input_dilation, groups, p_.flip, s);
  };
  if (bw < 0) {
    // Fold the batch into N.
    x = moveaxis(x, bx, 0, s);
    int b = x.shape(0);
    Shape merged = {b * x.shape(1)};
    merged.insert(merged.end(), x.shape().begin() + 2, x.shape().end());
    auto out = conv(reshape(x, merged, s), w, p_.groups);
    Shape split = {b, x.shape(1)};
    split.insert(split.end(), out.shape().begin() + 1, out.shape().end());
    return {{reshape(out, split, s)}, {0}};
  }
  // Mapped weights: each batch entry becomes its own set of groups.
  w = moveaxis(w, bw, 0, s);
  int b = w.shape(0);
  if (bx < 0) {
    Shape bs = {b};
    bs.insert(bs.end(), x.shape().begin(), x.shape().end());
    x = broadcast_to(x, bs, s);
  } else {
    x = moveaxis(x, bx, 0, s);
  }
  x = moveaxis(x, 0, -2, s);  // (N, spatial..., B, Cin)
  Shape xs(x.shape().begin(), x.shape().end() - 2);
  xs.push_back(b * x.shape(-1));
  Shape ws = {b * w.shape(1)};
  ws.insert(ws.end(), w.shape().begin() + 2, w.shape().end());
  auto out = conv(reshape(x, xs, s), reshape(w, ws, s), b * p_.groups);
  Shape os(out.shape().begin(), out.shape().end() - 1);
  os.push_back(b);
  os.push_back(w.shape(1));
  out = reshape(out, os, s);
  return {{out}, {out.ndim() - 2}};
}

} // namespace mlx::core
