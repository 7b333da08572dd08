// Creation, layout (views and copies), reductions and matmul primitives.
#pragma once

#include <functional>

namespace mlx::core {

// Declares a primitive with a constructor taking extra parameters.
#define MLX_PRIMITIVE_BODY(Name)                                \
  void eval_cpu(                                                \
      const std::vector<array>& inputs,                         \
      std::vector<array>& outputs) override;                    \
  const char* name() const override { return #Name; }

// Declares a primitive's jvp, vjp and vmap rules.
#define MLX_TRANSFORM_RULES                                     \
  std::vector<array> jvp(                                       \
      const std::vector<array>& primals,                        \
      const std::vector<array>& tangents,                       \
      const std::vector<int>& argnums) override;                \
  std::vector<array> vjp(                                       \
      const std::vector<array>& primals,                        \
      const std::vector<array>& cotangents,                     \
      const std::vector<int>& argnums,                          \
      const std::vector<array>& outputs) override;              \
  std::pair<std::vector<array>, std::vector<int>> vmap(         \
      const std::vector<array>& inputs,                         \
      const std::vector<int>& axes) override;

class Arange : public Primitive {
 public:
  Arange(Stream s, double start, double step)
      : Primitive(s), start_(start), step_(step) {}
  MLX_PRIMITIVE_BODY(Arange)
  MLX_TRANSFORM_RULES

 private:
  double start_, step_;
};

// Fills the output with its single (broadcast) input.
class Full : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(Full)
  MLX_TRANSFORM_RULES
};

// Row-contiguous copy of the input.
MLX_ELEMENTWISE(Copy)

// A view when the input's layout allows it, otherwise a copy.
class Reshape : public Primitive {
 public:
  Reshape(Stream s, Shape shape) : Primitive(s), shape_(std::move(shape)) {}
  MLX_PRIMITIVE_BODY(Reshape)
  MLX_TRANSFORM_RULES

 private:
  Shape shape_;
};

// Always a view.
class Transpose : public Primitive {
 public:
  Transpose(Stream s, std::vector<int> axes)
      : Primitive(s), axes_(std::move(axes)) {}
  MLX_PRIMITIVE_BODY(Transpose)
  MLX_TRANSFORM_RULES

 private:
  std::vector<int> axes_;
};

// A view with stride 0 along the broadcast dims.
class Broadcast : public Primitive {
 public:
  Broadcast(Stream s, Shape shape) : Primitive(s), shape_(std::move(shape)) {}
  MLX_PRIMITIVE_BODY(Broadcast)
  MLX_TRANSFORM_RULES

 private:
  Shape shape_;
};

// A strided view: out[i] = in[start + i * step] along each dim.
class Slice : public Primitive {
 public:
  Slice(Stream s, Shape start, Shape stop, Shape strides)
      : Primitive(s),
        start_(std::move(start)),
        stop_(std::move(stop)),
        strides_(std::move(strides)) {}
  MLX_PRIMITIVE_BODY(Slice)
  MLX_TRANSFORM_RULES

 private:
  Shape start_, stop_, strides_;
};

// Reinterprets the bytes of the input as another dtype.
class View : public Primitive {
 public:
  View(Stream s, Dtype dtype) : Primitive(s), dtype_(dtype) {}
  MLX_PRIMITIVE_BODY(View)
  MLX_TRANSFORM_RULES

 private:
  Dtype dtype_;
};

class Reduce : public Primitive {
 public:
  enum ReduceType { And, Or, Sum, Prod, Min, Max };
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : Primitive(s), type_(type), axes_(std::move(axes)) {}
  MLX_PRIMITIVE_BODY(Reduce)
  MLX_TRANSFORM_RULES

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

class ArgReduce : public Primitive {
 public:
  enum ReduceType { ArgMin, ArgMax };
  ArgReduce(Stream s, ReduceType type, int axis)
      : Primitive(s), type_(type), axis_(axis) {}
  MLX_PRIMITIVE_BODY(ArgReduce)
  MLX_TRANSFORM_RULES

 private:
  ReduceType type_;
  int axis_;
};

// The identity whose gradient is zero.
class StopGradient : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(StopGradient)
  MLX_TRANSFORM_RULES
};

// The outputs of a function with custom transformation rules. Its inputs
// are the function's inputs followed by its (already computed) outputs,
// which it passes through.
class CustomTransforms : public Primitive {
 public:
  using VJP = std::function<std::vector<array>(
      const std::vector<array>&, const std::vector<array>&, const std::vector<array>&)>;
  using JVP = std::function<std::vector<array>(
      const std::vector<array>&, const std::vector<array>&, const std::vector<int>&)>;
  using Vmap = std::function<std::pair<std::vector<array>, std::vector<int>>(
      const std::vector<array>&, const std::vector<int>&)>;
  CustomTransforms(Stream s, int num_outputs, VJP vjp, JVP jvp, Vmap vmap)
      : Primitive(s),
        num_outputs_(num_outputs),
        vjp_(std::move(vjp)),
        jvp_(std::move(jvp)),
        vmap_(std::move(vmap)) {}
  MLX_PRIMITIVE_BODY(CustomTransforms)
  MLX_TRANSFORM_RULES

 private:
  int num_outputs_;
  VJP vjp_;
  JVP jvp_;
  Vmap vmap_;
};

// Batched matrix product of inputs already broadcast in their batch dims.
class Matmul : public Primitive {
 public:
  using Primitive::Primitive;
  MLX_PRIMITIVE_BODY(Matmul)
  MLX_TRANSFORM_RULES
};

} // namespace mlx::core
