// Graph inspection: the graph behind arrays in Graphviz DOT format.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/array.h"

namespace mlx::core {

// Writes the graph behind `outputs` (down to arrays without a primitive) in
// DOT format; `names` gives some arrays (by id()) their labels, the others
// get A, B, ..., Z, AA, ... in the order they are met.
void export_to_dot(std::ostream& os, const std::vector<array>& outputs,
                   const std::unordered_map<std::uintptr_t, std::string>& names = {});

} // namespace mlx::core
