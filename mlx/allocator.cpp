#include "mlx/allocator.h"

#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <sstream>
#include <stdexcept>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

// In a sanitized build (tools/sanitize.sh) the bytes of a buffer that its
// array does not own, the rounding past the size asked for and whole buffers
// waiting in the cache, are poisoned: AddressSanitizer then reports an
// access past an array's end or to a freed array although the memory stays
// with the allocator.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define MLX_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MLX_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MLX_POISON(p, n) ((void)(p), (void)(n))
#define MLX_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mlx::core::allocator {

namespace {

// Every allocation carries a small header holding its capacity and the
// size that was asked for: free() knows which cache bucket the buffer goes
// back to, and the accounting counts what arrays hold.
constexpr size_t kAlign = 64;
constexpr size_t kHeader = kAlign;
constexpr size_t kPage = 4096;

struct Header {
  size_t capacity;
  size_t requested;
};

Header& header_of(void* ptr) { return *reinterpret_cast<Header*>(static_cast<char*>(ptr) - kHeader); }

// The capacity a request gets: small ones a multiple of 64 bytes (their size
// class), larger ones whole pages. No buffer wastes more than that.
size_t round_size(size_t size) {
  size_t unit = size <= kPage ? kAlign : kPage;
  return (size + unit - 1) / unit * unit;
}

// A cached buffer serves a request when its capacity exceeds the request by
// at most this much (an eighth, at least a page): arrays whose sizes vary a
// little (a growing sequence) reuse buffers without wasting much.
size_t reuse_slack(size_t rounded) { return rounded <= kPage ? 0 : std::max(kPage, rounded / 8); }

size_t total_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  return (pages > 0 && page > 0) ? size_t(pages) * size_t(page) : (size_t(16) << 30);
}

// Buffers of 4 MB or more offer their whole 2 MB pages to transparent huge
// pages (where the kernel leaves them to madvise): a pass over a large
// array then takes far fewer TLB misses, and the hardware prefetchers,
// which stop at page boundaries, run further ahead. The partial pages at
// the ends stay small, so no memory is added.
constexpr size_t kHugePage = size_t(2) << 20;

void* allocate(size_t bytes) {
  void* p = std::aligned_alloc(kAlign, bytes);
#ifdef MADV_HUGEPAGE
  if (p != nullptr && bytes >= 2 * kHugePage) {
    uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHugePage - 1) / kHugePage * kHugePage;
    uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / kHugePage * kHugePage;
    if (begin < end) {
      madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    }
  }
#endif
  return p;
}

class CachingAllocator {
 public:
  CachingAllocator() : memory_limit_(total_memory() * 3 / 2), cache_limit_(memory_limit_) {}

  Buffer malloc(size_t size) {
    size_t rounded = round_size(size == 0 ? 1 : size);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      auto it = cache_.lower_bound(rounded);
      if (it != cache_.end() && it->first <= rounded + reuse_slack(rounded) && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        // The buckets of small sizes (at most 64) stay when empty: an op
        // that frees and takes one small buffer at a time (a scalar
        // operand, a one-element result) then costs no map node and no
        // vector growth; with an exact fit for those sizes, an empty
        // bucket never hides a larger one.
        if (it->second.empty() && it->first > kPage) {
          cache_.erase(it);
        }
        cache_memory_ -= header_of(p).capacity;
        header_of(p).requested = size;
        MLX_UNPOISON(p, size);
        add_active(size);
        return Buffer(p);
      }
      // Over the limit: give the cache back before asking for more. The
      // limit is a guideline, as in MLX: past it, allocation still proceeds
      // while the system has memory, and fails with an error when it has not.
      if (active_memory_ + rounded > memory_limit_ && cache_memory_ > 0) {
        clear_cache_locked();
      }
    }
    void* raw = allocate(rounded + kHeader);
    if (raw == nullptr) {
      {
        std::lock_guard<std::mutex> lk(mutex_);
        clear_cache_locked();
      }
      raw = allocate(rounded + kHeader);
      if (raw == nullptr) {
        std::ostringstream msg;
        msg << "[malloc] Unable to allocate " << size << " bytes.";
        throw std::runtime_error(msg.str());
      }
    }
    void* p = static_cast<char*>(raw) + kHeader;
    header_of(p) = {rounded, size};
    MLX_POISON(static_cast<char*>(p) + size, rounded - size);
    std::lock_guard<std::mutex> lk(mutex_);
    add_active(size);
    return Buffer(p);
  }

  void free(Buffer b) {
    if (b.ptr == nullptr) {
      return;
    }
    Header h = header_of(b.ptr);
    std::lock_guard<std::mutex> lk(mutex_);
    active_memory_ -= h.requested;
    MLX_POISON(b.ptr, h.capacity);
    if (cache_memory_ + h.capacity <= cache_limit_) {
      cache_[h.capacity].push_back(b.ptr);
      cache_memory_ += h.capacity;
    } else {
      std::free(static_cast<char*>(b.ptr) - kHeader);
    }
  }

  size_t size(Buffer b) {
    if (b.ptr == nullptr) {
      return 0;
    }
    return header_of(b.ptr).capacity;
  }

  void clear_cache() {
    std::lock_guard<std::mutex> lk(mutex_);
    clear_cache_locked();
  }

  size_t active() {
    std::lock_guard<std::mutex> lk(mutex_);
    return active_memory_;
  }
  size_t peak() {
    std::lock_guard<std::mutex> lk(mutex_);
    return peak_memory_;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lk(mutex_);
    peak_memory_ = 0;
  }
  size_t cache() {
    std::lock_guard<std::mutex> lk(mutex_);
    return cache_memory_;
  }
  size_t memory_limit() { return memory_limit_; }
  size_t set_memory_limit(size_t limit) {
    std::lock_guard<std::mutex> lk(mutex_);
    size_t old = memory_limit_;
    memory_limit_ = limit;
    return old;
  }
  size_t set_cache_limit(size_t limit) {
    std::lock_guard<std::mutex> lk(mutex_);
    size_t old = cache_limit_;
    cache_limit_ = limit;
    trim_cache_locked();
    return old;
  }

 private:
  void add_active(size_t n) {
    active_memory_ += n;
    if (active_memory_ > peak_memory_) {
      peak_memory_ = active_memory_;
    }
  }
  void clear_cache_locked() {
    for (auto& [size, ptrs] : cache_) {
      for (void* p : ptrs) {
        std::free(static_cast<char*>(p) - kHeader);
      }
    }
    cache_.clear();
    cache_memory_ = 0;
  }
  void trim_cache_locked() {
    // Drop the largest buffers first until the cache fits its limit.
    while (cache_memory_ > cache_limit_ && !cache_.empty()) {
      auto it = std::prev(cache_.end());
      while (!it->second.empty() && cache_memory_ > cache_limit_) {
        std::free(static_cast<char*>(it->second.back()) - kHeader);
        it->second.pop_back();
        cache_memory_ -= it->first;
      }
      if (it->second.empty()) {
        cache_.erase(it);
      }
    }
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> cache_;
  size_t active_memory_ = 0;
  size_t peak_memory_ = 0;
  size_t cache_memory_ = 0;
  size_t memory_limit_;
  size_t cache_limit_;
};

CachingAllocator& cache_allocator() {
  // Never destroyed: buffers may be freed during static destruction.
  static auto* a = new CachingAllocator();
  return *a;
}

} // namespace

Buffer malloc(size_t size) { return cache_allocator().malloc(size); }
void free(Buffer buffer) { cache_allocator().free(buffer); }
size_t allocation_size(Buffer buffer) { return cache_allocator().size(buffer); }

} // namespace mlx::core::allocator

namespace mlx::core {

using allocator::cache_allocator;

size_t get_active_memory() { return cache_allocator().active(); }
size_t get_peak_memory() { return cache_allocator().peak(); }
void reset_peak_memory() { cache_allocator().reset_peak(); }
size_t get_cache_memory() { return cache_allocator().cache(); }
size_t get_memory_limit() { return cache_allocator().memory_limit(); }
size_t set_memory_limit(size_t limit) { return cache_allocator().set_memory_limit(limit); }
size_t set_cache_limit(size_t limit) { return cache_allocator().set_cache_limit(limit); }
size_t set_wired_limit(size_t) { return 0; }
void clear_cache() { cache_allocator().clear_cache(); }

} // namespace mlx::core
