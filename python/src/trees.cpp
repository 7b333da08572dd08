#include "trees.h"
#include "array_type.h"

namespace {

void flatten_into(py::handle tree, std::vector<array>& out, bool strict) {
  TreeDepthGuard guard;
  if (is_array(tree)) {
    out.push_back(array_ref(tree));
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

void set_item(py::handle container, py::handle key, py::handle value) {
  if (PyObject_SetItem(container.ptr(), key.ptr(), value.ptr()) != 0) {
    throw py::error_already_set();
  }
}

} // namespace

std::vector<array> tree_flatten(py::handle tree, bool strict) {
  std::vector<array> out;
  flatten_into(tree, out, strict);
  return out;
}

py::object rebuild_tuple(py::handle like, const py::list& items) {
  if (PyTuple_CheckExact(like.ptr())) {
    return py::tuple(items);
  }
  py::object type = py::reinterpret_borrow<py::object>(like.get_type());
  if (py::hasattr(like, "_fields")) {
    return type(*items); // a namedtuple takes its fields positionally
  }
  return type(py::tuple(items));
}

py::object tree_map_arrays(py::handle tree, const std::function<py::object(const array&)>& f) {
  TreeDepthGuard guard;
  if (is_array(tree)) {
    return f(array_ref(tree));
  }
  if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
    py::list out;
    for (auto item : py::reinterpret_borrow<py::sequence>(tree)) {
      out.append(tree_map_arrays(item, f));
    }
    return py::isinstance<py::list>(tree) ? py::object(out) : rebuild_tuple(tree, out);
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
  return tree_map_arrays(tree, [&](const array&) {
    if (index >= values.size()) {
      throw py::value_error("[tree_unflatten] The tree has more arrays than values to put in it.");
    }
    return py::cast(values[index++]);
  });
}

py::object tree_fill_in_place(py::handle tree, const std::vector<py::object>& values, size_t& index) {
  TreeDepthGuard guard;
  if (is_array(tree)) {
    return values.at(index++);
  }
  if (py::isinstance<py::list>(tree)) {
    auto l = py::reinterpret_borrow<py::list>(tree);
    for (size_t i = 0; i < l.size(); ++i) {
      py::object item = l[i];
      py::object filled = tree_fill_in_place(item, values, index);
      if (!filled.is(item)) {
        l[i] = filled;
      }
    }
    return py::reinterpret_borrow<py::object>(tree);
  }
  if (py::isinstance<py::tuple>(tree)) {
    py::list items;
    for (auto item : py::reinterpret_borrow<py::tuple>(tree)) {
      items.append(tree_fill_in_place(item, values, index));
    }
    return rebuild_tuple(tree, items);
  }
  if (py::isinstance<py::dict>(tree)) {
    // Iterate over a snapshot of the items: writing values while iterating
    // the dict itself is not allowed.
    py::list items(py::reinterpret_borrow<py::dict>(tree).attr("items")());
    for (auto kv : items) {
      auto pair = kv.cast<py::tuple>();
      py::object filled = tree_fill_in_place(pair[1], values, index);
      if (!filled.is(pair[1])) {
        set_item(tree, pair[0], filled);
      }
    }
    return py::reinterpret_borrow<py::object>(tree);
  }
  return py::reinterpret_borrow<py::object>(tree);
}

void tree_restore(py::handle tree, const std::unordered_map<PyObject*, py::object>& originals) {
  TreeDepthGuard guard;
  auto original_of = [&](py::handle leaf) -> const py::object* {
    auto it = originals.find(leaf.ptr());
    return it == originals.end() ? nullptr : &it->second;
  };
  if (py::isinstance<py::list>(tree)) {
    auto l = py::reinterpret_borrow<py::list>(tree);
    for (size_t i = 0; i < l.size(); ++i) {
      py::object item = l[i];
      if (auto* orig = original_of(item)) {
        l[i] = *orig;
      } else {
        tree_restore(item, originals);
      }
    }
  } else if (py::isinstance<py::tuple>(tree)) {
    for (auto item : py::reinterpret_borrow<py::tuple>(tree)) {
      tree_restore(item, originals);
    }
  } else if (py::isinstance<py::dict>(tree)) {
    py::list items(py::reinterpret_borrow<py::dict>(tree).attr("items")());
    for (auto kv : items) {
      auto pair = kv.cast<py::tuple>();
      if (auto* orig = original_of(pair[1])) {
        set_item(tree, pair[0], *orig);
      } else {
        tree_restore(pair[1], originals);
      }
    }
  }
}

void tree_visit_prefix(py::handle tree, py::handle prefix, const char* who,
                       const std::function<void(py::handle, py::handle)>& visit) {
  TreeDepthGuard guard;
  auto mismatch = [&]() {
    return py::value_error(std::string("[") + who + "] The axes tree is not a valid prefix of the tree " +
                           "of arrays it describes (same containers, lengths and keys).");
  };
  bool prefix_is_leaf = !(py::isinstance<py::list>(prefix) || py::isinstance<py::tuple>(prefix) ||
                          py::isinstance<py::dict>(prefix));
  if (prefix_is_leaf || is_array(tree)) {
    // A leaf of the prefix covers everything below it. (An array leaf of
    // the tree facing a container of the prefix is left to `visit`.)
    if (is_array(tree)) {
      visit(tree, prefix);
      return;
    }
    if (py::isinstance<py::list>(tree) || py::isinstance<py::tuple>(tree)) {
      for (auto item : py::reinterpret_borrow<py::sequence>(tree)) {
        tree_visit_prefix(item, prefix, who, visit);
      }
    } else if (py::isinstance<py::dict>(tree)) {
      for (auto item : py::reinterpret_borrow<py::dict>(tree)) {
        tree_visit_prefix(item.second, prefix, who, visit);
      }
    } else {
      visit(tree, prefix);
    }
    return;
  }
  bool same_sequence = (py::isinstance<py::list>(tree) && py::isinstance<py::list>(prefix)) ||
                       (py::isinstance<py::tuple>(tree) && py::isinstance<py::tuple>(prefix));
  if (same_sequence) {
    if (py::len(tree) != py::len(prefix)) {
      throw mismatch();
    }
    for (size_t i = 0; i < py::len(tree); ++i) {
      tree_visit_prefix(tree[py::int_(i)], prefix[py::int_(i)], who, visit);
    }
    return;
  }
  if (py::isinstance<py::dict>(tree) && py::isinstance<py::dict>(prefix)) {
    auto t = py::reinterpret_borrow<py::dict>(tree);
    auto p = py::reinterpret_borrow<py::dict>(prefix);
    if (t.size() != p.size()) {
      throw mismatch();
    }
    for (auto item : t) {
      if (!p.contains(item.first)) {
        throw mismatch();
      }
      tree_visit_prefix(item.second, p[item.first], who, visit);
    }
    return;
  }
  throw mismatch();
}
