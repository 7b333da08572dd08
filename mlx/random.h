// Random numbers: counter-based Threefry-2x32 keys, as MLX. A key is a
// uint32 array of shape (2,); the same key always gives the same numbers.
// Functions given no key draw one from a global key sequence (`seed`).
#pragma once

#include <functional>
#include <optional>
#include <utility>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::random {

// The key {seed >> 32, seed & 0xffffffff}.
array key(uint64_t seed);

// Resets the global key sequence to key(seed).
void seed(uint64_t seed);

// The next key of the global sequence (splits the global key).
array new_key();

// Keeps the global key outside the library: `get` reads it and `set`
// replaces it (the Python module keeps it in mx.random.state, which
// mx.compile can pass in and out). The current key is handed to `set`
// first. Empty functions bring the key back inside.
void set_key_storage(std::function<array()> get, std::function<void(array)> set);

// Random bits of `shape`: uint8, uint16 or uint32 for width 1, 2 or 4 bytes.
array bits(const Shape& shape, int width, const std::optional<array>& key = std::nullopt,
           StreamOrDevice s = {});
array bits(const Shape& shape, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// `num` new keys (shape (num, 2)), or two of them.
array split(const array& key, int num, StreamOrDevice s = {});
std::pair<array, array> split(const array& key, StreamOrDevice s = {});

// Uniform in [low, high) (broadcast to shape).
array uniform(const array& low, const array& high, const Shape& shape, Dtype dtype = float32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array uniform(const Shape& shape, Dtype dtype, const std::optional<array>& key = std::nullopt,
              StreamOrDevice s = {});
array uniform(const Shape& shape, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Standard normal (complex64: real and imaginary parts each of variance 1/2),
// times scale plus loc.
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});
array normal(const Shape& shape, Dtype dtype, float loc, float scale,
             const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array normal(const Shape& shape, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Multivariate normal with the given mean (..., n) and covariance (..., n, n).
array multivariate_normal(const array& mean, const array& cov, const Shape& shape, Dtype dtype,
                          const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Integers in [low, high).
array randint(const array& low, const array& high, const Shape& shape, Dtype dtype = int32,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// True with probability p.
array bernoulli(const array& p, const Shape& shape, const std::optional<array>& key = std::nullopt,
                StreamOrDevice s = {});
array bernoulli(const array& p, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array bernoulli(const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Normal truncated to [lower, upper].
array truncated_normal(const array& lower, const array& upper, const Shape& shape, Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array truncated_normal(const array& lower, const array& upper, Dtype dtype = float32,
                       const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Standard Gumbel.
array gumbel(const Shape& shape, Dtype dtype = float32, const std::optional<array>& key = std::nullopt,
             StreamOrDevice s = {});

// Laplace with the given location and scale.
array laplace(const Shape& shape, Dtype dtype, float loc, float scale,
              const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});

// Samples (uint32 indices along `axis`) from the categorical distribution
// given unnormalized log probabilities.
array categorical(const array& logits, int axis, const Shape& shape,
                  const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array categorical(const array& logits, int axis, int num_samples,
                  const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array categorical(const array& logits, int axis = -1, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

// A random permutation of arange(x), or of `x` along `axis`.
array permutation(int x, const std::optional<array>& key = std::nullopt, StreamOrDevice s = {});
array permutation(const array& x, int axis = 0, const std::optional<array>& key = std::nullopt,
                  StreamOrDevice s = {});

} // namespace mlx::core::random
