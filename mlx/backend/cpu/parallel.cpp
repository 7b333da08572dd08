#include "mlx/backend/cpu/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace mlx::core::cpu {

namespace {

// Worker i runs part i of each job; the calling thread runs part 0. Static
// parts keep the hand-off to one wake-up per worker and need no work queue.
class ThreadPool {
 public:
  explicit ThreadPool(int n) : n_(n) {
    for (int i = 1; i < n; ++i) {
      std::thread([this, i] { worker(i); }).detach();
    }
  }

  int size() const { return n_; }

  void run(int parts, const std::function<void(int)>& job) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      job_ = &job;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    cv_.notify_all();
    job(0);
    std::unique_lock<std::mutex> lk(mutex_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void worker(int index) {
    size_t seen = 0;
    while (true) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lk(mutex_);
        cv_.wait(lk, [&] { return generation_ != seen; });
        seen = generation_;
        if (index >= parts_) {
          continue;
        }
        job = job_;
      }
      (*job)(index);
      std::lock_guard<std::mutex> lk(mutex_);
      if (--pending_ == 0) {
        done_cv_.notify_all();
      }
    }
  }

  int n_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int parts_ = 0;
  int pending_ = 0;
  size_t generation_ = 0;
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

} // namespace

// Set while a thread runs part of a pool job: work it starts runs inline,
// since the pool is busy (and waiting on it would deadlock).
thread_local bool in_pool_job = false;

struct PoolJobScope {
  bool saved = in_pool_job;
  PoolJobScope() { in_pool_job = true; }
  ~PoolJobScope() { in_pool_job = saved; }
};

int num_threads() { return pool().size(); }

void parallel_tasks(size_t n, const std::function<void(size_t)>& f) {
  int threads = num_threads();
  if (threads <= 1 || n <= 1 || in_pool_job) {
    for (size_t i = 0; i < n; ++i) {
      f(i);
    }
    return;
  }
  int parts = int(std::min<size_t>(threads, n));
  pool().run(parts, [&](int p) {
    PoolJobScope scope;
    for (size_t i = p; i < n; i += parts) {
      f(i);
    }
  });
}

void parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& f) {
  int threads = num_threads();
  if (threads <= 1 || n < 2 * grain || in_pool_job) {
    if (n > 0) {
      f(0, n);
    }
    return;
  }
  int parts = int(std::min<size_t>(threads, n / grain));
  // Parts start on 64-element boundaries so vector loops stay aligned.
  size_t per = ((n + parts - 1) / parts + 63) / 64 * 64;
  pool().run(parts, [&](int p) {
    PoolJobScope scope;
    size_t b = std::min(n, size_t(p) * per);
    size_t e = std::min(n, b + per);
    if (b < e) {
      f(b, e);
    }
  });
}

} // namespace mlx::core::cpu
