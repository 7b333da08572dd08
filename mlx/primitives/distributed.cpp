// Transformation rules of the distributed primitives, as MLX's: a
// reduction passes cotangents through unchanged (each rank's loss is
// taken to be its share of the sum) and re-applies itself to tangents and
// batches; all_gather's cotangent is this rank's rows; sum_scatter's is
// the gathered cotangent. Point-to-point transfers have no derivative.
#include "mlx/primitives/distributed.h"

#include <sstream>

#include "mlx/distributed.h"
#include "mlx/ops.h"
#include "mlx/primitives/common.h"

namespace mlx::core::distributed {

namespace {

Group wrap(const std::shared_ptr<detail::GroupImpl>& g) { return Group(g); }

array reduce_again(const array& x, ReduceOp op, const std::shared_ptr<detail::GroupImpl>& g,
                   const Stream& s) {
  switch (op) {
    case ReduceOp::Max:
      return all_max(x, wrap(g), s);
    case ReduceOp::Min:
      return all_min(x, wrap(g), s);
    default:
      return all_sum(x, wrap(g), s);
  }
}

[[noreturn]] void not_implemented(const char* rule, const Primitive& p) {
  std::ostringstream msg;
  msg << "[Primitive::" << rule << "] Not implemented for " << p.name() << ".";
  throw std::invalid_argument(msg.str());
}

} // namespace

std::vector<array> AllReduce::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {reduce_again(tangents[0], op_, group_, stream())};
}

std::vector<array> AllReduce::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  return cotangents;
}

Rules AllReduce::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{reduce_again(inputs[0], op_, group_, stream())}, axes};
}

std::vector<array> AllGather::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {all_gather(tangents[0], wrap(group_), stream())};
}

std::vector<array> AllGather::vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  const array& cot = cotangents[0];
  int rows = primals[0].ndim() == 0 ? 1 : primals[0].shape(0);
  int r = group_->rank();
  Shape start(cot.ndim(), 0);
  Shape stop = cot.shape();
  start[0] = r * rows;
  stop[0] = (r + 1) * rows;
  return {reshape(slice(cot, start, stop, stream()), primals[0].shape(), stream())};
}

Rules AllGather::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{all_gather(inputs[0], wrap(group_), stream())}, axes};
}

std::vector<array> ReduceScatter::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                      const std::vector<int>&) {
  return {sum_scatter(tangents[0], wrap(group_), stream())};
}

std::vector<array> ReduceScatter::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                      const std::vector<int>&, const std::vector<array>&) {
  return {all_gather(cotangents[0], wrap(group_), stream())};
}

Rules ReduceScatter::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{sum_scatter(inputs[0], wrap(group_), stream())}, axes};
}

std::vector<array> Send::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  not_implemented("jvp", *this);
}

std::vector<array> Send::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                             const std::vector<array>&) {
  not_implemented("vjp", *this);
}

Rules Send::vmap(const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{send(inputs[0], dst_, wrap(group_), stream())}, axes};
}

std::vector<array> Recv::jvp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&) {
  not_implemented("jvp", *this);
}

std::vector<array> Recv::vjp(const std::vector<array>&, const std::vector<array>&, const std::vector<int>&,
                             const std::vector<array>&) {
  not_implemented("vjp", *this);
}

Rules Recv::vmap(const std::vector<array>&, const std::vector<int>&) { not_implemented("vmap", *this); }

} // namespace mlx::core::distributed
