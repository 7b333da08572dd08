// Evaluation: the graph below the requested arrays sorted without
// recursion, elementwise chains fused (fusion.h), each node run on its
// stream's device. eval waits; async_eval queues the work on the stream's
// worker (scheduler.h).
#include "mlx/transforms.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <optional>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "mlx/compile.h"
#include "mlx/eval_inline.h"
#include "mlx/fusion.h"
#include "mlx/ops.h"
#include "mlx/primitives.h"
#include "mlx/scheduler.h"

namespace mlx::core {

namespace {

// The ids of the nodes a sort has met (descriptor addresses, never 0).
// Evaluating op by op meets a node or two, which a short list holds; a
// larger graph goes to an open-addressing table, one allocation per doubling
// instead of one node per id (a hash set's nodes were a fifth of the cost
// of evaluating a 1000-node chain of scalar ops).
class SeenIds {
 public:
  // Whether `id` is new (and records it).
  bool insert(std::uintptr_t id) {
    if (table_.empty()) {
      for (size_t i = 0; i < n_; ++i) {
        if (few_[i] == id) {
          return false;
        }
      }
      if (n_ < few_.size()) {
        few_[n_++] = id;
        return true;
      }
      grow(4 * few_.size());
      for (auto f : few_) {
        place(f);
      }
    }
    if (2 * (n_ + 1) > table_.size()) {
      grow(2 * table_.size());
    }
    return place(id);
  }

 private:
  bool place(std::uintptr_t id) {
    const size_t mask = table_.size() - 1;
    // Fibonacci hashing of the address (its low 4 bits are always 0).
    size_t h = static_cast<size_t>(((id >> 4) * 0x9E3779B97F4A7C15ull) >> 20) & mask;
    while (table_[h] != 0) {
      if (table_[h] == id) {
        return false;
      }
      h = (h + 1) & mask;
    }
    table_[h] = id;
    ++n_;
    return true;
  }
  void grow(size_t size) {
    std::vector<std::uintptr_t> old(size, 0);
    old.swap(table_);
    n_ = 0;
    for (auto id : old) {
      if (id != 0) {
        place(id);
      }
    }
  }

  std::array<std::uintptr_t, 16> few_;
  size_t n_ = 0;
  std::vector<std::uintptr_t> table_; // power-of-two size, 0 = empty
};

// Sorts the unevaluated part of the graph so that every node comes after its
// inputs. Iterative (an explicit stack), since graphs can be millions deep.
// `caller`: the thread that asked for the values (streams of new_stream
// work only there).
std::vector<array> topological_order(const std::vector<array>& outputs, std::thread::id caller) {
  std::vector<array> tape;
  SeenIds seen;
  std::vector<std::pair<array, size_t>> stack;
  tape.reserve(8);
  stack.reserve(8);
  int checked_stream = -1;
  auto visit = [&](const array& a) {
    if (a.is_available() || !seen.insert(a.id())) {
      return;
    }
    if (a.has_primitive() && a.primitive().stream().index != checked_stream) {
      scheduler::check_stream_thread(a.primitive().stream(), caller);
      checked_stream = a.primitive().stream().index;
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

// With MLX_PROFILE set, the time spent in each primitive's kernels is
// summed and printed to stderr at exit (a developer's tool);
// MLX_PROFILE=size splits each primitive's row by output size.
struct KernelProfile {
  bool on = std::getenv("MLX_PROFILE") != nullptr;
  bool by_size = on && std::string(std::getenv("MLX_PROFILE")) == "size";
  std::mutex mutex;
  std::unordered_map<std::string, std::pair<double, size_t>> seconds_calls;
  ~KernelProfile() {
    if (!on) {
      return;
    }
    std::vector<std::pair<std::string, std::pair<double, size_t>>> rows(seconds_calls.begin(),
                                                                        seconds_calls.end());
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.first > b.second.first; });
    for (auto& [name, sc] : rows) {
      std::fprintf(stderr, "%-28s %10.3f ms %8zu calls\n", name.c_str(), sc.first * 1e3, sc.second);
    }
  }
};

KernelProfile& profile() {
  static KernelProfile p;
  return p;
}

// The backend seam: a primitive runs on its stream's device.
void eval_on_device(Primitive& p, const std::vector<array>& inputs, std::vector<array>& outputs) {
  if (p.device().type == Device::cpu) {
    p.eval_cpu(inputs, outputs);
  } else {
    p.eval_gpu(inputs, outputs);
  }
}

// Runs a node's primitive and detaches its outputs. `outputs` is the
// caller's scratch vector, empty before and after: an evaluation passes the
// same one to every node (one allocation per eval, not per node).
void run_primitive(array& node, std::vector<array>& outputs) {
  if (!node.has_primitive()) {
    throw std::runtime_error("[eval] Attempting to eval an array without a primitive.");
  }
  node.outputs_for_eval(outputs);
  struct Clear {
    std::vector<array>& v;
    ~Clear() { v.clear(); }
  } clear_after{outputs};
  auto& p = node.primitive();
  auto& prof = profile();
  auto start = prof.on ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  try {
    eval_on_device(p, node.inputs(), outputs);
  } catch (...) {
    // A kernel that raised may have given its outputs buffers before it
    // stopped: they hold no values, so the node stays unevaluated (a later
    // eval runs it again and raises again).
    for (auto& o : outputs) {
      o.clear_data();
    }
    throw;
  }
  if (prof.on) {
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard<std::mutex> lk(prof.mutex);
    std::string key = p.name();
    if (prof.by_size && !outputs.empty()) {
      // MLX_PROFILE=size: one row per primitive and power-of-two output size.
      key += " 2^" + std::to_string(int(std::log2(double(std::max<size_t>(outputs[0].size(), 1)))));
    }
    auto& e = prof.seconds_calls[key];
    e.first += dt;
    e.second += 1;
  }
  for (auto& o : outputs) {
    if (!o.is_tracer()) {
      o.detach();
    }
  }
}

void run_primitive(array& node) {
  std::vector<array> outputs;
  run_primitive(node, outputs);
}

// Chains of elementwise nodes in the tape that run as one Fused node (see
// fusion.h): run_at[t] is the group to run at tape position t (its last
// member), skip[t] marks the members, which the group computes.
struct FusionPlan {
  std::vector<detail::FusedGroup> groups;
  std::vector<int> run_at;
  std::vector<bool> skip;
};

// An empty plan (no groups, no per-node vectors) when nothing fuses, so
// that evaluating small graphs pays only one pass of size checks.
FusionPlan plan_fusion(const std::vector<array>& tape) {
  FusionPlan plan;
  // Transforms keep the nodes they trace: nothing is fused under them.
  // Turning compilation off turns this off too. (A group has two members
  // or more.)
  if (tape.size() < 2 || detail::in_tracing() || !compile_enabled()) {
    return plan;
  }
  std::vector<bool> candidate(tape.size());
  bool any = false;
  for (size_t i = 0; i < tape.size(); ++i) {
    candidate[i] = !tape[i].is_available() && detail::fusible_elementwise(tape[i]);
    any |= candidate[i];
  }
  if (!any) {
    return plan;
  }
  plan.run_at.assign(tape.size(), -1);
  plan.skip.assign(tape.size(), false);
  for (auto& members : detail::elementwise_groups(tape, candidate)) {
    // A member's value is needed beyond the group when something other
    // than the tape's own handle and the other members' inputs holds it:
    // the caller, a later consumer, or another graph.
    std::unordered_map<std::uintptr_t, long> inside;
    for (int i : members) {
      for (auto& in : tape[i].inputs()) {
        ++inside[in.id()];
      }
    }
    auto used_outside = [&](int i) {
      auto it = inside.find(tape[i].id());
      return tape[i].use_count() - 1 - (it == inside.end() ? 0 : it->second) > 0;
    };
    for (int i : members) {
      plan.skip[i] = true;
    }
    plan.run_at[members.back()] = int(plan.groups.size());
    plan.groups.push_back(detail::make_fused_group(tape, members, used_outside));
  }
  return plan;
}

// Runs a group and gives its output members their values.
void run_fused(detail::FusedGroup& group, std::vector<array>& tape) {
  std::vector<array> outs;
  for (int i : group.outputs) {
    outs.push_back(array(tape[i].shape(), tape[i].dtype(), nullptr, {}));
  }
  // The members give up their handles on the group's inputs, so that an
  // input nothing else holds is held by the group alone and its buffer can
  // go to an output (as a single node's kernel takes over an input it alone
  // reads: cpu::donate); the members are computed by the group and dropped
  // after it anyway. The handles come back if the group fails.
  std::unordered_map<std::uintptr_t, const array*> input_of;
  for (auto& in : group.inputs) {
    input_of.emplace(in.id(), &in);
  }
  std::vector<std::pair<array*, const array*>> released;
  array hole(Shape{0}, bool_, nullptr, {}); // (no buffer: nothing allocated)
  for (int i : group.members) {
    for (auto& in : tape[i].inputs()) {
      auto it = input_of.find(in.id());
      if (it != input_of.end()) {
        released.emplace_back(&in, it->second);
        in = hole;
      }
    }
  }
  auto& prof = profile();
  auto start = prof.on ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  try {
    eval_on_device(*group.primitive, group.inputs, outs);
  } catch (...) {
    for (auto& [slot, in] : released) {
      *slot = *in;
    }
    throw;
  }
  if (prof.on) {
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::lock_guard<std::mutex> lk(prof.mutex);
    auto& e = prof.seconds_calls["Fused"];
    e.first += dt;
    e.second += 1;
  }
  for (size_t k = 0; k < group.outputs.size(); ++k) {
    array& member = tape[group.outputs[k]];
    member.copy_shared_buffer(outs[k]);
    member.detach();
  }
  // Let the members and inputs go, as run_primitive's callers do.
  for (int i : group.members) {
    array done = std::move(tape[i]);
  }
  group = {};
}

// ---- evaluations that span several streams
//
// A node on another stream than the tape's last node runs on that stream's
// node thread (scheduler::enqueue_node), in tape order, while the caller
// goes on with the rest: a collective on the communication stream proceeds
// while the caller computes. Whoever reads such a node's output first waits
// for its Done.

struct Done {
  std::mutex mutex;
  std::condition_variable cv;
  bool finished = false;
  std::exception_ptr error;

  void set(std::exception_ptr e) {
    {
      std::lock_guard<std::mutex> lk(mutex);
      finished = true;
      error = std::move(e);
    }
    cv.notify_all();
  }
  // Rethrows the node's error (a node that needs a failed one fails too).
  void wait() {
    std::unique_lock<std::mutex> lk(mutex);
    cv.wait(lk, [this] { return finished; });
    if (error) {
      std::rethrow_exception(error);
    }
  }
};

bool on_stream(const array& node, const Stream& s) {
  return !node.has_primitive() || node.primitive().stream() == s;
}

// Moves each node of another stream than `home`, with the nodes that feed
// only it, up to just after the last node it needs from the rest of the
// tape, but never ahead of an earlier node of its own stream: a collective
// starts as soon as its operands exist and the collectives before it have
// started, not where the depth-first order put it. Each stream keeps its
// order, so the collectives go out in the same order on every process (as
// MLX's depth-first order), whatever each process computes before them.
// Moving a node earlier, after all its inputs, keeps the order topological.
void hoist_other_streams(std::vector<array>& tape, const Stream& home) {
  int n = int(tape.size());
  std::unordered_map<std::uintptr_t, int> pos;
  for (int i = 0; i < n; ++i) {
    pos[tape[i].id()] = i;
    for (auto& s : tape[i].siblings()) {
      pos[s.id()] = i;
    }
  }
  auto index_of = [&](const array& a) {
    auto it = pos.find(a.id());
    return it == pos.end() ? -1 : it->second;
  };
  std::vector<int> consumers(n, 0);
  for (auto& node : tape) {
    for (auto& in : node.inputs()) {
      if (int u = index_of(in); u >= 0) {
        ++consumers[u];
      }
    }
  }
  // bundle_of[i]: the bundle node i moved with (-1: it stays); a bundle is
  // emitted right after its anchor (a node that stays), or first (-1).
  std::vector<int> bundle_of(n, -1);
  std::vector<std::vector<int>> bundles;
  std::vector<int> anchors;
  auto anchor_of = [&](int u) { return bundle_of[u] < 0 ? u : anchors[bundle_of[u]]; };
  std::unordered_map<int, int> stream_anchor; // the last bundle's anchor, by stream
  for (int c = 0; c < n; ++c) {
    if (on_stream(tape[c], home) || bundle_of[c] >= 0) {
      continue;
    }
    int b = int(bundles.size());
    std::vector<int> members{c};
    bundle_of[c] = b;
    std::unordered_map<int, int> edges_in; // consumer edges from members
    int& last = stream_anchor.try_emplace(tape[c].primitive().stream().index, -1).first->second;
    int anchor = last;
    for (size_t k = 0; k < members.size(); ++k) {
      for (auto& in : tape[members[k]].inputs()) {
        int u = index_of(in);
        if (u < 0 || bundle_of[u] == b) {
          continue;
        }
        if (bundle_of[u] < 0 && ++edges_in[u] == consumers[u]) {
          bundle_of[u] = b; // feeds only the bundle: moves with it
          members.push_back(u);
        }
      }
    }
    for (int m : members) {
      for (auto& in : tape[m].inputs()) {
        int u = index_of(in);
        if (u >= 0 && bundle_of[u] != b) {
          anchor = std::max(anchor, anchor_of(u));
        }
      }
    }
    std::sort(members.begin(), members.end());
    bundles.push_back(std::move(members));
    anchors.push_back(anchor);
    last = anchor;
  }
  if (bundles.empty()) {
    return;
  }
  std::vector<std::vector<int>> attached(n + 1); // [n]: before everything
  for (int b = 0; b < int(bundles.size()); ++b) {
    attached[anchors[b] < 0 ? n : anchors[b]].push_back(b);
  }
  std::vector<array> order;
  order.reserve(n);
  auto emit_attached = [&](int at) {
    for (int b : attached[at]) {
      for (int m : bundles[b]) {
        order.push_back(std::move(tape[m]));
      }
    }
  };
  emit_attached(n);
  for (int i = 0; i < n; ++i) {
    if (bundle_of[i] < 0) {
      order.push_back(std::move(tape[i]));
      emit_attached(i);
    }
  }
  tape = std::move(order);
}

// Runs the tape: nodes of `home` here, the others on their streams' node
// threads. Returns once every queued node has finished (even when one
// failed), then raises the first error.
void run_across_streams(std::vector<array>& tape, const Stream& home) {
  hoist_other_streams(tape, home);
  FusionPlan plan = plan_fusion(tape);
  bool fused = !plan.groups.empty();
  std::unordered_map<std::uintptr_t, std::shared_ptr<Done>> pending;
  std::vector<std::shared_ptr<Done>> queued;
  auto wait_for = [&](const std::vector<array>& inputs) {
    for (auto& in : inputs) {
      if (auto it = pending.find(in.id()); it != pending.end()) {
        it->second->wait();
      }
    }
  };
  std::exception_ptr error;
  try {
    for (size_t t = 0; t < tape.size(); ++t) {
      if (fused && plan.skip[t]) {
        if (plan.run_at[t] >= 0) {
          auto& group = plan.groups[plan.run_at[t]];
          wait_for(group.inputs);
          run_fused(group, tape);
        }
        continue;
      }
      array node = std::move(tape[t]);
      if (node.is_available()) {
        continue;
      }
      if (on_stream(node, home)) {
        wait_for(node.inputs());
        run_primitive(node);
        continue;
      }
      std::vector<std::shared_ptr<Done>> before;
      for (auto& in : node.inputs()) {
        if (auto it = pending.find(in.id()); it != pending.end()) {
          before.push_back(it->second);
        }
      }
      auto done = std::make_shared<Done>();
      pending[node.id()] = done;
      for (auto& s : node.siblings()) {
        pending[s.id()] = done;
      }
      queued.push_back(done);
      Stream s = node.primitive().stream();
      scheduler::enqueue_node(s, [node = std::move(node), before = std::move(before), done]() mutable {
        std::exception_ptr e;
        try {
          for (auto& b : before) {
            b->wait();
          }
          run_primitive(node);
        } catch (...) {
          e = std::current_exception();
        }
        {
          array gone = std::move(node);
        } // let it go before anyone is told it is done
        done->set(std::move(e));
      });
    }
  } catch (...) {
    error = std::current_exception();
  }
  for (auto& d : queued) {
    try {
      d->wait();
    } catch (...) {
      if (!error) {
        error = std::current_exception();
      }
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

// The stream whose nodes the caller runs (the evaluation's "home"): the one
// with the most nodes, the communication stream only when it is alone; and
// whether some node is on another.
std::pair<std::optional<Stream>, bool> tape_streams(const std::vector<array>& tape) {
  // The usual case first, without counting: every node on one stream.
  const Primitive* first = nullptr;
  bool one = true;
  for (auto& node : tape) {
    if (node.has_primitive()) {
      if (first == nullptr) {
        first = &node.primitive();
      } else {
        one = one && node.primitive().stream() == first->stream();
      }
    }
  }
  if (one) {
    return {first ? std::optional<Stream>(first->stream()) : std::nullopt, false};
  }
  std::vector<std::pair<Stream, size_t>> counts;
  for (auto& node : tape) {
    if (!node.has_primitive()) {
      continue;
    }
    const Stream& s = node.primitive().stream();
    if (counts.empty() || counts.back().first != s) {
      auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == s; });
      if (it == counts.end()) {
        counts.emplace_back(s, 0);
      } else {
        std::iter_swap(it, counts.end() - 1); // keep the last one seen at the back
      }
    }
    ++counts.back().second;
  }
  if (counts.size() < 2) {
    return {counts.empty() ? std::nullopt : std::optional<Stream>(counts[0].first), false};
  }
  Stream comm = detail::communication_stream();
  auto rank = [&](const std::pair<Stream, size_t>& c) { return std::make_pair(c.first != comm, c.second); };
  auto home =
      std::max_element(counts.begin(), counts.end(), [&](auto& a, auto& b) { return rank(a) < rank(b); });
  return {home->first, true};
}

void eval_locked(const std::vector<array>& outputs, std::thread::id caller) {
  std::vector<array> tape = topological_order(outputs, caller);
  if (auto [home, several] = tape_streams(tape); several) {
    run_across_streams(tape, *home);
    return;
  }
  FusionPlan plan = plan_fusion(tape);
  bool fused = !plan.groups.empty();
  std::vector<array> scratch;
  for (size_t t = 0; t < tape.size(); ++t) {
    if (fused && plan.skip[t]) {
      // Members wait in the tape for their group, which runs at the last.
      if (plan.run_at[t] >= 0) {
        run_fused(plan.groups[plan.run_at[t]], tape);
      }
      continue;
    }
    // Take the handle out of the tape: once a node is computed and detached,
    // only its consumers (and the caller) keep it, so buffers die early.
    array node = std::move(tape[t]);
    if (!node.is_available()) {
      run_primitive(node, scratch);
    }
  }
}

} // namespace

namespace {
// vmap and compile trace on placeholder values: reading them would give
// wrong results, so evaluating anything computed from them is refused.
void check_not_placeholder(const std::vector<array>& outputs) {
  if (!detail::in_placeholder_tracing()) {
    return;
  }
  for (auto& o : outputs) {
    if (!o.is_available() && o.is_tracer()) {
      throw std::invalid_argument(
          "[eval] Attempting to eval an array during function transformations like compile "
          "or vmap is not allowed.");
    }
  }
}
} // namespace

void eval(std::vector<array> outputs) {
  // What async_eval queued runs first; an error it raised is raised here.
  scheduler::wait_async();
  scheduler::raise_async_error();
  bool all_available = true;
  for (auto& o : outputs) {
    all_available &= o.is_available();
  }
  if (all_available) {
    return;
  }
  check_not_placeholder(outputs);
  std::lock_guard<std::mutex> lk(scheduler::eval_mutex());
  eval_locked(outputs, std::this_thread::get_id());
}

bool detail::eval_if_uncontended(const std::vector<array>& outputs) {
  if (!scheduler::async_idle()) {
    return false;
  }
  std::unique_lock<std::mutex> lk(scheduler::eval_mutex(), std::try_to_lock);
  if (!lk.owns_lock()) {
    return false;
  }
  check_not_placeholder(outputs);
  eval_locked(outputs, std::this_thread::get_id());
  return true;
}

void async_eval(std::vector<array> outputs) {
  // An error of an earlier asynchronous evaluation is raised here if it
  // has come in (as MLX may).
  scheduler::raise_async_error();
  std::vector<array> pending;
  for (auto& o : outputs) {
    if (!o.is_available()) {
      pending.push_back(o);
    }
  }
  if (pending.empty()) {
    return;
  }
  if (detail::in_tracing()) {
    throw std::invalid_argument("[async_eval] Not allowed inside a graph transformation.");
  }
  check_not_placeholder(pending);
  Stream s = pending[0].has_primitive() ? pending[0].primitive().stream() : default_stream(default_device());
  // Streams of another thread are refused here, where the caller can see it.
  for (auto& o : pending) {
    if (o.has_primitive()) {
      scheduler::check_stream_thread(o.primitive().stream(), std::this_thread::get_id());
    }
  }
  scheduler::begin_async();
  scheduler::enqueue(s, [pending = std::move(pending), caller = std::this_thread::get_id()]() {
    std::exception_ptr error;
    {
      std::lock_guard<std::mutex> lk(scheduler::eval_mutex());
      try {
        eval_locked(pending, caller);
      } catch (...) {
        // The failed nodes stay unevaluated; the error waits for the next
        // eval, async_eval or synchronize.
        error = std::current_exception();
      }
    }
    scheduler::end_async(error);
  });
}

} // namespace mlx::core
