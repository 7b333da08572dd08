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

// Unary.
MLX_ELEMENTWISE(Abs)
MLX_ELEMENTWISE(Negative)
MLX_ELEMENTWISE(Sign)
MLX_ELEMENTWISE(Square)
MLX_ELEMENTWISE(Sqrt)
MLX_ELEMENTWISE(Rsqrt)
MLX_ELEMENTWISE(Exp)
MLX_ELEMENTWISE(Expm1)
MLX_ELEMENTWISE(Log)
MLX_ELEMENTWISE(Log2)
MLX_ELEMENTWISE(Log10)
MLX_ELEMENTWISE(Log1p)
MLX_ELEMENTWISE(Sin)
MLX_ELEMENTWISE(Cos)
MLX_ELEMENTWISE(Tan)
MLX_ELEMENTWISE(ArcSin)
MLX_ELEMENTWISE(ArcCos)
MLX_ELEMENTWISE(ArcTan)
MLX_ELEMENTWISE(Sinh)
MLX_ELEMENTWISE(Cosh)
MLX_ELEMENTWISE(Tanh)
MLX_ELEMENTWISE(ArcSinh)
MLX_ELEMENTWISE(ArcCosh)
MLX_ELEMENTWISE(ArcTanh)
MLX_ELEMENTWISE(Sigmoid)
MLX_ELEMENTWISE(Erf)
MLX_ELEMENTWISE(ErfInv)
MLX_ELEMENTWISE(Floor)
MLX_ELEMENTWISE(Ceil)
MLX_ELEMENTWISE(LogicalNot)
MLX_ELEMENTWISE(BitwiseInvert)
MLX_ELEMENTWISE(Real)
MLX_ELEMENTWISE(Imag)
MLX_ELEMENTWISE(Conjugate)
MLX_ELEMENTWISE(IsNaN)
MLX_ELEMENTWISE(IsInf)
MLX_ELEMENTWISE(IsFinite)

// Binary (inputs already broadcast to one shape and cast to one dtype).
MLX_ELEMENTWISE(Add)
MLX_ELEMENTWISE(Subtract)
MLX_ELEMENTWISE(Multiply)
MLX_ELEMENTWISE(Divide)
MLX_ELEMENTWISE(FloorDivide)
MLX_ELEMENTWISE(Remainder)
MLX_ELEMENTWISE(Power)
MLX_ELEMENTWISE(Maximum)
MLX_ELEMENTWISE(Minimum)
MLX_ELEMENTWISE(LogAddExp)
MLX_ELEMENTWISE(ArcTan2)
MLX_ELEMENTWISE(NotEqual)
MLX_ELEMENTWISE(Greater)
MLX_ELEMENTWISE(GreaterEqual)
MLX_ELEMENTWISE(Less)
MLX_ELEMENTWISE(LessEqual)
MLX_ELEMENTWISE(LogicalAnd)
MLX_ELEMENTWISE(LogicalOr)
MLX_ELEMENTWISE(BitwiseAnd)
MLX_ELEMENTWISE(BitwiseOr)
MLX_ELEMENTWISE(BitwiseXor)
MLX_ELEMENTWISE(LeftShift)
MLX_ELEMENTWISE(RightShift)

// Ternary: where(condition, x, y).
MLX_ELEMENTWISE(Select)

class Equal : public Elementwise {
 public:
  Equal(Stream s, bool equal_nan = false) : Elementwise(s), equal_nan_(equal_nan) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs)
      override;
  const char* name() const override { return equal_nan_ ? "NaNEqual" : "Equal"; }
  array apply(const std::vector<array>& inputs) override;
  array partial(int i, const std::vector<array>& inputs, const array& out) override;

 private:
  bool equal_nan_;
};

class Round : public Elementwise {
 public:
  Round(Stream s, int decimals) : Elementwise(s), decimals_(decimals) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs)
      override;
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
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs)
      override;
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
