// One pool of worker threads for large host-side work: the CPU backend's
// kernels (through backend/cpu/parallel.h, which adds what its kernels need
// after each task) and file reading. MLX_NUM_THREADS sets its size.
#pragma once

#include <cstddef>
#include <functional>

namespace mlx::core::threadpool {

// Number of threads work is split across (the caller included).
int size();

// Runs f(begin, end) over [0, n) in chunks of at least `grain` items, on the
// pool when there is enough work and inline otherwise (also when called
// from a task already running on the pool).
void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& f);

// Runs f(i) for each i in [0, n), spread over the pool (for a few big
// tasks).
void run_tasks(size_t n, const std::function<void(size_t)>& f);

} // namespace mlx::core::threadpool
