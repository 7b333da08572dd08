// Finding chains of elementwise nodes to run as one Fused node (see
// primitives/fused.h): used by compile on its traced graph, and by eval on
// the graph it is about to run.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "mlx/array.h"

namespace mlx::core::detail {

// Elementwise tape nodes run as one Fused node: `members` (tape indices,
// in order) read `inputs` (arrays made before the last member) and each
// other; the values of `outputs` (tape indices) are needed beyond the group.
struct FusedGroup {
  std::vector<int> members;
  std::vector<array> inputs;
  std::vector<int> outputs;
  std::shared_ptr<Primitive> primitive;
};

// A single-output elementwise node of 2^16 or more elements whose inputs
// all have its shape. Fused, large arrays save their trips to memory (an
// Adam update of 4M floats, 17 -> 10 ms). Arrays under 2^20 elements stay
// in cache between separate ops, and there short chains ran slower
// block-wise (a training step of 256K-element tensors, 6.5 -> 7.5 ms),
// so elementwise_groups keeps only groups of six or more of them (an Adam
// update of 256K-element weights: its step 8.9 -> 7.5 ms).
//
// With small_too (compile's traced graphs), also nodes of at most 4096
// elements: there each node's own cost (making it, scheduling it, its
// output buffer) outweighs its arithmetic, and one node for the chain
// saves it.
bool fusible_elementwise(const array& node, bool small_too = false);

// Groups (two or more members, six or more under 2^20 elements; tape
// indices in order) of same-shape
// candidate nodes of a topologically ordered tape. A group runs where its
// last member is (every value it reads is made by then), so no other node
// between its members reads a member's value.
std::vector<std::vector<int>> elementwise_groups(const std::vector<array>& tape,
                                                 const std::vector<bool>& candidate);

// The Fused node's description for a group; used_outside(i) tells whether
// tape node i's value is needed beyond the group. A member's input that
// broadcasts a single value becomes a step of the group before that
// member (the group reads the value itself), as in MLX's compiled nodes;
// the broadcast node stays for any other reader.
FusedGroup make_fused_group(const std::vector<array>& tape, const std::vector<int>& members,
                            const std::function<bool(int)>& used_outside);

} // namespace mlx::core::detail
