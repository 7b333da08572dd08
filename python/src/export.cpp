// mx.export_function, mx.import_function, mx.exporter (FunctionExporter):
// functions traced to .mlxfn files (mlx/export.h) and read back.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <map>

#include "convert.h"
#include "mlx/export.h"
#include "mlx/export_state.h"

namespace {

// MLX's rule for example inputs: *args and **kwargs of arrays, or one tuple
// (or list) of arrays and/or one dict of str -> array.
std::pair<Args, Kwargs> extract_inputs(const py::args& args, const py::kwargs& kwargs,
                                       const std::string& prefix) {
  auto fail_if = [&](bool bad) {
    if (bad) {
      throw std::invalid_argument(
          prefix +
          " Inputs can either be a variable number of positional and keyword arrays or a "
          "single tuple and/or dictionary of arrays.");
    }
  };
  auto to_args = [&](py::handle h, Args& out) {
    if (!py::isinstance<py::tuple>(h) && !py::isinstance<py::list>(h)) {
      return false;
    }
    for (auto x : h) {
      if (!is_array(x)) {
        return false;
      }
      out.push_back(x.cast<array>());
    }
    return true;
  };
  auto to_kwargs = [&](py::handle h, Kwargs& out) {
    if (!py::isinstance<py::dict>(h)) {
      return false;
    }
    for (auto kv : py::reinterpret_borrow<py::dict>(h)) {
      if (!py::isinstance<py::str>(kv.first) || !is_array(kv.second)) {
        return false;
      }
      out.insert_or_assign(kv.first.cast<std::string>(), kv.second.cast<array>());
    }
    return true;
  };
  Args a;
  Kwargs k;
  if (args.size() == 0) {
    fail_if(!to_kwargs(kwargs, k));
  } else if (is_array(args[0])) {
    fail_if(!to_args(args, a));
    fail_if(!to_kwargs(kwargs, k));
  } else if (args.size() == 1) {
    fail_if(kwargs.size() != 0);
    if (!to_args(args[0], a)) {
      fail_if(!to_kwargs(args[0], k));
    }
  } else if (args.size() == 2) {
    fail_if(kwargs.size() != 0);
    fail_if(!to_args(args[0], a));
    fail_if(!to_kwargs(args[1], k));
  } else {
    fail_if(true);
  }
  return {a, k};
}

ExportedFunction wrap_function(py::object fun) {
  return [fun](const Args& args, const Kwargs& kwargs) {
    py::gil_scoped_acquire gil;
    py::tuple pargs(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      pargs[i] = py::cast(args[i]);
    }
    py::dict pkwargs;
    for (auto& [k, v] : kwargs) {
      pkwargs[py::str(k)] = py::cast(v);
    }
    py::object out = fun(*pargs, **pkwargs);
    std::vector<array> outs;
    if (is_array(out)) {
      outs.push_back(out.cast<array>());
      return outs;
    }
    if (py::isinstance<py::tuple>(out) || py::isinstance<py::list>(out)) {
      bool ok = true;
      for (auto x : out) {
        ok &= is_array(x);
        if (ok) {
          outs.push_back(x.cast<array>());
        }
      }
      if (ok) {
        return outs;
      }
    }
    throw std::invalid_argument(
        "[export_function] Outputs can be either a single array, a tuple, or a list of arrays.");
  };
}

py::tuple shape_tuple(const Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    t[i] = py::int_(s[i]);
  }
  return t;
}

py::object state_item(const StateT& item) {
  return std::visit(
      [](auto&& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int> || std::is_same_v<T, size_t> ||
                      std::is_same_v<T, float> || std::is_same_v<T, double> ||
                      std::is_same_v<T, std::string> || std::is_same_v<T, Dtype>) {
          return py::cast(x);
        } else if constexpr (std::is_same_v<T, Shape>) {
          return shape_tuple(x); // a list unless the layout says Shape
        } else if constexpr (std::is_same_v<T, Strides>) {
          py::tuple t(x.size());
          for (size_t i = 0; i < x.size(); ++i) {
            t[i] = py::int_(x[i]);
          }
          return t;
        } else if constexpr (std::is_same_v<T, std::vector<int>> || std::is_same_v<T, std::vector<size_t>>) {
          py::list l;
          for (auto v : x) {
            l.append(py::int_(v));
          }
          return l;
        } else if constexpr (std::is_same_v<T, std::vector<std::tuple<bool, bool, bool>>>) {
          py::list l;
          for (auto& [a, b, c] : x) {
            l.append(py::make_tuple(a, b, c));
          }
          return l;
        } else if constexpr (std::is_same_v<T, std::vector<std::variant<bool, int, float>>>) {
          py::list l;
          for (auto& v : x) {
            l.append(std::visit([](auto y) { return py::cast(y); }, v));
          }
          return l;
        } else {
          return py::none(); // an optional: MLX leaves it out (see callback_dict)
        }
      },
      item);
}

py::dict callback_dict(const ExportCallbackInput& input) {
  py::dict d;
  // Shapes and strides come as tuples, other integer lists as lists (as MLX).
  const std::vector<detail::StateKind>* layout = nullptr;
  if (auto it = input.find("name"); it != input.end() && std::holds_alternative<std::string>(it->second)) {
    layout = detail::state_layout(std::get<std::string>(it->second));
  }
  for (auto& [key, value] : input) {
    d[py::str(key)] = std::visit(
        [layout](auto&& v) -> py::object {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            return py::str(v);
          } else if constexpr (std::is_same_v<T, std::vector<std::tuple<std::string, Shape, Dtype>>>) {
            py::list l;
            for (auto& [n, s, t] : v) {
              l.append(py::make_tuple(n, shape_tuple(s), t));
            }
            return l;
          } else if constexpr (std::is_same_v<T, std::vector<std::pair<std::string, array>>>) {
            py::list l;
            for (auto& [n, a] : v) {
              l.append(py::make_tuple(n, a));
            }
            return l;
          } else if constexpr (std::is_same_v<T, std::vector<std::pair<std::string, std::string>>>) {
            py::list l;
            for (auto& [a, b] : v) {
              l.append(py::make_tuple(a, b));
            }
            return l;
          } else {
            py::list l;
            for (size_t k = 0; k < v.size(); ++k) {
              if (std::holds_alternative<std::optional<float>>(v[k])) {
                continue;
              }
              auto item = state_item(v[k]);
              bool as_tuple =
                  layout && k < layout->size() &&
                  ((*layout)[k] == detail::StateKind::Shape || (*layout)[k] == detail::StateKind::Strides);
              l.append(as_tuple || !py::isinstance<py::list>(item) ? item : py::object(py::list(item)));
              if (!as_tuple && py::isinstance<py::tuple>(item)) {
                l[l.size() - 1] = py::list(item);
              }
            }
            return l;
          }
        },
        value);
  }
  return d;
}

ExportCallback wrap_callback(py::object callback) {
  return [callback](const ExportCallbackInput& input) {
    py::gil_scoped_acquire gil;
    callback(callback_dict(input));
  };
}

// The object mx.exporter returns; it keeps the function alive.
struct PyExporter {
  FunctionExporter exporter;
  py::object fun;
};

// MLX_EXPORT_NATIVE=1 in the environment, read at each export: this
// project's own primitives are written natively (see ExportForm in
// mlx/export.h). An environment variable, not a keyword, since
// export_function passes unknown keywords on to the function.
ExportForm export_form() {
  const char* v = std::getenv("MLX_EXPORT_NATIVE");
  return v && std::string(v) != "" && std::string(v) != "0" ? ExportForm::Native : ExportForm::Mlx;
}

} // namespace

void init_export(py::module_& m) {
  m.def(
      "export_function",
      [](py::object file_or_callback, py::object fun, py::args args, bool shapeless,
         std::optional<std::string> metadata, py::kwargs kwargs) {
        auto [a, k] = extract_inputs(args, kwargs, "[export_function]");
        if (py::isinstance<py::str>(file_or_callback)) {
          export_function(file_or_callback.cast<std::string>(), wrap_function(fun), a, k, shapeless,
                          metadata.value_or(""), export_form());
          return;
        }
        if (metadata && !metadata->empty()) {
          throw std::invalid_argument(
              "[export_function] The metadata argument is only supported when exporting to a file, not when "
              "using a callback.");
        }
        export_function(wrap_callback(file_or_callback), wrap_function(fun), a, k, shapeless, export_form());
      },
      py::arg("file_or_callback"), py::pos_only(), py::arg("fun"), py::kw_only(),
      py::arg("shapeless") = false, py::arg("metadata") = py::none(),
      "Export a function traced on example inputs to a .mlxfn file (or hand its graph to a callback).");

  m.def(
      "import_function",
      [](const std::string& file, bool return_metadata) -> py::object {
        auto imported = import_function(file);
        std::string metadata = imported.metadata();
        py::cpp_function fn([imported](py::args args, py::kwargs kwargs) {
          auto [a, k] = extract_inputs(args, kwargs, "[import_function::call]");
          auto outs = imported(a, k);
          py::tuple t(outs.size());
          for (size_t i = 0; i < outs.size(); ++i) {
            t[i] = py::cast(outs[i]);
          }
          return t;
        });
        if (return_metadata) {
          return py::make_tuple(fn, metadata);
        }
        return fn;
      },
      py::arg("file"), py::arg("return_metadata") = false,
      "Import a function from a .mlxfn file; it returns a tuple of arrays.");

  py::class_<PyExporter>(m, "FunctionExporter",
                         "Exports several traces of one function to one file (made by mx.exporter).")
      .def("close", [](PyExporter& e) { e.exporter.close(); })
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__", [](PyExporter& e, py::object, py::object, py::object) { e.exporter.close(); },
          py::arg("exc_type") = py::none(), py::arg("exc_value") = py::none(),
          py::arg("traceback") = py::none())
      .def("__call__", [](PyExporter& e, py::args args, py::kwargs kwargs) {
        auto [a, k] = extract_inputs(args, kwargs, "[export_function]");
        e.exporter(a, k);
      });

  m.def(
      "exporter",
      [](const std::string& file, py::object fun, bool shapeless, std::optional<std::string> metadata) {
        return PyExporter{exporter(file, wrap_function(fun), shapeless, metadata.value_or(""), export_form()),
                          fun};
      },
      py::arg("file"), py::arg("fun"), py::kw_only(), py::arg("shapeless") = false,
      py::arg("metadata") = py::none(), "Make a FunctionExporter that writes traces of fun to one file.");
}
