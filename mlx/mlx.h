// Umbrella header of the C++ API.
#pragma once

#include "mlx/allocator.h"
#include "mlx/array.h"
#include "mlx/compile.h"
#include "mlx/ops.h"
#include "mlx/device.h"
#include "mlx/dtype.h"
#include "mlx/export.h"
#include "mlx/fast.h"
#include "mlx/fft.h"
#include "mlx/graph_utils.h"
#include "mlx/linalg.h"
#include "mlx/quantized.h"
#include "mlx/stream.h"
#include "mlx/transforms.h"
#include "mlx/utils.h"
#include "mlx/random.h"
