// A small JSON reader and writer, enough for safetensors headers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlx::core::io {

struct Json {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind{Kind::null};
  bool boolean{false};
  // Numbers: integers keep their exact value in `integer` (with `negative`);
  // anything with a fraction or exponent has is_integer false.
  bool is_integer{false};
  bool negative{false};
  uint64_t integer{0};
  double number{0};
  std::string str;
  std::vector<Json> items;
  // Object members in file order.
  std::vector<std::pair<std::string, Json>> members;
};

// Parses `text`; throws std::runtime_error "[op] Invalid JSON ..." on
// malformed input or nesting deeper than 64 levels.
Json parse_json(const std::string& text, const char* op);

// `s` as a JSON string literal, quotes included.
std::string json_quote(const std::string& s);

} // namespace mlx::core::io
