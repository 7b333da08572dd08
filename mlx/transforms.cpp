#include "mlx/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "mlx/compile.h"
#include "mlx/ops.h"
#include "mlx/primitives.h"

namespace mlx::core {

namespace {

// The nodes between `inputs` and `outputs`, inputs first, each after what it
// reads: only nodes that depend on some input. Iterative, like eval.
// `on_tape`, when given, receives the ids of every array that depends on an
// input (the inputs included).
std::vector<array> trace_tape(const std::vector<array>& inputs, const std::vector<array>& outputs,
                              bool differentiating = false,
                              std::unordered_set<std::uintptr_t>* on_tape = nullptr) {
  std::unordered_set<std::uintptr_t> sources;
  for (auto& in : inputs) {
    sources.insert(in.id());
  }
  std::unordered_map<std::uintptr_t, bool> depends; // memo: depends on a source
  std::vector<array> tape;
  std::vector<std::pair<array, size_t>> stack;
  auto push = [&](const array& a) {
    if (depends.count(a.id())) {
      return;
    }
    if (sources.count(a.id())) {
      depends[a.id()] = true;
      return;
    }
    if (!a.has_primitive()) {
      depends[a.id()] = false;
      return;
    }
    depends[a.id()] = false; // provisional, set when its inputs are done
    stack.emplace_back(a, 0);
  };
  for (auto& out : outputs) {
    push(out);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node.inputs().size()) {
        array in = node.inputs()[next++];
        push(in);
        continue;
      }
      array done = std::move(stack.back().first);
      stack.pop_back();
      bool dep = false;
      for (auto& in : done.inputs()) {
        dep |= depends[in.id()];
      }
      // No derivative flows through stop_gradient: what is computed from
      // its output (a custom function's forward pass, say) stays off the
      // tape of vjp and jvp, so its primitives' rules are never asked for.
      if (differentiating && dynamic_cast<const StopGradient*>(&done.primitive())) {
        dep = false;
      }
      for (auto& o : done.outputs()) {
        depends[o.id()] = dep;
      }
      if (dep) {
        tape.push_back(done);
      }
    }
  }
  if (on_tape) {
    for (auto& [id, dep] : depends) {
      if (dep) {
        on_tape->insert(id);
      }
    }
  }
  return tape;
}

// x[..., 0, ...] along `axis`, that axis removed.
array take_slice0(const array& x, int axis) {
  if (x.shape(axis) == 0) {
    // An empty batch: trace on zeros of one lane's shape.
    Shape lane = x.shape();
    lane.erase(lane.begin() + axis);
    return zeros(lane, x.dtype());
  }
  Shape start(x.ndim(), 0), stop = x.shape();
  stop[axis] = 1;
  return squeeze(slice(x, start, stop), axis);
}

std::vector<array> traced_copies(const std::vector<array>& primals) {
  std::vector<array> out;
  for (auto& p : primals) {
    auto c = copy(p);
    c.set_tracer(true);
    out.push_back(c);
  }
  return out;
}

} // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(const Function& fun, const std::vector<array>& primals,
                                                      const std::vector<array>& cotangents) {
  detail::TracingScope scope;
  auto inputs = traced_copies(primals);
  auto outputs = fun(inputs);
  if (outputs.size() != cotangents.size()) {
    throw std::invalid_argument("[vjp] Number of outputs to compute gradients for (" +
                                std::to_string(outputs.size()) + ") does not match number of cotangents (" +
                                std::to_string(cotangents.size()) + ").");
  }
  std::unordered_map<std::uintptr_t, array> cots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].shape() != cotangents[i].shape()) {
      auto str = [](const Shape& shape) {
        std::string out = "(";
        for (size_t d = 0; d < shape.size(); ++d) {
          out += (d ? "," : "") + std::to_string(shape[d]);
        }
        return out + ")";
      };
      throw std::invalid_argument("[vjp] Output shape " + str(outputs[i].shape()) +
                                  " does not match cotangent shape " + str(cotangents[i].shape()) + ".");
    }
    auto c = astype(cotangents[i], outputs[i].dtype());
    auto it = cots.find(outputs[i].id());
    if (it != cots.end()) {
      it->second = add(it->second, c);
    } else {
      cots.emplace(outputs[i].id(), c);
    }
  }
  // Only the inputs that depend on a primal are asked for: a rule may
  // refuse some (the indices of a gather, say) unless stop_gradient cuts them off.
  std::unordered_set<std::uintptr_t> on_tape;
  auto tape = trace_tape(inputs, outputs, true, &on_tape);
  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    auto& node = *it;
    auto outs = node.outputs();
    bool any = false;
    std::vector<array> out_cots;
    for (auto& o : outs) {
      auto c = cots.find(o.id());
      any |= c != cots.end();
      out_cots.push_back(c != cots.end() ? c->second : zeros_like(o));
    }
    // A node evaluated and detached while the transform ran (an eval inside
    // a custom rule) is a constant now: nothing flows through it.
    if (!any || !node.has_primitive()) {
      continue;
    }
    for (auto& o : outs) {
      cots.erase(o.id());
    }
    // The rule sees every output of the node, each with its cotangent
    // (zeros for outputs nobody holds any more). When some are gone, the
    // node is made again with all of them (they are values a rule may use;
    // computed only if it does).
    auto all = node.outputs_for_eval();
    if (all.size() > outs.size()) {
      std::vector<Shape> shapes;
      std::vector<Dtype> dtypes;
      for (auto& o : all) {
        shapes.push_back(o.shape());
        dtypes.push_back(o.dtype());
      }
      std::vector<array> cots_all;
      for (auto& o : all) {
        cots_all.push_back(zeros_like(o));
      }
      for (size_t k = 0; k < outs.size(); ++k) {
        cots_all[outs[k].sibling_position()] = out_cots[k];
      }
      outs = array::make_arrays(std::move(shapes), dtypes, node.primitive_ptr(), node.inputs());
      out_cots = std::move(cots_all);
    }
    std::vector<int> argnums;
    for (int i = 0; i < int(node.inputs().size()); ++i) {
      if (on_tape.count(node.inputs()[i].id())) {
        argnums.push_back(i);
      }
    }
    auto in_cots = node.primitive().vjp(node.inputs(), out_cots, argnums, outs);
    for (size_t k = 0; k < argnums.size(); ++k) {
      const auto& in = node.inputs()[argnums[k]];
      auto found = cots.find(in.id());
      if (found != cots.end()) {
        found->second = add(found->second, in_cots[k]);
      } else {
        cots.emplace(in.id(), in_cots[k]);
      }
    }
  }
  std::vector<array> grads;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto c = cots.find(inputs[i].id());
    grads.push_back(c != cots.end() ? astype(c->second, primals[i].dtype()) : zeros_like(primals[i]));
  }
  return {outputs, grads};
}

std::pair<std::vector<array>, std::vector<array>> jvp(const Function& fun, const std::vector<array>& primals,
                                                      const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument("[jvp] Number of inputs does not match number of tangents.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument("[jvp] Input shape does not match shape of tangent.");
    }
  }
  detail::TracingScope scope;
  auto inputs = traced_copies(primals);
  auto outputs = fun(inputs);
  std::unordered_map<std::uintptr_t, array> tans;
  for (size_t i = 0; i < inputs.size(); ++i) {
    tans.emplace(inputs[i].id(), astype(tangents[i], inputs[i].dtype()));
  }
  for (auto& node : trace_tape(inputs, outputs, true)) {
    std::vector<int> argnums;
    std::vector<array> in_tans;
    for (int i = 0; i < int(node.inputs().size()); ++i) {
      auto t = tans.find(node.inputs()[i].id());
      if (t != tans.end()) {
        argnums.push_back(i);
        in_tans.push_back(t->second);
      }
    }
    if (argnums.empty() || !node.has_primitive()) {
      continue; // no tangent reaches it: its outputs' tangents are zero
    }
    auto outs = node.outputs();
    auto out_tans = node.primitive().jvp(node.inputs(), in_tans, argnums);
    for (size_t k = 0; k < outs.size(); ++k) {
      // Outputs nobody holds any more are gone from `outs`: rules that
      // return every output's tangent are matched by position.
      size_t from = out_tans.size() > outs.size() ? size_t(outs[k].sibling_position()) : k;
      tans.insert_or_assign(outs[k].id(), out_tans[from]);
    }
  }
  std::vector<array> out_tans;
  for (auto& o : outputs) {
    auto t = tans.find(o.id());
    out_tans.push_back(t != tans.end() ? t->second : zeros_like(o));
  }
  return {outputs, out_tans};
}

ValueAndGradFn value_and_grad(const Function& fun, const std::vector<int>& argnums) {
  if (argnums.empty()) {
    throw std::invalid_argument("[grad] Must specify at least one argument.");
  }
  return [fun, argnums](const std::vector<array>& inputs) {
    std::vector<array> primals;
    for (int i : argnums) {
      if (i < 0 || i >= int(inputs.size())) {
        throw std::invalid_argument("[grad] Invalid argument number for function.");
      }
      primals.push_back(inputs[i]);
    }
    std::vector<array> all_outputs;
    auto partial_fun = [&](const std::vector<array>& ps) {
      std::vector<array> args = inputs;
      for (size_t k = 0; k < argnums.size(); ++k) {
        args[argnums[k]] = ps[k];
      }
      all_outputs = fun(args);
      if (all_outputs.empty() || all_outputs[0].size() != 1) {
        throw std::invalid_argument(
            "[grad] The output of the function must be a scalar (an array of size 1).");
      }
      return std::vector<array>{all_outputs[0]};
    };
    auto [outs, grads] = vjp(partial_fun, primals, {array(1.0f)});
    // vjp's cotangent needs the output's shape.
    (void)outs;
    return std::make_pair(all_outputs, grads);
  };
}

std::function<std::vector<array>(const std::vector<array>&)> grad(const Function& fun,
                                                                  const std::vector<int>& argnums) {
  auto vg = value_and_grad(fun, argnums);
  return [vg](const std::vector<array>& inputs) { return vg(inputs).second; };
}

Function vmap(const Function& fun, const std::vector<int>& in_axes_arg,
              const std::vector<int>& out_axes_arg) {
  return [=](const std::vector<array>& inputs) {
    std::vector<int> in_axes = in_axes_arg;
    if (in_axes.empty()) {
      in_axes.assign(inputs.size(), 0);
    }
    if (in_axes.size() != inputs.size()) {
      throw std::invalid_argument("[vmap] The number of in axes must match the number of inputs.");
    }
    int batch = -1;
    std::vector<array> placeholders;
    detail::TracingScope scope;
    detail::PlaceholderTracingScope placeholder_scope;
    for (size_t i = 0; i < inputs.size(); ++i) {
      int ax = in_axes[i];
      if (ax < 0) {
        placeholders.push_back(inputs[i]);
        continue;
      }
      if (ax >= inputs[i].ndim()) {
        throw std::invalid_argument("[vmap] Axis " + std::to_string(ax) +
                                    " is out of bounds for an input with " +
                                    std::to_string(inputs[i].ndim()) + " dimensions.");
      }
      int n = inputs[i].shape(ax);
      if (batch >= 0 && n != batch) {
        throw std::invalid_argument("[vmap] Inconsistent axis sizes: " + std::to_string(batch) + " and " +
                                    std::to_string(n) + ".");
      }
      batch = n;
      // The function is traced on one slice; the graph is then replayed on
      // the whole batch through each primitive's vmap rule.
      auto p = copy(take_slice0(inputs[i], ax));
      p.set_tracer(true);
      placeholders.push_back(p);
    }
    if (batch < 0) {
      throw std::invalid_argument("[vmap] At least one input must be mapped.");
    }
    auto outputs = fun(placeholders);
    std::vector<array> sources;
    std::unordered_map<std::uintptr_t, std::pair<array, int>> batched;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (in_axes[i] >= 0) {
        sources.push_back(placeholders[i]);
        batched.insert_or_assign(placeholders[i].id(), std::make_pair(inputs[i], in_axes[i]));
      }
    }
    for (auto& node : trace_tape(sources, outputs)) {
      std::vector<array> ins;
      std::vector<int> axes;
      for (auto& in : node.inputs()) {
        auto b = batched.find(in.id());
        if (b != batched.end()) {
          ins.push_back(b->second.first);
          axes.push_back(b->second.second);
        } else {
          ins.push_back(in);
          axes.push_back(-1);
        }
      }
      auto [outs, out_axes] = node.primitive().vmap(ins, axes);
      auto node_outs = node.outputs();
      for (size_t k = 0; k < node_outs.size(); ++k) {
        // Rules return every output; the ones still held are matched by
        // position (as in jvp).
        size_t from = outs.size() > node_outs.size() ? size_t(node_outs[k].sibling_position()) : k;
        batched.insert_or_assign(node_outs[k].id(), std::make_pair(outs[from], out_axes[from]));
      }
    }
    std::vector<int> out_axes = out_axes_arg;
    if (out_axes.empty()) {
      out_axes.assign(outputs.size(), 0);
    }
    std::vector<array> results;
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto b = batched.find(outputs[i].id());
      int oax = out_axes[i];
      if (b == batched.end()) {
        // Not mapped: broadcast along a new batch axis.
        if (oax < 0) {
          results.push_back(outputs[i]);
          continue;
        }
        auto x = expand_dims(outputs[i], oax);
        Shape shape = x.shape();
        shape[oax] = batch;
        results.push_back(broadcast_to(x, shape));
        continue;
      }
      auto [x, ax] = b->second;
      if (oax < 0) {
        throw std::invalid_argument("[vmap] Cannot have out_axes None for a mapped output.");
      }
      results.push_back(ax == oax ? x : moveaxis(x, ax, oax));
    }
    return results;
  };
}

} // namespace mlx::core

namespace mlx::core::detail {

std::vector<array> dependent_tape(const std::vector<array>& inputs, const std::vector<array>& outputs) {
  return trace_tape(inputs, outputs);
}

} // namespace mlx::core::detail
