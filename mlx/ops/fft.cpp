// mx.fft ops: sizes, axes and norms checked, inputs padded or truncated,
// the FFT node built and scaled (its rules are in primitives/fft.cpp).
#include "mlx/fft.h"

#include <cmath>
#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/fft.h"

namespace mlx::core::fft {

using detail::fail;

Norm norm_from_string(const std::string& norm, const char* op) {
  if (norm == "backward") {
    return Norm::Backward;
  }
  if (norm == "ortho") {
    return Norm::Ortho;
  }
  if (norm == "forward") {
    return Norm::Forward;
  }
  fail(op, "Invalid norm. Expected one of {'backward', 'ortho', 'forward'}.");
}

namespace {

// Axes as given (their order matters: a real transform's half axis is the
// last), made non-negative; duplicates and out-of-range axes rejected.
std::vector<int> checked_axes(const std::vector<int>& axes, int ndim) {
  std::vector<int> out;
  for (int ax : axes) {
    int a = ax < 0 ? ax + ndim : ax;
    if (a < 0 || a >= ndim) {
      throw std::out_of_range("[fftn] Invalid axis " + std::to_string(ax) + " for array with " +
                              std::to_string(ndim) + " dimensions.");
    }
    for (int b : out) {
      if (b == a) {
        std::ostringstream msg;
        msg << "Duplicated axis received (";
        for (size_t i = 0; i < axes.size(); ++i) {
          msg << (i ? "," : "") << axes[i];
        }
        msg << ")";
        fail("fftn", msg.str());
      }
    }
    out.push_back(a);
  }
  return out;
}

// The transform over `axes` with logical sizes `n`: the input cast,
// truncated or zero-padded to them (a real inverse's last axis to n / 2 +
// 1), the FFT node, then the scaling `norm` asks for.
array transform(const array& a, const std::optional<Shape>& n_opt,
                const std::optional<std::vector<int>>& axes_opt, Norm norm, bool inverse, bool real,
                StreamOrDevice s) {
  if (n_opt && !axes_opt) {
    fail("fftn", "`axes` should not be `None` if `s` is not `None`.");
  }
  if (a.ndim() == 0 && !axes_opt) {
    fail("fftn", "Requires array with at least one dimension.");
  }
  std::vector<int> all(a.ndim());
  for (int d = 0; d < a.ndim(); ++d) {
    all[d] = d;
  }
  auto axes = checked_axes(axes_opt ? *axes_opt : all, a.ndim());
  if (axes.empty()) {
    return a;
  }
  Shape n;
  if (n_opt) {
    if (n_opt->size() != axes.size()) {
      fail("fftn", "Shape and axes have different sizes.");
    }
    n = *n_opt;
  } else {
    for (int ax : axes) {
      n.push_back(a.shape(ax));
    }
    if (real && inverse) {
      n.back() = 2 * (n.back() - 1);
    }
  }
  for (int v : n) {
    if (v <= 0) {
      fail("fftn", "Invalid FFT output size requested (", v, ")");
    }
  }
  // Real forward transforms read real values (a complex input's real
  // part); the others complex ones.
  array x = (real && !inverse) ? astype(is_complex(a.dtype()) ? mlx::core::real(a, s) : a, float32, s)
                               : astype(a, complex64, s);
  // Input sizes along the axes.
  Shape in_len = n;
  if (real && inverse) {
    in_len.back() = n.back() / 2 + 1;
  }
  for (size_t k = 0; k < axes.size(); ++k) {
    int ax = axes[k], have = x.shape(ax), want = in_len[k];
    if (have > want) {
      Shape start(x.ndim(), 0), stop = x.shape();
      stop[ax] = want;
      x = slice(x, start, stop, s);
    } else if (have < want) {
      x = pad(x, {ax}, {0}, {want - have}, array(0, x.dtype()), "constant", s);
    }
  }
  array out = fft_node(x, axes, inverse, real, n.back(), to_stream(s));
  double total = 1;
  for (int v : n) {
    total *= v;
  }
  double scale = 1;
  if (norm == Norm::Ortho) {
    scale = 1.0 / std::sqrt(total);
  } else if ((norm == Norm::Backward) == inverse) {
    scale = 1.0 / total;
  }
  return scale == 1 ? out : multiply(out, array(static_cast<float>(scale)), s);
}

std::optional<Shape> one(std::optional<int> n) { return n ? std::optional<Shape>(Shape{*n}) : std::nullopt; }

} // namespace

array fftn(const array& a, const std::optional<Shape>& n, const std::optional<std::vector<int>>& axes,
           Norm norm, StreamOrDevice s) {
  return transform(a, n, axes, norm, false, false, s);
}
array ifftn(const array& a, const std::optional<Shape>& n, const std::optional<std::vector<int>>& axes,
            Norm norm, StreamOrDevice s) {
  return transform(a, n, axes, norm, true, false, s);
}
array rfftn(const array& a, const std::optional<Shape>& n, const std::optional<std::vector<int>>& axes,
            Norm norm, StreamOrDevice s) {
  return transform(a, n, axes, norm, false, true, s);
}
array irfftn(const array& a, const std::optional<Shape>& n, const std::optional<std::vector<int>>& axes,
             Norm norm, StreamOrDevice s) {
  return transform(a, n, axes, norm, true, true, s);
}

array fft(const array& a, std::optional<int> n, int axis, Norm norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, norm, false, false, s);
}
array ifft(const array& a, std::optional<int> n, int axis, Norm norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, norm, true, false, s);
}
array rfft(const array& a, std::optional<int> n, int axis, Norm norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, norm, false, true, s);
}
array irfft(const array& a, std::optional<int> n, int axis, Norm norm, StreamOrDevice s) {
  return transform(a, one(n), std::vector<int>{axis}, norm, true, true, s);
}

array fftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) {
    fail("fftfreq", "`n` must be greater than 0.");
  }
  if (d == 0) {
    fail("fftfreq", "`d` must be non-zero.");
  }
  // 0, 1, ..., (n - 1) / 2, then -(n / 2), ..., -1, over n d.
  auto k = arange(0, n, int32, s);
  auto wrapped = where(greater(k, array((n - 1) / 2), s), subtract(k, array(n), s), k, s);
  return divide(astype(wrapped, float32, s), array(static_cast<float>(n * d)), s);
}

array rfftfreq(int n, double d, StreamOrDevice s) {
  if (n <= 0) {
    fail("rfftfreq", "`n` must be greater than 0.");
  }
  if (d == 0) {
    fail("rfftfreq", "`d` must be non-zero.");
  }
  return divide(arange(0, n / 2 + 1, float32, s), array(static_cast<float>(n * d)), s);
}

namespace {

array shift(const array& a, const std::optional<std::vector<int>>& axes_opt, bool inverse, StreamOrDevice s) {
  std::vector<int> axes;
  if (axes_opt) {
    axes = *axes_opt;
  } else {
    for (int d = 0; d < a.ndim(); ++d) {
      axes.push_back(d);
    }
  }
  if (axes.empty()) {
    return a;
  }
  Shape shifts;
  for (int ax : axes) {
    int len = a.shape(detail::normalize_axis(ax, a.ndim(), inverse ? "ifftshift" : "fftshift"));
    shifts.push_back(inverse ? -(len / 2) : len / 2);
  }
  return roll(a, shifts, axes, s);
}

} // namespace

array fftshift(const array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return shift(a, axes, false, s);
}
array ifftshift(const array& a, const std::optional<std::vector<int>>& axes, StreamOrDevice s) {
  return shift(a, axes, true, s);
}

namespace {

// The window of stft/istft: `window` or ones(win_length), centered in
// n_fft samples.
array padded_window(int n_fft, std::optional<int> win_length, const std::optional<array>& window,
                    const char* op, StreamOrDevice s) {
  int wl = window ? (window->ndim() == 1 ? window->shape(0) : -1) : win_length.value_or(n_fft);
  if (window && window->ndim() != 1) {
    fail(op, "window must be one-dimensional.");
  }
  if (wl > n_fft) {
    fail(op, "window length must not exceed n_fft.");
  }
  if (wl <= 0) {
    fail(op, "win_length must be positive.");
  }
  array w = window ? astype(*window, float32, s) : ones({wl}, float32, s);
  int left = (n_fft - wl) / 2;
  return wl == n_fft ? w : pad(w, {0}, {left}, {n_fft - wl - left}, array(0.0f), "constant", s);
}

// Indices of frame f's samples, f * hop + j, for n_frames frames of n:
// shape (n_frames, n).
array frame_indices(int n_frames, int n, int hop, StreamOrDevice s) {
  auto starts = multiply(arange(0, n_frames, int32, s), array(hop), s);
  return add(expand_dims(starts, 1, s), expand_dims(arange(0, n, int32, s), 0, s), s);
}

// x (..., L) as (B, L) with the leading shape kept aside.
std::pair<array, Shape> rows_of(const array& x, StreamOrDevice s) {
  Shape lead(x.shape().begin(), x.shape().end() - 1);
  int b = 1;
  for (int v : lead) {
    b *= v;
  }
  return {reshape(x, {b, x.shape(-1)}, s), lead};
}

} // namespace

array stft(const array& x, int n_fft, std::optional<int> hop_length, std::optional<int> win_length,
           const std::optional<array>& window, bool center, const std::string& pad_mode, Norm norm,
           std::optional<bool> onesided, StreamOrDevice s) {
  if (n_fft <= 0) {
    fail("stft", "n_fft must be positive.");
  }
  int hop = hop_length.value_or(std::max(n_fft / 4, 1));
  if (hop <= 0) {
    fail("stft", "hop_length must be positive.");
  }
  if (x.ndim() == 0) {
    fail("stft", "Input must have at least one dimension.");
  }
  auto w = padded_window(n_fft, win_length, window, "stft", s);
  bool one = onesided.value_or(!is_complex(x.dtype()));
  array v = x;
  if (center) {
    v = pad(v, {v.ndim() - 1}, {n_fft / 2}, {n_fft / 2}, array(0, v.dtype()), pad_mode, s);
  }
  int len = v.shape(-1);
  if (len < n_fft) {
    fail("stft", "Input is too short for the given n_fft.");
  }
  int n_frames = 1 + (len - n_fft) / hop;
  // (..., n_frames, n_fft) windowed frames, transformed along the last axis.
  auto frames = multiply(take(v, frame_indices(n_frames, n_fft, hop, s), v.ndim() - 1, s), w, s);
  auto spec = one ? rfft(frames, std::nullopt, -1, norm, s) : fft(frames, std::nullopt, -1, norm, s);
  return swapaxes(spec, -1, -2, s);
}

array istft(const array& stft_matrix, std::optional<int> n_fft_opt, std::optional<int> hop_length,
            std::optional<int> win_length, const std::optional<array>& window, bool center, Norm norm,
            std::optional<bool> onesided, std::optional<int> length, StreamOrDevice s) {
  if (stft_matrix.ndim() < 2) {
    fail("istft", "Input must have at least two dimensions (n_freq, n_frames).");
  }
  int n_freq = stft_matrix.shape(-2), n_frames = stft_matrix.shape(-1);
  bool one = onesided.value_or(n_fft_opt ? n_freq == *n_fft_opt / 2 + 1 : true);
  int n_fft = n_fft_opt.value_or(one ? 2 * (n_freq - 1) : n_freq);
  if (n_fft <= 0) {
    fail("istft", "n_fft must be positive.");
  }
  int hop = hop_length.value_or(std::max(n_fft / 4, 1));
  if (hop <= 0) {
    fail("istft", "hop_length must be positive.");
  }
  auto w = padded_window(n_fft, win_length, window, "istft", s);
  // (..., n_frames, n_fft) real frames, windowed.
  auto spec = swapaxes(stft_matrix, -1, -2, s);
  auto frames = one ? irfft(spec, n_fft, -1, norm, s) : real(ifft(spec, n_fft, -1, norm, s), s);
  frames = multiply(frames, w, s);
  // Overlap-add of the frames, and of the squared window they carry.
  int total = n_fft + hop * (n_frames - 1);
  auto [rows, lead] = rows_of(reshape(
                                  frames,
                                  [&] {
                                    Shape sh(frames.shape().begin(), frames.shape().end() - 2);
                                    sh.push_back(n_frames * n_fft);
                                    return sh;
                                  }(),
                                  s),
                              s);
  int b = rows.shape(0);
  auto idx = reshape(frame_indices(n_frames, n_fft, hop, s), {n_frames * n_fft}, s);
  auto updates = expand_dims(transpose(rows, {1, 0}, s), 2, s);
  auto y = scatter_add(zeros({b, total}, float32, s), {idx}, updates, {1}, s);
  auto w2 = broadcast_to(expand_dims(square(w, s), 0, s), {n_frames, n_fft}, s);
  auto envelope =
      scatter_add(zeros({total}, float32, s), {idx}, reshape(w2, {n_frames * n_fft, 1}, s), {0}, s);
  y = where(greater(envelope, array(1e-11f), s), divide(y, envelope, s), array(0.0f), s);
  int start = center ? n_fft / 2 : 0;
  int stop = center ? total - n_fft / 2 : total;
  if (length) {
    stop = start + *length;
  }
  int keep = std::max(0, std::min(stop, total) - start);
  y = slice(y, {0, start}, {b, start + keep}, s);
  if (length && keep < *length) {
    y = pad(y, {1}, {0}, {*length - keep}, array(0.0f), "constant", s);
  }
  lead.push_back(y.shape(1));
  return reshape(y, lead, s);
}

} // namespace mlx::core::fft
