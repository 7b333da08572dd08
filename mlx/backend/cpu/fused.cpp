// eval_cpu of Fused: blocks of elements run through every step while they
// are in cache. Each step is the primitive's own kernel applied to block
// views of the inputs, so fused and separate evaluation compute the same
// numbers.
#include <algorithm>
#include <unordered_map>
#include <cstring>
#include <memory>
#include <optional>

#include "mlx/backend/cpu/copy.h"
#include "mlx/backend/cpu/fused.h"
#include "mlx/backend/cpu/parallel.h"
#include "mlx/primitives/fused.h"

namespace mlx::core {

namespace {

// Elements per block: a few step values of this size stay in L2.
constexpr size_t kBlock = size_t(1) << 14;

// How a block sees one input. Blocks are whole rows of the output viewed
// as (rows, cols), cols its last axis; when every input is dense or a
// single value they are plain runs of elements instead.
struct InputView {
  enum Kind { Dense, Single, Rows } kind;
  int64_t row_stride = 0; // Rows: offset of row r is r * row_stride
  int64_t col_stride = 0;
};

InputView view_of(const array& x) {
  bool single = true;
  for (int d = 0; d < x.ndim(); ++d) {
    single = single && (x.shape(d) == 1 || x.strides(d) == 0);
  }
  if (single) {
    return {InputView::Single};
  }
  if (x.flags().row_contiguous) {
    return {InputView::Dense};
  }
  // Rows: the leading axes step through rows with one uniform stride
  // (a broadcast bias: 0; a transpose: its column stride).
  int nd = x.ndim();
  if (nd < 2 || x.strides(nd - 1) < 0) {
    return {InputView::Dense}; // (copied to row-contiguous)
  }
  int64_t row_stride = 0, rows_inside = 1;
  bool found = false;
  for (int d = nd - 2; d >= 0; --d) {
    if (x.shape(d) == 1) {
      continue;
    }
    if (!found) {
      if (x.strides(d) < 0 || x.strides(d) % rows_inside != 0) {
        return {InputView::Dense};
      }
      row_stride = x.strides(d) / rows_inside;
      found = true;
    } else if (x.strides(d) != row_stride * rows_inside) {
      return {InputView::Dense};
    }
    rows_inside *= x.shape(d);
  }
  return {InputView::Rows, row_stride, x.strides(nd - 1)};
}

// The block of x for rows [r0, r0 + rows) of width `cols` (or, with
// cols == 0, elements [r0, r0 + rows)), sharing x's buffer.
array block_view(const array& x, const InputView& v, size_t r0, size_t rows, size_t cols) {
  Shape shape = cols ? Shape{static_cast<ShapeElem>(rows), static_cast<ShapeElem>(cols)}
                     : Shape{static_cast<ShapeElem>(rows)};
  size_t width = cols ? cols : 1;
  array b(shape, x.dtype(), nullptr, {});
  Strides zero(shape.size(), 0);
  switch (v.kind) {
    case InputView::Single:
      b.copy_shared_buffer(x, zero, {false, false, false}, 1);
      break;
    case InputView::Dense: {
      Strides s = cols ? Strides{static_cast<int64_t>(cols), 1} : Strides{1};
      b.copy_shared_buffer(x, s, {true, true, cols <= 1 || rows <= 1}, rows * width,
                           static_cast<int64_t>(r0 * width));
      break;
    }
    case InputView::Rows: {
      size_t span = (rows - 1) * v.row_stride + (cols - 1) * v.col_stride + 1;
      b.copy_shared_buffer(x, Strides{v.row_stride, v.col_stride}, {false, false, false}, span,
                           static_cast<int64_t>(r0) * v.row_stride);
      break;
    }
  }
  return b;
}

// Elements per block of the float32 path. Blocks of 512 (in L1) measured
// slower on chains that stream from memory: 2 KB runs per stream defeat the
// hardware prefetcher.
constexpr size_t kFloat32Block = 16384;
// Scratch slots start 192 bytes apart modulo 4 KB: a kernel reading one slot
// and writing another at the same offsets would otherwise stall on 4K
// aliasing (loads wrongly waiting on stores with the same low 12 address bits).
// Chains shorter than a block get slots of their own length (a small
// compiled chain would otherwise allocate, and page in, 64 KB per slot on
// every call).
size_t slot_stride(size_t n) { return n >= kFloat32Block ? kFloat32Block + 48 : (n + 15) / 16 * 16 + 48; }

// Chains whose every value is float32 and every step has a float32 kernel
// (cpu::float32_kernel) run on raw pointers: output steps write
// straight into the outputs, other values into per-thread scratch, and no
// arrays are made per block and step (3-10% faster than the general path on
// gelu, its vjp and an Adam update of 4M floats). Chains of small arrays
// still do not gain, so the fusion threshold stays (fusion.h).
struct Float32Chain {
  std::vector<cpu::Float32Kernel> kernels; // null for constant steps
  std::vector<int> output_of;              // step -> output index, or -1
  // Scratch blocks: one per gathered (Rows) input, and one per step value
  // that is neither an output nor a constant, reused once the value is
  // dead, so that a block's live values stay in cache.
  std::vector<int> input_slot, step_slot; // -1: none
  int slots = 0;
};

// Gives scratch slots to the Rows inputs and to the intermediate step
// values, a value's slot freed after the last step that reads it.
void assign_slots(Float32Chain& chain, const std::vector<FusedStep>& steps,
                  const std::vector<InputView>& views, const std::vector<std::optional<array>>& constant) {
  chain.input_slot.assign(views.size(), -1);
  for (size_t a = 0; a < views.size(); ++a) {
    if (views[a].kind == InputView::Rows) {
      chain.input_slot[a] = chain.slots++;
    }
  }
  std::vector<size_t> last_read(steps.size(), 0);
  for (size_t j = 0; j < steps.size(); ++j) {
    for (int a : steps[j].args) {
      if (a < 0) {
        last_read[-1 - a] = j;
      }
    }
  }
  chain.step_slot.assign(steps.size(), -1);
  std::vector<int> free_slots;
  for (size_t j = 0; j < steps.size(); ++j) {
    // Values last read here give their slots back first, so that this
    // step writes over one of them: in place, as elementwise kernels allow
    // (out[i] depends on the inputs' element i only). Writing over lines
    // just read is what keeps the stores in L1; a step writing into
    // another slot measured store-bound.
    for (int a : steps[j].args) {
      int v = -1 - a;
      if (a < 0 && last_read[v] == j && chain.step_slot[v] >= 0) {
        free_slots.push_back(chain.step_slot[v]);
        chain.step_slot[v] = -2 - chain.step_slot[v]; // freed (marked, so a repeated argument frees once)
      }
    }
    if (chain.output_of[j] < 0 && !constant[j]) {
      if (free_slots.empty()) {
        chain.step_slot[j] = chain.slots++;
      } else {
        chain.step_slot[j] = free_slots.back();
        free_slots.pop_back();
      }
    }
  }
  for (auto& sl : chain.step_slot) {
    sl = sl <= -2 ? -2 - sl : sl;
  }
}

std::optional<Float32Chain> float32_chain(const std::vector<FusedStep>& steps,
                                          const std::vector<int>& output_steps,
                                          const std::vector<array>& inputs,
                                          const std::vector<InputView>& views,
                                          const std::vector<std::optional<array>>& constant) {
  for (auto& x : inputs) {
    if (x.dtype() != float32) {
      return std::nullopt;
    }
  }
  Float32Chain chain;
  chain.output_of.assign(steps.size(), -1);
  for (size_t j = 0; j < steps.size(); ++j) {
    if (steps[j].dtype != float32) {
      return std::nullopt;
    }
    cpu::Float32Kernel kernel = nullptr;
    if (!constant[j]) {
      auto* e = dynamic_cast<const Elementwise*>(steps[j].primitive.get());
      kernel = e ? cpu::float32_kernel(*e) : nullptr;
      if (!kernel) {
        return std::nullopt;
      }
    }
    chain.kernels.push_back(kernel);
  }
  for (size_t k = 0; k < output_steps.size(); ++k) {
    if (chain.output_of[output_steps[k]] < 0) {
      chain.output_of[output_steps[k]] = static_cast<int>(k);
    }
  }
  assign_slots(chain, steps, views, constant);
  return chain;
}

// Elements [e0, e1) of a Rows input (rows of `cols`) into dst.
void gather_rows(const float* base, const InputView& v, size_t cols, size_t e0, size_t e1, float* dst) {
  for (size_t e = e0; e < e1;) {
    size_t r = e / cols, c = e % cols, len = std::min(cols - c, e1 - e);
    const float* src = base + static_cast<int64_t>(r) * v.row_stride + static_cast<int64_t>(c) * v.col_stride;
    for (size_t i = 0; i < len; ++i) {
      dst[i] = src[static_cast<int64_t>(i) * v.col_stride];
    }
    dst += len;
    e += len;
  }
}

void run_float32(const Float32Chain& chain, const std::vector<FusedStep>& steps,
                 const std::vector<int>& output_steps, const std::vector<array>& ins,
                 const std::vector<InputView>& views, const std::vector<std::optional<array>>& constant,
                 std::vector<array>& outputs, size_t n, size_t cols) {
  size_t blocks = (n + kFloat32Block - 1) / kFloat32Block;
  size_t grain = std::max<size_t>(1, cpu::kParallelGrain / kFloat32Block);
  cpu::parallel_for(blocks, grain, [&](size_t b0, size_t b1) {
    // Scratch: one block per input (gathered Rows) and per step value.
    size_t stride = slot_stride(n);
    std::unique_ptr<float[]> scratch(new float[std::max(chain.slots, 1) * stride]);
    std::vector<const float*> in_ptr(ins.size()), value(steps.size());
    std::vector<bool> in_single(ins.size()), value_single(steps.size());
    std::vector<const float*> args;
    bool flags[4];
    for (size_t b = b0; b < b1; ++b) {
      size_t e0 = b * kFloat32Block, len = std::min(kFloat32Block, n - e0);
      for (size_t a = 0; a < ins.size(); ++a) {
        const float* base = ins[a].data<float>();
        in_single[a] = views[a].kind == InputView::Single;
        if (views[a].kind == InputView::Rows) {
          float* dst = scratch.get() + chain.input_slot[a] * stride;
          gather_rows(base, views[a], cols, e0, e0 + len, dst);
          in_ptr[a] = dst;
        } else {
          in_ptr[a] = in_single[a] ? base : base + e0;
        }
      }
      for (size_t j = 0; j < steps.size(); ++j) {
        if (constant[j]) {
          value[j] = constant[j]->data<float>();
          value_single[j] = true;
          continue;
        }
        args.clear();
        size_t k = 0;
        for (int a : steps[j].args) {
          args.push_back(a >= 0 ? in_ptr[a] : value[-1 - a]);
          flags[k++] = a >= 0 ? bool(in_single[a]) : bool(value_single[-1 - a]);
        }
        int o = chain.output_of[j];
        float* out = o >= 0 ? outputs[o].data<float>() + e0 : scratch.get() + chain.step_slot[j] * stride;
        chain.kernels[j](args.data(), flags, out, len);
        value[j] = out;
        value_single[j] = false;
      }
      // An output listed twice: copied from its first place.
      for (size_t k = 0; k < output_steps.size(); ++k) {
        int j = output_steps[k];
        if (chain.output_of[j] != static_cast<int>(k)) {
          std::memcpy(outputs[k].data<float>() + e0, value[j], len * sizeof(float));
        }
      }
    }
  });
}

} // namespace

void Fused::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  size_t n = outputs[0].size();
  std::vector<InputView> views;
  bool any_rows = false;
  for (auto& x : inputs) {
    InputView v = view_of(x);
    views.push_back(v);
    any_rows = any_rows || v.kind == InputView::Rows;
  }
  // An input that only this group holds gives its buffer to an output (see
  // cpu::donate), as a single node's kernel would: an output step writes its
  // block over the input's block, so no later step may read that input.
  std::vector<bool> given(inputs.size(), false);
  for (size_t k = 0; k < outputs.size(); ++k) {
    int j = output_steps_[k];
    bool first = std::find(output_steps_.begin(), output_steps_.end(), j) - output_steps_.begin() == long(k);
    for (size_t a = 0; a < inputs.size() && first && n > 0; ++a) {
      bool read_later = false;
      for (size_t l = j + 1; l < steps_.size() && !read_later; ++l) {
        read_later = std::find(steps_[l].args.begin(), steps_[l].args.end(), int(a)) != steps_[l].args.end();
      }
      if (!given[a] && !read_later && views[a].kind == InputView::Dense &&
          cpu::donate(inputs[a], outputs[k])) {
        given[a] = true;
        break;
      }
    }
    if (!outputs[k].data<char>()) {
      outputs[k].set_data(allocator::malloc(outputs[k].nbytes()));
    }
  }
  if (n == 0) {
    return;
  }
  std::vector<array> ins;
  for (size_t a = 0; a < inputs.size(); ++a) {
    ins.push_back(views[a].kind == InputView::Dense ? cpu::ensure_row_contiguous(inputs[a]) : inputs[a]);
  }
  // Units are rows of `cols` elements when some input is strided, else
  // single elements (cols == 0).
  size_t cols = any_rows ? static_cast<size_t>(outputs[0].shape().back()) : 0;
  size_t units = cols ? n / cols : n;
  size_t per_block = cols ? std::max<size_t>(1, kBlock / cols) : kBlock;
  size_t width = cols ? cols : 1;

  // Steps that read only single values (a constant factor of a
  // derivative, say) are computed once, on one element, and then read as
  // single values themselves; output steps are always computed per block.
  std::vector<std::optional<array>> constant(steps_.size());
  std::vector<bool> is_output(steps_.size(), false);
  for (int k : output_steps_) {
    is_output[k] = true;
  }
  for (size_t j = 0; j < steps_.size(); ++j) {
    const auto& step = steps_[j];
    bool single = !is_output[j];
    for (int a : step.args) {
      single = single && (a >= 0 ? views[a].kind == InputView::Single : constant[-1 - a].has_value());
    }
    if (!single) {
      continue;
    }
    std::vector<array> args;
    for (int a : step.args) {
      args.push_back(a >= 0 ? block_view(ins[a], views[a], 0, 1, 0) : *constant[-1 - a]);
    }
    std::vector<array> out = {array(Shape{1}, step.dtype, nullptr, {})};
    step.primitive->eval_cpu(args, out);
    constant[j] = out[0];
  }

  if (auto chain = float32_chain(steps_, output_steps_, inputs, views, constant)) {
    size_t last = outputs[0].ndim() ? static_cast<size_t>(outputs[0].shape().back()) : 1;
    run_float32(*chain, steps_, output_steps_, ins, views, constant, outputs, n, std::max<size_t>(last, 1));
    return;
  }

  // A step value that only one later step reads, once, and that is not an
  // output is handed over to that step: as its only holder, the kernel
  // writes its result over it (see cpu::donate) instead of a fresh buffer.
  std::vector<int> reads(steps_.size(), 0);
  for (const auto& step : steps_) {
    for (int a : step.args) {
      if (a < 0) {
        reads[-1 - a] += 1;
      }
    }
  }
  size_t blocks = (units + per_block - 1) / per_block;
  cpu::parallel_for(blocks, 1, [&](size_t b0, size_t b1) {
    std::vector<array> values, args, out;
    for (size_t b = b0; b < b1; ++b) {
      size_t u0 = b * per_block, len = std::min(per_block, units - u0);
      Shape shape = cols ? Shape{static_cast<ShapeElem>(len), static_cast<ShapeElem>(cols)}
                         : Shape{static_cast<ShapeElem>(len)};
      values.clear();
      for (size_t j = 0; j < steps_.size(); ++j) {
        const auto& step = steps_[j];
        if (constant[j]) {
          values.push_back(block_view(*constant[j], {InputView::Single}, 0, len, cols));
          continue;
        }
        for (int a : step.args) {
          int v = -1 - a;
          if (a >= 0) {
            args.push_back(block_view(ins[a], views[a], u0, len, cols));
          } else if (reads[v] == 1 && !is_output[v] && !constant[v]) {
            args.push_back(std::move(values[v]));
          } else {
            args.push_back(values[v]);
          }
        }
        out.push_back(array(shape, step.dtype, nullptr, {}));
        step.primitive->eval_cpu(args, out);
        args.clear();
        values.push_back(cpu::ensure_row_contiguous(out[0]));
        out.clear();
      }
      for (size_t k = 0; k < output_steps_.size(); ++k) {
        const array& v = values[output_steps_[k]];
        size_t item = v.itemsize();
        std::memcpy(outputs[k].data<char>() + u0 * width * item, v.data<char>(), len * width * item);
      }
    }
  });
}

} // namespace mlx::core

namespace mlx::core::cpu {

namespace {

std::unordered_map<std::type_index, Float32Kernel>& float32_kernels() {
  static std::unordered_map<std::type_index, Float32Kernel> kernels;
  return kernels;
}

} // namespace

Float32Kernel float32_kernel(const Primitive& p) {
  auto& k = float32_kernels();
  auto it = k.find(std::type_index(typeid(p)));
  return it == k.end() ? nullptr : it->second;
}

bool register_float32_kernel(std::type_index cls, Float32Kernel kernel) {
  if (kernel) {
    float32_kernels()[cls] = kernel;
  }
  return true;
}

} // namespace mlx::core::cpu
