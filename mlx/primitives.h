// Every primitive of the common families, for the code that builds or runs
// them (ops, transforms, the CPU backend). The classes of one family are in
// mlx/primitives/<family>.h; families whose classes only their own sources
// use (fast, fft, linalg, conv, last_axis, fused) are included directly there.
#pragma once

#include "mlx/primitive.h"
#include "mlx/primitives/creation.h"
#include "mlx/primitives/elementwise.h"
#include "mlx/primitives/graph.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/layout.h"
#include "mlx/primitives/products.h"
#include "mlx/primitives/random.h"
#include "mlx/primitives/reduce.h"
#include "mlx/primitives/sort_scan.h"
