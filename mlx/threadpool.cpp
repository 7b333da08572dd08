// The host's worker threads: one shared pool for large work of any kind.
#include "mlx/threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace mlx::core::threadpool {

namespace {

// Set while a thread runs part of a pool job: work it starts runs inline,
// since the pool is busy (and waiting on it would deadlock).
thread_local bool in_pool_job = false;

struct PoolJobScope {
  bool saved = in_pool_job;
  PoolJobScope() { in_pool_job = true; }
  ~PoolJobScope() { in_pool_job = saved; }
};

// One job: `chunks` pieces of work that any thread may claim. The caller
// waits for the pieces to be done, not for every worker to wake up, so a
// worker that the OS keeps off the CPU (the machine is shared) delays the
// job by at most the piece it holds, and one that wakes late finds nothing
// left (the state outlives the call; `run` is never called after the last
// piece is claimed).
struct Job {
  std::function<void(size_t)> run;
  size_t chunks = 0;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;

  // Claims and runs pieces until none are left.
  void work() {
    PoolJobScope scope;
    size_t c;
    while ((c = next.fetch_add(1)) < chunks) {
      run(c);
      if (done.fetch_add(1) + 1 == chunks) {
        std::lock_guard<std::mutex> lk(mutex);
        finished.notify_all();
      }
    }
  }
};

class ThreadPool {
 public:
  explicit ThreadPool(int n) : n_(n) {
    for (int i = 1; i < n; ++i) {
      std::thread([this] { worker(); }).detach();
    }
  }

  int size() const { return n_; }

  void run(size_t chunks, const std::function<void(size_t)>& piece) {
    auto job = std::make_shared<Job>();
    job->run = piece;
    job->chunks = chunks;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      job_ = job;
      generation_.fetch_add(1);
    }
    if (sleepers_.load() > 0) {
      cv_.notify_all();
    }
    job->work();
    // The last pieces usually finish within microseconds: spin before
    // sleeping, since a futex wake-up costs tens of microseconds here.
    if (!spin_until([&] { return job->done.load() == chunks; })) {
      std::unique_lock<std::mutex> lk(job->mutex);
      job->finished.wait(lk, [&] { return job->done.load() == chunks; });
    }
  }

 private:
  // Polls `ready` for up to kSpin; true if it became true.
  template <typename F>
  static bool spin_until(F ready) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0;; ++i) {
      if (ready()) {
        return true;
      }
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
      if ((i & 63) == 63 && std::chrono::steady_clock::now() - start > kSpin) {
        return false;
      }
    }
  }

  void worker() {
    size_t seen = 0;
    while (true) {
      // Back-to-back jobs (the ops of one graph) arrive microseconds
      // apart: a worker polls for a while before going to sleep.
      if (!spin_until([&] { return generation_.load() != seen; })) {
        std::unique_lock<std::mutex> lk(mutex_);
        sleepers_.fetch_add(1);
        cv_.wait(lk, [&] { return generation_.load() != seen; });
        sleepers_.fetch_sub(1);
      }
      std::shared_ptr<Job> job;
      {
        std::lock_guard<std::mutex> lk(mutex_);
        seen = generation_.load();
        job = job_;
      }
      job->work();
    }
  }

  static constexpr std::chrono::microseconds kSpin{200};
  int n_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<Job> job_;
  std::atomic<size_t> generation_{0};
  std::atomic<int> sleepers_{0};
};

ThreadPool& pool() {
  static auto* p = new ThreadPool([] {
    if (const char* env = std::getenv("MLX_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0) {
        return n;
      }
    }
    return int(std::max(1u, std::thread::hardware_concurrency()));
  }());
  return *p;
}

// Jobs from several threads take turns (the pool runs one at a time).
std::mutex& run_mutex() {
  static std::mutex m;
  return m;
}

} // namespace

int size() { return pool().size(); }

void run_tasks(size_t n, const std::function<void(size_t)>& f) {
  if (size() <= 1 || n <= 1 || in_pool_job) {
    for (size_t i = 0; i < n; ++i) {
      f(i);
    }
    return;
  }
  std::lock_guard<std::mutex> lk(run_mutex());
  pool().run(n, f);
}

void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& f) {
  int threads = size();
  if (threads <= 1 || n < 2 * grain || in_pool_job) {
    if (n > 0) {
      f(0, n);
    }
    return;
  }
  // A few pieces per thread, so that the others can take over from one
  // that falls behind; large pieces start on 64-element boundaries so
  // vector loops stay aligned (small counts are work items: kept apart).
  size_t chunks = std::min<size_t>(size_t(threads) * 4, n / grain);
  // Equal shares: a multiple of the thread count (5 pieces on 2 threads
  // leave one thread a piece behind the other).
  chunks = std::max<size_t>(chunks / threads * threads, std::min<size_t>(chunks, threads));
  size_t per = (n + chunks - 1) / chunks;
  if (per >= 1024) {
    per = (per + 63) / 64 * 64;
  }
  chunks = (n + per - 1) / per;
  std::lock_guard<std::mutex> lk(run_mutex());
  pool().run(chunks, [&](size_t c) {
    size_t b = c * per;
    f(b, std::min(n, b + per));
  });
}

} // namespace mlx::core::threadpool
