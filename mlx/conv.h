// Convolutions, channels-last as MLX: inputs (N, spatial..., C_in), weights
// (C_out, kernel spatial..., C_in / groups), outputs (N, spatial..., C_out).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

// The general convolution (cross-correlation unless `flip`), with 1 to 3
// spatial dims: per-dim stride, low and high padding (negative pads crop),
// kernel dilation and input dilation (zeros inserted between inputs).
array conv_general(array input, array weight, std::vector<int> stride = {},
                   std::vector<int> padding_lo = {}, std::vector<int> padding_hi = {},
                   std::vector<int> kernel_dilation = {}, std::vector<int> input_dilation = {},
                   int groups = 1, bool flip = false, StreamOrDevice s = {});

array conv1d(const array& input, const array& weight, int stride = 1, int padding = 0,
             int dilation = 1, int groups = 1, StreamOrDevice s = {});
array conv2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
             const std::pair<int, int>& padding = {0, 0}, const std::pair<int, int>& dilation = {1, 1},
             int groups = 1, StreamOrDevice s = {});
array conv3d(const array& input, const array& weight, const std::vector<int>& stride = {1, 1, 1},
             const std::vector<int>& padding = {0, 0, 0}, const std::vector<int>& dilation = {1, 1, 1},
             int groups = 1, StreamOrDevice s = {});

// Transposed convolutions (the gradient of conv with respect to its input).
array conv_transpose_general(const array& input, const array& weight, const std::vector<int>& stride,
                             const std::vector<int>& padding, const std::vector<int>& dilation,
                             const std::vector<int>& output_padding, int groups, StreamOrDevice s = {});
array conv_transpose1d(const array& input, const array& weight, int stride = 1, int padding = 0,
                       int dilation = 1, int output_padding = 0, int groups = 1, StreamOrDevice s = {});
array conv_transpose2d(const array& input, const array& weight, const std::pair<int, int>& stride = {1, 1},
                       const std::pair<int, int>& padding = {0, 0},
                       const std::pair<int, int>& dilation = {1, 1},
                       const std::pair<int, int>& output_padding = {0, 0}, int groups = 1,
                       StreamOrDevice s = {});
array conv_transpose3d(const array& input, const array& weight, const std::vector<int>& stride = {1, 1, 1},
                       const std::vector<int>& padding = {0, 0, 0},
                       const std::vector<int>& dilation = {1, 1, 1},
                       const std::vector<int>& output_padding = {0, 0, 0}, int groups = 1,
                       StreamOrDevice s = {});

// NumPy's 1-d convolve: mode "full", "same" or "valid".
array convolve(const array& a, const array& v, const std::string& mode = "full", StreamOrDevice s = {});

} // namespace mlx::core
