// Sorting, partitioning and scan primitives.
#pragma once

#include <vector>

#include "mlx/primitive.h"

namespace mlx::core {

// Sorts along axis_ (NaNs last). ArgSort is stable and returns uint32.
class Sort : public Primitive {
 public:
  Sort(Stream s, int axis) : Primitive(s), axis_(axis) {}
  MLX_PRIMITIVE_BODY(Sort)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }

 private:
  int axis_;
};

class ArgSort : public Primitive {
 public:
  ArgSort(Stream s, int axis) : Primitive(s), axis_(axis) {}
  MLX_PRIMITIVE_BODY(ArgSort)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }

 private:
  int axis_;
};

// The kth element along axis_ lands where a sort would put it, smaller ones
// before it and larger ones after it (in no particular order).
class Partition : public Primitive {
 public:
  Partition(Stream s, int kth, int axis) : Primitive(s), kth_(kth), axis_(axis) {}
  MLX_PRIMITIVE_BODY(Partition)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }

 private:
  int kth_, axis_;
};

class ArgPartition : public Primitive {
 public:
  ArgPartition(Stream s, int kth, int axis) : Primitive(s), kth_(kth), axis_(axis) {}
  MLX_PRIMITIVE_BODY(ArgPartition)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }

 private:
  int kth_, axis_;
};

// Cumulative reduction along axis_; the output dtype is set by the op.
class Scan : public Primitive {
 public:
  enum ReduceType { Sum, Prod, Max, Min, LogAddExp };
  Scan(Stream s, ReduceType type, int axis, bool reverse, bool inclusive)
      : Primitive(s), type_(type), axis_(axis), reverse_(reverse), inclusive_(inclusive) {}
  MLX_PRIMITIVE_BODY(Scan)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[0].shape()}; }

 private:
  ReduceType type_;
  int axis_;
  bool reverse_, inclusive_;
};

// Insertion points of values (input 1) into the sorted 1-d input 0 (uint32).
class SearchSorted : public Primitive {
 public:
  SearchSorted(Stream s, bool right) : Primitive(s), right_(right) {}
  MLX_PRIMITIVE_BODY(SearchSorted)
  MLX_TRANSFORMS_BODY
  std::vector<Shape> output_shapes(const std::vector<array>& in) override { return {in[1].shape()}; }

 private:
  bool right_;
};

} // namespace mlx::core
