// Primitive: one class per operation. It runs itself on a device and knows
// its own transformation rules. Family bases supply the shared parts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  const Stream& stream() const { return stream_; }
  const Device& device() const { return stream_.device; }

  // Fills `outputs` (already shaped and typed) from evaluated `inputs`.
  virtual void eval_cpu(
      const std::vector<array>& inputs,
      std::vector<array>& outputs) = 0;
  virtual void eval_gpu(
      const std::vector<array>& inputs,
      std::vector<array>& outputs);

  // Forward mode: the tangents of the outputs given those of inputs[argnums].
  virtual std::vector<array> jvp(
      const std::vector<array>& primals,
      const std::vector<array>& tangents,
      const std::vector<int>& argnums);

  // Reverse mode: the cotangents of inputs[argnums].
  virtual std::vector<array> vjp(
      const std::vector<array>& primals,
      const std::vector<array>& cotangents,
      const std::vector<int>& argnums,
      const std::vector<array>& outputs);

  // Batching: the outputs and their batch axes, given batched inputs
  // (axis -1 means not batched).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs,
      const std::vector<int>& axes);

  virtual const char* name() const = 0;

  // Same class and parameters (used by common-subexpression elimination).
  virtual bool is_equivalent(const Primitive&) const { return false; }

  // Output shapes from input shapes (used by shapeless compile).
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  // Elementwise primitives can be fused by compile.
  virtual bool is_elementwise() const { return false; }

 private:
  Stream stream_;
};

// A primitive whose single output has the shape of its inputs (which ops
// broadcast and cast beforehand). Its Jacobian is diagonal, so each op only
// states `partial` (d out / d input_i, elementwise) and `apply` (itself, as
// a public op); the base derives jvp, vjp and vmap from them.
class Elementwise : public Primitive {
 public:
  using Primitive::Primitive;
  bool is_elementwise() const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  bool is_equivalent(const Primitive& other) const override {
    return std::string(name()) == other.name();
  }

  // The CPU kernel over n contiguous float32 values, which fused chains of
  // small arrays call block by block: in[k] points at n values, or at one
  // when scalar[k]. Null where the op has no float32 -> float32 form (such
  // chains run eval_cpu on block views instead).
  using Float32Kernel = void (*)(const float* const* in, const bool* scalar, float* out, size_t n);
  virtual Float32Kernel float32_kernel() const { return nullptr; }

  // The op applied to (possibly batched, hence broadcastable) inputs.
  virtual array apply(const std::vector<array>& inputs) = 0;
  // d out / d inputs[i]; zeros for ops with no useful derivative.
  virtual array partial(int i, const std::vector<array>& inputs, const array& out);

  std::vector<array> jvp(
      const std::vector<array>& primals,
      const std::vector<array>& tangents,
      const std::vector<int>& argnums) override;
  std::vector<array> vjp(
      const std::vector<array>& primals,
      const std::vector<array>& cotangents,
      const std::vector<int>& argnums,
      const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs,
      const std::vector<int>& axes) override;
};

// Declares an elementwise primitive with no parameters.
#define MLX_ELEMENTWISE(Name)                                          \
  class Name : public Elementwise {                                    \
   public:                                                             \
    using Elementwise::Elementwise;                                    \
    void eval_cpu(                                                     \
        const std::vector<array>& inputs,                              \
        std::vector<array>& outputs) override;                         \
    const char* name() const override { return #Name; }                \
    array apply(const std::vector<array>& inputs) override;            \
    array partial(int i, const std::vector<array>& inputs, const array& out) override; \
    Float32Kernel float32_kernel() const override;                     \
  };

} // namespace mlx::core

#include "mlx/primitives/elementwise.h"
#include "mlx/primitives/misc.h"
#include "mlx/primitives/indexing.h"
#include "mlx/primitives/sort.h"
#include "mlx/primitives/random.h"
