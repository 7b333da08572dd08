// Ops over the last axis with row primitives: softmax and the
// Walsh-Hadamard transform (logsumexp is with the reductions).
#include <cmath>
#include <optional>

#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

using detail::fail;

array softmax(const array& a, const std::vector<int>& axes_in, bool precise, StreamOrDevice s) {
  if (a.ndim() == 0 && !axes_in.empty()) {
    fail("softmax", "Received non-empty axes for array with 0 dimensions.");
  }
  auto axes = detail::normalize_axes(axes_in, a.ndim(), "softmax");
  bool last_axis = axes.size() == 1 && axes[0] == a.ndim() - 1;
  if (last_axis && a.dtype() != complex64) {
    // The fused kernel; integers and bool become float32 first.
    Dtype t = detail::at_least_float(a.dtype());
    array x = astype(a, t, s);
    if (x.size() == 0) {
      return x;
    }
    return detail::make_node<Softmax>(x.shape(), t, {x}, to_stream(s), precise);
  }
  if (a.size() == 0) {
    return a;
  }
  // Other axes: MLX composes reductions and keeps the input's dtype, so
  // integer results truncate. The maximum carries no gradient (the result
  // does not depend on it).
  // precise: half types are computed in float32 (and rounded back).
  bool widen = a.dtype() == bool_ || (precise && (a.dtype() == float16 || a.dtype() == bfloat16));
  array x = widen ? astype(a, float32, s) : a;
  array m = stop_gradient(max(x, axes, true, s), s);
  array e = exp(subtract(x, m, s), s);
  array out = divide(e, sum(e, axes, true, s), s);
  return astype(out, a.dtype(), s);
}

array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}

array softmax(const array& a, bool precise, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    axes[i] = i;
  }
  return softmax(a, axes, precise, s);
}

// ----------------------------------------------------------------- hadamard

namespace {

// The Hadamard matrices of orders 12, 20 and 28 that MLX 0.32 applies, row
// i being the transform of the i-th unit vector ('+' is 1, '-' is -1).
// Recorded from MLX's output, since several inequivalent matrices of these
// orders exist and results must agree.
const char* const kHad12[] = {
    "+-++++++++++", "--+-+-+-+-+-", "+++-++----++", "+---+--+-++-", "+++++-++----", "+-+---+--+-+",
    "++--+++-++--", "+--++---+--+", "++----+++-++", "+--+-++---+-", "++++----+++-", "+-+--+-++---",
};
const char* const kHad20[] = {
    "+-----++++--++--+--+", "-+---+-+++---+++-+--", "--+--++-+++---+-+-+-", "---+-+++-+++-----+-+",
    "----+++++--++--+--+-", "+----+----+-++---++-", "-+----+----+-++---++", "--+----+--+-+-++---+",
    "---+----+-++-+-++---", "----+----+-++-+-++--", "++--+-+--++----+----", "+++--+-+---+----+---",
    "-+++--+-+---+----+--", "--+++--+-+---+----+-", "+--+++--+-----+----+", "+-++-++--+-+++++----",
    "-+-+++++--+-+++-+---", "+-+-+-+++-++-++--+--", "++-+---++++++-+---+-", "-++-++--++++++-----+",
};
const char* const kHad28[] = {
    "+--------++++--+-++-+-++--++", "-+--------+++++-+-++-+-++--+", "--+----+---+++-+-+-++++-++--",
    "---+---++---+++-+-+-+-++-++-", "----+--+++---+++-+-+---++-++", "-----+-++++----++-+-++--++-+",
    "------+-++++--+-++-+-++--++-", "++----++------+--++---+-++-+", "+++-----+------+--++-+-+-++-",
    "-+++-----+------+--++-+-+-++", "--+++-----+---+--+--++-+-+-+", "---+++-----+--++--+--++-+-+-",
    "----+++-----+--++--+--++-+-+", "+----++------+--++--++-++-+-", "+-+--+--++--+++------++----+",
    "-+-+--++-++--+-+-----+++----", "+-+-+--++-++----+-----+++---", "-+-+-+--++-++----+-----+++--",
    "--+-+-+--++-++----+-----+++-", "+--+-+-+--++-+-----+-----+++", "-+--+-+++--++-------++----++",
    "+--++--+-+--+---++++-+------", "-+--++--+-+--+---++++-+-----", "--+--+++-+-+--+---+++--+----",
    "+--+--+-+-+-+-++---++---+---", "++--+----+-+-++++---+----+--", "-++--+-+--+-+-++++--------+-",
    "--++--+-+--+-+-++++--------+",
};

array small_hadamard(int m, StreamOrDevice s) {
  const char* const* rows = m == 12 ? kHad12 : m == 20 ? kHad20 : kHad28;
  std::vector<float> v;
  v.reserve(m * m);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) {
      v.push_back(rows[i][j] == '+' ? 1.f : -1.f);
    }
  }
  return array(v.begin(), {m, m}, float32);
}

} // namespace

array hadamard_transform(const array& a, std::optional<float> scale, StreamOrDevice s) {
  if (a.size() == 0) {
    fail("hadamard_transform", "Does not support empty arrays.");
  }
  if (a.dtype() == float64) {
    fail("hadamard", "Unsupported type.");
  }
  // Half and float32 inputs keep their dtype; everything else (complex
  // included, by its real part) becomes float32, as MLX.
  Dtype t = is_floating_point(a.dtype()) ? a.dtype() : float32;
  int n = a.ndim() == 0 ? 1 : a.shape(-1);
  int m = 1;
  for (int c : {12, 20, 28}) {
    if (n % c == 0) {
      m = c;
      break;
    }
  }
  int pow2 = n / m;
  if (pow2 & (pow2 - 1)) {
    fail("hadamard", "Only supports n = m*2^k where m in (1, 12, 20, 28).");
  }
  float sc = scale ? *scale : 1.0f / std::sqrt(static_cast<float>(n));
  // On shape (rows, m, 2^k): the Sylvester butterflies along the last axis
  // (one fused primitive, in the result dtype: half types round after each
  // stage, as MLX); then, in float32, the order-m matrix mixes the middle
  // axis and the scale applies, rounded once at the end.
  array x = reshape(astype(a, t, s), {-1, m, pow2}, s);
  if (m == 1) {
    x = detail::make_node<Hadamard>(x.shape(), t, {x}, to_stream(s), sc);
    return reshape(x, a.shape(), s);
  }
  if (pow2 > 1) {
    x = detail::make_node<Hadamard>(x.shape(), t, {x}, to_stream(s), 1.0f);
  }
  x = matmul(transpose(small_hadamard(m, s), s), astype(x, float32, s), s);
  x = multiply(x, array(sc), s);
  return astype(reshape(x, a.shape(), s), t, s);
}

} // namespace mlx::core
