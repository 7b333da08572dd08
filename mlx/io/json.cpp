// Recursive-descent JSON parser (depth-limited) and string quoting.
#include "mlx/io/json.h"

#include <cstdlib>
#include <stdexcept>

namespace mlx::core::io {

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(const std::string& s, const char* op) : s_(s), op_(op) {}

  Json document() {
    Json v = value(0);
    ws();
    if (i_ != s_.size()) {
      error("trailing characters");
    }
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& why) {
    throw std::runtime_error(std::string("[") + op_ + "] Invalid JSON header at character " +
                             std::to_string(i_) + ": " + why + ".");
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  char peek() {
    ws();
    if (i_ >= s_.size()) {
      error("unexpected end");
    }
    return s_[i_];
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }

  Json value(int depth) {
    if (depth > kMaxDepth) {
      error("nesting too deep");
    }
    Json v;
    char c = peek();
    if (c == '{') {
      ++i_;
      v.kind = Json::Kind::object;
      if (peek() == '}') {
        ++i_;
        return v;
      }
      while (true) {
        if (peek() != '"') {
          error("expected a key");
        }
        std::string key = string();
        if (peek() != ':') {
          error("expected ':'");
        }
        ++i_;
        v.members.emplace_back(std::move(key), value(depth + 1));
        char d = peek();
        ++i_;
        if (d == '}') {
          return v;
        }
        if (d != ',') {
          error("expected ',' or '}'");
        }
      }
    }
    if (c == '[') {
      ++i_;
      v.kind = Json::Kind::array;
      if (peek() == ']') {
        ++i_;
        return v;
      }
      while (true) {
        v.items.push_back(value(depth + 1));
        char d = peek();
        ++i_;
        if (d == ']') {
          return v;
        }
        if (d != ',') {
          error("expected ',' or ']'");
        }
      }
    }
    if (c == '"') {
      v.kind = Json::Kind::string;
      v.str = string();
      return v;
    }
    if (literal("true")) {
      v.kind = Json::Kind::boolean;
      v.boolean = true;
      return v;
    }
    if (literal("false")) {
      v.kind = Json::Kind::boolean;
      return v;
    }
    if (literal("null")) {
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      return number();
    }
    error("unexpected character");
  }

  Json number() {
    Json v;
    v.kind = Json::Kind::number;
    size_t start = i_;
    if (s_[i_] == '-') {
      v.negative = true;
      ++i_;
    }
    bool overflow = false;
    size_t digits = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      unsigned d = s_[i_++] - '0';
      if (v.integer > (UINT64_MAX - d) / 10) {
        overflow = true;
      } else {
        v.integer = v.integer * 10 + d;
      }
      ++digits;
    }
    if (digits == 0) {
      error("bad number");
    }
    bool frac = false;
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) {
      frac = true;
      ++i_;
      while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '+' || s_[i_] == '-' ||
                                s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '.')) {
        ++i_;
      }
    }
    v.is_integer = !frac && !overflow;
    v.number = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    return v;
  }

  void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t hex4() {
    if (i_ + 4 > s_.size()) {
      error("bad \\u escape");
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') {
        v |= h - '0';
      } else if (h >= 'a' && h <= 'f') {
        v |= h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        v |= h - 'A' + 10;
      } else {
        error("bad \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    ++i_; // opening quote
    std::string out;
    while (true) {
      if (i_ >= s_.size()) {
        error("unterminated string");
      }
      char c = s_[i_++];
      if (c == '"') {
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) {
        error("unterminated string");
      }
      char e = s_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          // A surrogate pair encodes one code point above U+FFFF.
          if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(i_, 2, "\\u") == 0) {
            i_ += 2;
            uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              utf8(out, cp);
              cp = lo;
            }
          }
          utf8(out, cp);
          break;
        }
        default:
          error("bad escape");
      }
    }
  }

  const std::string& s_;
  const char* op_;
  size_t i_{0};
};

} // namespace

Json parse_json(const std::string& text, const char* op) { return Parser(text, op).document(); }

std::string json_quote(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

} // namespace mlx::core::io
