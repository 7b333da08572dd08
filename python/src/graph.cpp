// mx.custom_function and mx.checkpoint.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "mlx/graph_utils.h"
#include "array_type.h"

#include "transforms_callable.h"
#include "trees.h"

namespace {

// Python objects captured by graph nodes may be released on a thread that
// does not hold the GIL (after an eval that released it): hold them through
// a pointer whose deleter takes the GIL.
struct PyState {
  py::function fun;
  py::object args_tree;
  py::dict kwargs;
  py::object out_tree;
  std::optional<py::function> vjp, jvp, vmap;
};

std::shared_ptr<PyState> make_state() {
  return std::shared_ptr<PyState>(new PyState(), [](PyState* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

// Rules and functions see the arguments as MLX passes them: a lone
// positional argument by itself, several as a tuple.
py::object lone_or_tuple(py::handle args) {
  auto t = py::reinterpret_borrow<py::tuple>(args);
  return t.size() == 1 ? py::object(t[0]) : py::object(t);
}

// Calls `fun` as one graph node whose vjp / jvp / vmap are the given Python
// rules (None: derived from fun itself; with no rule at all, `fun` itself
// as in MLX; `as_checkpoint`: mx.checkpoint's node, whose vjp runs `fun`
// again). Arguments and results are trees of arrays; the rules see them
// with the same trees.
py::object call_custom(py::handle fun, py::handle vjp, py::handle jvp, py::handle vmap, py::args args,
                       py::kwargs kwargs, bool as_checkpoint = false) {
  auto inputs = tree_flatten(args, false);
  auto st = make_state();
  st->fun = py::reinterpret_borrow<py::function>(fun);
  st->args_tree = args;
  st->kwargs = py::dict(kwargs);
  if (!vjp.is_none()) {
    st->vjp = py::reinterpret_borrow<py::function>(vjp);
  }
  if (!jvp.is_none()) {
    st->jvp = py::reinterpret_borrow<py::function>(jvp);
  }
  if (!vmap.is_none()) {
    st->vmap = py::reinterpret_borrow<py::function>(vmap);
  }
  Function f = [st](const std::vector<array>& xs) {
    py::gil_scoped_acquire gil;
    size_t index = 0;
    auto new_args = tree_unflatten(st->args_tree, xs, index);
    st->out_tree = st->fun(*py::tuple(new_args), **st->kwargs);
    return tree_flatten(st->out_tree, false);
  };
  std::optional<CustomVJP> vjp_rule;
  if (st->vjp) {
    vjp_rule = [st](const std::vector<array>& primals, const std::vector<array>& cots,
                    const std::vector<array>& outputs) {
      py::gil_scoped_acquire gil;
      size_t i = 0, j = 0, k = 0;
      auto p = tree_unflatten(st->args_tree, primals, i);
      auto c = tree_unflatten(st->out_tree, cots, j);
      auto o = tree_unflatten(st->out_tree, outputs, k);
      auto grads = (*st->vjp)(lone_or_tuple(p), c, o, **st->kwargs);
      auto flat = tree_flatten(grads, false);
      if (flat.size() != primals.size()) {
        throw py::value_error("[custom_function] The custom vjp must return one cotangent per input array.");
      }
      return flat;
    };
  }
  std::optional<CustomJVP> jvp_rule;
  if (st->jvp) {
    jvp_rule = [st](const std::vector<array>& primals, const std::vector<array>& tans,
                    const std::vector<int>& argnums) {
      py::gil_scoped_acquire gil;
      if (st->kwargs.size() > 0) {
        throw py::value_error("[custom jvp] Function should only accept positional arguments");
      }
      // Arrays without a tangent are given None, as MLX does.
      std::vector<py::object> all_tans(primals.size(), py::none());
      for (size_t q = 0; q < argnums.size(); ++q) {
        all_tans[argnums[q]] = py::cast(tans[q]);
      }
      size_t i = 0, j = 0;
      auto p = tree_unflatten(st->args_tree, primals, i);
      auto t = tree_map_arrays(st->args_tree, [&](const array&) { return all_tans.at(j++); });
      return tree_flatten((*st->jvp)(lone_or_tuple(p), lone_or_tuple(t)), false);
    };
  }
  std::optional<CustomVmap> vmap_rule;
  if (st->vmap) {
    vmap_rule = [st](const std::vector<array>& inputs, const std::vector<int>& axes) {
      py::gil_scoped_acquire gil;
      if (st->kwargs.size() > 0) {
        throw py::value_error("[custom vmap] Function should only accept positional arguments");
      }
      size_t i = 0, j = 0;
      auto in = tree_unflatten(st->args_tree, inputs, i);
      auto ax = tree_map_arrays(st->args_tree, [&](const array&) {
        int a = axes.at(j++);
        return a < 0 ? py::object(py::none()) : py::object(py::int_(a));
      });
      py::object res = (*st->vmap)(lone_or_tuple(in), lone_or_tuple(ax));
      if (!py::isinstance<py::tuple>(res) || py::len(res) != 2) {
        throw py::value_error("[custom vmap] Vmap function should return a tuple with 2 items.");
      }
      auto outs = tree_flatten(res[py::int_(0)], false);
      std::vector<int> out_axes;
      tree_visit_prefix(res[py::int_(0)], res[py::int_(1)], "custom vmap",
                        [&](py::handle leaf, py::handle a) {
                          if (is_array(leaf)) {
                            out_axes.push_back(a.is_none() ? -1 : a.cast<int>());
                          }
                        });
      return std::make_pair(outs, out_axes);
    };
  }
  auto outs =
      as_checkpoint ? checkpoint(f)(inputs) : custom_function(f, vjp_rule, jvp_rule, vmap_rule)(inputs);
  size_t index = 0;
  return tree_unflatten(st->out_tree, outs, index);
}

// mx.custom_function: a function and its rules (None where not given).
// Its type tells Python's garbage collector about these references (a rule
// whose closure refers back to the custom function is a cycle to free).
struct PyCustomFunction {
  py::object fun, vjp = py::none(), jvp = py::none(), vmap = py::none();
};

// The C++ object of a custom_function instance, or null while it is being
// built (the collector may look at it then).
PyCustomFunction* constructed(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder();
  return vh.holder_constructed() ? vh.template holder<std::unique_ptr<PyCustomFunction>>().get() : nullptr;
}

int traverse_custom(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  auto* f = constructed(self);
  if (f == nullptr) {
    return 0;
  }
  for (auto* o : {&f->fun, &f->vjp, &f->jvp, &f->vmap}) {
    Py_VISIT(o->ptr());
  }
  return 0;
}

int clear_custom(PyObject* self) {
  if (auto* f = constructed(self)) {
    for (auto* o : {&f->fun, &f->vjp, &f->jvp, &f->vmap}) {
      *o = py::none();
    }
  }
  return 0;
}

} // namespace

namespace {

std::vector<array> to_array_list(py::handle x) {
  if (is_array(x)) {
    return {x.cast<array>()};
  }
  return x.cast<std::vector<array>>();
}

} // namespace

namespace {

void init_depends(py::module_& m) {
  m.def(
      "depends",
      [](py::object inputs, py::object deps) -> py::object {
        auto out = depends(to_array_list(inputs), to_array_list(deps));
        if (is_array(inputs)) {
          return py::cast(out[0]);
        }
        return py::cast(out);
      },
      py::arg("inputs"), py::arg("dependencies"), py::pos_only(),
      "The inputs, evaluated only after the dependencies.");
}

} // namespace

void init_graph(py::module_& m) {
  auto setter = [](const char* name) {
    return [name](py::object self, py::function f) {
      py::setattr(self, name, f);
      return f;
    };
  };
  py::class_<PyCustomFunction>(m, "custom_function", py::custom_type_setup([](PyHeapTypeObject* heap_type) {
                                 auto* type = &heap_type->ht_type;
                                 type->tp_flags |= Py_TPFLAGS_HAVE_GC;
                                 type->tp_traverse = traverse_custom;
                                 type->tp_clear = clear_custom;
                               }),
                               "Wraps a function so that its vjp, jvp and vmap can be customized.")
      .def(py::init([](py::function f) { return PyCustomFunction{f}; }), py::arg("f"))
      .def("__call__",
           [](PyCustomFunction& self, py::args args, py::kwargs kwargs) {
             return call_custom(self.fun, self.vjp, self.jvp, self.vmap, args, kwargs);
           })
      .def(
          "vjp",
          [](PyCustomFunction& self, py::function f) {
            self.vjp = f;
            return self; // a custom_function, so that decorating keeps the name bound to one
          },
          py::arg("f"), "Set the vjp: f(primals, cotangents, outputs) -> cotangents of the primals.")
      .def(
          "jvp",
          [](PyCustomFunction& self, py::function f) {
            self.jvp = f;
            return self; // a custom_function, so that decorating keeps the name bound to one
          },
          py::arg("f"), "Set the jvp: f(primals, tangents) -> tangents of the outputs.")
      .def(
          "vmap",
          [](PyCustomFunction& self, py::function f) {
            self.vmap = f;
            return self; // a custom_function, so that decorating keeps the name bound to one
          },
          py::arg("f"), "Set the vmap: f(inputs, axes) -> (outputs, output axes).");
  m.def(
      "checkpoint",
      [](py::function fun) {
        py::dict attrs;
        attrs["__wrapped__"] = fun;
        return make_transformed(
            [](py::handle self, py::args args, py::kwargs kwargs) {
              return call_custom(self.attr("__wrapped__"), py::none(), py::none(), py::none(), args, kwargs,
                                 true);
            },
            attrs);
      },
      py::arg("fun"),
      "A function that recomputes fun's intermediate values in the backward pass "
      "instead of keeping them, saving memory.");
  init_depends(m);
  m.def(
      "export_to_dot",
      [](py::object file, py::args args, py::kwargs kwargs) {
        std::vector<array> outputs;
        std::function<void(py::handle)> collect = [&](py::handle h) {
          if (is_array(h)) {
            outputs.push_back(h.cast<array>());
          } else if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
            for (auto x : h) {
              collect(x);
            }
          } else if (py::isinstance<py::dict>(h)) {
            for (auto kv : py::reinterpret_borrow<py::dict>(h)) {
              collect(kv.second);
            }
          } else {
            throw py::type_error("[export_to_dot] Expected arrays (or trees of arrays) to export.");
          }
        };
        collect(args);
        std::unordered_map<std::uintptr_t, std::string> names;
        for (auto kv : kwargs) {
          if (!is_array(kv.second)) {
            throw py::type_error("[export_to_dot] Names must be given to arrays.");
          }
          names[kv.second.cast<array>().id()] = kv.first.cast<std::string>();
          outputs.push_back(kv.second.cast<array>()); // named arrays are drawn too
        }
        std::ostringstream os;
        export_to_dot(os, outputs, names);
        if (py::isinstance<py::str>(file)) {
          py::object f = py::module_::import("builtins").attr("open")(file, "w");
          f.attr("write")(os.str());
          f.attr("close")();
        } else {
          file.attr("write")(os.str());
        }
      },
      py::arg("file"),
      "Export the graph behind the given arrays to DOT format (a path or a file-like object).");
}
