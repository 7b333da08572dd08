// Bindings of the convolutions (mx.conv1d ... mx.conv_general, mx.convolve).
#include "py_args.h"
#include "py_args_sequence.h"

#include "mlx/ops.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

// An int or a sequence of ints, as a list of ints.
std::vector<int> ints(py::handle v, const char* what) {
  int x;
  if (index_value(v, x, "conv")) {
    return {x};
  }
  if (is_sequence(v)) {
    std::vector<int> out;
    for (auto item : py::reinterpret_borrow<py::sequence>(v)) {
      if (!index_value(item, x, "conv")) {
        throw py::type_error(std::string("[conv] ") + what + " must be an int or a sequence of ints.");
      }
      out.push_back(x);
    }
    return out;
  }
  throw py::type_error(std::string("[conv] ") + what + " must be an int or a sequence of ints.");
}

// Exactly `n` values from an int or a tuple of `n` ints.
std::vector<int> n_ints(py::handle v, int n, const char* what) {
  auto out = ints(v, what);
  if (out.size() == 1) {
    return std::vector<int>(n, out[0]);
  }
  if (static_cast<int>(out.size()) != n) {
    throw py::value_error(std::string("[conv] ") + what + " must have " + std::to_string(n) + " values.");
  }
  return out;
}

} // namespace

void init_conv(py::module_& m) {
  using namespace mlx::core;
  m.def(
      "conv1d",
      [](const array& x, const array& w, int stride, int padding, int dilation, int groups, py::object s) {
        return conv1d(x, w, stride, padding, dilation, groups, sd(s));
      },
      py::arg("input"), py::arg("weight"), py::pos_only(), py::arg("stride") = 1, py::arg("padding") = 0,
      py::arg("dilation") = 1, py::arg("groups") = 1, py::kw_only(), py::arg("stream") = py::none(),
      "1-d convolution of input (N, L, C_in) with weight (C_out, K, C_in / groups).");
  for (int nsp : {2, 3}) {
    std::string name = "conv" + std::to_string(nsp) + "d";
    m.def(
        name.c_str(),
        [nsp](const array& x, const array& w, py::object stride, py::object padding, py::object dilation,
              int groups, py::object s) {
          auto pad = n_ints(padding, nsp, "padding");
          return conv_general(x, w, n_ints(stride, nsp, "stride"), pad, pad,
                              n_ints(dilation, nsp, "dilation"), {1}, groups, false, sd(s));
        },
        py::arg("input"), py::arg("weight"), py::pos_only(), py::arg("stride") = 1, py::arg("padding") = 0,
        py::arg("dilation") = 1, py::arg("groups") = 1, py::kw_only(), py::arg("stream") = py::none(),
        (std::to_string(nsp) + "-d convolution, channels last: input (N, spatial..., C_in), weight "
                               "(C_out, kernel..., C_in / groups).")
            .c_str());
  }
  m.def(
      "conv_general",
      [](const array& x, const array& w, py::object stride, py::object padding, py::object kernel_dilation,
         py::object input_dilation, int groups, bool flip, py::object s) {
        std::vector<int> lo, hi;
        if (py::isinstance<py::tuple>(padding) && py::len(padding) == 2 &&
            !py::isinstance<py::int_>(padding.cast<py::tuple>()[0])) {
          auto t = padding.cast<py::tuple>();
          lo = ints(t[0], "padding");
          hi = ints(t[1], "padding");
        } else {
          lo = hi = ints(padding, "padding");
        }
        return conv_general(x, w, ints(stride, "stride"), lo, hi, ints(kernel_dilation, "kernel_dilation"),
                            ints(input_dilation, "input_dilation"), groups, flip, sd(s));
      },
      py::arg("input"), py::arg("weight"), py::pos_only(), py::arg("stride") = 1, py::arg("padding") = 0,
      py::arg("kernel_dilation") = 1, py::arg("input_dilation") = 1, py::arg("groups") = 1,
      py::arg("flip") = false, py::kw_only(), py::arg("stream") = py::none(),
      "General convolution with per-dim stride, (low, high) padding, kernel and input dilation,\n"
      "groups, and `flip` (convolution instead of cross-correlation).");
  m.def(
      "conv_transpose1d",
      [](const array& x, const array& w, int stride, int padding, int dilation, int output_padding,
         int groups, py::object s) {
        return conv_transpose1d(x, w, stride, padding, dilation, output_padding, groups, sd(s));
      },
      py::arg("input"), py::arg("weight"), py::pos_only(), py::arg("stride") = 1, py::arg("padding") = 0,
      py::arg("dilation") = 1, py::arg("output_padding") = 0, py::arg("groups") = 1, py::kw_only(),
      py::arg("stream") = py::none(), "1-d transposed convolution.");
  for (int nsp : {2, 3}) {
    std::string name = "conv_transpose" + std::to_string(nsp) + "d";
    m.def(
        name.c_str(),
        [nsp](const array& x, const array& w, py::object stride, py::object padding, py::object dilation,
              py::object output_padding, int groups, py::object s) {
          return conv_transpose_general(x, w, n_ints(stride, nsp, "stride"), n_ints(padding, nsp, "padding"),
                                        n_ints(dilation, nsp, "dilation"),
                                        n_ints(output_padding, nsp, "output_padding"), groups, sd(s));
        },
        py::arg("input"), py::arg("weight"), py::pos_only(), py::arg("stride") = 1, py::arg("padding") = 0,
        py::arg("dilation") = 1, py::arg("output_padding") = 0, py::arg("groups") = 1, py::kw_only(),
        py::arg("stream") = py::none(), (std::to_string(nsp) + "-d transposed convolution.").c_str());
  }
  m.def(
      "convolve",
      [](const array& a, const array& v, const std::string& mode, py::object s) {
        return convolve(a, v, mode, sd(s));
      },
      py::arg("a"), py::arg("v"), py::pos_only(), py::arg("mode") = "full", py::kw_only(),
      py::arg("stream") = py::none(), "The discrete 1-d convolution of a and v (NumPy's convolve).");
}
