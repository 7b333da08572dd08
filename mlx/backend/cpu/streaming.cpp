// Streaming stores (streaming.h): one copy loop per vector width, chosen
// once for the running CPU.
#include "mlx/backend/cpu/streaming.h"

#include "mlx/backend/cpu/simd.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLX_STREAMING_X86 1
#endif

namespace mlx::core::cpu {

namespace {

// The smaller of the last-level cache and 32 MB: a virtual machine may
// report the whole host's cache (320 MB on the 2-core build machine), most
// of which its cores do not get to use.
size_t stream_threshold_bytes() {
  constexpr size_t kCap = size_t(32) << 20;
  long bytes = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
  bytes = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (bytes <= 0) {
    bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
  }
#endif
  return bytes > 0 ? std::min(static_cast<size_t>(bytes), kCap) : kCap;
}

#ifdef MLX_STREAMING_X86

// Each loop writes whole vectors to an aligned dst; the caller handles the
// unaligned ends.
__attribute__((target("avx512f"))) void copy_avx512(char* dst, const char* src, size_t n) {
  for (size_t i = 0; i < n; i += 64) {
    _mm512_stream_si512(reinterpret_cast<__m512i*>(dst + i), _mm512_loadu_si512(src + i));
  }
}

__attribute__((target("avx"))) void copy_avx(char* dst, const char* src, size_t n) {
  for (size_t i = 0; i < n; i += 32) {
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
  }
}

void copy_sse2(char* dst, const char* src, size_t n) {
  for (size_t i = 0; i < n; i += 16) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
  }
}

struct StreamLoop {
  void (*copy)(char*, const char*, size_t);
  size_t width;
};

StreamLoop pick_loop() {
  if (isa() >= Isa::avx512) {
    return {copy_avx512, 64};
  }
  if (isa() >= Isa::avx2) {
    return {copy_avx, 32};
  }
  return {copy_sse2, 16};
}

#endif

} // namespace

bool streams(size_t bytes) {
  static const size_t threshold = stream_threshold_bytes();
  return bytes >= threshold;
}

void stream_copy(void* dst, const void* src, size_t bytes) {
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
#ifdef MLX_STREAMING_X86
  static const StreamLoop loop = pick_loop();
  size_t head = (loop.width - reinterpret_cast<uintptr_t>(d) % loop.width) % loop.width;
  if (head + loop.width <= bytes) {
    std::memcpy(d, s, head);
    size_t body = (bytes - head) / loop.width * loop.width;
    loop.copy(d + head, s + head, body);
    d += head + body;
    s += head + body;
    bytes -= head + body;
  }
#endif
  std::memcpy(d, s, bytes);
}

void stream_fence() {
#ifdef MLX_STREAMING_X86
  _mm_sfence();
#endif
}

} // namespace mlx::core::cpu
