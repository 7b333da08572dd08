// Bindings of the quantized family: quantize, dequantize, quantized
// products and the fp8 conversions.
#include "mlx/quantized.h"

#include "py_args.h"

void init_quantized(py::module_& m) {
  m.def(
      "quantize",
      [](const array& w, std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
         std::optional<array> global_scale,
         py::object s) { return quantize(w, group_size, bits, mode, global_scale, to_stream_or_device(s)); },
      py::arg("w"), py::pos_only(), py::arg("group_size") = py::none(), py::arg("bits") = py::none(),
      py::arg("mode") = "affine", py::arg("global_scale") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(),
      "Quantize the array w in groups of its last axis: [w_q, scales, biases] (affine) or [w_q, scales].");
  m.def(
      "dequantize",
      [](const array& w, const array& scales, std::optional<array> biases, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, std::optional<array> global_scale,
         std::optional<Dtype> dtype, py::object s) {
        return dequantize(w, scales, biases, group_size, bits, mode, global_scale, dtype,
                          to_stream_or_device(s));
      },
      py::arg("w"), py::pos_only(), py::arg("scales"), py::arg("biases") = py::none(),
      py::arg("group_size") = py::none(), py::arg("bits") = py::none(), py::arg("mode") = "affine",
      py::arg("global_scale") = py::none(), py::arg("dtype") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "Dequantize the matrix w given its scales (and biases).");
  m.def(
      "quantized_matmul",
      [](const array& x, const array& w, const array& scales, std::optional<array> biases, bool transpose,
         std::optional<int> group_size, std::optional<int> bits, const std::string& mode, py::object s) {
        return quantized_matmul(x, w, scales, biases, transpose, group_size, bits, mode,
                                to_stream_or_device(s));
      },
      py::arg("x"), py::arg("w"), py::pos_only(), py::arg("scales"), py::arg("biases") = py::none(),
      py::arg("transpose") = true, py::arg("group_size") = py::none(), py::arg("bits") = py::none(),
      py::arg("mode") = "affine", py::kw_only(), py::arg("stream") = py::none(),
      "Matrix product of x with the quantized matrix w (transposed when transpose).");
  m.def(
      "gather_qmm",
      [](const array& x, const array& w, const array& scales, std::optional<array> biases,
         std::optional<array> lhs_indices, std::optional<array> rhs_indices, bool transpose,
         std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
         std::optional<array> global_scale, bool sorted_indices, py::object s) {
        if (global_scale) {
          throw std::invalid_argument("[gather_qmm] Global scale is not supported on the CPU.");
        }
        return gather_qmm(x, w, scales, biases, lhs_indices, rhs_indices, transpose, group_size, bits, mode,
                          sorted_indices, to_stream_or_device(s));
      },
      py::arg("x"), py::arg("w"), py::pos_only(), py::arg("scales"), py::arg("biases") = py::none(),
      py::arg("lhs_indices") = py::none(), py::arg("rhs_indices") = py::none(), py::arg("transpose") = true,
      py::arg("group_size") = py::none(), py::arg("bits") = py::none(), py::arg("mode") = "affine",
      py::arg("global_scale") = py::none(), py::kw_only(), py::arg("sorted_indices") = false,
      py::arg("stream") = py::none(), "quantized_matmul with matrix-level gather over the batch dims.");
  m.def(
      "qqmm",
      [](const array& x, const array& w, std::optional<array> scales, std::optional<int> group_size,
         std::optional<int> bits, const std::string& mode, std::optional<array> gx, std::optional<array> gw,
         py::object s) { return qqmm(x, w, scales, group_size, bits, mode, gx, gw, to_stream_or_device(s)); },
      py::arg("x"), py::arg("w"), py::pos_only(), py::arg("scales") = py::none(),
      py::arg("group_size") = py::none(), py::arg("bits") = py::none(), py::arg("mode") = "nvfp4",
      py::arg("global_scale_x") = py::none(), py::arg("global_scale_w") = py::none(), py::kw_only(),
      py::arg("stream") = py::none(), "x @ w.T with x (and w unless already quantized) quantized in mode.");
  m.def(
      "gather_qqmm",
      [](const array& x, const array& w, std::optional<array> scales, std::optional<array> lhs_indices,
         std::optional<array> rhs_indices, std::optional<int> group_size, std::optional<int> bits,
         const std::string& mode, std::optional<array> gx, std::optional<array> gw, bool sorted_indices,
         py::object s) {
        return gather_qqmm(x, w, scales, lhs_indices, rhs_indices, group_size, bits, mode, gx, gw,
                           sorted_indices, to_stream_or_device(s));
      },
      py::arg("x"), py::arg("w"), py::pos_only(), py::arg("scales") = py::none(),
      py::arg("lhs_indices") = py::none(), py::arg("rhs_indices") = py::none(),
      py::arg("group_size") = py::none(), py::arg("bits") = py::none(), py::arg("mode") = "nvfp4",
      py::arg("global_scale_x") = py::none(), py::arg("global_scale_w") = py::none(), py::kw_only(),
      py::arg("sorted_indices") = false, py::arg("stream") = py::none(),
      "qqmm with matrix-level gather over the batch dims.");
  m.def(
      "to_fp8", [](const array& x, py::object s) { return to_fp8(x, to_stream_or_device(s)); }, py::arg("x"),
      py::kw_only(), py::arg("stream") = py::none(),
      "Convert the array to fp8 (e4m3) from another floating-point type (uint8 result).");
  m.def(
      "from_fp8",
      [](const array& x, Dtype t, py::object s) { return from_fp8(x, t, to_stream_or_device(s)); },
      py::arg("x"), py::arg("dtype") = bfloat16, py::kw_only(), py::arg("stream") = py::none(),
      "Convert the array from fp8 (e4m3, uint8) to another floating-point type.");
}
