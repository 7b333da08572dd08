// grad, value_and_grad, vjp, jvp and vmap over Python trees of arrays, and
// eval / async_eval.
#include <pybind11/pybind11.h>

#include <pybind11/stl.h>

#include <algorithm>
#include <limits>

#include "py_args_sequence.h"
#include "array_type.h"
#include "transforms_callable.h"
#include "trees.h"
#include "mlx/eval_inline.h"
#include "mlx/primitives.h"
#include "mlx/scheduler.h"

namespace {

// ---- grad and value_and_grad ----

// What to differentiate, checked when the transform is made (as MLX does):
// positional indices sorted and distinct, keyword names.
struct GradSpec {
  std::vector<int> argnums;
  std::vector<std::string> argnames;
  bool want_value;
  std::string who; // "[grad]" or "[value_and_grad]"
};

GradSpec make_grad_spec(py::handle argnums, py::handle argnames, bool want_value) {
  GradSpec spec;
  spec.want_value = want_value;
  spec.who = want_value ? "[value_and_grad]" : "[grad]";
  auto bad_type = [&](const char* what) { return py::type_error(spec.who + " " + what); };
  if (py::isinstance<py::str>(argnames)) {
    spec.argnames.push_back(argnames.cast<std::string>());
  } else if (py::isinstance<py::list>(argnames) || py::isinstance<py::tuple>(argnames)) {
    for (auto name : py::reinterpret_borrow<py::sequence>(argnames)) {
      if (!py::isinstance<py::str>(name)) {
        throw bad_type("argnames must be a string or a sequence of strings.");
      }
      spec.argnames.push_back(name.cast<std::string>());
    }
  } else {
    throw bad_type("argnames must be a string or a sequence of strings.");
  }
  auto is_int = [](py::handle h) { return py::isinstance<py::int_>(h) && !py::isinstance<py::bool_>(h); };
  if (argnums.is_none()) {
    if (spec.argnames.empty()) {
      spec.argnums = {0};
    }
  } else if (is_int(argnums)) {
    spec.argnums = {argnums.cast<int>()};
  } else if (py::isinstance<py::list>(argnums) || py::isinstance<py::tuple>(argnums)) {
    for (auto i : py::reinterpret_borrow<py::sequence>(argnums)) {
      if (!is_int(i)) {
        throw bad_type("argnums must be an int, a sequence of ints or None.");
      }
      spec.argnums.push_back(i.cast<int>());
    }
  } else {
    throw bad_type("argnums must be an int, a sequence of ints or None.");
  }
  if (spec.argnums.empty() && spec.argnames.empty()) {
    throw py::value_error(spec.who + " Gradient wrt no argument requested");
  }
  // As MLX: gradients come back in increasing argument order.
  std::sort(spec.argnums.begin(), spec.argnums.end());
  if (!spec.argnums.empty() && spec.argnums[0] < 0) {
    throw py::value_error(spec.who + " Can't compute the gradient of negative argument index " +
                          std::to_string(spec.argnums[0]));
  }
  for (size_t i = 1; i < spec.argnums.size(); ++i) {
    if (spec.argnums[i] == spec.argnums[i - 1]) {
      throw py::value_error(spec.who + " Duplicate argument index " + std::to_string(spec.argnums[i]) +
                            " is not allowed.");
    }
  }
  return spec;
}

std::string type_name(py::handle obj) { return py::str(obj.get_type().attr("__name__")).cast<std::string>(); }

// The scalar to differentiate in what the function returned: the value
// itself, or the first item of a tuple for value_and_grad.
array loss_of(const GradSpec& spec, py::handle value) {
  const std::string head = spec.who + " The return value of the function whose gradient we want to compute ";
  py::handle loss = value;
  if (!is_array(value)) {
    if (!spec.want_value) {
      throw py::value_error(head + "should be a scalar array; but " + type_name(value) + " was returned.");
    }
    if (!py::isinstance<py::tuple>(value)) {
      throw py::value_error(head +
                            "should be either a scalar array or a tuple with the first value being a scalar "
                            "array (Union[array, tuple[array, Any, ...]]); but " +
                            type_name(value) + " was returned.");
    }
    if (py::len(value) == 0) {
      throw py::value_error(
          head +
          "should be either a scalar array or a non-empty tuple. The first value should be a "
          "scalar array and the rest can be anything. Instead, we got an empty tuple.");
    }
    loss = value[py::int_(0)];
    if (!is_array(loss)) {
      throw py::value_error(head +
                            "should be either a scalar array or a tuple with the first value being a scalar "
                            "array (Union[array, tuple[array, Any, ...]]); but it was a tuple with the first "
                            "value being of type " +
                            type_name(loss) + " .");
    }
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
  return l;
}

// The array leaves of a differentiated argument, as arrays and as the
// Python objects that hold them (put back after the call).
void collect_leaves(py::handle tree, std::vector<array>& arrays, std::vector<py::object>& objects) {
  TreeDepthGuard guard;
  if (is_array(tree)) {
    arrays.push_back(array_ref(tree));
    objects.push_back(py::reinterpret_borrow<py::object>(tree));
  } else if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(tree)) {
      collect_leaves(item, arrays, objects);
    }
  } else if (py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      collect_leaves(item.second, arrays, objects);
    }
  } else {
    throw py::value_error("[tree_flatten] The argument should contain only arrays");
  }
}

// Calls fun with the differentiated arrays replaced by tracers. As under
// MLX, the tracers are written into the caller's own lists and dicts (a
// function may store into them: that stays), and every tracer still in
// place afterwards is swapped back for the caller's array.
py::object grad_call(const GradSpec& spec, py::handle fun, py::args args, py::kwargs kwargs) {
  if (!spec.argnums.empty() && spec.argnums.back() >= int(args.size())) {
    throw py::value_error(spec.who + " Can't compute the gradient of argument index " +
                          std::to_string(spec.argnums.back()) + " because the function is called with only " +
                          std::to_string(args.size()) + " positional arguments.");
  }
  for (auto& name : spec.argnames) {
    if (!kwargs.contains(name.c_str())) {
      std::string given = "{";
      for (auto item : kwargs) {
        given += py::str(item.first).cast<std::string>() + ",";
      }
      throw py::value_error(spec.who + " Can't compute the gradient of keyword argument '" + name +
                            "' because the function is called with the following keyword arguments " + given +
                            "}");
    }
  }
  // The differentiated trees in order: positional ones, then keyword ones.
  std::vector<py::object> trees;
  for (int i : spec.argnums) {
    trees.push_back(args[i]);
  }
  for (auto& name : spec.argnames) {
    trees.push_back(kwargs[name.c_str()]);
  }
  std::vector<array> primals;
  std::vector<py::object> originals;
  for (auto& tree : trees) {
    collect_leaves(tree, primals, originals);
  }
  py::object value;
  auto f = [&](const std::vector<array>& xs) {
    std::vector<py::object> tracers;
    std::unordered_map<PyObject*, py::object> restore;
    for (size_t k = 0; k < xs.size(); ++k) {
      tracers.push_back(py::cast(xs[k]));
      restore[tracers.back().ptr()] = originals[k];
    }
    py::list new_args(args);
    py::dict new_kwargs(kwargs);
    size_t index = 0;
    for (size_t t = 0; t < trees.size(); ++t) {
      auto filled = tree_fill_in_place(trees[t], tracers, index);
      if (t < spec.argnums.size()) {
        new_args[spec.argnums[t]] = filled;
      } else {
        new_kwargs[spec.argnames[t - spec.argnums.size()].c_str()] = filled;
      }
    }
    auto put_back = [&]() {
      for (auto& tree : trees) {
        tree_restore(tree, restore);
      }
    };
    try {
      value = fun(*py::tuple(new_args), **new_kwargs);
    } catch (...) {
      put_back();
      throw;
    }
    put_back();
    return std::vector<array>{loss_of(spec, value)};
  };
  auto grads = vjp(f, primals, {array(1.0f)}).second;
  // Rebuild the gradient trees on the arguments as they are now.
  size_t index = 0;
  py::object positional = py::none();
  if (spec.argnums.size() == 1) {
    positional = tree_unflatten(trees[0], grads, index);
  } else if (spec.argnums.size() > 1) {
    py::list g;
    for (size_t t = 0; t < spec.argnums.size(); ++t) {
      g.append(tree_unflatten(trees[t], grads, index));
    }
    positional = py::tuple(g);
  }
  py::object result = positional;
  if (!spec.argnames.empty()) {
    py::dict keyword;
    for (size_t t = spec.argnums.size(); t < trees.size(); ++t) {
      keyword[spec.argnames[t - spec.argnums.size()].c_str()] = tree_unflatten(trees[t], grads, index);
    }
    result = py::make_tuple(positional, keyword);
  }
  return spec.want_value ? py::object(py::make_tuple(value, result)) : result;
}

// ---- vjp and jvp ----

std::vector<array> to_array_list(py::handle seq, const char* what) {
  if (!is_sequence(seq) || is_array(seq)) {
    throw py::type_error(std::string(what) +
                         "(): incompatible function arguments: expected a list of arrays, got " +
                         std::string(py::str(py::type::handle_of(seq).attr("__name__"))) + ".");
  }
  std::vector<array> out;
  for (auto h : py::reinterpret_borrow<py::sequence>(seq)) {
    if (!is_array(h)) {
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
    if (is_array(out)) {
      return std::vector<array>{out.cast<array>()};
    }
    return tree_flatten(out);
  };
}

// ---- vmap ----

// "(2,3,4)", as MLX prints shapes in vmap errors.
std::string shape_str(const Shape& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? "," : "") + std::to_string(shape[i]);
  }
  return out + ")";
}

// Marks a None (unmapped) entry of flattened in_axes/out_axes.
constexpr int kNoAxis = std::numeric_limits<int>::min();

// One axis per array leaf of `tree`, from `axes`: an int or None for all of
// them, or a prefix tree of `tree` (same containers) with ints and Nones at
// its leaves. A one-element tuple stands for its element when `tree` is a
// single array (vmap(f, out_axes=(1,)) of a function returning an array).
// Output axes may also name the position just past the last axis.
std::vector<int> flat_axes(py::handle tree, py::handle axes, bool output) {
  std::vector<int> out;
  bool tuple_at_leaf = false;
  tree_visit_prefix(tree, axes, "vmap", [&](py::handle leaf, py::handle ax) {
    if (!is_array(leaf)) {
      throw py::value_error("[vmap] The arguments should contain only arrays");
    }
    py::handle axis = ax;
    if (py::isinstance<py::tuple>(ax)) {
      tuple_at_leaf = true;
      if (py::len(ax) != 1) {
        throw py::value_error("[vmap] axis must be int or None.");
      }
      axis = ax[py::int_(0)];
    }
    if (axis.is_none()) {
      out.push_back(kNoAxis);
      return;
    }
    if (!py::isinstance<py::int_>(axis) || py::isinstance<py::bool_>(axis)) {
      throw py::value_error("[vmap] axis must be int or None.");
    }
    auto x = leaf.cast<array>();
    int limit = x.ndim() + (output ? 1 : 0);
    int a = axis.cast<int>();
    int given = a;
    if (a < 0) {
      a += limit;
    }
    if (a < 0 || a >= limit) {
      throw py::index_error(std::string("[vmap] Invalid ") + (output ? "output " : "") +
                            "vectorization axis " + std::to_string(given) + " for array with shape " +
                            shape_str(x.shape()));
    }
    out.push_back(a);
  });
  if (tuple_at_leaf && !is_array(tree)) {
    throw py::value_error("[vmap] axis must be int or None.");
  }
  return out;
}

py::object vmap_call(py::handle fun, py::handle in_axes, py::handle out_axes, py::args args,
                     py::kwargs kwargs) {
  if (kwargs.size() > 0) {
    throw py::type_error("[vmap] Keyword arguments are not supported.");
  }
  auto inputs = tree_flatten(args, true);
  // A lone argument is its own tree: in_axes={"a": 0} describes f(d).
  py::object arg_tree = args.size() == 1 ? py::object(args[0]) : py::object(args);
  auto in_flat = flat_axes(arg_tree, in_axes, false);
  for (int& ax : in_flat) {
    if (ax == kNoAxis) {
      ax = -1; // the C++ vmap's "not mapped"
    }
  }
  py::object out_tree;
  auto f = [&](const std::vector<array>& xs) {
    size_t index = 0;
    py::object new_args = tree_unflatten(args, xs, index);
    out_tree = fun(*py::tuple(new_args));
    return tree_flatten(out_tree, true);
  };
  // The output axes depend on the output tree, known only after tracing:
  // trace with every output at axis 0, then move each where out_axes says.
  auto results = vmap(f, in_flat, {})(inputs);
  // Lanes' shapes (the traced outputs) give the valid output axes.
  auto out_flat = flat_axes(out_tree, out_axes, true);
  for (size_t i = 0; i < results.size(); ++i) {
    if (out_flat[i] == kNoAxis) {
      throw py::value_error("[vmap] out_axes None is not supported for mapped outputs.");
    }
    if (out_flat[i] != 0) {
      results[i] = moveaxis(results[i], 0, out_flat[i]);
    }
  }
  size_t index = 0;
  return tree_unflatten(out_tree, results, index);
}

// Whether evaluating `a` runs one small kernel on the calling thread: its
// inputs are computed and its outputs are at most kSmallNode elements. Such
// an eval keeps the GIL when no other evaluation is under way
// (eval_if_uncontended): releasing and taking it back (a mutex and a
// condition variable) cost more than the kernel.
constexpr size_t kSmallNode = 4096;
bool is_one_small_node(const array& a) {
  if (!a.has_primitive() || a.size() > kSmallNode || !a.siblings().empty()) {
    return false;
  }
  if (a.primitive().stream() != default_stream(default_device())) {
    return false; // (another stream's worker may run it)
  }
  for (auto& in : a.inputs()) {
    if (!in.is_available()) {
      return false;
    }
  }
  return true;
}

// mx.eval, called after almost every step of a program and mostly on one
// array, as a plain CPython function: pybind11's dispatch (a call record, the
// argument tuple, the overload loop) cost more than evaluating a small node,
// and an array already computed returns without releasing the GIL.
PyObject* eval_function(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  try {
    std::vector<array> arrays;
    bool keep_gil = false;
    if (nargs == 1 && is_array(args[0])) {
      const array& a = array_ref(args[0]);
      if (a.is_available() && scheduler::async_idle()) {
        Py_RETURN_NONE;
      }
      keep_gil = is_one_small_node(a);
      arrays.push_back(a);
    } else {
      py::tuple all(nargs);
      for (Py_ssize_t i = 0; i < nargs; ++i) {
        all[i] = py::reinterpret_borrow<py::object>(args[i]);
      }
      arrays = tree_flatten(all, false);
    }
    if (!keep_gil || !detail::eval_if_uncontended(arrays)) {
      py::gil_scoped_release nogil;
      eval(std::move(arrays));
    }
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
  Py_RETURN_NONE;
}

} // namespace

void init_transforms(py::module_& m) {
  init_transformed(m);
  for (bool want_value : {true, false}) {
    m.def(
        want_value ? "value_and_grad" : "grad",
        [want_value](py::function fun, py::object argnums, py::object argnames) {
          auto spec = make_grad_spec(argnums, argnames, want_value);
          py::dict attrs;
          attrs["__wrapped__"] = fun;
          return make_transformed(
              [spec](py::handle self, py::args args, py::kwargs kwargs) {
                return grad_call(spec, self.attr("__wrapped__"), args, kwargs);
              },
              attrs);
        },
        py::arg("fun"), py::arg("argnums") = py::none(), py::arg("argnames") = py::list(),
        want_value ? "A function computing fun's value and its gradient with respect to argnums/argnames."
                   : "A function computing the gradient of fun with respect to argnums/argnames.");
  }
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
        py::dict attrs;
        attrs["__wrapped__"] = fun;
        attrs["in_axes"] = in_axes;
        attrs["out_axes"] = out_axes;
        return make_transformed(
            [](py::handle self, py::args args, py::kwargs kwargs) {
              return vmap_call(self.attr("__wrapped__"), self.attr("in_axes"), self.attr("out_axes"), args,
                               kwargs);
            },
            attrs);
      },
      py::arg("fun"), py::arg("in_axes") = 0, py::arg("out_axes") = 0,
      "Vectorize fun over the in_axes of its arguments.");
  m.def(
      "stop_gradient", [](const array& a, py::object s) { return stop_gradient(a, to_stream_or_device(s)); },
      py::arg("a"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
      "The identity, with no gradient flowing through it.");

  static PyMethodDef eval_def = {
      "eval", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(eval_function)), METH_FASTCALL,
      // (the signature line as pybind11 writes one, for the type stubs)
      "eval(*args: typing.Any) -> None\n\nEvaluate each array in the arguments (arrays or trees of arrays)."};
  m.add_object("eval", py::reinterpret_steal<py::object>(
                           PyCFunction_NewEx(&eval_def, nullptr, m.attr("__name__").ptr())));
  m.def(
      "async_eval",
      [](py::args args) {
        std::vector<array> arrays = tree_flatten(args, false);
        py::gil_scoped_release nogil;
        async_eval(std::move(arrays));
      },
      "Start evaluating the arrays in the arguments and return at once.");
}
