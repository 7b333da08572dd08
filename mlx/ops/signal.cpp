// Window functions and the Walsh-Hadamard transform.
#include <cmath>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"
#include "mlx/primitives/last_axis.h"

namespace mlx::core {

using detail::fail;

// ------------------------------------------------------------------ windows

namespace {

// sum_i coef[i] * cos(2 pi i n / (M - 1)) for n in [0, M), float32 (the
// cosine windows of NumPy); lengths below 2 give empty or [1].
array cosine_window(int M, std::initializer_list<float> coefs, StreamOrDevice s) {
  if (M < 1) {
    return zeros({0}, float32, s);
  }
  if (M == 1) {
    return ones({1}, float32, s);
  }
  array n = arange(0.0, static_cast<double>(M), float32, s);
  std::vector<float> c(coefs);
  // The highest harmonic is added first: in float32 that makes Blackman's
  // ends exactly 0 (0.42 + 0.08 rounds to 0.5), as in MLX.
  array out = full({M}, c[0], float32, s);
  for (int i = static_cast<int>(c.size()) - 1; i > 0; --i) {
    array phase = multiply(n, array(static_cast<float>(2.0 * M_PI * i / (M - 1))), s);
    out = add(out, multiply(array(c[i]), cos(phase, s), s), s);
  }
  return out;
}

} // namespace

array bartlett(int M, StreamOrDevice s) {
  if (M < 1) {
    return zeros({0}, float32, s);
  }
  if (M == 1) {
    return ones({1}, float32, s);
  }
  // 1 - |2n / (M - 1) - 1|: a triangle peaking at the middle.
  array n = arange(0.0, static_cast<double>(M), float32, s);
  array r = subtract(multiply(n, array(2.0f / (M - 1)), s), array(1.0f), s);
  return subtract(array(1.0f), abs(r, s), s);
}

array hanning(int M, StreamOrDevice s) {
  return cosine_window(M, {0.5f, -0.5f}, s);
}

array hamming(int M, StreamOrDevice s) {
  return cosine_window(M, {0.54f, -0.46f}, s);
}

array blackman(int M, StreamOrDevice s) {
  return cosine_window(M, {0.42f, -0.5f, 0.08f}, s);
}

// ----------------------------------------------------------------- hadamard

namespace {

// The Hadamard matrices of orders 12, 20 and 28 that MLX 0.32 applies, row
// i being the transform of the i-th unit vector ('+' is 1, '-' is -1).
// Recorded from MLX's output, since several inequivalent matrices of these
// orders exist and results must agree.
const char* const kHad12[] = {
    "+-++++++++++",
    "--+-+-+-+-+-",
    "+++-++----++",
    "+---+--+-++-",
    "+++++-++----",
    "+-+---+--+-+",
    "++--+++-++--",
    "+--++---+--+",
    "++----+++-++",
    "+--+-++---+-",
    "++++----+++-",
    "+-+--+-++---",
};
const char* const kHad20[] = {
    "+-----++++--++--+--+",
    "-+---+-+++---+++-+--",
    "--+--++-+++---+-+-+-",
    "---+-+++-+++-----+-+",
    "----+++++--++--+--+-",
    "+----+----+-++---++-",
    "-+----+----+-++---++",
    "--+----+--+-+-++---+",
    "---+----+-++-+-++---",
    "----+----+-++-+-++--",
    "++--+-+--++----+----",
    "+++--+-+---+----+---",
    "-+++--+-+---+----+--",
    "--+++--+-+---+----+-",
    "+--+++--+-----+----+",
    "+-++-++--+-+++++----",
    "-+-+++++--+-+++-+---",
    "+-+-+-+++-++-++--+--",
    "++-+---++++++-+---+-",
    "-++-++--++++++-----+",
};
const char* const kHad28[] = {
    "+--------++++--+-++-+-++--++",
    "-+--------+++++-+-++-+-++--+",
    "--+----+---+++-+-+-++++-++--",
    "---+---++---+++-+-+-+-++-++-",
    "----+--+++---+++-+-+---++-++",
    "-----+-++++----++-+-++--++-+",
    "------+-++++--+-++-+-++--++-",
    "++----++------+--++---+-++-+",
    "+++-----+------+--++-+-+-++-",
    "-+++-----+------+--++-+-+-++",
    "--+++-----+---+--+--++-+-+-+",
    "---+++-----+--++--+--++-+-+-",
    "----+++-----+--++--+--++-+-+",
    "+----++------+--++--++-++-+-",
    "+-+--+--++--+++------++----+",
    "-+-+--++-++--+-+-----+++----",
    "+-+-+--++-++----+-----+++---",
    "-+-+-+--++-++----+-----+++--",
    "--+-+-+--++-++----+-----+++-",
    "+--+-+-+--++-+-----+-----+++",
    "-+--+-+++--++-------++----++",
    "+--++--+-+--+---++++-+------",
    "-+--++--+-+--+---++++-+-----",
    "--+--+++-+-+--+---+++--+----",
    "+--+--+-+-+-+-++---++---+---",
    "++--+----+-+-++++---+----+--",
    "-++--+-+--+-+-++++--------+-",
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

// The butterfly matrix is symmetric: its vjp and jvp apply it again.
std::vector<array> Hadamard::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  auto& t = tangents[0];
  return {detail::make_node<Hadamard>(t.shape(), t.dtype(), {t}, stream(), scale_)};
}

std::vector<array> Hadamard::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                 const std::vector<int>&, const std::vector<array>&) {
  auto& c = cotangents[0];
  return {detail::make_node<Hadamard>(c.shape(), c.dtype(), {c}, stream(), scale_)};
}

std::pair<std::vector<array>, std::vector<int>> Hadamard::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  int ax = axes[0];
  array x = detail::batch_axis_off_last(inputs[0], ax, stream());
  return {{detail::make_node<Hadamard>(x.shape(), x.dtype(), {x}, stream(), scale_)}, {ax}};
}

} // namespace mlx::core
