// Threefry-2x32 random bits (20 rounds, the Random123 rotation constants).
#include <cstring>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Threefry-2x32-20 of the counter (c0, c1) under the key (k0, k1).
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t& c0, uint32_t& c1) {
  static constexpr int rotations[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  c0 += ks[0];
  c1 += ks[1];
  for (int i = 0; i < 5; ++i) {
    for (int r : rotations[i % 2]) {
      c0 += c1;
      c1 = rotl(c1, r) ^ c0;
    }
    c0 += ks[(i + 1) % 3];
    c1 += ks[(i + 2) % 3] + uint32_t(i + 1);
  }
}

// The bits of one key: `nbytes` bytes seen as n = ceil(nbytes / 4) words.
// With h = n / 2 and m = n % 2, counter (i, h + m + i) gives words i and
// h + m + i for i < h; an odd n takes word h from counter (h, 0). A partial
// last word keeps its low bytes. Words [begin, end) of the pairs are written.
void key_bits(uint32_t k0, uint32_t k1, char* out, size_t nbytes, size_t begin, size_t end) {
  size_t n = (nbytes + 3) / 4;
  size_t h = n / 2, m = n % 2;
  auto store = [&](size_t w, uint32_t v) {
    size_t off = 4 * w;
    size_t len = nbytes - off < 4 ? nbytes - off : 4;
    std::memcpy(out + off, &v, len);
  };
  for (size_t i = begin; i < end; ++i) {
    uint32_t c0 = uint32_t(i), c1 = uint32_t(h + m + i);
    threefry2x32(k0, k1, c0, c1);
    store(i, c0);
    store(h + m + i, c1);
  }
  if (m && end == h) {
    uint32_t c0 = uint32_t(h), c1 = 0;
    threefry2x32(k0, k1, c0, c1);
    store(h, c0);
  }
}

} // namespace

void RandomBits::eval_cpu(const std::vector<array>& in, std::vector<array>& out) {
  auto keys = cpu::ensure_row_contiguous(in[0]);
  auto& o = out[0];
  o.set_data(allocator::malloc(o.nbytes()));
  size_t num_keys = keys.size() / 2;
  if (num_keys == 0 || o.size() == 0) {
    return;
  }
  size_t bytes_per_key = o.nbytes() / num_keys;
  const uint32_t* k = keys.data<uint32_t>();
  char* base = o.data<char>();
  size_t half = (bytes_per_key + 3) / 4 / 2;
  if (num_keys == 1) {
    cpu::parallel_for(half, cpu::kParallelGrain / 8,
                      [&](size_t b, size_t e) { key_bits(k[0], k[1], base, bytes_per_key, b, e); });
    if (half == 0) {
      key_bits(k[0], k[1], base, bytes_per_key, 0, 0);
    }
    return;
  }
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / 8 / (half + 1));
  cpu::parallel_for(num_keys, grain, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      key_bits(k[2 * i], k[2 * i + 1], base + i * bytes_per_key, bytes_per_key, 0, half);
    }
  });
}

} // namespace mlx::core
