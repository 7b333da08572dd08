// What a communication backend implements (internal to the distributed
// family). Every call works on evaluated, row-contiguous arrays; `out` is
// allocated by the caller. A backend raises std::runtime_error("[name] ...")
// when a peer fails, so that the evaluation raises instead of hanging.
#pragma once

#include <memory>

#include "mlx/array.h"
#include "mlx/distributed.h"

namespace mlx::core::distributed::detail {

enum class ReduceOp { Sum, Max, Min };

class GroupImpl {
 public:
  virtual ~GroupImpl() = default;
  virtual int rank() = 0;
  virtual int size() = 0;
  virtual std::shared_ptr<GroupImpl> split(int color, int key) = 0;

  // out = op over the group of `in` (out may share in's buffer).
  virtual void all_reduce(const array& in, array& out, ReduceOp op) = 0;
  // out = the inputs of every rank, one after the other in rank order.
  virtual void all_gather(const array& in, array& out) = 0;
  // out = this rank's part (in split in size() along axis 0) of the sum.
  virtual void sum_scatter(const array& in, array& out) = 0;
  virtual void send(const array& in, int dst) = 0;
  virtual void recv(array& out, int src) = 0;
};

// The backends, each made from its environment; nullptr when it is not
// configured. They raise when it is configured but cannot be set up.
std::shared_ptr<GroupImpl> ring_init(bool strict);
bool ring_is_available();
std::shared_ptr<GroupImpl> mpi_init(bool strict);
bool mpi_is_available();

// The group to use: the given one, or the global group.
std::shared_ptr<GroupImpl> group_or_default(const std::optional<Group>& group);

} // namespace mlx::core::distributed::detail
