// Group, init and is_available: choosing a backend and caching its global
// group; the singleton group used when none is configured.
#include <map>
#include <mutex>
#include <stdexcept>

#include "mlx/distributed/group.h"

namespace mlx::core::distributed {

namespace detail {
namespace {

// The group of one process: collectives never reach it (the ops return
// their input), point-to-point calls have no peer.
class SingletonGroup : public GroupImpl {
 public:
  int rank() override { return 0; }
  int size() override { return 1; }
  std::shared_ptr<GroupImpl> split(int, int) override {
    throw std::runtime_error("Cannot split the distributed group further.");
  }
  void all_reduce(const array&, array&, ReduceOp) override { unreachable(); }
  void all_gather(const array&, array&) override { unreachable(); }
  void sum_scatter(const array&, array&) override { unreachable(); }
  void send(const array&, int) override { throw std::invalid_argument("Cannot send to a singleton group"); }
  void recv(array&, int) override { throw std::invalid_argument("Cannot recv from a singleton group"); }

 private:
  [[noreturn]] static void unreachable() {
    throw std::runtime_error("[distributed] A collective on a singleton group has nothing to do.");
  }
};

void check_backend(const std::string& backend) {
  for (const char* ok : {"any", "mpi", "nccl", "jaccl", "ring"}) {
    if (backend == ok) {
      return;
    }
  }
  throw std::invalid_argument(
      "[distributed] The only valid values for backend are 'any', 'mpi', 'nccl', 'jaccl' and 'ring' but '" +
      backend + "' was provided.");
}

std::mutex& init_mutex() {
  static std::mutex m;
  return m;
}

// One group per backend name, made by the first init() that succeeds.
std::map<std::string, std::shared_ptr<GroupImpl>>& cache() {
  static std::map<std::string, std::shared_ptr<GroupImpl>> groups;
  return groups;
}

std::shared_ptr<GroupImpl> make_group(bool strict, const std::string& backend) {
  if (backend == "ring") {
    return ring_init(strict);
  }
  if (backend == "mpi") {
    return mpi_init(strict);
  }
  if (backend == "nccl") {
    if (strict) {
      throw std::runtime_error("Cannot initialize nccl distributed backend.");
    }
    return nullptr;
  }
  if (backend == "jaccl") {
    if (strict) {
      throw std::runtime_error("Cannot initialize jaccl distributed backend.");
    }
    return nullptr;
  }
  // "any": MLX's order without the GPU and RDMA backends (a group made
  // earlier for one of them is taken first).
  for (const char* name : {"ring", "mpi"}) {
    if (auto it = cache().find(name); it != cache().end()) {
      return it->second;
    }
  }
  if (auto g = ring_init(false)) {
    cache()["ring"] = g;
    return g;
  }
  if (auto g = mpi_init(false)) {
    cache()["mpi"] = g;
    return g;
  }
  if (strict) {
    throw std::runtime_error("[distributed] Couldn't initialize any backend");
  }
  return nullptr;
}

} // namespace

std::shared_ptr<GroupImpl> group_or_default(const std::optional<Group>& group) {
  return group ? group->raw_group() : init().raw_group();
}

} // namespace detail

int Group::rank() const { return impl_->rank(); }
int Group::size() const { return impl_->size(); }

Group Group::split(int color, int key) const { return Group(impl_->split(color, key)); }

bool is_available(const std::string& backend) {
  detail::check_backend(backend);
  if (backend == "ring" || backend == "any") {
    return detail::ring_is_available();
  }
  if (backend == "mpi") {
    return detail::mpi_is_available();
  }
  return false;
}

Group init(bool strict, const std::string& backend) {
  detail::check_backend(backend);
  std::lock_guard<std::mutex> lk(detail::init_mutex());
  auto& groups = detail::cache();
  auto it = groups.find(backend);
  if (it != groups.end()) {
    return Group(it->second);
  }
  auto g = detail::make_group(strict, backend);
  if (!g) {
    // Not cached: a later strict call may still fail.
    static auto singleton = std::make_shared<detail::SingletonGroup>();
    return Group(singleton);
  }
  groups[backend] = g;
  // The global group of the first backend set up is also that of "any".
  groups.emplace("any", g);
  return Group(g);
}

} // namespace mlx::core::distributed
