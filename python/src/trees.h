// Python trees of arrays (nested lists, tuples and dicts) for the transforms.
#pragma once

#include <pybind11/pybind11.h>

#include "convert.h"

// The arrays of a tree, depth first (dicts in insertion order). With
// `strict`, any leaf that is not an array raises ValueError.
std::vector<array> tree_flatten(py::handle tree, bool strict = true);

// A copy of `tree` whose array leaves are replaced, in order, by values
// starting at values[index] (index advances past them).
py::object tree_unflatten(py::handle tree, const std::vector<array>& values, size_t& index);

// Applies f to each array leaf.
py::object tree_map_arrays(py::handle tree, const std::function<py::object(const array&)>& f);
