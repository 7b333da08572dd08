// mx.compile: a Python function traced once per call signature (argument
// structure, array shapes and dtypes, other argument values), then replayed
// as a recorded graph. `inputs`/`outputs` name state (trees of arrays in
// mutable containers, like a model and its optimizer state) that the
// function reads and replaces: it is passed as implicit inputs and written
// back after each call.
#include <deque>

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "mlx/compile.h"
#include "array_type.h"
#include "trees.h"

namespace {

// Describes a tree for the cache key: containers and non-array leaves as
// themselves, arrays by shape and dtype.
py::object signature(py::handle tree, bool strict, bool shapeless) {
  TreeDepthGuard guard;
  if (is_array(tree)) {
    auto a = array_ref(tree);
    // Shapeless: new shapes of as many dimensions reuse the trace.
    py::object shape =
        shapeless ? py::object(py::int_(a.ndim())) : py::object(py::tuple(py::cast(a.shape())));
    return py::make_tuple("array", shape, static_cast<int>(a.dtype().val));
  }
  if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    py::list items;
    for (auto item : py::reinterpret_borrow<py::sequence>(tree)) {
      items.append(signature(item, strict, shapeless));
    }
    return py::make_tuple(py::isinstance<py::list>(tree) ? "list" : "tuple", py::tuple(items));
  }
  if (py::isinstance<py::dict>(tree)) {
    py::list items;
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      items.append(py::make_tuple(item.first, signature(item.second, strict, shapeless)));
    }
    return py::make_tuple("dict", py::tuple(items));
  }
  // Numbers, strings and None are constants of the trace: part of the key.
  // Other objects could change between calls unseen by the key: refused,
  // as MLX does.
  if (tree.is_none() || py::isinstance<py::int_>(tree) || py::isinstance<py::float_>(tree) ||
      py::isinstance<py::str>(tree)) {
    return py::make_tuple("leaf", tree.get_type(), tree);
  }
  if (!strict) {
    // State trees (`inputs=`) may hold other objects: keyed by identity.
    return py::make_tuple("object", py::int_(reinterpret_cast<std::uintptr_t>(tree.ptr())));
  }
  auto type = tree.get_type();
  std::string module = py::str(type.attr("__module__")).cast<std::string>();
  std::string name = py::str(type.attr("__qualname__")).cast<std::string>();
  throw py::value_error(
      "[compile] Function arguments must be trees of arrays or constants (floats, ints, strings, or None), "
      "but received type " +
      (module == "builtins" ? name : module + "." + name) + ".");
}

// Replaces, in place, the array leaves of `tree` (lists and dicts) by
// values[index...]; leaves past the end of `values` (state the function
// added while tracing) are left as they are.
void replace_leaves(py::handle tree, const std::vector<array>& values, size_t& index) {
  TreeDepthGuard guard;
  if (py::isinstance<py::list>(tree)) {
    auto l = py::reinterpret_borrow<py::list>(tree);
    for (size_t i = 0; i < l.size(); ++i) {
      if (is_array(l[i])) {
        if (index < values.size()) {
          l[i] = py::cast(values[index++]);
        }
      } else {
        replace_leaves(l[i], values, index);
      }
    }
  } else if (py::isinstance<py::dict>(tree)) {
    auto d = py::reinterpret_borrow<py::dict>(tree);
    for (auto item : py::dict(d)) {
      if (is_array(item.second)) {
        if (index < values.size()) {
          d[item.first] = py::cast(values[index++]);
        }
      } else {
        replace_leaves(item.second, values, index);
      }
    }
  } else if (py::isinstance<py::tuple>(tree)) {
    for (auto item : py::reinterpret_borrow<py::tuple>(tree)) {
      if (is_array(item)) {
        throw py::value_error("[compile] State arrays must be held in lists or dicts, not tuples.");
      }
      replace_leaves(item, values, index);
    }
  }
}

void replace_leaves(py::handle tree, const std::vector<array>& values) {
  size_t index = 0;
  replace_leaves(tree, values, index);
}

struct Entry {
  std::shared_ptr<mlx::core::detail::CompiledGraph> graph;
  py::object out_tree;    // the function's result, for its structure
  size_t num_outputs = 0; // arrays in out_tree; the rest is state
};

class Compiled {
 public:
  Compiled(py::function fun, py::object inputs, py::object outputs, bool shapeless)
      : fun_(std::move(fun)),
        inputs_(std::move(inputs)),
        outputs_(std::move(outputs)),
        shapeless_(shapeless) {}

  py::object call(py::args args, py::kwargs kwargs) {
    if (!mlx::core::compile_enabled()) {
      return fun_(*args, **kwargs);
    }
    auto arg_arrays = tree_flatten(py::make_tuple(args, kwargs), false);
    auto state = inputs_.is_none() ? std::vector<array>{} : tree_flatten(inputs_, false);
    std::vector<array> all = arg_arrays;
    all.insert(all.end(), state.begin(), state.end());
    py::object key = py::make_tuple(signature(py::make_tuple(args, kwargs), true, shapeless_),
                                    inputs_.is_none() ? py::none() : signature(inputs_, false, shapeless_));
    Entry* entry = nullptr;
    if (cache_.contains(key)) {
      entry = &entries_.at(cache_[key].cast<size_t>());
    } else {
      entry = &trace(key, args, kwargs, arg_arrays.size(), state);
    }
    auto results = mlx::core::detail::compile_replay(*entry->graph, all);
    std::vector<array> outs(results.begin(), results.begin() + entry->num_outputs);
    std::vector<array> new_state(results.begin() + entry->num_outputs, results.end());
    if (!outputs_.is_none()) {
      replace_leaves(outputs_, new_state);
    }
    size_t index = 0;
    return tree_unflatten(entry->out_tree, outs, index);
  }

 private:
  Entry& trace(py::object key, py::args args, py::kwargs kwargs, size_t num_args,
               const std::vector<array>& state) {
    Entry entry;
    auto fn = [&](const std::vector<array>& traced) {
      size_t index = 0;
      auto call_args = tree_unflatten(py::make_tuple(args, kwargs), traced, index);
      std::vector<array> traced_state(traced.begin() + num_args, traced.end());
      if (!inputs_.is_none()) {
        replace_leaves(inputs_, traced_state);
      }
      py::object out;
      try {
        auto t = call_args.cast<py::tuple>();
        out = fun_(*t[0].cast<py::tuple>(), **t[1].cast<py::dict>());
      } catch (...) {
        if (!inputs_.is_none()) {
          replace_leaves(inputs_, state);
        }
        throw;
      }
      auto outs = tree_flatten(out, false);
      entry.out_tree = out;
      entry.num_outputs = outs.size();
      if (!outputs_.is_none()) {
        auto s = tree_flatten(outputs_, false);
        outs.insert(outs.end(), s.begin(), s.end());
      }
      // Put the real state back; the replay computes its new values.
      if (!inputs_.is_none()) {
        replace_leaves(inputs_, state);
      }
      return outs;
    };
    std::vector<array> all;
    {
      all = tree_flatten(py::make_tuple(args, kwargs), false);
      all.insert(all.end(), state.begin(), state.end());
    }
    entry.graph = mlx::core::detail::compile_trace(fn, all, shapeless_);
    entries_.push_back(std::move(entry));
    cache_[key] = py::int_(entries_.size() - 1);
    return entries_.back();
  }

  py::function fun_;
  py::object inputs_, outputs_;
  bool shapeless_;
  py::dict cache_;
  std::deque<Entry> entries_;
};

} // namespace

void init_compile(py::module_& m) {
  py::class_<Compiled>(m, "_CompiledFunction", py::dynamic_attr()).def("__call__", &Compiled::call);
  m.def(
      "compile",
      [](py::function fun, py::object inputs, py::object outputs, bool shapeless) {
        auto c = Compiled(fun, inputs, outputs, shapeless);
        py::object obj = py::cast(std::move(c));
        // Look like the wrapped function (name, docstring).
        py::object wraps = py::module_::import("functools").attr("update_wrapper");
        try {
          wraps(obj, fun);
        } catch (py::error_already_set&) {
        }
        return obj;
      },
      py::arg("fun"), py::arg("inputs") = py::none(), py::arg("outputs") = py::none(),
      py::arg("shapeless") = false,
      "Returns a compiled `fun`: traced once per call signature (argument structure, array\n"
      "shapes and dtypes, values of other arguments) and replayed as a recorded graph after.\n"
      "Captured arrays are constants of the trace; `inputs` and `outputs` name state (trees\n"
      "of arrays in lists/dicts) read and replaced by the function. Calls with new shapes\n"
      "trace again; with `shapeless`, they reuse the trace (only new dtypes or numbers of\n"
      "dimensions trace again) where every op can infer its shapes.");
  m.def("disable_compile", &mlx::core::disable_compile, "Makes compiled functions run uncompiled.");
  m.def("enable_compile", &mlx::core::enable_compile, "Turns compilation back on.");
}
