// Primitive: the base of every operation's class. It runs itself on a device
// and knows its own transformation rules. Each family's classes are in
// mlx/primitives/<family>.h; mlx/primitives.h includes the common ones.
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
  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs);

  // Forward mode: the tangents of the outputs given those of inputs[argnums].
  virtual std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);

  // Reverse mode: the cotangents of inputs[argnums].
  virtual std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums, const std::vector<array>& outputs);

  // Batching: the outputs and their batch axes, given batched inputs
  // (axis -1 means not batched).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
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

// The backend seam: the evaluations a primitive declares, one per backend
// built in. The CPU backend is always there (mlx/backend/cpu/<family>.cpp
// defines eval_cpu); a GPU backend is switched on in CMake, which defines
// MLX_BACKEND_GPU and adds mlx/backend/<name>/<family>.cpp files defining
// eval_gpu for every primitive. Without one, Primitive::eval_gpu raises.
//
// Every class also befriends ExportAccess (mlx/export_state.cpp), which
// reads and rebuilds each class's parameters for .mlxfn files.
struct ExportAccess;
#ifdef MLX_BACKEND_GPU
#define MLX_DEVICE_EVALS                                                                 \
  friend struct ExportAccess;                                                            \
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override; \
  void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
#else
#define MLX_DEVICE_EVALS      \
  friend struct ExportAccess; \
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
#endif

// Declares a primitive's evaluations and name (its constructor and
// parameters are written out in the class).
#define MLX_PRIMITIVE_BODY(Name) \
  MLX_DEVICE_EVALS               \
  const char* name() const override { return #Name; }

// Declares a primitive's jvp, vjp and vmap rules.
#define MLX_TRANSFORM_RULES                                                                            \
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,        \
                         const std::vector<int>& argnums) override;                                    \
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,      \
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override; \
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,               \
                                                       const std::vector<int>& axes) override;

// The rules and equivalence of a primitive.
#define MLX_TRANSFORMS_BODY \
  MLX_TRANSFORM_RULES       \
  bool is_equivalent(const Primitive& other) const override;

} // namespace mlx::core
