// MLX's primitives, as .mlxfn files name them, rebuilt with this project's
// ops. The ops check their inputs, so a file whose primitives do not fit
// their inputs raises instead of reaching a kernel; export.cpp then checks
// each result against the shapes and dtypes the file declares.
#include <cmath>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "mlx/export_state.h"
#include "mlx/fast.h"
#include "mlx/fft.h"
#include "mlx/linalg.h"
#include "mlx/ops.h"
#include "mlx/primitives/elementwise.h"
#include "mlx/primitives/fft.h"
#include "mlx/primitives/layout.h"
#include "mlx/quantized.h"
#include "mlx/random.h"
#include "mlx/transforms.h"

namespace mlx::core::detail {

namespace {

using Args = NodeArgs;

using Builder = std::function<std::vector<array>(const Args&)>;
using Out = std::vector<array>;

std::string mode_name(const Args& a, int mode) {
  static const char* names[] = {"affine", "mxfp4", "mxfp8", "nvfp4"};
  if (mode < 0 || mode > 3) {
    bad_node(a.node.name, "unknown quantization mode");
  }
  return names[mode];
}

void add_unary(std::unordered_map<std::string, Builder>& t, const char* name,
               array (*op)(const array&, StreamOrDevice)) {
  t[name] = [op](const Args& a) -> Out {
    a.need(1);
    return {op(a.in[0], {})};
  };
}

void add_binary(std::unordered_map<std::string, Builder>& t, const char* name,
                array (*op)(const array&, const array&, StreamOrDevice)) {
  t[name] = [op](const Args& a) -> Out {
    a.need(2);
    return {op(a.in[0], a.in[1], {})};
  };
}

Out fft_node_of(const Args& a) {
  a.need(1);
  auto axes_u = a.get<std::vector<size_t>>(0);
  bool inverse = a.b(1), real = a.b(2);
  const array& x = a.in[0];
  std::vector<int> axes;
  for (auto ax : axes_u) {
    if (ax >= static_cast<size_t>(x.ndim()) || std::find(axes.begin(), axes.end(), int(ax)) != axes.end()) {
      bad_node(a.node.name, "invalid axes");
    }
    axes.push_back(static_cast<int>(ax));
  }
  if (axes.empty() || a.node.shapes.size() != 1 || a.node.shapes[0].size() != static_cast<size_t>(x.ndim())) {
    bad_node(a.node.name, "invalid axes or output");
  }
  Dtype want_in = real && !inverse ? float32 : complex64;
  if (x.dtype() != want_in) {
    bad_node(a.node.name, "unexpected input dtype");
  }
  int last = axes.back();
  int last_n = real && inverse ? a.node.shapes[0][last] : x.shape(last);
  if (real && inverse && (last_n / 2 + 1 != x.shape(last))) {
    bad_node(a.node.name, "output length does not match the input");
  }
  auto out = fft_node(x, axes, inverse, real, last_n, to_stream({}));
  if (!inverse) {
    return {out};
  }
  double n = 1;
  for (int ax : axes) {
    n *= ax == last ? last_n : x.shape(ax);
  }
  Dtype t = out.dtype();
  return {multiply(out, astype(array(n == 0 ? 1.0 : 1.0 / n), t == complex64 ? complex64 : t))};
}

// MLX's MaskedScatter: a, mask (a's shape) and src with a leading batch
// axis; in each batch row, the masked places of a take src's elements in
// order.
Out masked_scatter_of(const Args& a) {
  a.need(3);
  const auto &x = a.in[0], &mask = a.in[1], &src = a.in[2];
  if (x.ndim() == 0 || mask.shape() != x.shape() || mask.dtype() != bool_ || src.ndim() == 0 ||
      src.shape(0) != x.shape(0) || src.dtype() != x.dtype()) {
    bad_node(a.node.name, "inputs do not match");
  }
  int b = x.shape(0);
  if (x.size() == 0 || src.size() == 0) {
    return {copy(x)};
  }
  auto flat_mask = reshape(mask, {b, -1});
  auto flat_src = reshape(src, {b, -1});
  int m = flat_src.shape(1);
  auto idx = minimum(cumsum(astype(flat_mask, int32), 1, false, false), array(m - 1, int32));
  auto picked = take_along_axis(flat_src, idx, 1);
  return {where(mask, reshape(picked, x.shape()), x)};
}

// MLX's RMSNormVJP (x, w, cotangent -> dx, dw) and LayerNormVJP (x, w, b,
// cotangent -> dx, dw, db); an absent weight or bias is a 0-d array whose
// gradient is zero.
Out norm_vjp_of(const Args& a, bool layer) {
  size_t n = layer ? 4 : 3;
  a.need(n);
  const auto& x = a.in[0];
  std::vector<array> params(a.in.begin() + 1, a.in.begin() + n - 1);
  for (auto& p : params) {
    if (p.ndim() > 1) {
      bad_node(a.node.name, "a weight or bias has more than one dimension");
    }
  }
  float eps = a.f(0);
  auto fun = [&](const std::vector<array>& p) {
    std::optional<array> w = params[0].ndim() == 1 ? std::optional<array>(p[1]) : std::nullopt;
    if (!layer) {
      return std::vector<array>{fast::rms_norm(p[0], w, eps)};
    }
    std::optional<array> bias = params[1].ndim() == 1 ? std::optional<array>(p[2]) : std::nullopt;
    return std::vector<array>{fast::layer_norm(p[0], w, bias, eps)};
  };
  std::vector<array> primals{x};
  primals.insert(primals.end(), params.begin(), params.end());
  auto [_, grads] = vjp(fun, primals, {a.in[n - 1]});
  for (size_t k = 0; k < params.size(); ++k) {
    if (params[k].ndim() == 0) {
      grads[k + 1] = zeros_like(params[k]);
    }
  }
  return grads;
}

// The natural logsumexp of the scaled, masked attention scores (B, Hq, L,
// 1), float32: the second output MLX's attention gives when asked.
array sdpa_logsumexp(const std::vector<array>& in, float scale, bool causal, const std::optional<array>& mask,
                     const std::optional<array>& sinks) {
  auto q = astype(in[0], float32), k = astype(in[1], float32);
  int hq = q.shape(1), hkv = k.shape(1);
  if (hq != hkv) {
    k = repeat(k, hq / hkv, 1);
  }
  auto scores = multiply(matmul(q, swapaxes(k, -1, -2)), array(scale));
  if (causal) {
    int l = q.shape(2), s = k.shape(2);
    auto keep = greater_equal(expand_dims(arange(s - l, s, int32), 1), expand_dims(arange(0, s, int32), 0));
    scores = where(keep, scores, array(-INFINITY));
  } else if (mask) {
    scores =
        mask->dtype() == bool_ ? where(*mask, scores, array(-INFINITY)) : add(scores, astype(*mask, float32));
  }
  if (sinks) {
    Shape sh = scores.shape();
    sh.back() = 1;
    auto col = broadcast_to(reshape(astype(*sinks, float32), {1, hq, 1, 1}), sh);
    scores = concatenate({col, scores}, -1);
  }
  return logsumexp(scores, -1, true);
}

const std::unordered_map<std::string, Builder>& builders() {
  static const std::unordered_map<std::string, Builder> table = [] {
    std::unordered_map<std::string, Builder> t;
    for (auto& op : stateless_elementwise()) {
      op.unary ? add_unary(t, op.name, op.unary) : add_binary(t, op.name, op.binary);
    }
    add_unary(t, "Abs", abs);
    add_unary(t, "Imag", imag);
    add_unary(t, "Real", real);
    add_unary(t, "StopGradient", stop_gradient);
    add_binary(t, "Matmul", matmul);
    t["Copy"] = [](const Args& a) -> Out {
      a.need(1);
      return {copy(a.in[0])};
    };
    t["Round"] = [](const Args& a) -> Out {
      a.need(1);
      return {round(a.in[0], 0)};
    };
    t["Equal"] = [](const Args& a) -> Out {
      a.need(2);
      if (!a.b(0)) {
        return {equal(a.in[0], a.in[1])};
      }
      if (a.in[0].shape() != a.in[1].shape() || a.in[0].dtype() != a.in[1].dtype()) {
        bad_node(a.node.name, "inputs of different shapes or dtypes");
      }
      return {array(a.in[0].shape(), bool_, std::make_shared<Equal>(to_stream({}), true), a.in)};
    };
    t["Select"] = [](const Args& a) -> Out {
      a.need(3);
      return {where(a.in[0], a.in[1], a.in[2])};
    };
    t["Log"] = [](const Args& a) -> Out {
      a.need(1);
      int base = a.i(0);
      return {base == 0 ? log2(a.in[0]) : base == 1 ? log10(a.in[0]) : log(a.in[0])};
    };
    t["Sqrt"] = [](const Args& a) -> Out {
      a.need(1);
      return {a.b(0) ? rsqrt(a.in[0]) : sqrt(a.in[0])};
    };
    t["BitwiseBinary"] = [](const Args& a) -> Out {
      a.need(2);
      auto &x = a.in[0], &y = a.in[1];
      switch (a.i(0)) {
        case 0:
          return {bitwise_and(x, y)};
        case 1:
          return {bitwise_or(x, y)};
        case 2:
          return {bitwise_xor(x, y)};
        case 3:
          return {left_shift(x, y)};
        case 4:
          return {right_shift(x, y)};
      }
      bad_node(a.node.name, "unknown operation");
    };
    t["AsType"] = [](const Args& a) -> Out {
      a.need(1);
      return {astype(a.in[0], a.get<Dtype>(0))};
    };
    t["View"] = [](const Args& a) -> Out {
      a.need(1);
      return {view(a.in[0], a.get<Dtype>(0))};
    };
    t["Reduce"] = [](const Args& a) -> Out {
      a.need(1);
      auto axes = a.ints(1);
      auto& x = a.in[0];
      switch (a.i(0)) {
        case 0:
          return {all(x, axes, true)};
        case 1:
          return {any(x, axes, true)};
        case 2:
          return {sum(x, axes, true)};
        case 3:
          return {prod(x, axes, true)};
        case 4:
          return {min(x, axes, true)};
        case 5:
          return {max(x, axes, true)};
      }
      bad_node(a.node.name, "unknown reduction");
    };
    t["ArgReduce"] = [](const Args& a) -> Out {
      a.need(1);
      return {a.i(0) == 0 ? argmin(a.in[0], a.i(1), true) : argmax(a.in[0], a.i(1), true)};
    };
    t["Scan"] = [](const Args& a) -> Out {
      a.need(1);
      auto& x = a.in[0];
      int axis = a.i(1);
      bool rev = a.b(2), inc = a.b(3);
      switch (a.i(0)) {
        case 0:
          return {cummax(x, axis, rev, inc)};
        case 1:
          return {cummin(x, axis, rev, inc)};
        case 2:
          return {cumsum(x, axis, rev, inc)};
        case 3:
          return {cumprod(x, axis, rev, inc)};
        case 4:
          return {logcumsumexp(x, axis, rev, inc)};
      }
      bad_node(a.node.name, "unknown scan");
    };
    t["Sort"] = [](const Args& a) -> Out {
      a.need(1);
      return {sort(a.in[0], a.i(0))};
    };
    t["ArgSort"] = [](const Args& a) -> Out {
      a.need(1);
      return {argsort(a.in[0], a.i(0))};
    };
    t["Partition"] = [](const Args& a) -> Out {
      a.need(1);
      return {partition(a.in[0], a.i(0), a.i(1))};
    };
    t["ArgPartition"] = [](const Args& a) -> Out {
      a.need(1);
      return {argpartition(a.in[0], a.i(0), a.i(1))};
    };
    t["SearchSorted"] = [](const Args& a) -> Out {
      a.need(2);
      return {searchsorted(a.in[0], a.in[1], a.b(0))};
    };
    t["Arange"] = [](const Args& a) -> Out {
      a.need(0);
      if (a.node.dtypes.size() != 1) {
        bad_node(a.node.name, "one output expected");
      }
      return {arange(a.get<double>(0), a.get<double>(1), a.get<double>(2), a.node.dtypes[0])};
    };
    t["Full"] = [](const Args& a) -> Out {
      a.need(1);
      return {full(a.in[0].shape(), a.in[0], a.in[0].dtype())};
    };
    // With more than one input (shapeless traces), the shape is that of all
    // inputs broadcast together, the `k` ignored trailing axes being the
    // first input's own.
    auto broadcast_against = [](const Args& a, int k) -> Out {
      Shape shape;
      for (auto& x : a.in) {
        if (x.ndim() < k) {
          bad_node(a.node.name, "an input has fewer dimensions than the ignored axes");
        }
        shape = broadcast_shapes(shape, Shape(x.shape().begin(), x.shape().end() - k));
      }
      const auto& x = a.in[0];
      shape.insert(shape.end(), x.shape().end() - k, x.shape().end());
      if (a.in.size() == 1) {
        return {broadcast_to(x, shape)};
      }
      broadcast_shapes(x.shape(), shape); // checks x broadcasts to it
      return {array(shape, x.dtype(), std::make_shared<Broadcast>(to_stream({}), shape, k), a.in)};
    };
    t["Broadcast"] = [broadcast_against](const Args& a) -> Out {
      a.need(1, 1 << 20);
      if (a.in.size() == 1) {
        return {broadcast_to(a.in[0], a.shape(0))};
      }
      return broadcast_against(a, 0);
    };
    t["BroadcastAxes"] = [broadcast_against](const Args& a) -> Out {
      a.need(1, 1 << 20);
      auto ignore = a.ints(0);
      int k = static_cast<int>(ignore.size());
      for (int j = 0; j < k; ++j) {
        if (ignore[j] != j - k) {
          bad_node(a.node.name, "only trailing axes can be ignored");
        }
      }
      return broadcast_against(a, k);
    };
    t["Reshape"] = [](const Args& a) -> Out {
      a.need(1);
      return {reshape(a.in[0], a.shape(0))};
    };
    t["Transpose"] = [](const Args& a) -> Out {
      a.need(1);
      return {transpose(a.in[0], a.ints(0))};
    };
    t["ExpandDims"] = [](const Args& a) -> Out {
      a.need(1);
      return {expand_dims(a.in[0], a.ints(0))};
    };
    t["Squeeze"] = [](const Args& a) -> Out {
      a.need(1);
      return {squeeze(a.in[0], a.ints(0))};
    };
    t["Flatten"] = [](const Args& a) -> Out {
      a.need(1);
      return {flatten(a.in[0], a.i(0), a.i(1))};
    };
    t["Unflatten"] = [](const Args& a) -> Out {
      a.need(1);
      return {unflatten(a.in[0], a.i(0), a.shape(1))};
    };
    t["Slice"] = [](const Args& a) -> Out {
      a.need(1);
      return {slice(a.in[0], a.shape(0), a.shape(1), a.shape(2))};
    };
    t["SliceUpdate"] = [](const Args& a) -> Out {
      a.need(2);
      auto start = a.shape(1), stop = a.shape(2), strides = a.shape(3);
      auto& src = a.in[0];
      array upd = a.in[1];
      int type = a.i(0);
      if (type != 4) {
        auto cur = slice(src, start, stop, strides);
        switch (type) {
          case 0:
            upd = maximum(cur, upd);
            break;
          case 1:
            upd = minimum(cur, upd);
            break;
          case 2:
            upd = add(cur, upd);
            break;
          case 3:
            upd = multiply(cur, upd);
            break;
          default:
            bad_node(a.node.name, "unknown reduction");
        }
        upd = astype(upd, src.dtype());
      }
      return {slice_update(src, upd, start, stop, strides)};
    };
    t["DynamicSlice"] = [](const Args& a) -> Out {
      a.need(2);
      return {slice(a.in[0], a.in[1], a.ints(0), a.shape(1))};
    };
    t["DynamicSliceUpdate"] = [](const Args& a) -> Out {
      a.need(3);
      return {slice_update(a.in[0], a.in[1], a.in[2], a.ints(0))};
    };
    t["Gather"] = [](const Args& a) -> Out {
      a.need(1, 1 << 20);
      std::vector<array> idx(a.in.begin() + 1, a.in.end());
      return {gather(a.in[0], idx, a.ints(0), a.shape(1))};
    };
    t["Scatter"] = [](const Args& a) -> Out {
      a.need(2, 1 << 20);
      std::vector<array> idx(a.in.begin() + 1, a.in.end() - 1);
      auto axes = a.ints(1);
      auto &x = a.in[0], &u = a.in.back();
      switch (a.i(0)) {
        case 0:
          return {scatter_max(x, idx, u, axes)};
        case 1:
          return {scatter_min(x, idx, u, axes)};
        case 2:
          return {scatter_add(x, idx, u, axes)};
        case 3:
          return {scatter_prod(x, idx, u, axes)};
        case 4:
          return {scatter(x, idx, u, axes)};
      }
      bad_node(a.node.name, "unknown reduction");
    };
    t["GatherAxis"] = [](const Args& a) -> Out {
      a.need(2);
      return {take_along_axis(a.in[0], a.in[1], a.i(0))};
    };
    t["ScatterAxis"] = [](const Args& a) -> Out {
      a.need(3);
      if (a.i(0) == 1) {
        return {put_along_axis(a.in[0], a.in[1], a.in[2], a.i(1))};
      }
      // Sum: a scatter_add with the other axes indexed by position.
      const auto &x = a.in[0], &idx = a.in[1], &upd = a.in[2];
      int nd = x.ndim(), axis = a.i(1) < 0 ? a.i(1) + nd : a.i(1);
      if (axis < 0 || axis >= nd || idx.ndim() != nd || upd.shape() != idx.shape()) {
        bad_node(a.node.name, "inputs do not fit the axis");
      }
      std::vector<array> ids;
      std::vector<int> axes;
      for (int d = 0; d < nd; ++d) {
        if (d == axis) {
          ids.push_back(idx);
        } else {
          Shape sh(nd, 1);
          sh[d] = idx.shape(d);
          ids.push_back(broadcast_to(reshape(arange(idx.shape(d)), sh), idx.shape()));
        }
        axes.push_back(d);
      }
      Shape us = idx.shape();
      us.insert(us.end(), nd, 1);
      return {scatter_add(x, ids, reshape(upd, us), axes)};
    };
    t["Concatenate"] = [](const Args& a) -> Out {
      a.need(1, 1 << 20);
      return {concatenate(a.in, a.i(0))};
    };
    t["Split"] = [](const Args& a) -> Out {
      a.need(1);
      return split(a.in[0], a.shape(0), a.i(1));
    };
    t["AsStrided"] = [](const Args& a) -> Out {
      a.need(1);
      auto shape = a.shape(0);
      auto strides = a.get<Strides>(1);
      auto offset = a.get<size_t>(2);
      // Every element read must lie inside the input.
      if (shape.size() != strides.size()) {
        bad_node(a.node.name, "shape and strides differ in length");
      }
      double lo = static_cast<double>(offset), hi = lo;
      bool empty = false;
      for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] < 0) {
          bad_node(a.node.name, "negative dimension");
        }
        empty |= shape[d] == 0;
        double span = static_cast<double>(shape[d] - 1) * static_cast<double>(strides[d]);
        (span < 0 ? lo : hi) += span;
      }
      if (!empty && (lo < 0 || hi >= static_cast<double>(a.in[0].size()))) {
        bad_node(a.node.name, "the view reads outside its input");
      }
      return {as_strided(a.in[0], shape, strides, offset)};
    };
    t["Pad"] = [](const Args& a) -> Out {
      a.need(2);
      return {pad(a.in[0], a.ints(0), a.shape(1), a.shape(2), a.in[1])};
    };
    t["AddMM"] = [](const Args& a) -> Out {
      a.need(3);
      return {addmm(a.in[2], a.in[0], a.in[1], a.f(0), a.f(1))};
    };
    t["GatherMM"] = [](const Args& a) -> Out {
      a.need(4);
      return {gather_mm(a.in[0], a.in[1], a.in[2], a.in[3], a.b(0) || a.b(1))};
    };
    t["Convolution"] = [](const Args& a) -> Out {
      a.need(2);
      return {conv_general(a.in[0], a.in[1], a.ints(0), a.ints(1), a.ints(2), a.ints(3), a.ints(4), a.i(5),
                           a.b(6))};
    };
    t["FFT"] = fft_node_of;
    t["RandomBits"] = [](const Args& a) -> Out {
      a.need(1);
      return {random::bits(a.shape(0), a.i(1), a.in[0])};
    };
    t["Softmax"] = [](const Args& a) -> Out {
      a.need(1);
      return {softmax(a.in[0], -1, a.b(0))};
    };
    t["LogSumExp"] = [](const Args& a) -> Out {
      a.need(1);
      return {logsumexp(a.in[0], -1, true)};
    };
    t["Hadamard"] = [](const Args& a) -> Out {
      a.need(1);
      return {hadamard_transform(a.in[0], a.f(0))};
    };
    t["Depends"] = [](const Args& a) -> Out {
      size_t n = a.node.shapes.size();
      if (n == 0 || n > a.in.size()) {
        bad_node(a.node.name, "more outputs than inputs");
      }
      return depends(std::vector<array>(a.in.begin(), a.in.begin() + n),
                     std::vector<array>(a.in.begin() + n, a.in.end()));
    };
    t["NumberOfElements"] = [](const Args& a) -> Out {
      a.need(1);
      double n = 1;
      for (int ax : a.ints(0)) {
        int nd = a.in[0].ndim();
        if (ax < -nd || ax >= nd) {
          bad_node(a.node.name, "axis out of range");
        }
        n *= a.in[0].shape(ax < 0 ? ax + nd : ax);
      }
      return {astype(array(a.b(1) ? 1.0 / n : n), a.get<Dtype>(2))};
    };
    t["QRF"] = [](const Args& a) -> Out {
      a.need(1);
      auto [q, r] = linalg::qr(a.in[0]);
      return {q, r};
    };
    t["SVD"] = [](const Args& a) -> Out {
      a.need(1);
      return linalg::svd(a.in[0], a.b(0));
    };
    t["Inverse"] = [](const Args& a) -> Out {
      a.need(1);
      return {a.b(0) ? linalg::tri_inv(a.in[0], a.b(1)) : linalg::inv(a.in[0])};
    };
    t["Cholesky"] = [](const Args& a) -> Out {
      a.need(1);
      return {linalg::cholesky(a.in[0], a.b(0))};
    };
    t["Eig"] = [](const Args& a) -> Out {
      a.need(1);
      if (!a.b(0)) {
        return {linalg::eigvals(a.in[0])};
      }
      auto [w, v] = linalg::eig(a.in[0]);
      return {w, v};
    };
    t["Eigh"] = [](const Args& a) -> Out {
      a.need(1);
      auto uplo = a.get<std::string>(0);
      if (!a.b(1)) {
        return {linalg::eigvalsh(a.in[0], uplo)};
      }
      auto [w, v] = linalg::eigh(a.in[0], uplo);
      return {w, v};
    };
    t["Quantize"] = [](const Args& a) -> Out {
      auto mode = mode_name(a, a.i(2));
      if (!a.b(3)) {
        a.need(1);
        return quantize(a.in[0], a.i(0), a.i(1), mode);
      }
      a.need(2, 3);
      return {
          dequantize(a.in[0], a.in[1], a.opt(2), a.i(0), a.i(1), mode, std::nullopt, a.node.dtypes.at(0))};
    };
    t["QuantizedMatmul"] = [](const Args& a) -> Out {
      a.need(3, 4);
      return {quantized_matmul(a.in[0], a.in[1], a.in[2], a.opt(3), a.b(3), a.i(0), a.i(1),
                               mode_name(a, a.i(2)))};
    };
    t["GatherQMM"] = [](const Args& a) -> Out {
      a.need(5, 6);
      size_t n = a.in.size();
      std::optional<array> biases = n == 6 ? a.opt(3) : std::nullopt;
      return {gather_qmm(a.in[0], a.in[1], a.in[2], biases, a.in[n - 2], a.in[n - 1], a.b(3), a.i(0), a.i(1),
                         mode_name(a, a.i(2)), a.b(4) || a.b(5))};
    };
    t["DivMod"] = [](const Args& a) -> Out {
      a.need(2);
      return divmod(a.in[0], a.in[1]);
    };
    t["MaskedScatter"] = masked_scatter_of;
    t["BlockMaskedMM"] = [](const Args& a) -> Out {
      // a, b[, out mask][, lhs mask, rhs mask]
      a.need(2, 5);
      size_t n = a.in.size();
      auto out_mask = n == 3 || n == 5 ? a.opt(2) : std::nullopt;
      auto lhs = n >= 4 ? a.opt(n - 2) : std::nullopt;
      auto rhs = n >= 4 ? a.opt(n - 1) : std::nullopt;
      return {block_masked_mm(a.in[0], a.in[1], a.i(0), out_mask, lhs, rhs)};
    };
    t["RMSNormVJP"] = [](const Args& a) -> Out { return norm_vjp_of(a, false); };
    t["LayerNormVJP"] = [](const Args& a) -> Out { return norm_vjp_of(a, true); };
    t["RMSNorm"] = [](const Args& a) -> Out {
      a.need(1, 2);
      return {fast::rms_norm(a.in[0], a.opt(1), a.f(0))};
    };
    t["LayerNorm"] = [](const Args& a) -> Out {
      a.need(1, 3);
      return {fast::layer_norm(a.in[0], a.opt(1), a.opt(2), a.f(0))};
    };
    t["RoPE"] = [](const Args& a) -> Out {
      a.need(2, 3);
      // The inverse rotation (forward false, the vjp) turns by the opposite
      // angles: the same rotation with the scale negated.
      float scale = a.b(4) ? a.f(3) : -a.f(3);
      auto freqs = a.opt(2);
      return {fast::rope(a.in[0], a.i(0), a.b(1), freqs ? std::nullopt : std::optional<float>(a.f(2)), scale,
                         a.in[1], freqs)};
    };
    t["ScaledDotProductAttention"] = [](const Args& a) -> Out {
      a.need(3, 5);
      bool causal = a.b(1), sinks = a.b(2);
      size_t extra = a.in.size() - 3;
      if (extra != static_cast<size_t>(sinks) + (causal ? 0 : extra - sinks)) {
        bad_node(a.node.name, "inputs do not match the mask and sinks");
      }
      std::optional<array> mask = !causal && extra > static_cast<size_t>(sinks) ? a.opt(3) : std::nullopt;
      std::optional<array> sink = sinks ? a.opt(a.in.size() - 1) : std::nullopt;
      auto out = fast::scaled_dot_product_attention(a.in[0], a.in[1], a.in[2], a.f(0),
                                                    causal ? "causal"
                                                    : mask ? "array"
                                                           : "",
                                                    mask, sink);
      if (!a.b(3)) {
        return {out};
      }
      return {out, sdpa_logsumexp(a.in, a.f(0), causal, mask, sink)};
    };
    return t;
  }();
  return table;
}

} // namespace

std::vector<array> build_node(const ImportedNode& node, const std::vector<array>& inputs) {
  if (is_native(node.name)) {
    return build_native(node, inputs);
  }
  auto it = builders().find(node.name);
  if (it == builders().end()) {
    throw std::invalid_argument("[import_function] Unable to deserialize primitive " + node.name);
  }
  return it->second(Args{node, inputs});
}

} // namespace mlx::core::detail
