// Python trees of arrays (nested lists, tuples and dicts) for the transforms.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <unordered_map>

#include "convert.h"

// Trees are walked recursively: every walker holds one of these per level,
// so that a tree nested too deep for the C stack is refused (ValueError, as
// mx.array refuses such lists) instead of crashing.
constexpr int kMaxTreeDepth = 2000;
inline thread_local int tree_depth = 0;

struct TreeDepthGuard {
  TreeDepthGuard() {
    if (++tree_depth > kMaxTreeDepth) {
      --tree_depth;
      throw py::value_error("[tree] Trees nested more than " + std::to_string(kMaxTreeDepth) +
                            " levels deep are not supported.");
    }
  }
  ~TreeDepthGuard() { --tree_depth; }
  TreeDepthGuard(const TreeDepthGuard&) = delete;
  TreeDepthGuard& operator=(const TreeDepthGuard&) = delete;
};

// The arrays of a tree, depth first (dicts in insertion order). With
// `strict`, any leaf that is not an array raises ValueError.
std::vector<array> tree_flatten(py::handle tree, bool strict = true);

// A copy of `tree` whose array leaves are replaced, in order, by values
// starting at values[index] (index advances past them). Lists and dicts
// come back as plain lists and dicts; tuples keep their type (a
// namedtuple stays that namedtuple), as MLX returns gradient trees.
py::object tree_unflatten(py::handle tree, const std::vector<array>& values, size_t& index);

// Applies f to each array leaf; containers as in tree_unflatten.
py::object tree_map_arrays(py::handle tree, const std::function<py::object(const array&)>& f);

// A tuple of `items` of the same type as `like` (tuple, tuple subclass or
// namedtuple).
py::object rebuild_tuple(py::handle like, const py::list& items);

// Puts values[index...] in place of the array leaves of `tree`, writing into
// the caller's own lists and dicts (so that a function may keep or replace
// what it is given, as under MLX's transforms); tuples, being immutable,
// are rebuilt. Returns the tree to pass on (the same object unless it is a
// tuple or an array).
py::object tree_fill_in_place(py::handle tree, const std::vector<py::object>& values, size_t& index);

// Undoes tree_fill_in_place: every leaf of `tree` (lists and dicts in place,
// through tuples) that is one of the keys of `originals` gets its value
// back; leaves the function wrote meanwhile stay as they are.
void tree_restore(py::handle tree, const std::unordered_map<PyObject*, py::object>& originals);

// Visits `tree` with a prefix tree `prefix` beside it: where `prefix` is a
// container it must have the same kind, length and keys as `tree` there;
// where it is a leaf it covers the whole subtree. visit(array_leaf,
// prefix_leaf) is called for every leaf of `tree` in flatten order. Throws
// ValueError naming `who` when the trees do not match.
void tree_visit_prefix(py::handle tree, py::handle prefix, const char* who,
                       const std::function<void(py::handle, py::handle)>& visit);
