// Buffer allocation with a size-bucketed cache and MLX's memory accounting.
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
// The size the buffer was allocated with.
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
