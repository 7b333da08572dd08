// Transformation rules of the convolution primitive, in terms of
// conv_general itself.
#include <algorithm>
#include <numeric>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives.h"
#include "mlx/primitives/common.h"
#include "mlx/primitives/conv.h"
#include <sstream>

namespace mlx::core {

using namespace detail;

namespace {

// Weights regrouped for the input gradient: (G*Cout_g, K..., Cin_g) ->
// (G*Cin_g, K..., Cout_g).
array swap_weight_channels(const array& w, int groups, StreamOrDevice s) {
  int nd = w.ndim();
  int cout_g = w.shape(0) / groups;
  Shape split = {groups, cout_g};
  split.insert(split.end(), w.shape().begin() + 1, w.shape().end());
  auto x = reshape(w, split, s); // (G, Cout_g, K..., Cin_g)
  std::vector<int> perm = {0, nd};
  for (int d = 2; d < nd; ++d) {
    perm.push_back(d);
  }
  perm.push_back(1);
  x = transpose(x, perm, s); // (G, Cin_g, K..., Cout_g)
  Shape merged = {groups * w.shape(-1)};
  merged.insert(merged.end(), w.shape().begin() + 1, w.shape().end() - 1);
  merged.push_back(cout_g);
  return reshape(x, merged, s);
}

} // namespace

std::vector<array> Convolution::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  auto conv = [&](const array& x, const array& w) {
    return conv_general(x, w, p_.stride, p_.padding_lo, p_.padding_hi, p_.kernel_dilation, p_.input_dilation,
                        p_.groups, p_.flip, stream());
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
      auto xt = transpose(x, to_front, s); // (Cin, spatial..., N)
      auto gt = transpose(g, to_front, s); // (Cout, out spatial..., N)
      std::vector<array> parts;
      for (int gi = 0; gi < groups; ++gi) {
        auto xg = groups == 1 ? xt
                              : slice(
                                    xt,
                                    [&] {
                                      Shape b(xt.ndim(), 0);
                                      b[0] = gi * cin_g;
                                      return b;
                                    }(),
                                    [&] {
                                      Shape e = xt.shape();
                                      e[0] = (gi + 1) * cin_g;
                                      return e;
                                    }(),
                                    s);
        auto gg = groups == 1 ? gt
                              : slice(
                                    gt,
                                    [&] {
                                      Shape b(gt.ndim(), 0);
                                      b[0] = gi * cout_g;
                                      return b;
                                    }(),
                                    [&] {
                                      Shape e = gt.shape();
                                      e[0] = (gi + 1) * cout_g;
                                      return e;
                                    }(),
                                    s);
        auto r = conv_general(xg, gg, p_.kernel_dilation, p_.padding_lo, p_.padding_hi, p_.stride,
                              p_.input_dilation, 1, false, s); // (Cin_g, reach..., Cout_g)
        Shape b(r.ndim(), 0), e = r.shape();
        for (int d = 0; d < nsp; ++d) {
          e[d + 1] = w.shape(d + 1);
        }
        parts.push_back(slice(r, b, e, s));
      }
      auto gw = groups == 1 ? parts[0] : concatenate(parts, -1, s); // (Cin_g, K..., Cout)
      gw = swapaxes(gw, 0, -1, s);                                  // (Cout, K..., Cin_g)
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
    return conv_general(a, b, p_.stride, p_.padding_lo, p_.padding_hi, p_.kernel_dilation, p_.input_dilation,
                        groups, p_.flip, s);
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
  x = moveaxis(x, 0, -2, s); // (N, spatial..., B, Cin)
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

std::vector<Shape> Convolution::output_shapes(const std::vector<array>& inputs) {
  const auto &in = inputs[0], &w = inputs[1];
  Shape out = {in.shape(0)};
  for (int d = 0; d + 2 < in.ndim(); ++d) {
    int n = in.shape(d + 1), k = w.shape(d + 1);
    int dilated_in = n > 0 ? (n - 1) * p_.input_dilation[d] + 1 : 0;
    int padded = p_.padding_lo[d] + dilated_in + p_.padding_hi[d];
    int dilated_k = (k - 1) * p_.kernel_dilation[d] + 1;
    if (padded < dilated_k) {
      throw std::invalid_argument(
          "[conv] Spatial dimensions of input after padding cannot be smaller than weight spatial "
          "dimensions.");
    }
    out.push_back((padded - dilated_k) / p_.stride[d] + 1);
  }
  out.push_back(w.shape(0));
  return {out};
}

} // namespace mlx::core
