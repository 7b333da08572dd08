// Outputs larger than the last-level cache are written with non-temporal
// (streaming) stores: a normal store first reads the line it writes into
// (read-for-ownership), so a kernel that reads n bytes and writes n moves 3n
// through memory; streaming stores move 2n. Smaller outputs keep normal
// stores, as the next op is likely to read them from the cache.
//
// Used where it was measured to help (16M float32, 2 threads, Zen 4,
// in-process A/B): binary ops (add 1.15-1.28x, multiply by a scalar
// 1.35-1.41x), unary ops that are not arithmetic-bound (negative and sqrt
// 1.31-1.38x; see MLX_ARITHMETIC_BOUND in unary_ops.h), rms_norm and
// layer_norm (1.21-1.33x). Not in softmax (0.85x): its exponentials bound
// it as much as memory, and the stores' stalls then cost more than the
// traffic they save.
#pragma once

#include <algorithm>
#include <cstddef>

namespace mlx::core::cpu {

// Whether an output of this many bytes is written with streaming stores:
// at least the size of the last-level cache (queried at run time, at most
// 32 MB).
bool streams(size_t bytes);

// Copies `bytes` from src to dst, with streaming stores wherever dst is
// aligned (normal stores at the ends). stream_fence() must run before the
// written memory is handed to another thread: parallel_for and
// parallel_tasks call it at the end of every task.
void stream_copy(void* dst, const void* src, size_t bytes);

// Makes the streaming stores of this thread visible to the others.
void stream_fence();

// Elements per block of the scratch buffer below: 1 KB (16 cache lines).
// A streaming store stalls once the core's write-combining buffers are
// full, so blocks must be short enough for their stores to drain while the
// next block is computed: measured on Zen 4 (2 threads, 16M float32), 1 KB
// blocks made add 1.22-1.28x and multiply-by-scalar 1.35-1.41x faster than
// normal stores, 4 KB blocks made add 0.9x, 16 KB blocks gained nothing.
template <typename U>
inline constexpr size_t kStreamBlock = 1024 / sizeof(U);

// Writes out[begin, end) through fill(i, m, dst), which computes the m
// elements from index i into dst. With `stream`, each block is computed
// into an L1-resident scratch buffer and streamed out; otherwise fill
// writes into out directly, in one call. Always inlined, so that the
// caller's vector loops keep the instruction set simd() chose (simd.h).
template <typename U, typename Fill>
[[gnu::always_inline]] inline void write_blocks(U* out, size_t begin, size_t end, bool stream, Fill&& fill) {
  if (!stream) {
    fill(begin, end - begin, out + begin);
    return;
  }
  alignas(64) U scratch[kStreamBlock<U>];
  for (size_t i = begin; i < end; i += kStreamBlock<U>) {
    size_t m = std::min(kStreamBlock<U>, end - i);
    fill(i, m, scratch);
    stream_copy(out + i, scratch, m * sizeof(U));
  }
}

} // namespace mlx::core::cpu
