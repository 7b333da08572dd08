#include "mlx/transforms.h"

#include <mutex>
#include <unordered_set>

#include "mlx/primitives.h"
#include "mlx/scheduler.h"

namespace mlx::core {

namespace {

// Sorts the unevaluated part of the graph so that every node comes after its
// inputs. Iterative (an explicit stack), since graphs can be millions deep.
std::vector<array> topological_order(const std::vector<array>& outputs) {
  std::vector<array> tape;
  std::unordered_set<std::uintptr_t> seen;
  std::vector<std::pair<array, size_t>> stack;
  auto visit = [&](const array& a) {
    if (a.is_available() || !seen.insert(a.id()).second) {
      return;
    }
    for (auto& s : a.siblings()) {
      seen.insert(s.id());
    }
    stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    visit(out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        const array& in = node.inputs()[next++];
        visit(in); // may reallocate `stack`: no references used after this
      } else {
        tape.push_back(std::move(stack.back().first));
        stack.pop_back();
      }
    }
  }
  return tape;
}

void run_primitive(array& node) {
  if (!node.has_primitive()) {
    throw std::runtime_error(
        "[eval] Attempting to eval an array without a primitive.");
  }
  std::vector<array> outputs = node.outputs();
  auto& p = node.primitive();
  if (p.device().type == Device::cpu) {
    p.eval_cpu(node.inputs(), outputs);
  } else {
    p.eval_gpu(node.inputs(), outputs);
  }
  for (auto& o : outputs) {
    o.detach();
  }
}

void eval_locked(const std::vector<array>& outputs) {
  std::vector<array> tape = topological_order(outputs);
  for (auto& slot : tape) {
    // Take the handle out of the tape: once a node is computed and detached,
    // only its consumers (and the caller) keep it, so buffers die early.
    array node = std::move(slot);
    if (!node.is_available()) {
      run_primitive(node);
    }
  }
}

} // namespace

void eval(std::vector<array> outputs) {
  bool all_available = true;
  for (auto& o : outputs) {
    all_available &= o.is_available();
  }
  if (all_available) {
    return;
  }
  std::lock_guard<std::mutex> lk(scheduler::eval_mutex());
  eval_locked(outputs);
}

void async_eval(std::vector<array> outputs) {
  std::vector<array> pending;
  for (auto& o : outputs) {
    if (!o.is_available()) {
      pending.push_back(o);
    }
  }
  if (pending.empty()) {
    return;
  }
  Stream s = pending[0].has_primitive() ? pending[0].primitive().stream()
                                        : default_stream(default_device());
  scheduler::enqueue(s, [pending = std::move(pending)]() {
    std::lock_guard<std::mutex> lk(scheduler::eval_mutex());
    try {
      eval_locked(pending);
    } catch (...) {
      // The graph is left intact: a later eval recomputes and raises.
    }
  });
}

} // namespace mlx::core
