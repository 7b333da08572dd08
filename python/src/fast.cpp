// mlx.core.fast: fused transformer blocks, and the custom-kernel entry
// points, which need a GPU back-end this build does not have.
#include "py_args.h"
#include "array_type.h"

#include "mlx/fast.h"
#include "mlx/primitives/fast.h"

namespace {

StreamOrDevice sd(py::handle s) { return to_stream_or_device(s); }

} // namespace

void init_fast(py::module_& parent) {
  using namespace mlx::core;
  auto m = parent.def_submodule("fast", "Fused kernels of common transformer blocks.");
  m.def(
      "rms_norm",
      [](const array& x, std::optional<array> weight, float eps, py::object s) {
        return fast::rms_norm(x, weight, eps, sd(s));
      },
      py::arg("x"), py::arg("weight").none(true), py::arg("eps"), py::kw_only(),
      py::arg("stream") = py::none(),
      "Root mean square normalization over the last axis, times `weight` if given.");
  m.def(
      "layer_norm",
      [](const array& x, std::optional<array> weight, std::optional<array> bias, float eps, py::object s) {
        return fast::layer_norm(x, weight, bias, eps, sd(s));
      },
      py::arg("x"), py::arg("weight").none(true), py::arg("bias").none(true), py::arg("eps"), py::kw_only(),
      py::arg("stream") = py::none(),
      "Layer normalization over the last axis, with optional weight and bias.");
  m.def(
      "rope",
      [](const array& a, int dims, bool traditional, std::optional<float> base, float scale,
         py::object offset, std::optional<array> freqs, py::object s) {
        array off = is_array(offset) ? py::cast<array>(offset) : array(offset.cast<int>(), int32);
        return fast::rope(a, dims, traditional, base, scale, off, freqs, sd(s));
      },
      py::arg("a"), py::arg("dims"), py::kw_only(), py::arg("traditional"), py::arg("base").none(true),
      py::arg("scale"), py::arg("offset"), py::arg("freqs") = py::none(), py::arg("stream") = py::none(),
      "Rotary positional encoding of the first `dims` features; positions run along axis -2.");
  m.def(
      "scaled_dot_product_attention",
      [](const array& q, const array& k, const array& v, float scale, py::object mask,
         std::optional<array> sinks, bool force_fused, py::object s) {
        (void)force_fused;
        std::string mode;
        std::optional<array> m;
        if (py::isinstance<py::str>(mask)) {
          mode = mask.cast<std::string>();
          if (mode != "causal") {
            throw py::value_error("[scaled_dot_product_attention] invalid mask option '" + mode +
                                  "'. Must be 'causal', or an array.");
          }
        } else if (!mask.is_none()) {
          m = is_array(mask) ? py::cast<array>(mask) : to_array(mask);
          mode = "array";
        }
        return fast::scaled_dot_product_attention(q, k, v, scale, mode, m, sinks, sd(s));
      },
      py::arg("q"), py::arg("k"), py::arg("v"), py::kw_only(), py::arg("scale"), py::arg("mask") = py::none(),
      py::arg("sinks") = py::none(), py::arg("force_fused") = false, py::arg("stream") = py::none(),
      "softmax(q @ k.T * scale + mask) @ v with grouped-query heads (q heads a multiple of k/v heads).");
  m.def(
      "cross_entropy",
      [](const array& logits, const array& targets, py::object s) {
        return fast::cross_entropy(logits, targets, sd(s));
      },
      py::arg("logits"), py::arg("targets"), py::kw_only(), py::arg("stream") = py::none(),
      "Cross entropy of logits over the last axis against integer class targets.");
  m.def(
      "gated_delta_update",
      [](const array& q, const array& k, const array& v, const array& gamma, const array& beta,
         std::optional<array> initial_state, std::optional<array> mask, py::object s) {
        auto r = fast::gated_delta_update(q, k, v, gamma, beta, initial_state, mask, sd(s));
        return py::make_tuple(r[0], r[1]);
      },
      py::arg("q"), py::arg("k"), py::arg("v"), py::arg("gamma"), py::arg("beta"),
      py::arg("initial_state") = py::none(), py::arg("mask") = py::none(), py::arg("stream") = py::none(),
      "The gated delta rule over time: returns (output (B, T, Hv, Dv), final state (B, Hv, Dv, Dk)).");
  m.def(
      "metal_kernel",
      [](std::string name, std::vector<std::string> input_names, py::object output_names, std::string source,
         py::object, bool ensure_row_contiguous, bool, py::object compile_options) {
        // As MLX's CPU build: the kernel object exists and can be traced for
        // export (mx.export_function); running it fails.
        CustomKernel::Params base;
        base.name = "custom_kernel_" + name;
        base.source = source;
        base.ensure_row_contiguous = ensure_row_contiguous;
        for (auto& in : input_names) {
          base.shape_infos.emplace_back(source.find(in + "_shape") != std::string::npos,
                                        source.find(in + "_strides") != std::string::npos,
                                        source.find(in + "_ndim") != std::string::npos);
        }
        if (py::isinstance<py::dict>(compile_options)) {
          auto d = compile_options.cast<py::dict>();
          if (d.contains("math_mode")) {
            base.math_mode = d["math_mode"].cast<std::string>() == "fast" ? 0 : 1;
          }
        }
        return py::cpp_function([base](py::kwargs kw) -> py::object {
          auto p = base;
          std::vector<array> inputs;
          for (auto x : kw["inputs"]) {
            inputs.push_back(to_array(x));
          }
          auto three = [&](const char* key) {
            auto t = kw[key].cast<std::vector<int>>();
            if (t.size() != 3) {
              throw std::invalid_argument(std::string("[metal_kernel] ") + key + " must have three entries.");
            }
            return std::make_tuple(t[0], t[1], t[2]);
          };
          p.grid = three("grid");
          p.threadgroup = three("threadgroup");
          if (kw.contains("init_value") && !kw["init_value"].is_none()) {
            p.init_value = kw["init_value"].cast<float>();
          }
          std::vector<Shape> shapes;
          for (auto sh : kw["output_shapes"]) {
            shapes.push_back(sh.cast<Shape>());
          }
          auto dtypes = kw["output_dtypes"].cast<std::vector<Dtype>>();
          py::object s = kw.contains("stream") ? py::object(kw["stream"]) : py::object(py::none());
          auto outs = custom_kernel(inputs, p, shapes, dtypes, sd(s));
          py::list l;
          for (auto& o : outs) {
            l.append(py::cast(o));
          }
          return l;
        });
      },
      py::arg("name"), py::arg("input_names"), py::arg("output_names"), py::arg("source"),
      py::arg("header") = "", py::arg("ensure_row_contiguous") = true, py::arg("atomic_outputs") = false,
      py::arg("compile_options") = py::none(), "A custom Metal kernel (unavailable on this back-end).");
  m.def(
      "cuda_kernel",
      [](py::object, py::object, py::object, py::object, py::object, bool, int) -> py::object {
        throw std::runtime_error("[cuda_kernel] No CUDA back-end.");
      },
      py::arg("name"), py::arg("input_names"), py::arg("output_names"), py::arg("source"),
      py::arg("header") = "", py::arg("ensure_row_contiguous") = true, py::arg("shared_memory") = 0,
      "A custom CUDA kernel (unavailable on this back-end).");
  m.def(
      "precompiled_cuda_kernel",
      [](py::kwargs) -> py::object {
        throw std::runtime_error("[precompiled_cuda_kernel] No CUDA back-end.");
      },
      "A precompiled CUDA kernel (unavailable on this back-end).");
}
