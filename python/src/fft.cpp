// mlx.core.fft: numpy.fft's transforms, frequencies and shifts.
#include "py_args.h"

#include "mlx/fft.h"

namespace {

using namespace mlx::core;

std::optional<Shape> sizes(py::handle s) {
  if (s.is_none()) {
    return std::nullopt;
  }
  return get_shape(s, "fftn");
}

std::optional<int> size(py::handle n) {
  if (n.is_none()) {
    return std::nullopt;
  }
  return n.cast<int>();
}

using OneAxis = array (*)(const array&, std::optional<int>, int, fft::Norm, StreamOrDevice);
using ManyAxes = array (*)(const array&, const std::optional<Shape>&, const std::optional<std::vector<int>>&,
                           fft::Norm, StreamOrDevice);

void def_one(py::module_& m, const char* name, OneAxis f, const char* doc) {
  m.def(
      name,
      [f, name](const array& a, py::object n, int axis, const std::string& norm, py::object s) {
        return f(a, size(n), axis, fft::norm_from_string(norm, name), to_stream_or_device(s));
      },
      py::arg("a"), py::arg("n") = py::none(), py::arg("axis") = -1, py::arg("norm") = "backward",
      py::kw_only(), py::arg("stream") = py::none(), doc);
}

// fft2 and friends default to the last two axes, fftn and friends to all.
void def_many(py::module_& m, const char* name, ManyAxes f, bool two, const char* doc) {
  py::object default_axes = two ? py::object(py::make_tuple(-2, -1)) : py::object(py::none());
  m.def(
      name,
      [f, name](const array& a, py::object s_, py::object axes, const std::string& norm, py::object s) {
        return f(a, sizes(s_), get_axes(axes), fft::norm_from_string(norm, name), to_stream_or_device(s));
      },
      py::arg("a"), py::arg("s") = py::none(), py::arg("axes") = default_axes, py::arg("norm") = "backward",
      py::kw_only(), py::arg("stream") = py::none(), doc);
}

} // namespace

void init_fft(py::module_& parent) {
  auto m = parent.def_submodule("fft", "Discrete Fourier transforms.");
  def_one(m, "fft", fft::fft, "One-dimensional discrete Fourier transform.");
  def_one(m, "ifft", fft::ifft, "One-dimensional inverse discrete Fourier transform.");
  def_one(m, "rfft", fft::rfft, "One-dimensional transform of real input (the non-negative frequencies).");
  def_one(m, "irfft", fft::irfft, "The inverse of rfft: real output of length n (2 (m - 1) by default).");
  def_many(m, "fft2", fft::fftn, true, "Two-dimensional discrete Fourier transform.");
  def_many(m, "ifft2", fft::ifftn, true, "Two-dimensional inverse discrete Fourier transform.");
  def_many(m, "rfft2", fft::rfftn, true, "Two-dimensional transform of real input.");
  def_many(m, "irfft2", fft::irfftn, true, "The inverse of rfft2.");
  def_many(m, "fftn", fft::fftn, false, "n-dimensional discrete Fourier transform.");
  def_many(m, "ifftn", fft::ifftn, false, "n-dimensional inverse discrete Fourier transform.");
  def_many(m, "rfftn", fft::rfftn, false, "n-dimensional transform of real input.");
  def_many(m, "irfftn", fft::irfftn, false, "The inverse of rfftn.");
  m.def(
      "stft",
      [](const array& x, int n_fft, py::object hop, py::object win, std::optional<array> window, bool center,
         const std::string& pad_mode, const std::string& norm, std::optional<bool> onesided, py::object s) {
        return fft::stft(x, n_fft, size(hop), size(win), window, center, pad_mode,
                         fft::norm_from_string(norm, "stft"), onesided, to_stream_or_device(s));
      },
      py::arg("x"), py::arg("n_fft") = 2048, py::arg("hop_length") = py::none(),
      py::arg("win_length") = py::none(), py::arg("window") = py::none(), py::arg("center") = true,
      py::arg("pad_mode") = "reflect", py::arg("norm") = "backward", py::arg("onesided") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(),
      "Short-time Fourier transform of the last axis: (..., n_freq, n_frames).");
  m.def(
      "istft",
      [](const array& m_, py::object n_fft, py::object hop, py::object win, std::optional<array> window,
         bool center, const std::string& norm, std::optional<bool> onesided, py::object length,
         py::object s) {
        return fft::istft(m_, size(n_fft), size(hop), size(win), window, center,
                          fft::norm_from_string(norm, "istft"), onesided, size(length),
                          to_stream_or_device(s));
      },
      py::arg("stft_matrix"), py::arg("n_fft") = py::none(), py::arg("hop_length") = py::none(),
      py::arg("win_length") = py::none(), py::arg("window") = py::none(), py::arg("center") = true,
      py::arg("norm") = "backward", py::arg("onesided") = py::none(), py::arg("length") = py::none(),
      py::kw_only(), py::arg("stream") = py::none(), "The inverse of stft (overlap-add).");
  m.def(
      "fftfreq", [](int n, double d, py::object s) { return fft::fftfreq(n, d, to_stream_or_device(s)); },
      py::arg("n"), py::arg("d") = 1.0, py::kw_only(), py::arg("stream") = py::none(),
      "Sample frequencies of an n-point transform with sample spacing d.");
  m.def(
      "rfftfreq", [](int n, double d, py::object s) { return fft::rfftfreq(n, d, to_stream_or_device(s)); },
      py::arg("n"), py::arg("d") = 1.0, py::kw_only(), py::arg("stream") = py::none(),
      "Sample frequencies of rfft (the non-negative ones).");
  m.def(
      "fftshift",
      [](const array& a, py::object axes, py::object s) {
        return fft::fftshift(a, get_axes(axes), to_stream_or_device(s));
      },
      py::arg("a"), py::arg("axes") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
      "Moves the zero frequency to the middle of the axes.");
  m.def(
      "ifftshift",
      [](const array& a, py::object axes, py::object s) {
        return fft::ifftshift(a, get_axes(axes), to_stream_or_device(s));
      },
      py::arg("a"), py::arg("axes") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
      "The inverse of fftshift.");
}
