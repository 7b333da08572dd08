// The CPU kernels' view of the thread pool: each task fences its streaming
// stores before it counts as done, so no kernel has to remember it.
#include "mlx/backend/cpu/parallel.h"

#include "mlx/backend/cpu/streaming.h"
#include "mlx/threadpool.h"

namespace mlx::core::cpu {

int num_threads() { return threadpool::size(); }

void parallel_tasks(size_t n, const std::function<void(size_t)>& f) {
  threadpool::run_tasks(n, [&](size_t i) {
    f(i);
    stream_fence();
  });
}

void parallel_for_on_pool(size_t n, size_t grain, const std::function<void(size_t, size_t)>& f) {
  threadpool::parallel_for(n, grain, [&](size_t b, size_t e) {
    f(b, e);
    stream_fence();
  });
}

} // namespace mlx::core::cpu
