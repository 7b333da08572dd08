// mx.fft: discrete Fourier transforms (numpy.fft's conventions: sizes `n`
// pad with zeros or truncate, `norm` scales the forward or the inverse).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::fft {

// Which direction carries the 1/n: "backward" (the inverse), "ortho"
// (1/sqrt(n) both ways) or "forward".
enum class Norm { Backward, Ortho, Forward };
Norm norm_from_string(const std::string& norm, const char* op);

// The n-dimensional transforms over `axes` (all axes when not given, the
// last n.size() when only n is), the sizes `n` (the input's when not
// given; for irfftn the last one is 2 (m - 1)).
array fftn(const array& a, const std::optional<Shape>& n = std::nullopt,
           const std::optional<std::vector<int>>& axes = std::nullopt, Norm norm = Norm::Backward,
           StreamOrDevice s = {});
array ifftn(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt, Norm norm = Norm::Backward,
            StreamOrDevice s = {});
array rfftn(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt, Norm norm = Norm::Backward,
            StreamOrDevice s = {});
array irfftn(const array& a, const std::optional<Shape>& n = std::nullopt,
             const std::optional<std::vector<int>>& axes = std::nullopt, Norm norm = Norm::Backward,
             StreamOrDevice s = {});

// One axis.
array fft(const array& a, std::optional<int> n = std::nullopt, int axis = -1, Norm norm = Norm::Backward,
          StreamOrDevice s = {});
array ifft(const array& a, std::optional<int> n = std::nullopt, int axis = -1, Norm norm = Norm::Backward,
           StreamOrDevice s = {});
array rfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1, Norm norm = Norm::Backward,
           StreamOrDevice s = {});
array irfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1, Norm norm = Norm::Backward,
            StreamOrDevice s = {});

// The sample frequencies of an n-point transform with spacing d
// (float32): all of them, or the non-negative ones (rfft's).
array fftfreq(int n, double d = 1.0, StreamOrDevice s = {});
array rfftfreq(int n, double d = 1.0, StreamOrDevice s = {});

// The zero frequency moved to the middle (fftshift) and back (ifftshift),
// over `axes` (all when not given).
array fftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt,
               StreamOrDevice s = {});
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes = std::nullopt,
                StreamOrDevice s = {});

// The short-time transform of the last axis of x: frames of n_fft samples
// every hop_length (n_fft / 4 by default), times `window` (rectangular of
// win_length, default n_fft, when not given; centered and zero-padded to
// n_fft), each transformed (rfft when onesided, the default for real x).
// `center` pads n_fft / 2 at both ends first ("reflect", "constant" or
// "edge"). Output (..., n_freq, n_frames), complex64.
array stft(const array& x, int n_fft = 2048, std::optional<int> hop_length = std::nullopt,
           std::optional<int> win_length = std::nullopt, const std::optional<array>& window = std::nullopt,
           bool center = true, const std::string& pad_mode = "reflect", Norm norm = Norm::Backward,
           std::optional<bool> onesided = std::nullopt, StreamOrDevice s = {});

// The inverse: frames transformed back, windowed and overlap-added, divided
// by the overlap-added squared window; `length` truncates or zero-pads the
// result. n_fft defaults to 2 (n_freq - 1) (onesided) or n_freq.
array istft(const array& stft_matrix, std::optional<int> n_fft = std::nullopt,
            std::optional<int> hop_length = std::nullopt, std::optional<int> win_length = std::nullopt,
            const std::optional<array>& window = std::nullopt, bool center = true, Norm norm = Norm::Backward,
            std::optional<bool> onesided = std::nullopt, std::optional<int> length = std::nullopt,
            StreamOrDevice s = {});

} // namespace mlx::core::fft
