#include "mlx/fusion.h"

#include <algorithm>
#include <unordered_map>

#include "mlx/primitives/fused.h"
#include "mlx/primitives/layout.h"

namespace mlx::core::detail {

namespace {

constexpr size_t kMinFusedSize = size_t(1) << 16; // see fusible_elementwise
// Below this size a group needs kMinMembersInCache members (see
// fusible_elementwise).
constexpr size_t kInCacheSize = size_t(1) << 20;
constexpr size_t kMinMembersInCache = 6;
constexpr size_t kMaxSmallFusedSize = 4096;
// Groups stop growing here, which keeps forming them linear in the tape
// (a long chain becomes several groups).
constexpr size_t kMaxMembers = 32;

// A Broadcast of a one-element array (a scalar operand, say).
bool broadcasts_single_value(const array& a) {
  return a.has_primitive() && a.inputs().size() == 1 && a.inputs()[0].size() == 1 && a.siblings().empty() &&
         dynamic_cast<const Broadcast*>(&a.primitive()) != nullptr;
}

} // namespace

bool fusible_elementwise(const array& node, bool small_too) {
  // Cheapest test first: eval asks this of every node it runs.
  bool size_fits = node.size() >= kMinFusedSize || (small_too && node.size() <= kMaxSmallFusedSize);
  if (!size_fits || !node.has_primitive() || !node.primitive().is_elementwise() || !node.siblings().empty()) {
    return false;
  }
  for (auto& in : node.inputs()) {
    if (in.shape() != node.shape()) {
      return false;
    }
  }
  return true;
}

std::vector<std::vector<int>> elementwise_groups(const std::vector<array>& tape,
                                                 const std::vector<bool>& candidate) {
  std::unordered_map<std::uintptr_t, int> position;
  for (int i = 0; i < int(tape.size()); ++i) {
    position[tape[i].id()] = i;
  }
  auto producer = [&](const array& a) {
    auto it = position.find(a.id());
    return it == position.end() ? -1 : it->second;
  };
  std::vector<int> group(tape.size(), -1);
  std::vector<std::vector<int>> members;
  // The group runs where its last member is: no other node between its
  // first and last member may read a member's value.
  auto runnable = [&](const std::vector<int>& m) {
    auto [lo, hi] = std::minmax_element(m.begin(), m.end());
    for (int k = *lo + 1; k < *hi; ++k) {
      if (std::find(m.begin(), m.end(), k) != m.end()) {
        continue;
      }
      for (auto& in : tape[k].inputs()) {
        int j = producer(in);
        if (j >= *lo && std::find(m.begin(), m.end(), j) != m.end()) {
          return false;
        }
      }
    }
    return true;
  };
  for (int i = 0; i < int(tape.size()); ++i) {
    if (!candidate[i]) {
      continue;
    }
    std::vector<int> inputs_groups;
    for (auto& in : tape[i].inputs()) {
      int j = producer(in);
      if (j >= 0 && group[j] >= 0 && tape[j].shape() == tape[i].shape() &&
          members[group[j]].size() < kMaxMembers &&
          std::find(inputs_groups.begin(), inputs_groups.end(), group[j]) == inputs_groups.end()) {
        inputs_groups.push_back(group[j]);
      }
    }
    // Merge with all of the inputs' groups at once, else join the first
    // that can take the node alone, else start a group.
    std::vector<int> merged = {i};
    for (int g : inputs_groups) {
      merged.insert(merged.end(), members[g].begin(), members[g].end());
    }
    std::vector<int> chosen;
    if (inputs_groups.size() > 1 && merged.size() <= kMaxMembers && runnable(merged)) {
      chosen = inputs_groups;
    } else {
      for (int g : inputs_groups) {
        std::vector<int> one = members[g];
        one.push_back(i);
        if (runnable(one)) {
          chosen = {g};
          break;
        }
      }
    }
    int target = chosen.empty() ? int(members.size()) : chosen.front();
    if (chosen.empty()) {
      members.emplace_back();
    }
    for (size_t c = 1; c < chosen.size(); ++c) {
      for (int j : members[chosen[c]]) {
        group[j] = target;
        members[target].push_back(j);
      }
      members[chosen[c]].clear();
    }
    group[i] = target;
    members[target].push_back(i);
    std::sort(members[target].begin(), members[target].end());
  }
  std::vector<std::vector<int>> out;
  for (auto& m : members) {
    size_t size = m.empty() ? 0 : tape[m.front()].size();
    bool in_cache = size >= kMinFusedSize && size < kInCacheSize;
    if (m.size() >= (in_cache ? kMinMembersInCache : 2)) {
      out.push_back(std::move(m));
    }
  }
  return out;
}

FusedGroup make_fused_group(const std::vector<array>& tape, const std::vector<int>& members,
                            const std::function<bool(int)>& used_outside) {
  FusedGroup g;
  g.members = members;
  std::unordered_map<std::uintptr_t, int> input_index, step_index;
  std::vector<FusedStep> steps;
  std::vector<int> output_steps;
  // The argument that reads value a: an earlier step, else an input.
  auto arg_of = [&](const array& a) {
    auto s = step_index.find(a.id());
    if (s != step_index.end()) {
      return -1 - s->second;
    }
    auto [it, fresh] = input_index.emplace(a.id(), int(g.inputs.size()));
    if (fresh) {
      g.inputs.push_back(a);
    }
    return it->second;
  };
  for (int i : members) {
    FusedStep step{tape[i].primitive_ptr(), {}, tape[i].dtype()};
    for (auto& in : tape[i].inputs()) {
      if (broadcasts_single_value(in) && step_index.find(in.id()) == step_index.end()) {
        int arg = arg_of(in.inputs()[0]);
        step_index[in.id()] = int(steps.size());
        steps.push_back(FusedStep{in.primitive_ptr(), {arg}, in.dtype()});
      }
      step.args.push_back(arg_of(in));
    }
    step_index[tape[i].id()] = int(steps.size());
    if (used_outside(i)) {
      g.outputs.push_back(i);
      output_steps.push_back(int(steps.size()));
    }
    steps.push_back(std::move(step));
  }
  g.primitive = std::make_shared<Fused>(tape[members.front()].primitive().stream(), std::move(steps),
                                        std::move(output_steps));
  return g;
}

} // namespace mlx::core::detail
