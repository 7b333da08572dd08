// The ops of the distributed family: argument checks and the lazy nodes of
// the collectives (mlx/distributed.h). On a group of one process the
// collectives return their input.
#include <sstream>

#include "mlx/distributed.h"
#include "mlx/ops/common.h"
#include "mlx/primitives/distributed.h"
#include "mlx/scheduler.h"

namespace mlx::core::distributed {

namespace {

// The stream of a collective: the communication stream unless one is given.
Stream comm_stream(StreamOrDevice s) {
  return std::holds_alternative<std::monostate>(s) ? ::mlx::core::detail::communication_stream()
                                                   : to_stream(s);
}

array reduce(const array& x, const std::optional<Group>& group, StreamOrDevice s, ReduceOp op) {
  auto g = detail::group_or_default(group);
  if (g->size() == 1) {
    return x;
  }
  Stream st = comm_stream(s);
  return ::mlx::core::detail::make_node<AllReduce>(x.shape(), x.dtype(), {x}, st, g, op);
}

void check_peer(int peer, int size, bool sending) {
  if (size == 1) {
    throw std::invalid_argument(sending ? "Cannot send to a singleton group"
                                        : "Cannot recv from a singleton group");
  }
  if (peer < 0 || peer >= size) {
    std::ostringstream msg;
    msg << "Invalid " << (sending ? "destination" : "source") << "=" << peer << " for a group of size "
        << size;
    throw std::invalid_argument(msg.str());
  }
}

} // namespace

array all_sum(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, ReduceOp::Sum);
}

array all_max(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, ReduceOp::Max);
}

array all_min(const array& x, std::optional<Group> group, StreamOrDevice s) {
  return reduce(x, group, s, ReduceOp::Min);
}

array all_gather(const array& x, std::optional<Group> group, StreamOrDevice s) {
  auto g = detail::group_or_default(group);
  int n = g->size();
  if (n == 1) {
    return x;
  }
  Shape shape = x.shape();
  if (shape.empty()) {
    shape = {n};
  } else {
    shape[0] = ::mlx::core::detail::checked_dim(int64_t(shape[0]) * n, "all_gather");
  }
  return ::mlx::core::detail::make_node<AllGather>(std::move(shape), x.dtype(), {x}, comm_stream(s), g);
}

array sum_scatter(const array& x, std::optional<Group> group, StreamOrDevice s) {
  auto g = detail::group_or_default(group);
  int n = g->size();
  if (n == 1) {
    return x;
  }
  if (x.ndim() == 0 || x.shape(0) % n != 0) {
    ::mlx::core::detail::fail("sum_scatter", "Invalid shape=", ::mlx::core::detail::shape_str(x.shape()),
                              " for a group of size ", n,
                              ". The first dimension (axis 0) must be divisible by the group size.");
  }
  Shape shape = x.shape();
  shape[0] /= n;
  return ::mlx::core::detail::make_node<ReduceScatter>(std::move(shape), x.dtype(), {x}, comm_stream(s), g);
}

array send(const array& x, int dst, std::optional<Group> group, StreamOrDevice s) {
  auto g = detail::group_or_default(group);
  check_peer(dst, g->size(), true);
  if (dst == g->rank()) {
    ::mlx::core::detail::fail("send", "Cannot send to this process itself (rank ", dst, ").");
  }
  return ::mlx::core::detail::make_node<Send>(x.shape(), x.dtype(), {x}, comm_stream(s), g, dst);
}

array recv(Shape shape, Dtype dtype, int src, std::optional<Group> group, StreamOrDevice s) {
  auto g = detail::group_or_default(group);
  check_peer(src, g->size(), false);
  if (src == g->rank()) {
    ::mlx::core::detail::fail("recv", "Cannot receive from this process itself (rank ", src, ").");
  }
  ::mlx::core::detail::checked_shape_size(shape, dtype, "recv");
  return ::mlx::core::detail::make_node<Recv>(std::move(shape), dtype, {}, comm_stream(s), g, src);
}

array recv_like(const array& x, int src, std::optional<Group> group, StreamOrDevice s) {
  return recv(x.shape(), x.dtype(), src, std::move(group), s);
}

} // namespace mlx::core::distributed
