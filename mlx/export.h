// Export and import of functions: a function traced once is written to a
// .mlxfn file (MLX 0.32's layout, so files move both ways between MLX and
// this project) and later imported and run, from Python or from C++ alone.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

#include "mlx/array.h"

namespace mlx::core {

using Args = std::vector<array>;
using Kwargs = std::unordered_map<std::string, array>;

// One item of a primitive's parameters (its state), as MLX flattens it
// (Shape, a std::vector<int> here, also holds MLX's vector<int> items).
using StateT = std::variant<bool, int, size_t, float, double, Dtype, Shape, Strides, std::vector<size_t>,
                            std::vector<std::tuple<bool, bool, bool>>,
                            std::vector<std::variant<bool, int, float>>, std::optional<float>, std::string>;

// What an export callback receives, once per call: "type" is "inputs",
// "keyword_inputs", "outputs", "constants" or "primitive", with the entries
// MLX gives (names, shapes and dtypes of arrays; constants' values; a
// primitive's "name", "inputs", "outputs" and "arguments").
using ExportCallbackInput =
    std::unordered_map<std::string, std::variant<std::vector<std::tuple<std::string, Shape, Dtype>>,
                                                 std::vector<std::pair<std::string, array>>,
                                                 std::vector<std::pair<std::string, std::string>>,
                                                 std::vector<StateT>, std::string>>;
using ExportCallback = std::function<void(const ExportCallbackInput&)>;

using ExportedFunction = std::function<std::vector<array>(const Args&, const Kwargs&)>;

struct FunctionTable;

// How the primitives this project has and MLX has no serialized form of
// (compiled elementwise chains, the norms and their gradient, RoPE,
// attention, cross entropy, the gated delta rule, LogSumExp without kept
// axis, inverse FFTs, IsNaN, IsInf, IsFinite) are written. Mlx: as an
// equivalent graph of MLX's primitives, so that MLX 0.32.4 reads the file.
// Native: as themselves (name "native:<Name>", their own state): smaller
// files with fewer nodes that import here as the same primitives, while
// MLX refuses them ("Unable to deserialize primitive"). Python reads it
// from the environment: MLX_EXPORT_NATIVE=1.
enum class ExportForm { Mlx, Native };

// Writes traces of one function (one per distinct input signature) to a
// file or a callback. Constants shared between traces are written once.
class FunctionExporter {
 public:
  FunctionExporter(const std::string& file, ExportedFunction fun, bool shapeless = false,
                   std::string metadata = "", ExportForm form = ExportForm::Mlx);
  FunctionExporter(ExportCallback callback, ExportedFunction fun, bool shapeless = false,
                   ExportForm form = ExportForm::Mlx);
  FunctionExporter(FunctionExporter&&) = default;
  FunctionExporter(const FunctionExporter&) = delete;
  FunctionExporter& operator=(const FunctionExporter&) = delete;

  void operator()(const std::initializer_list<array>& args) { (*this)(Args(args), Kwargs{}); }
  void operator()(const Args& args) { (*this)(args, Kwargs{}); }
  void operator()(const Kwargs& kwargs) { (*this)(Args{}, kwargs); }
  void operator()(const Args& args, const Kwargs& kwargs);

  // Later calls raise.
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// The functions of an imported file: called with arrays matching one of the
// traced signatures (positional count, keyword names, dtypes, and shapes
// unless the file is shapeless), it returns that trace's outputs.
class ImportedFunction {
 public:
  std::vector<array> operator()(const std::initializer_list<array>& args) const {
    return (*this)(Args(args), Kwargs{});
  }
  std::vector<array> operator()(const Args& args) const { return (*this)(args, Kwargs{}); }
  std::vector<array> operator()(const Kwargs& kwargs) const { return (*this)(Args{}, kwargs); }
  std::vector<array> operator()(const Args& args, const Kwargs& kwargs) const;

  // The metadata string saved with the function.
  const std::string& metadata() const { return metadata_; }

 private:
  friend ImportedFunction import_function(const std::string& file);
  friend ImportedFunction import_function_from_bytes(std::string bytes);
  ImportedFunction() = default;
  std::shared_ptr<FunctionTable> table_;
  std::string metadata_;
};

FunctionExporter exporter(const std::string& file, const std::function<std::vector<array>(const Args&)>& fun,
                          bool shapeless = false, const std::string& metadata = "",
                          ExportForm form = ExportForm::Mlx);
FunctionExporter exporter(const std::string& file,
                          const std::function<std::vector<array>(const Kwargs&)>& fun, bool shapeless = false,
                          const std::string& metadata = "", ExportForm form = ExportForm::Mlx);
FunctionExporter exporter(const std::string& file, const ExportedFunction& fun, bool shapeless = false,
                          const std::string& metadata = "", ExportForm form = ExportForm::Mlx);
FunctionExporter exporter(const ExportCallback& callback,
                          const std::function<std::vector<array>(const Args&)>& fun, bool shapeless = false,
                          ExportForm form = ExportForm::Mlx);
FunctionExporter exporter(const ExportCallback& callback, const ExportedFunction& fun, bool shapeless = false,
                          ExportForm form = ExportForm::Mlx);

// Traces fun on the example inputs and writes it to `file` (or hands the
// graph to `callback`).
void export_function(const std::string& file, const std::function<std::vector<array>(const Args&)>& fun,
                     const Args& args, bool shapeless = false, const std::string& metadata = "",
                     ExportForm form = ExportForm::Mlx);
void export_function(const std::string& file, const std::function<std::vector<array>(const Kwargs&)>& fun,
                     const Kwargs& kwargs, bool shapeless = false, const std::string& metadata = "",
                     ExportForm form = ExportForm::Mlx);
void export_function(const std::string& file, const ExportedFunction& fun, const Args& args,
                     const Kwargs& kwargs, bool shapeless = false, const std::string& metadata = "",
                     ExportForm form = ExportForm::Mlx);
void export_function(const ExportCallback& callback,
                     const std::function<std::vector<array>(const Args&)>& fun, const Args& args,
                     bool shapeless = false, ExportForm form = ExportForm::Mlx);
void export_function(const ExportCallback& callback, const ExportedFunction& fun, const Args& args,
                     const Kwargs& kwargs, bool shapeless = false, ExportForm form = ExportForm::Mlx);

// Reads a .mlxfn file. A malformed file raises std::runtime_error (or
// std::invalid_argument for primitives it cannot rebuild).
ImportedFunction import_function(const std::string& file);
// The same from the file's bytes.
ImportedFunction import_function_from_bytes(std::string bytes);

} // namespace mlx::core
