// The primitives of .mlxfn files: each of this project's primitives under
// MLX's name with MLX's state layout (export_state.cpp), and each MLX
// primitive rebuilt from its state with this project's ops
// (export_build.cpp), and the table of traced functions. Used by
// mlx/export.cpp, mlx/export_import.cpp and the Python bindings.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "mlx/export.h"
#include "mlx/transforms.h"
#include "mlx/primitive.h"

namespace mlx::core::detail {

// Whether this thread is tracing a function for export: kernels of a
// back-end this build lacks are then recorded (not run).
bool in_export_tracing();

// The types a state item is written as (see export.cpp for the bytes).
enum class StateKind { Bool, Int, SizeT, Float, Double, Dtype, Shape, Strides, VecInt, VecSizeT, String };

// The state layout of the MLX primitive `name`, or nullptr when MLX cannot
// serialize it.
const std::vector<StateKind>* state_layout(const std::string& name);

// The elementwise primitives of primitives/elementwise_table.h that MLX
// writes under their own name with no state, each with the op that rebuilds
// it (unary or binary). The table's other rows MLX spells differently, and
// export_state.cpp / export_build.cpp treat them by name: Log, Log2 and
// Log10 are "Log" with a base, Sqrt and Rsqrt "Sqrt" with a flag, the
// bitwise ops and shifts "BitwiseBinary" with an op code; IsNaN, IsInf and
// IsFinite are written as their graph; BitwiseInvert has no written form.
struct StatelessElementwise {
  const char* name;
  array (*unary)(const array&, StreamOrDevice);
  array (*binary)(const array&, const array&, StreamOrDevice);
};
const std::vector<StatelessElementwise>& stateless_elementwise();

// A primitive as MLX writes it.
struct MlxForm {
  std::string name;
  std::vector<StateT> state;
};

// The MLX form of `node`'s primitive, or nullopt when it has none (then
// lower_node gives an equivalent graph of primitives that have one).
std::optional<MlxForm> mlx_form(const array& node);

// Native files (ExportForm::Native) write the primitives MLX has no form of
// (those lower_node rewrites) as themselves: this prefix and their own name,
// with their own state. MLX knows no such name and refuses the file with its
// usual "Unable to deserialize primitive"; build_node rebuilds them.
inline constexpr const char* kNativePrefix = "native:";

// The native form of `node`, or nullopt when its primitive has an MLX form
// or no native one.
std::optional<MlxForm> native_form(const array& node);

// Whether `name` is a native one, and the rebuild of such a node
// (export_native.cpp; build_node hands them there).
bool is_native(const std::string& name);
struct ImportedNode;
std::vector<array> build_native(const ImportedNode& node, const std::vector<array>& inputs);

// The outputs of `node` recomputed from `inputs` (its inputs, possibly
// themselves rewritten) with primitives MLX can serialize. Throws
// "[export_function] Unable to serialize primitive X" when there is none.
// Nodes of that graph that are written in a given MLX form whatever their
// primitive says go to `forced` (by id).
std::vector<array> lower_node(const array& node, const std::vector<array>& inputs,
                              std::unordered_map<std::uintptr_t, MlxForm>& forced);

// A node of an imported tape.
struct ImportedNode {
  std::string name;
  std::vector<StateT> state;
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
};

// Raises the import error for primitive `name` (what is wrong with it).
[[noreturn]] inline void bad_node(const std::string& name, const std::string& what) {
  throw std::invalid_argument("[import_function] Primitive " + name + ": " + what + ".");
}

// A node's state and inputs as the import builders read them.
struct NodeArgs {
  const ImportedNode& node;
  const std::vector<array>& in;

  template <typename T>
  T get(size_t k) const {
    return std::get<T>(node.state.at(k));
  }
  int i(size_t k) const { return get<int>(k); }
  bool b(size_t k) const { return get<bool>(k); }
  float f(size_t k) const { return get<float>(k); }
  Shape shape(size_t k) const { return get<Shape>(k); }
  std::vector<int> ints(size_t k) const { return get<std::vector<int>>(k); }
  void need(size_t lo, size_t hi) const {
    if (in.size() < lo || in.size() > hi) {
      bad_node(node.name, "wrong number of inputs (" + std::to_string(in.size()) + ")");
    }
  }
  void need(size_t n) const { need(n, n); }
  // Input k when there are more than k, or when `present` says so.
  std::optional<array> opt(size_t k) const {
    return k < in.size() ? std::optional<array>(in[k]) : std::nullopt;
  }
  std::optional<array> opt(bool present, size_t k) const {
    return present ? std::optional<array>(in.at(k)) : std::nullopt;
  }
};

// The outputs of the MLX primitive of `node` applied to `inputs`, built with
// this project's ops (which check the inputs). Throws std::invalid_argument
// when the primitive is unknown or its state does not fit the inputs.
std::vector<array> build_node(const ImportedNode& node, const std::vector<array>& inputs);

// "(2,3) float32", as import errors print a signature.
inline std::string shape_dtype_str(const Shape& shape, Dtype t) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    os << (i ? "," : "") << shape[i];
  }
  os << ") " << t;
  return os.str();
}

} // namespace mlx::core::detail

namespace mlx::core {

// ---- the traced functions of a file (or of an exporter)

struct FunctionTable {
  struct Entry {
    std::vector<std::string> kwarg_keys;
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    Function fun; // imported entries only
  };
  bool shapeless = false;
  std::vector<Entry> entries;

  bool matches(const Entry& e, const Args& args, const std::map<std::string, array>& kwargs) const {
    if (e.shapes.size() != args.size() + kwargs.size() || e.kwarg_keys.size() != kwargs.size()) {
      return false;
    }
    for (auto& k : e.kwarg_keys) {
      if (!kwargs.count(k)) {
        return false;
      }
    }
    size_t i = 0;
    auto same = [&](const array& a) {
      bool ok = a.dtype() == e.dtypes[i] && a.ndim() == static_cast<int>(e.shapes[i].size()) &&
                (shapeless || a.shape() == e.shapes[i]);
      ++i;
      return ok;
    };
    for (auto& a : args) {
      if (!same(a)) {
        return false;
      }
    }
    for (auto& [_, a] : kwargs) {
      if (!same(a)) {
        return false;
      }
    }
    return true;
  }
  const Entry* find(const Args& args, const std::map<std::string, array>& kwargs) const {
    for (auto& e : entries) {
      if (matches(e, args, kwargs)) {
        return &e;
      }
    }
    return nullptr;
  }
  void describe(std::ostream& os) const {
    int n = 1;
    for (auto& e : entries) {
      size_t npos = e.shapes.size() - e.kwarg_keys.size();
      os << " " << n++ << ". Function with " << npos << " positional inputs and " << e.kwarg_keys.size()
         << " keyword inputs:\n";
      for (size_t j = 0; j < e.shapes.size(); ++j) {
        if (j < npos) {
          os << "   " << j + 1 << ": ";
        } else {
          os << "   \"" << e.kwarg_keys[j - npos] << "\": ";
        }
        os << detail::shape_dtype_str(e.shapes[j], e.dtypes[j]) << "\n";
      }
    }
  }
};

} // namespace mlx::core
