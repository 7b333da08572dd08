#include "trees.h"

namespace {

void flatten_into(py::handle tree, std::vector<array>& out, bool strict) {
  if (py::isinstance<array>(tree)) {
    out.push_back(tree.cast<array>());
  } else if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    for (auto item : py::reinterpret_borrow<py::sequence>(tree)) {
      flatten_into(item, out, strict);
    }
  } else if (py::isinstance<py::dict>(tree)) {
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      flatten_into(item.second, out, strict);
    }
  } else if (strict) {
    throw py::value_error("[tree_flatten] The argument should contain only arrays");
  }
}

} // namespace

std::vector<array> tree_flatten(py::handle tree, bool strict) {
  std::vector<array> out;
  flatten_into(tree, out, strict);
  return out;
}

py::object tree_map_arrays(py::handle tree, const std::function<py::object(const array&)>& f) {
  if (py::isinstance<array>(tree)) {
    return f(tree.cast<array>());
  }
  if (py::isinstance<py::list>(tree)) {
    py::list out;
    for (auto item : py::reinterpret_borrow<py::list>(tree)) {
      out.append(tree_map_arrays(item, f));
    }
    return out;
  }
  if (py::isinstance<py::tuple>(tree)) {
    auto t = py::reinterpret_borrow<py::tuple>(tree);
    py::tuple out(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      out[i] = tree_map_arrays(t[i], f);
    }
    return out;
  }
  if (py::isinstance<py::dict>(tree)) {
    py::dict out;
    for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
      out[item.first] = tree_map_arrays(item.second, f);
    }
    return out;
  }
  return py::reinterpret_borrow<py::object>(tree);
}

py::object tree_unflatten(py::handle tree, const std::vector<array>& values, size_t& index) {
  return tree_map_arrays(tree, [&](const array&) { return py::cast(values.at(index++)); });
}
