// Per-stream worker threads that run asynchronous work in order.
#pragma once

#include <functional>
#include <mutex>

#include "mlx/stream.h"

namespace mlx::core::scheduler {

// Queues `task` on the stream's worker thread.
void enqueue(const Stream& s, std::function<void()> task);

// The lock every graph evaluation holds, so that evaluations on different
// threads never run the same node twice or at once.
std::mutex& eval_mutex();

} // namespace mlx::core::scheduler
