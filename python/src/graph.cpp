// mx.custom_function and mx.checkpoint.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "mlx/graph_utils.h"

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

// A Python function with optional custom vjp / jvp / vmap rules. Arguments
// and results are trees of arrays; the rules see them with the same trees.
class PyCustomFunction {
 public:
  explicit PyCustomFunction(py::function fun) : fun_(std::move(fun)) {}

  py::object call(py::args args, py::kwargs kwargs) {
    auto inputs = tree_flatten(args, false);
    auto st = make_state();
    st->fun = fun_;
    st->args_tree = args;
    st->kwargs = py::dict(kwargs);
    st->vjp = vjp_;
    st->jvp = jvp_;
    st->vmap = vmap_;
    Function f = [st](const std::vector<array>& xs) {
      py::gil_scoped_acquire gil;
      size_t index = 0;
      auto new_args = tree_unflatten(st->args_tree, xs, index);
      st->out_tree = st->fun(*py::tuple(new_args), **st->kwargs);
      return tree_flatten(st->out_tree, false);
    };
    std::optional<CustomVJP> vjp_rule;
    if (vjp_) {
      vjp_rule = [st](const std::vector<array>& primals, const std::vector<array>& cots,
                      const std::vector<array>& outputs) {
        py::gil_scoped_acquire gil;
        size_t i = 0, j = 0, k = 0;
        auto p = tree_unflatten(st->args_tree, primals, i);
        auto c = tree_unflatten(st->out_tree, cots, j);
        auto o = tree_unflatten(st->out_tree, outputs, k);
        auto grads = (*st->vjp)(p, c, o);
        auto flat = tree_flatten(grads, false);
        if (flat.size() != primals.size()) {
          throw py::value_error(
              "[custom_function] The custom vjp must return one cotangent per input array.");
        }
        return flat;
      };
    }
    std::optional<CustomJVP> jvp_rule;
    if (jvp_) {
      jvp_rule = [st](const std::vector<array>& primals, const std::vector<array>& tans,
                      const std::vector<int>& argnums) {
        py::gil_scoped_acquire gil;
        std::vector<array> all_tans;
        for (auto& p : primals) {
          all_tans.push_back(zeros_like(p));
        }
        for (size_t q = 0; q < argnums.size(); ++q) {
          all_tans[argnums[q]] = tans[q];
        }
        size_t i = 0, j = 0;
        auto p = tree_unflatten(st->args_tree, primals, i);
        auto t = tree_unflatten(st->args_tree, all_tans, j);
        return tree_flatten((*st->jvp)(p, t), false);
      };
    }
    std::optional<CustomVmap> vmap_rule;
    if (vmap_) {
      vmap_rule = [st](const std::vector<array>& inputs, const std::vector<int>& axes) {
        py::gil_scoped_acquire gil;
        size_t i = 0;
        auto in = tree_unflatten(st->args_tree, inputs, i);
        py::list ax;
        for (int a : axes) {
          ax.append(a < 0 ? py::object(py::none()) : py::object(py::int_(a)));
        }
        auto res = (*st->vmap)(in, py::tuple(ax)).cast<py::tuple>();
        auto outs = tree_flatten(res[0], false);
        std::vector<int> out_axes;
        if (py::isinstance<py::int_>(res[1])) {
          out_axes.assign(outs.size(), res[1].cast<int>());
        } else {
          for (auto a : py::reinterpret_borrow<py::sequence>(res[1])) {
            out_axes.push_back(a.is_none() ? -1 : a.cast<int>());
          }
        }
        return std::make_pair(outs, out_axes);
      };
    }
    auto outs = custom_function(f, vjp_rule, jvp_rule, vmap_rule)(inputs);
    size_t index = 0;
    return tree_unflatten(st->out_tree, outs, index);
  }

  py::object set_vjp(py::function f) {
    vjp_ = f;
    return f;
  }
  py::object set_jvp(py::function f) {
    jvp_ = f;
    return f;
  }
  py::object set_vmap(py::function f) {
    vmap_ = f;
    return f;
  }

 private:
  py::function fun_;
  std::optional<py::function> vjp_, jvp_, vmap_;
};

} // namespace

namespace {

std::vector<array> to_array_list(py::handle x) {
  if (py::isinstance<array>(x)) {
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
        if (py::isinstance<array>(inputs)) {
          return py::cast(out[0]);
        }
        return py::cast(out);
      },
      py::arg("inputs"), py::arg("dependencies"), py::pos_only(),
      "The inputs, evaluated only after the dependencies.");
}

} // namespace

void init_graph(py::module_& m) {
  py::class_<PyCustomFunction>(m, "custom_function",
                               "Wraps a function so that its vjp, jvp and vmap can be customized.")
      .def(py::init<py::function>(), py::arg("f"))
      .def("__call__", &PyCustomFunction::call)
      .def("vjp", &PyCustomFunction::set_vjp, py::arg("f"),
           "Set the vjp: f(primals, cotangents, outputs) -> cotangents of the primals.")
      .def("jvp", &PyCustomFunction::set_jvp, py::arg("f"),
           "Set the jvp: f(primals, tangents) -> tangents of the outputs.")
      .def("vmap", &PyCustomFunction::set_vmap, py::arg("f"),
           "Set the vmap: f(inputs, axes) -> (outputs, output axes).");
  m.def(
      "checkpoint",
      [](py::function fun) {
        return py::cpp_function([fun](py::args args, py::kwargs kwargs) {
          PyCustomFunction f(fun);
          return f.call(args, kwargs);
        });
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
          if (py::isinstance<array>(h)) {
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
          if (!py::isinstance<array>(kv.second)) {
            throw py::type_error("[export_to_dot] Names must be given to arrays.");
          }
          names[kv.second.cast<array>().id()] = kv.first.cast<std::string>();
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
