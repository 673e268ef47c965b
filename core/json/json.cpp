#include "json/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace opsim::json {

const char* type_name(Type t) {
  switch (t) {
    case Type::null: return "null";
    case Type::boolean: return "a boolean";
    case Type::number: return "a number";
    case Type::string: return "a string";
    case Type::array: return "an array";
    case Type::object: return "an object";
  }
  return "?";
}

const Value* Value::find(std::string_view key) const {
  for (const auto& m : members)
    if (m.first == key) return &m.second;
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(std::string_view text, ParseError& error) : s_(text), error_(error) {}

  bool document(Value& out) {
    skip_space();
    if (!value(out, 0)) return false;
    skip_space();
    if (pos_ < s_.size()) return fail("unexpected " + near() + " after the end of the document");
    return true;
  }

 private:
  bool fail(const std::string& message) {
    error_.message = message;
    error_.line = line_;
    error_.column = static_cast<int>(pos_ - line_start_) + 1;
    return false;
  }

  std::string near() const {
    if (pos_ >= s_.size()) return "end of input";
    const char c = s_[pos_];
    if (static_cast<unsigned char>(c) < 0x20) return "control character";
    return std::string("'") + c + "'";
  }

  void skip_space() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("expected a JSON value, found " + near());
    pos_ += word.size();
    return true;
  }

  bool value(Value& v, int depth) {
    // depth counts from 0 at the document, so depth kMaxDepth is the 65th level.
    if (depth >= kMaxDepth) return fail("nesting deeper than 64 levels");
    v.line = line_;
    v.column = static_cast<int>(pos_ - line_start_) + 1;
    if (pos_ >= s_.size()) return fail("expected a JSON value, found end of input");
    const char c = s_[pos_];
    switch (c) {
      case '{': return object(v, depth);
      case '[': return array(v, depth);
      case '"': v.type = Type::string; return string(v.text);
      case 't': v.type = Type::boolean; v.boolean = true; return literal("true");
      case 'f': v.type = Type::boolean; v.boolean = false; return literal("false");
      case 'n': v.type = Type::null; return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(v);
        return fail("expected a JSON value, found " + near());
    }
  }

  bool object(Value& v, int depth) {
    v.type = Type::object;
    ++pos_;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"')
        return fail("expected a member name in double quotes, found " + near());
      const int key_line = line_;
      const std::size_t key_pos = pos_, key_line_start = line_start_;
      std::string key;
      if (!string(key)) return false;
      if (v.find(key)) {
        line_ = key_line;
        pos_ = key_pos;
        line_start_ = key_line_start;
        return fail("duplicate member \"" + key + "\"");
      }
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':' after a member name, found " + near());
      ++pos_;
      skip_space();
      v.members.emplace_back(std::move(key), Value{});
      if (!value(v.members.back().second, depth + 1)) return false;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in an object, found " + near());
    }
  }

  bool array(Value& v, int depth) {
    v.type = Type::array;
    ++pos_;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      v.items.emplace_back();
      if (!value(v.items.back(), depth + 1)) return false;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' in an array, found " + near());
    }
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool hex4(unsigned& out) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(s_[pos_ + i]);
      if (d < 0) return fail("invalid \\u escape");
      out = out * 16 + static_cast<unsigned>(d);
    }
    pos_ += 4;
    return true;
  }


  bool string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string (escape it)");
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00) {
            unsigned low;
            if (s_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            return fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default: --pos_; return fail(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  bool number(Value& v) {
    v.type = Type::number;
    const std::size_t begin = pos_;
    bool integer = true;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t d0 = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ - d0;
    };
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return fail("invalid number");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (digits() == 0) return fail("invalid number: digits expected after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) return fail("invalid number: digits expected in the exponent");
    }
    v.text = std::string(s_.substr(begin, pos_ - begin));
    v.is_integer = integer;
    // strtod is correctly rounded in both glibc and musl, so both builds read the same bits.
    v.number = std::strtod(v.text.c_str(), nullptr);
    if (!std::isfinite(v.number)) {
      pos_ = begin;  // point at the number, not past it
      return fail("number out of range");
    }
    return true;
  }

  std::string_view s_;
  ParseError& error_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
};

}  // namespace

bool parse(std::string_view text, Value& out, ParseError& error) {
  out = Value{};
  Parser p(text, error);
  return p.document(out);
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    if (buf[0] == '-' && buf[1] == '0' && buf[2] == 0) return "0";
  } else {
    // printf is exact in both glibc and musl, so the digits are the same in both builds.
    std::snprintf(buf, sizeof buf, "%.10g", v);
  }
  return buf;
}

std::string write(const Value& v) {
  switch (v.type) {
    case Type::null: return "null";
    case Type::boolean: return v.boolean ? "true" : "false";
    case Type::number: return v.text.empty() ? number(v.number) : v.text;
    case Type::string: return quote(v.text);
    case Type::array: {
      std::string s = "[";
      for (std::size_t i = 0; i < v.items.size(); ++i) s += (i ? ", " : "") + write(v.items[i]);
      return s + "]";
    }
    case Type::object: {
      std::string s = "{";
      for (std::size_t i = 0; i < v.members.size(); ++i)
        s += (i ? ", " : "") + quote(v.members[i].first) + ": " + write(v.members[i].second);
      return s + "}";
    }
  }
  return "null";
}

std::string describe(const Value& v) {
  switch (v.type) {
    case Type::null: return "null";
    case Type::boolean: return v.boolean ? "true" : "false";
    case Type::number: return v.text;
    case Type::string: {
      std::string s = v.text.size() > 40 ? v.text.substr(0, 37) + "..." : v.text;
      return quote(s);
    }
    case Type::array: return v.items.empty() ? "an empty array" : "an array of " + std::to_string(v.items.size());
    case Type::object: return v.members.empty() ? "an empty object" : "an object";
  }
  return "?";
}

void ObjectWriter::key(std::string_view k) {
  body_ += body_.empty() ? "{" : ",";
  body_ += quote(k);
  body_ += ':';
}

ObjectWriter& ObjectWriter::field(std::string_view k, double v) {
  key(k);
  body_ += number(v);
  return *this;
}
ObjectWriter& ObjectWriter::field(std::string_view k, std::int64_t v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}
ObjectWriter& ObjectWriter::field(std::string_view k, std::uint64_t v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}
ObjectWriter& ObjectWriter::field(std::string_view k, bool v) {
  key(k);
  body_ += v ? "true" : "false";
  return *this;
}
ObjectWriter& ObjectWriter::field(std::string_view k, std::string_view v) {
  key(k);
  body_ += quote(v);
  return *this;
}
ObjectWriter& ObjectWriter::raw(std::string_view k, std::string_view json_text) {
  key(k);
  body_ += json_text;
  return *this;
}

void append_utf8(std::string& out, std::uint32_t cp) {
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

}  // namespace opsim::json
