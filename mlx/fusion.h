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
// in order) read `inputs` (arrays made before the first member) and each
// other; the values of `outputs` (tape indices) are needed beyond the group.
struct FusedGroup {
  std::vector<int> members;
  std::vector<array> inputs;
  std::vector<int> outputs;
  std::shared_ptr<Primitive> primitive;
};

// A single-output elementwise node of 4096 or more elements whose inputs
// all have its shape (chains of smaller arrays gain nothing).
bool fusible_elementwise(const array& node);

// Groups (two or more members, tape indices in order) of same-shape
// candidate nodes of a topologically ordered tape. A group runs where its
// first member is, so every value it reads from outside is made before
// that.
std::vector<std::vector<int>> elementwise_groups(const std::vector<array>& tape, const std::vector<bool>& candidate);

// The Fused node's description for a group; used_outside(i) tells whether
// tape node i's value is needed beyond the group.
FusedGroup make_fused_group(const std::vector<array>& tape, const std::vector<int>& members,
                            const std::function<bool(int)>& used_outside);

} // namespace mlx::core::detail
