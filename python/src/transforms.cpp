// eval and async_eval over trees of arrays.
#include <pybind11/pybind11.h>

#include <pybind11/stl.h>

#include <limits>

#include "py_args_sequence.h"
#include "trees.h"

namespace {

// Collects the arrays in nested lists, tuples and dicts; other leaves are
// ignored, as MLX does.
void collect(py::handle obj, std::vector<array>& out) {
  if (py::isinstance<array>(obj)) {
    out.push_back(obj.cast<array>());
  } else if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(obj)) {
      collect(item, out);
    }
  } else if (py::isinstance<py::dict>(obj)) {
    for (auto item : py::reinterpret_borrow<py::dict>(obj)) {
      collect(item.second, out);
    }
  }
}

} // namespace

namespace {

// Calls a Python function on arrays unflattened into its argument trees.
struct PyCall {
  py::function fun;
  py::tuple args;
  py::dict kwargs;
};

std::vector<int> to_argnums(py::handle argnums, size_t nargs, bool& single) {
  single = false;
  if (argnums.is_none()) {
    return {};
  }
  if (py::isinstance<py::int_>(argnums)) {
    single = true;
    return {argnums.cast<int>()};
  }
  auto out = argnums.cast<std::vector<int>>();
  // As MLX: a one-element sequence also gives a bare gradient, not a tuple.
  single = out.size() == 1;
  return out;
}

std::vector<std::string> to_argnames(py::handle argnames) {
  if (py::isinstance<py::str>(argnames)) {
    return {argnames.cast<std::string>()};
  }
  return argnames.cast<std::vector<std::string>>();
}

[[noreturn]] void bad_output(py::handle out) {
  std::string msg =
      "[value_and_grad] The return value of the function whose gradient we want to compute "
      "should be either a scalar array or a tuple with the first value being a scalar array "
      "(Received " +
      py::str(out.get_type().attr("__name__")).cast<std::string>() + ").";
  throw py::value_error(msg);
}

// value_and_grad over positional argnums and keyword argnames. Returns
// (value, grads) with grads shaped as MLX returns them.
py::object value_and_grad_impl(py::function fun, py::object argnums_obj, py::object argnames_obj,
                               py::args args, py::kwargs kwargs, bool want_value) {
  bool single = false;
  auto argnums = to_argnums(argnums_obj, args.size(), single);
  auto argnames = to_argnames(argnames_obj);
  if (argnums_obj.is_none() && argnames.empty()) {
    argnums = {0};
    single = true;
  }
  if (argnums.empty() && argnames.empty()) {
    throw py::value_error(std::string(want_value ? "[value_and_grad]" : "[grad]") +
                          " Gradient wrt no argument requested");
  }
  const std::string who = want_value ? "[value_and_grad]" : "[grad]";
  for (int& i : argnums) {
    int given = i;
    if (i < 0) {
      i += int(args.size());
    }
    if (i < 0 || i >= int(args.size())) {
      throw py::value_error(who + " Can't compute the gradient of argument index " + std::to_string(given) +
                            " because the function is called with only " + std::to_string(args.size()) +
                            " positional arguments.");
    }
  }
  // The differentiated arrays, flattened: positional trees then keyword trees.
  std::vector<array> primals;
  std::vector<size_t> counts;
  for (int i : argnums) {
    auto leaves = tree_flatten(args[i]);
    counts.push_back(leaves.size());
    primals.insert(primals.end(), leaves.begin(), leaves.end());
  }
  for (auto& name : argnames) {
    if (!kwargs.contains(name.c_str())) {
      std::string given = "{";
      for (auto item : kwargs) {
        given += py::str(item.first).cast<std::string>() + ",";
      }
      throw py::value_error(who + " Can't compute the gradient of keyword argument '" + name +
                            "' because the function is called with the following keyword arguments " + given +
                            "}");
    }
    auto leaves = tree_flatten(kwargs[name.c_str()]);
    counts.push_back(leaves.size());
    primals.insert(primals.end(), leaves.begin(), leaves.end());
  }
  py::object value;
  auto f = [&](const std::vector<array>& xs) {
    py::list new_args(args);
    py::dict new_kwargs(kwargs);
    size_t index = 0;
    for (int i : argnums) {
      new_args[i] = tree_unflatten(args[i], xs, index);
    }
    for (auto& name : argnames) {
      new_kwargs[name.c_str()] = tree_unflatten(kwargs[name.c_str()], xs, index);
    }
    value = fun(*py::tuple(new_args), **new_kwargs);
    py::object loss = value;
    if (py::isinstance<py::tuple>(value) || py::isinstance<py::list>(value)) {
      if (py::len(value) == 0) {
        bad_output(value);
      }
      loss = value[py::int_(0)];
    }
    if (!py::isinstance<array>(loss)) {
      bad_output(value);
    }
    auto l = loss.cast<array>();
    if (l.ndim() != 0) {
      std::string shape = "(";
      for (int d = 0; d < l.ndim(); ++d) {
        shape += (d ? "," : "") + std::to_string(l.shape(d));
      }
      throw py::value_error("[vjp] Output shape " + shape + ") does not match cotangent shape (). " +
                            "If you are using grad your function must return a scalar.");
    }
    return std::vector<array>{l};
  };
  auto [outs, grads] = vjp(f, primals, {array(1.0f)});
  (void)outs;
  // Rebuild the gradient trees.
  size_t index = 0;
  py::object pos_grads = py::none();
  if (!argnums.empty()) {
    py::list g;
    for (int i : argnums) {
      g.append(tree_unflatten(args[i], grads, index));
    }
    pos_grads = single ? g[0] : py::object(py::tuple(g));
  }
  py::object result = pos_grads;
  if (!argnames.empty()) {
    py::dict kw;
    for (auto& name : argnames) {
      kw[name.c_str()] = tree_unflatten(kwargs[name.c_str()], grads, index);
    }
    result = py::make_tuple(pos_grads, kw);
  }
  return want_value ? py::object(py::make_tuple(value, result)) : result;
}

std::vector<array> to_array_list(py::handle seq, const char* what) {
  if (!is_sequence(seq) || py::isinstance<array>(seq)) {
    throw py::type_error(std::string(what) +
                         "(): incompatible function arguments: expected a list of arrays, got " +
                         std::string(py::str(py::type::handle_of(seq).attr("__name__"))) + ".");
  }
  std::vector<array> out;
  for (auto h : py::reinterpret_borrow<py::sequence>(seq)) {
    if (!py::isinstance<array>(h)) {
      throw py::value_error(std::string("[") + what + "] Expected a list of arrays.");
    }
    out.push_back(h.cast<array>());
  }
  return out;
}

Function wrap_list_fun(py::function fun) {
  return [fun](const std::vector<array>& xs) {
    py::list args;
    for (auto& x : xs) {
      args.append(py::cast(x));
    }
    auto out = fun(*args);
    if (py::isinstance<array>(out)) {
      return std::vector<array>{out.cast<array>()};
    }
    return tree_flatten(out);
  };
}

// "(2,3,4)", as MLX prints shapes in vmap errors.
std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? "," : "") + std::to_string(shape[i]);
  }
  return out + ")";
}

// Marks a None (unmapped) entry of flattened in_axes/out_axes; negative
// ints are axes counted from the end.
constexpr int kNoAxis = std::numeric_limits<int>::min();

// in_axes / out_axes: an int, None, or a (nested) tree matching the args.
void flatten_axes(py::handle axes, py::handle tree, std::vector<int>& out) {
  if (axes.is_none() || py::isinstance<py::int_>(axes)) {
    int ax = axes.is_none() ? kNoAxis : axes.cast<int>();
    for (size_t i = 0; i < tree_flatten(tree, false).size(); ++i) {
      out.push_back(ax);
    }
    return;
  }
  if ((py::isinstance<py::list>(axes) || py::isinstance<py::tuple>(axes)) &&
      (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree))) {
    if (py::len(axes) != py::len(tree)) {
      throw py::value_error("[vmap] The in_axes/out_axes tree does not match the arguments.");
    }
    for (size_t i = 0; i < py::len(axes); ++i) {
      flatten_axes(axes[py::int_(i)], tree[py::int_(i)], out);
    }
    return;
  }
  if (py::isinstance<py::dict>(axes) && py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      flatten_axes(axes[item.first], item.second, out);
    }
    return;
  }
  throw py::value_error("[vmap] in_axes/out_axes must be int, None or a tree matching the arguments.");
}

} // namespace

void init_transforms(py::module_& m) {
  m.def(
      "value_and_grad",
      [](py::function fun, py::object argnums, py::object argnames) {
        return py::cpp_function([fun, argnums, argnames](py::args args, py::kwargs kwargs) {
          return value_and_grad_impl(fun, argnums, argnames, args, kwargs, true);
        });
      },
      py::arg("fun"), py::arg("argnums") = py::none(), py::arg("argnames") = py::list(),
      "A function computing fun's value and its gradient with respect to argnums/argnames.");
  m.def(
      "grad",
      [](py::function fun, py::object argnums, py::object argnames) {
        return py::cpp_function([fun, argnums, argnames](py::args args, py::kwargs kwargs) {
          return value_and_grad_impl(fun, argnums, argnames, args, kwargs, false);
        });
      },
      py::arg("fun"), py::arg("argnums") = py::none(), py::arg("argnames") = py::list(),
      "A function computing the gradient of fun with respect to argnums/argnames.");
  m.def(
      "vjp",
      [](py::function fun, py::object primals, py::object cotangents) {
        auto [outs, grads] =
            vjp(wrap_list_fun(fun), to_array_list(primals, "vjp"), to_array_list(cotangents, "vjp"));
        return py::make_tuple(outs, grads);
      },
      py::arg("fun"), py::arg("primals"), py::arg("cotangents"),
      "The outputs of fun(*primals) and the vector-Jacobian product with cotangents.");
  m.def(
      "jvp",
      [](py::function fun, py::object primals, py::object tangents) {
        auto [outs, tans] =
            jvp(wrap_list_fun(fun), to_array_list(primals, "jvp"), to_array_list(tangents, "jvp"));
        return py::make_tuple(outs, tans);
      },
      py::arg("fun"), py::arg("primals"), py::arg("tangents"),
      "The outputs of fun(*primals) and the Jacobian-vector product with tangents.");
  m.def(
      "vmap",
      [](py::function fun, py::object in_axes, py::object out_axes) {
        return py::cpp_function([fun, in_axes, out_axes](py::args args) {
          std::vector<int> in_flat;
          py::object axes_tree = in_axes;
          if (py::isinstance<py::list>(in_axes) || py::isinstance<py::tuple>(in_axes)) {
            axes_tree = py::tuple(in_axes);
          } else {
            py::list rep;
            for (size_t i = 0; i < args.size(); ++i) {
              rep.append(in_axes);
            }
            axes_tree = py::tuple(rep);
          }
          flatten_axes(axes_tree, args, in_flat);
          auto inputs = tree_flatten(args, false);
          // The C++ vmap takes -1 for "not mapped" and axes counted from 0.
          for (size_t i = 0; i < in_flat.size(); ++i) {
            int& ax = in_flat[i];
            int nd = inputs[i].ndim();
            if (ax == kNoAxis) {
              ax = -1;
            } else if (ax < -nd || ax >= nd) {
              throw py::index_error("[vmap] Invalid vectorization axis " + std::to_string(ax) +
                                    " for array with shape " + shape_str(inputs[i].shape()));
            } else if (ax < 0) {
              ax += nd;
            }
          }
          py::object out_tree;
          auto f = [&](const std::vector<array>& xs) {
            size_t index = 0;
            py::object new_args = tree_unflatten(args, xs, index);
            out_tree = fun(*py::tuple(new_args));
            return tree_flatten(out_tree, false);
          };
          // Out axes depend on the output tree, known only after tracing:
          // trace with all outputs at 0, then move per out_axes.
          auto results = vmap(f, in_flat, {})(inputs);
          std::vector<int> out_flat;
          flatten_axes(out_axes, out_tree, out_flat);
          for (size_t i = 0; i < results.size(); ++i) {
            if (out_flat[i] == kNoAxis) {
              throw py::value_error("[vmap] out_axes None is not supported for mapped outputs.");
            }
            int nd = results[i].ndim();
            if (out_flat[i] < -nd || out_flat[i] >= nd) {
              Shape lane = results[i].shape();
              lane.erase(lane.begin());
              throw py::index_error("[vmap] Invalid output vectorization axis " +
                                    std::to_string(out_flat[i]) + " for array with shape " + shape_str(lane));
            }
            if (out_flat[i] != 0) {
              results[i] = moveaxis(results[i], 0, out_flat[i]);
            }
          }
          size_t index = 0;
          return tree_unflatten(out_tree, results, index);
        });
      },
      py::arg("fun"), py::arg("in_axes") = 0, py::arg("out_axes") = 0,
      "Vectorize fun over the in_axes of its arguments.");
  m.def(
      "stop_gradient", [](const array& a, py::object s) { return stop_gradient(a, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "The identity, with no gradient flowing through it.");

  m.def(
      "eval",
      [](py::args args) {
        std::vector<array> arrays;
        collect(args, arrays);
        py::gil_scoped_release nogil;
        eval(std::move(arrays));
      },
      "Evaluate each array in the arguments (arrays or trees of arrays).");
  m.def(
      "async_eval",
      [](py::args args) {
        std::vector<array> arrays;
        collect(args, arrays);
        py::gil_scoped_release nogil;
        async_eval(std::move(arrays));
      },
      "Start evaluating the arrays in the arguments and return at once.");
}
