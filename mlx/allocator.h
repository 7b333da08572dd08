// Buffer allocation with a cache of freed buffers, and MLX's memory
// accounting: active and peak memory count the bytes arrays asked for.
#pragma once

#include <cstddef>

namespace mlx::core::allocator {

// A raw allocation. Buffers are 64-byte aligned.
struct Buffer {
  void* ptr;
  explicit Buffer(void* p = nullptr) : ptr(p) {}
  void* raw_ptr() const { return ptr; }
};

Buffer malloc(size_t size);
void free(Buffer buffer);
// The capacity of the buffer: the size asked for, rounded up to its size
// class (64 bytes) or to whole pages.
size_t allocation_size(Buffer buffer);

} // namespace mlx::core::allocator

namespace mlx::core {

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t get_memory_limit();
// Each returns the previous limit.
size_t set_memory_limit(size_t limit);
size_t set_cache_limit(size_t limit);
size_t set_wired_limit(size_t limit);
void clear_cache();

} // namespace mlx::core
