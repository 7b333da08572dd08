// Primitives of the distributed family: collectives and point-to-point
// transfers over a group of processes (mlx/distributed.h). Each holds the
// group it runs on; the backend does the work in eval_cpu.
#pragma once

#include <memory>

#include "mlx/distributed/group.h"
#include "mlx/primitive.h"

namespace mlx::core::distributed {

using detail::ReduceOp;

class DistPrimitive : public Primitive {
 public:
  DistPrimitive(Stream s, std::shared_ptr<detail::GroupImpl> group)
      : Primitive(s), group_(std::move(group)) {}
  const std::shared_ptr<detail::GroupImpl>& group() const { return group_; }

 protected:
  std::shared_ptr<detail::GroupImpl> group_;
};

// all_sum / all_max / all_min.
class AllReduce : public DistPrimitive {
 public:
  AllReduce(Stream s, std::shared_ptr<detail::GroupImpl> group, ReduceOp op)
      : DistPrimitive(s, std::move(group)), op_(op) {}
  MLX_PRIMITIVE_BODY(AllReduce)
  MLX_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override { return {inputs[0].shape()}; }

 private:
  ReduceOp op_;
};

// Concatenation of every rank's input along axis 0.
class AllGather : public DistPrimitive {
 public:
  using DistPrimitive::DistPrimitive;
  MLX_PRIMITIVE_BODY(AllGather)
  MLX_TRANSFORM_RULES
};

// This rank's rows of the sum over the group (sum_scatter).
class ReduceScatter : public DistPrimitive {
 public:
  using DistPrimitive::DistPrimitive;
  MLX_PRIMITIVE_BODY(ReduceScatter)
  MLX_TRANSFORM_RULES
};

// Sends its input to rank dst_; the output is the input.
class Send : public DistPrimitive {
 public:
  Send(Stream s, std::shared_ptr<detail::GroupImpl> group, int dst)
      : DistPrimitive(s, std::move(group)), dst_(dst) {}
  MLX_PRIMITIVE_BODY(Send)
  MLX_TRANSFORM_RULES

 private:
  int dst_;
};

// Receives from rank src_ (no inputs).
class Recv : public DistPrimitive {
 public:
  Recv(Stream s, std::shared_ptr<detail::GroupImpl> group, int src)
      : DistPrimitive(s, std::move(group)), src_(src) {}
  MLX_PRIMITIVE_BODY(Recv)
  MLX_TRANSFORM_RULES

 private:
  int src_;
};

} // namespace mlx::core::distributed
