// Elementwise primitives: unary math, binary arithmetic and comparisons.
#pragma once

#include "mlx/primitive.h"

namespace mlx::core {

// A primitive whose single output has the shape of its inputs (which ops
// broadcast and cast beforehand). Its Jacobian is diagonal, so each op only
// states `partial` (d out / d input_i, elementwise) and `apply` (itself, as
// a public op); the base derives jvp, vjp and vmap from them.
class Elementwise : public Primitive {
 public:
  using Primitive::Primitive;
  bool is_elementwise() const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  bool is_equivalent(const Primitive& other) const override { return std::string(name()) == other.name(); }

  // The op applied to (possibly batched, hence broadcastable) inputs.
  virtual array apply(const std::vector<array>& inputs) = 0;
  // d out / d inputs[i]; zeros for ops with no useful derivative.
  virtual array partial(int i, const std::vector<array>& inputs, const array& out);

  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums, const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
};

// Declares an elementwise primitive with no parameters.
#define MLX_ELEMENTWISE(Name)                                                          \
  class Name : public Elementwise {                                                    \
   public:                                                                             \
    using Elementwise::Elementwise;                                                    \
    MLX_DEVICE_EVALS                                                                   \
    const char* name() const override { return #Name; }                                \
    array apply(const std::vector<array>& inputs) override;                            \
    array partial(int i, const std::vector<array>& inputs, const array& out) override; \
  };

// The primitives of the table, one class each.
#define MLX_UNARY(Name, op, Types, domain, kernel, doc, derivative) MLX_ELEMENTWISE(Name)
#define MLX_UNARY_NO_GRAD(Name, op, Types, kernel) MLX_ELEMENTWISE(Name)
#define MLX_PREDICATE(Name, op) MLX_ELEMENTWISE(Name)
#define MLX_BINARY(Name, op, Types, da, db) MLX_ELEMENTWISE(Name)
#define MLX_BINARY_NO_GRAD(Name, op, Types) MLX_ELEMENTWISE(Name)
#define MLX_COMPARISON(Name, op) MLX_ELEMENTWISE(Name)
#include "mlx/primitives/elementwise_table.h"
#include "mlx/primitives/elementwise_table_undef.h"

// Written out (a parameter, complex-only output types or more than two
// inputs): rules in primitives/elementwise.cpp, kernels in
// backend/cpu/elementwise_*.cpp.
MLX_ELEMENTWISE(Abs)
MLX_ELEMENTWISE(Real)
MLX_ELEMENTWISE(Imag)

// Ternary: where(condition, x, y).
MLX_ELEMENTWISE(Select)

class Equal : public Elementwise {
 public:
  Equal(Stream s, bool equal_nan = false) : Elementwise(s), equal_nan_(equal_nan) {}
  MLX_DEVICE_EVALS
  const char* name() const override { return equal_nan_ ? "NaNEqual" : "Equal"; }
  array apply(const std::vector<array>& inputs) override;
  array partial(int i, const std::vector<array>& inputs, const array& out) override;

 private:
  bool equal_nan_;
};

class Round : public Elementwise {
 public:
  Round(Stream s, int decimals) : Elementwise(s), decimals_(decimals) {}
  MLX_DEVICE_EVALS
  const char* name() const override { return "Round"; }
  array apply(const std::vector<array>& inputs) override;
  array partial(int i, const std::vector<array>& inputs, const array& out) override;
  bool is_equivalent(const Primitive& o) const override {
    auto* r = dynamic_cast<const Round*>(&o);
    return r && r->decimals_ == decimals_;
  }

 private:
  int decimals_;
};

// Casts to the output's dtype.
class AsType : public Elementwise {
 public:
  AsType(Stream s, Dtype dtype) : Elementwise(s), dtype_(dtype) {}
  MLX_DEVICE_EVALS
  const char* name() const override { return "AsType"; }
  array apply(const std::vector<array>& inputs) override;
  array partial(int i, const std::vector<array>& inputs, const array& out) override;
  bool is_equivalent(const Primitive& o) const override {
    auto* r = dynamic_cast<const AsType*>(&o);
    return r && r->dtype_ == dtype_;
  }

 private:
  Dtype dtype_;
};

} // namespace mlx::core
