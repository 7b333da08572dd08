// One shared thread pool for large elementwise, reduction and copy work.
#pragma once

#include <cstddef>
#include <functional>

#include "mlx/backend/cpu/streaming.h"

namespace mlx::core::cpu {

// Number of threads work is split across (the caller included).
int num_threads();

// parallel_for's pooled part.
void parallel_for_on_pool(size_t n, size_t grain, const std::function<void(size_t, size_t)>& f);

// Runs f(begin, end) over [0, n) in chunks of at least `grain` items, on the
// pool when there is enough work and inline otherwise. Both functions fence
// each task's streaming stores (streaming.h) before it counts as done.
// Work too small to split runs here without wrapping f in a std::function
// (an allocation per kernel, which small arrays notice).
template <typename F>
void parallel_for(size_t n, size_t grain, F&& f) {
  if (n >= 2 * grain) {
    parallel_for_on_pool(n, grain, f);
  } else if (n > 0) {
    f(size_t(0), n);
    stream_fence();
  }
}

// Runs f(i) for each i in [0, n), spread over the pool (for a few big
// tasks, such as the GEMMs of a batched matmul).
void parallel_tasks(size_t n, const std::function<void(size_t)>& f);

// Element count below which splitting work is not worth the wake-up cost.
inline constexpr size_t kParallelGrain = size_t(1) << 15;

} // namespace mlx::core::cpu
