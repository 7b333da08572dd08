// Per-stream worker threads that run asynchronous work in order.
#pragma once

#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "mlx/stream.h"

namespace mlx::core::scheduler {

// Queues `task` on the stream's worker thread.
void enqueue(const Stream& s, std::function<void()> task);

// Queues `task` on the thread that runs the nodes of stream `s` when an
// evaluation spans several streams (eval.cpp). These threads are not
// enqueue's: an async_eval waiting there for the evaluation lock never
// holds up the evaluation that has it.
void enqueue_node(const Stream& s, std::function<void()> task);

// Asynchronous evaluations (async_eval) in flight: begin_async when one is
// queued, end_async with the error it raised (or none) when it is done.
// The error waits for the next eval, async_eval or synchronize, which
// raises it once (raise_async_error).
void begin_async();
void end_async(std::exception_ptr error);
// Waits until no asynchronous evaluation is in flight.
void wait_async();
// No async_eval in flight and no error of one waiting to be raised (a
// lock-free check for the paths that read values).
bool async_idle();
void raise_async_error();

// Streams made by new_stream belong to the thread that made them; work on
// them is evaluated only from there (default streams are shared). Throws
// std::runtime_error when `s` belongs to another thread than `caller`.
void check_stream_thread(const Stream& s, std::thread::id caller);

// The lock every graph evaluation holds, so that evaluations on different
// threads never run the same node twice or at once.
std::mutex& eval_mutex();

} // namespace mlx::core::scheduler

namespace mlx::core::detail {

// The cpu stream the collectives (distributed.h) run on when no stream is
// given: no thread owns it, and an evaluation that mixes it with compute
// runs the collectives on their own thread, so the two overlap.
Stream communication_stream();

} // namespace mlx::core::detail
