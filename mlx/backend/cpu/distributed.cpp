// eval_cpu of the distributed primitives: the inputs made row contiguous,
// the output allocated (or given the input's buffer), then the group's
// backend moves the data.
#include "mlx/allocator.h"
#include "mlx/backend/cpu/copy.h"
#include "mlx/primitives/distributed.h"

namespace mlx::core::distributed {

namespace {

void allocate(array& out) { out.set_data(allocator::malloc(out.nbytes())); }

} // namespace

void AllReduce::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  if (!cpu::donate(in, out)) {
    allocate(out);
  }
  group_->all_reduce(in, out, op_);
}

void AllGather::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  allocate(outputs[0]);
  group_->all_gather(in, outputs[0]);
}

void ReduceScatter::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  allocate(outputs[0]);
  group_->sum_scatter(in, outputs[0]);
}

void Send::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  group_->send(in, dst_);
  outputs[0].copy_shared_buffer(inputs[0]);
}

void Recv::eval_cpu(const std::vector<array>&, std::vector<array>& outputs) {
  allocate(outputs[0]);
  group_->recv(outputs[0], src_);
}

} // namespace mlx::core::distributed
