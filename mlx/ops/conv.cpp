// Convolution ops: argument checks, the transposed and 1-d forms (the
// primitive's rules are in primitives/conv.cpp).
#include "mlx/ops.h"

#include <sstream>

#include "mlx/ops/common.h"
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

} // namespace

array conv_general(array input, array weight, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  int nd = input.ndim();
  if (nd < 3 || nd > 5) {
    fail("conv",
         "Only works for inputs with 1-3 spatial dimensions. The inputs must be in the "
         "format [N, ..., C_in]");
  }
  if (weight.ndim() != nd) {
    fail("conv", "Invalid weight array with ", weight.ndim(), " dimensions for input array with ", nd,
         " dimensions.");
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
    fail("conv",
         "The input channels must be divisible by the number of groups. Got input with "
         "shape ",
         detail::shape_str(input.shape()), " and ", groups, " groups.");
  }
  if (weight.shape(-1) * groups != cin) {
    fail("conv",
         "Expect the input channels in the input and weight array to match but got shapes "
         "- input: ",
         detail::shape_str(input.shape()), " and weight: ", detail::shape_str(weight.shape()));
  }
  if (weight.shape(0) % groups != 0) {
    fail("conv",
         "The output channels must be divisible by the number of groups. Got weight with "
         "shape ",
         detail::shape_str(weight.shape()), " and ", groups, " groups.");
  }
  stride = per_dim(stride, nsp, 1, "stride");
  padding_lo = per_dim(padding_lo, nsp, 0, "padding");
  padding_hi = per_dim(padding_hi.empty() ? padding_lo : padding_hi, nsp, 0, "padding");
  kernel_dilation = per_dim(kernel_dilation, nsp, 1, "kernel dilation");
  input_dilation = per_dim(input_dilation, nsp, 1, "input dilation");
  for (auto* v : {&stride, &kernel_dilation, &input_dilation}) {
    for (int x : *v) {
      if (x <= 0) {
        const char* what = v == &stride            ? "Stride"
                           : v == &kernel_dilation ? "Kernel dilation"
                                                   : "Input dilation";
        fail("conv", what, " sizes must be positive. Got ", v == &stride ? "strides" : "dilation", " ",
             vec_str(*v), ".");
      }
    }
  }
  Shape out_shape = {input.shape(0)};
  for (int d = 0; d < nsp; ++d) {
    int in = input.shape(d + 1), k = weight.shape(d + 1);
    int dilated_in = in > 0 ? (in - 1) * input_dilation[d] + 1 : 0;
    if (padding_lo[d] + dilated_in + padding_hi[d] < (k - 1) * kernel_dilation[d] + 1) {
      fail("conv",
           "Spatial dimensions of input after padding cannot be smaller than weight "
           "spatial dimensions. Got error at axis ",
           d + 1, " for input with shape ", detail::shape_str(input.shape()), ", padding low ",
           vec_str({padding_lo[d]}), ", padding high ", vec_str({padding_hi[d]}), ", and weight of shape ",
           detail::shape_str(weight.shape()), ".");
    }
    out_shape.push_back(
        out_size(in, k, stride[d], padding_lo[d], padding_hi[d], kernel_dilation[d], input_dilation[d]));
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
  return conv_transpose_general(input, weight, {stride}, {padding}, {dilation}, {output_padding}, groups, s);
}

array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(input, weight, {stride.first, stride.second}, {padding.first, padding.second},
                                {dilation.first, dilation.second},
                                {output_padding.first, output_padding.second}, groups, s);
}

array conv_transpose3d(const array& input, const array& weight, const std::vector<int>& stride,
                       const std::vector<int>& padding, const std::vector<int>& dilation,
                       const std::vector<int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(input, weight, stride, padding, dilation, output_padding, groups, s);
}

array convolve(const array& a, const array& v, const std::string& mode, StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) {
    fail("convolve", "Inputs must be 1-dimensional but got shapes ", detail::shape_str(a.shape()), " and ",
         detail::shape_str(v.shape()), ".");
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

} // namespace mlx::core
