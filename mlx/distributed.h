// Communication between processes (MLX's mx.distributed): a Group of
// processes set up by a backend, and the collectives over it as lazy ops.
// Backends, chosen by init(strict, backend) with MLX's names:
//   ring  TCP ring between the hosts listed in the JSON file MLX_HOSTFILE
//         (one list of "ip:port" per rank), this process being MLX_RANK.
//   mpi   Open MPI loaded at run time (not built here yet).
//   nccl, jaccl  accepted names, never available on this build.
// With nothing configured init() gives the singleton group (rank 0, size 1),
// on which every collective returns its input.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::distributed {

namespace detail {
class GroupImpl;
}

// A set of processes that communicate; ranks 0..size()-1.
class Group {
 public:
  explicit Group(std::shared_ptr<detail::GroupImpl> impl) : impl_(std::move(impl)) {}

  int rank() const;
  int size() const;

  // The processes of this group that passed the same color, ranked by key
  // (then by their rank here; key -1 means this rank). Every member of this
  // group must call it.
  Group split(int color, int key = -1) const;

  const std::shared_ptr<detail::GroupImpl>& raw_group() const { return impl_; }

 private:
  std::shared_ptr<detail::GroupImpl> impl_;
};

// Whether `backend` ("any", "ring", "mpi", "nccl", "jaccl") can be used.
bool is_available(const std::string& backend = "any");

// The global group of `backend` (made once, then cached). "any" tries
// ring then mpi. When none is configured: the singleton group, or a
// RuntimeError if `strict`.
Group init(bool strict = false, const std::string& backend = "any");

// Element-wise sum, maximum and minimum of x over the group.
array all_sum(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array all_max(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});
array all_min(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// The x of every rank concatenated along axis 0 in rank order (0-d inputs
// give shape (size,)).
array all_gather(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// This rank's part of all_sum(x) split in `size` along axis 0.
array sum_scatter(const array& x, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// Sends x to rank dst; the result is x, evaluated once it was sent.
array send(const array& x, int dst, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

// Receives an array of `shape` and `dtype` sent by rank src.
array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group = std::nullopt,
           StreamOrDevice s = {});

// recv with x's shape and dtype.
array recv_like(const array& x, int src, std::optional<Group> group = std::nullopt, StreamOrDevice s = {});

} // namespace mlx::core::distributed
