#include <atomic>
#include "mlx/ops.h"
#include "mlx/ops/common.h"
#include "mlx/scheduler.h"

#include <condition_variable>
#include <stdexcept>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace mlx::core {

namespace {

class StreamWorker {
 public:
  StreamWorker() : thread_([this] { run(); }) { thread_.detach(); }

  void enqueue(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lk(mutex_);
        cv_.wait(lk, [this] { return !queue_.empty(); });
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
};

struct Streams {
  std::mutex mutex;
  int next_index = 2; // 0: cpu default, 1: gpu default
  // (never reassigned: read without the mutex, by every op)
  const Stream default_cpu{0, Device(Device::cpu)};
  const Stream default_gpu{1, Device(Device::gpu)};
  // Workers are never destroyed: they may still run at process exit.
  std::unordered_map<int, StreamWorker*> workers;
  std::unordered_map<int, StreamWorker*> node_workers;
  std::optional<Stream> communication;
  // The thread that made each stream of new_stream (by index), and whether
  // there is any (read without the mutex: evaluations check every node).
  std::unordered_map<int, std::thread::id> owners;
  std::atomic<bool> any_owner{false};
};

// Asynchronous evaluations in flight and the first error one raised.
struct AsyncState {
  std::mutex mutex;
  std::condition_variable cv;
  // Atomic so that async_idle() can read them without the mutex.
  std::atomic<int> in_flight{0};
  std::atomic<bool> has_error{false};
  std::exception_ptr error;
};

AsyncState& async_state() {
  static auto* a = new AsyncState();
  return *a;
}

Streams& streams() {
  static auto* s = new Streams();
  return *s;
}

// This thread's choice of default streams (none: the shared defaults).
thread_local std::optional<Stream> local_default_cpu, local_default_gpu;

} // namespace

namespace {
// A cpu device past index 0 names nothing: IndexError, as in MLX.
void check_cpu_index(const Device& d, const char* op) {
  if (d.type == Device::cpu && d.index != 0) {
    std::ostringstream msg;
    msg << "[" << op << "] " << d << " does not exist: the cpu has one device, index 0.";
    throw std::out_of_range(msg.str());
  }
}
} // namespace

Stream default_stream(Device d) {
  check_cpu_index(d, "default_stream");
  if (!is_available(d)) {
    throw std::invalid_argument("[default_stream] Cannot get gpu stream without gpu backend.");
  }
  auto& local = d.type == Device::cpu ? local_default_cpu : local_default_gpu;
  if (local) {
    return *local;
  }
  auto& s = streams();
  return d.type == Device::cpu ? s.default_cpu : s.default_gpu;
}

// Setting the default stream (mx.set_default_stream, `with mx.stream(s)`)
// holds for the calling thread only, as in MLX: threads that enter and
// leave stream contexts at the same time cannot leave each other's (or a
// finished thread's) stream as the default.
void set_default_stream(Stream st) {
  (st.device.type == Device::cpu ? local_default_cpu : local_default_gpu) = st;
}

Stream new_stream(Device d) {
  check_cpu_index(d, "new_stream");
  if (!is_available(d)) {
    throw std::invalid_argument("[new_stream] Cannot make gpu stream without gpu backend.");
  }
  auto& s = streams();
  std::lock_guard<std::mutex> lk(s.mutex);
  s.owners[s.next_index] = std::this_thread::get_id();
  s.any_owner = true;
  return Stream(s.next_index++, d);
}

Stream to_stream(StreamOrDevice s) {
  if (auto* st = std::get_if<Stream>(&s)) {
    return *st;
  }
  if (auto* d = std::get_if<Device>(&s)) {
    return default_stream(*d);
  }
  return default_stream(default_device());
}

namespace scheduler {

namespace {
void enqueue_on(std::unordered_map<int, StreamWorker*> Streams::* workers, const Stream& st,
                std::function<void()> task) {
  auto& s = streams();
  StreamWorker* w;
  {
    std::lock_guard<std::mutex> lk(s.mutex);
    auto& slot = (s.*workers)[st.index];
    if (slot == nullptr) {
      slot = new StreamWorker();
    }
    w = slot;
  }
  w->enqueue(std::move(task));
}
} // namespace

void enqueue(const Stream& st, std::function<void()> task) {
  enqueue_on(&Streams::workers, st, std::move(task));
}

void enqueue_node(const Stream& st, std::function<void()> task) {
  enqueue_on(&Streams::node_workers, st, std::move(task));
}

void begin_async() {
  auto& a = async_state();
  std::lock_guard<std::mutex> lk(a.mutex);
  ++a.in_flight;
}

void end_async(std::exception_ptr error) {
  auto& a = async_state();
  {
    std::lock_guard<std::mutex> lk(a.mutex);
    --a.in_flight;
    if (error && !a.error) {
      a.error = error;
      a.has_error = true;
    }
  }
  a.cv.notify_all();
}

bool async_idle() {
  auto& a = async_state();
  return a.in_flight.load() == 0 && !a.has_error.load();
}

// wait_async and raise_async_error run before every eval: with nothing in
// flight and no error they return without the mutex.
void wait_async() {
  auto& a = async_state();
  if (a.in_flight.load() == 0) {
    return;
  }
  std::unique_lock<std::mutex> lk(a.mutex);
  a.cv.wait(lk, [&] { return a.in_flight == 0; });
}

void raise_async_error() {
  auto& a = async_state();
  if (!a.has_error.load()) {
    return;
  }
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lk(a.mutex);
    std::swap(error, a.error);
    a.has_error = false;
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

void check_stream_thread(const Stream& st, std::thread::id caller) {
  auto& s = streams();
  if (!s.any_owner.load(std::memory_order_relaxed)) {
    return;
  }
  std::lock_guard<std::mutex> lk(s.mutex);
  auto it = s.owners.find(st.index);
  if (it != s.owners.end() && it->second != caller) {
    std::ostringstream msg;
    msg << "There is no Stream(" << (st.device.type == Device::cpu ? "cpu" : "gpu") << ", " << st.index
        << ") in current thread.";
    throw std::runtime_error(msg.str());
  }
}

std::mutex& eval_mutex() {
  static auto* m = new std::mutex();
  return *m;
}

} // namespace scheduler

Stream detail::communication_stream() {
  auto& s = streams();
  std::lock_guard<std::mutex> lk(s.mutex);
  if (!s.communication) {
    s.communication = Stream(s.next_index++, Device(Device::cpu));
  }
  return *s.communication;
}

void synchronize(Stream s) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  scheduler::enqueue(s, [&] {
    std::lock_guard<std::mutex> lk(m);
    done = true;
    cv.notify_one();
  });
  {
    std::unique_lock<std::mutex> lk(m);
    cv.wait(lk, [&] { return done; });
  }
  scheduler::raise_async_error();
}

void synchronize() { synchronize(default_stream(default_device())); }

// ------------------------------------------------------ per-thread streams

namespace {
std::atomic<int> next_local_index{0};
// This thread's stream for each ThreadLocalStream index.
thread_local std::unordered_map<int, Stream> local_streams;
} // namespace

ThreadLocalStream new_thread_local_stream(Device d) { return {next_local_index++, d}; }

Stream resolve(const ThreadLocalStream& s) {
  auto it = local_streams.find(s.index);
  if (it == local_streams.end()) {
    it = local_streams.emplace(s.index, new_stream(s.device)).first;
  }
  return it->second;
}

Stream new_thread_unsafe_stream(Device d) {
  if (d.type == Device::gpu && !is_available(d)) {
    detail::fail("new_thread_unsafe_stream", "Cannot make gpu stream without gpu backend.");
  }
  return new_stream(d);
}

void clear_streams() {
  synchronize();
  local_streams.clear();
}

} // namespace mlx::core
