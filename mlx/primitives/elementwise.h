// Elementwise primitives: unary math, binary arithmetic and comparisons.
#pragma once

namespace mlx::core {

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
