// Go's fmt for the values a template handles (fmt/print.go, fmt/format.go), rewritten for
// opsim: Sprint, Sprintln and Sprintf with Go's verbs, flags and error notes, so that
// annotations read as Prometheus writes them ("%!d(float64=1.5)", "1e+06", "+Inf").
//
// Index:
//   [SECTION] Values
//   [SECTION] The printer (one verb applied to one value)
//   [SECTION] Sprint, Sprintln, Sprintf
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "json/json.h"
#include "monitoring/template_internal.h"

namespace opsim {
namespace tmpl {

// ---------------------------------------------------------------------------------------------
// [SECTION] Values
// ---------------------------------------------------------------------------------------------

std::string type_name(const Value& v) {
  switch (v.kind) {
    case Kind::invalid: return "<nil>";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::uint8: return "uint8";
    case Kind::floating: return "float64";
    case Kind::string: return "string";
    case Kind::html: return "template.HTML";
    case Kind::map: return "map[string]string";
    case Kind::data:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }";
  }
  return "?";
}

bool truth(const Value& v) {
  switch (v.kind) {
    case Kind::invalid: return false;
    case Kind::boolean: return v.b;
    case Kind::integer: case Kind::uint8: return v.i != 0;
    case Kind::floating: return v.f != 0;
    case Kind::string: case Kind::html: return !v.s.empty();
    case Kind::map: return !v.map->empty();
    case Kind::data: return true;
  }
  return false;
}

std::shared_ptr<const StringMap> to_map(const promql::Labels& labels) {
  auto m = std::make_shared<StringMap>();
  for (const promql::Label& l : labels) (*m)[l.name] = l.value;
  return m;
}

namespace {

int rune_count(std::string_view s) {
  int n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void append_rune(std::string& out, std::uint32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = 0xFFFD;
  json::append_utf8(out, r);
}

// strconv.QuoteRune for the runes a template can hold.
std::string quote_rune(std::uint32_t r) {
  std::string inner;
  append_rune(inner, r);
  if (r == '\'') return "'\\''";
  if (r == '"') return "'\"'";
  std::string q = promql::quote_string(inner);  // "..." with Go's escapes
  return "'" + q.substr(1, q.size() - 2) + "'";
}

// strconv.QuoteToASCII (what %+q prints): Quote, then every non-ASCII rune as \u or \U.
std::string quote_ascii(const std::string& s) {
  const std::string q = promql::quote_string(s);
  std::string out;
  for (std::size_t i = 0; i < q.size();) {
    const unsigned char c = static_cast<unsigned char>(q[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (n == 1 || i + static_cast<std::size_t>(n) > q.size()) {
      out += q[i++];
      continue;
    }
    std::uint32_t r = c & (0x7Fu >> n);
    for (int k = 1; k < n; ++k) r = (r << 6) | (static_cast<unsigned char>(q[i + static_cast<std::size_t>(k)]) & 0x3Fu);
    char b[16];
    std::snprintf(b, sizeof b, r > 0xFFFF ? "\\U%08x" : "\\u%04x", r);
    out += b;
    i += static_cast<std::size_t>(n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The printer (one verb applied to one value)
// ---------------------------------------------------------------------------------------------

class Printer {
 public:
  std::string buf;

  struct Flags {
    bool plus = false, minus = false, sharp = false, space = false, zero = false;
    bool plus_v = false, sharp_v = false;
    bool wid_present = false, prec_present = false;
    int wid = 0, prec = 0;
  } f;

  void clear_flags() { f = Flags{}; }

  void write_padding(int n) {
    if (n > 0) buf.append(static_cast<std::size_t>(n), f.zero ? '0' : ' ');
  }
  void pad(std::string_view s) {
    if (!f.wid_present || f.wid == 0) {
      buf += s;
      return;
    }
    const int width = f.wid - rune_count(s);
    if (!f.minus) {
      write_padding(width);
      buf += s;
    } else {
      buf += s;
      write_padding(width);
    }
  }

  void bad_verb(std::uint32_t verb, const Value& v) {
    buf += "%!";
    append_rune(buf, verb);
    buf += "(";
    if (v.kind == Kind::invalid) {
      buf += "<nil>";
    } else {
      buf += type_name(v) + "=";
      print_arg(v, 'v', 0);
    }
    buf += ")";
  }

  void fmt_integer(std::uint64_t u, int base, bool is_signed, std::uint32_t verb, bool upper) {
    const bool negative = is_signed && static_cast<std::int64_t>(u) < 0;
    if (negative) u = 0 - u;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {  // "%.0d" of 0 prints nothing but the padding
        const bool old = f.zero;
        f.zero = false;
        write_padding(f.wid);
        f.zero = old;
        return;
      }
    } else if (f.zero && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;  // room for the sign
    }
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    std::string d;
    do {
      d.insert(d.begin(), digits[u % static_cast<unsigned>(base)]);
      u /= static_cast<unsigned>(base);
    } while (u != 0);
    while (static_cast<int>(d.size()) < prec) d.insert(d.begin(), '0');
    if (f.sharp) {
      if (base == 2) d = "0b" + d;
      else if (base == 8 && d[0] != '0') d = "0" + d;
      else if (base == 16) d = std::string("0") + digits[16] + d;
    }
    if (verb == 'O') d = "0o" + d;
    if (negative) d = "-" + d;
    else if (f.plus) d = "+" + d;
    else if (f.space) d = " " + d;
    const bool old = f.zero;
    f.zero = false;  // zero padding was done above, as precision
    pad(d);
    f.zero = old;
  }

  void print_integer(std::int64_t i, bool is_signed, std::uint32_t verb, const Value& v) {
    const std::uint64_t u = static_cast<std::uint64_t>(i);
    switch (verb) {
      case 'v': case 'd': fmt_integer(u, 10, is_signed, verb, false); return;
      case 'b': fmt_integer(u, 2, is_signed, verb, false); return;
      case 'o': case 'O': fmt_integer(u, 8, is_signed, verb, false); return;
      case 'x': fmt_integer(u, 16, is_signed, verb, false); return;
      case 'X': fmt_integer(u, 16, is_signed, verb, true); return;
      case 'c': {
        std::string s;
        append_rune(s, i < 0 || i > 0x10FFFF ? 0xFFFD : static_cast<std::uint32_t>(i));
        pad(s);
        return;
      }
      case 'q': pad(quote_rune(i < 0 || i > 0x10FFFF ? 0xFFFD : static_cast<std::uint32_t>(i))); return;
      case 'U': {
        char b[32];
        std::snprintf(b, sizeof b, "U+%04llX", static_cast<unsigned long long>(u));
        std::string s = b;
        if (f.sharp && i >= 0x20 && i <= 0x10FFFF) s = go_rune_u(static_cast<std::uint32_t>(i));
        pad(s);
        return;
      }
      default: bad_verb(verb, v);
    }
  }

  void fmt_float(double v, std::uint32_t verb, int prec) {
    if (f.prec_present) prec = f.prec;
    std::string num;
    if (std::isnan(v)) {
      num = "+NaN";
    } else if (std::isinf(v)) {
      num = v > 0 ? "+Inf" : "-Inf";
    } else if (verb == 'b') {  // strconv's 'b': the 53-bit mantissa and a binary exponent
      int exp = 0;
      const double m = std::frexp(std::fabs(v), &exp);
      long long mant = static_cast<long long>(std::ldexp(m, 53));
      exp -= 53;
      if (v == 0 || exp < -1074) {  // zero and subnormals: exponent fixed at -1074
        mant = static_cast<long long>(std::ldexp(std::fabs(v), 1074));
        exp = -1074;
      }
      num = (std::signbit(v) ? "-" : "") + std::to_string(mant) + "p" + (exp >= 0 ? "+" : "") + std::to_string(exp);
    } else if (verb == 'x' || verb == 'X') {
      // C's %a, with Go's exponent of at least two digits ("0x1p-01").
      char b[128];
      if (prec < 0) std::snprintf(b, sizeof b, verb == 'x' ? "%a" : "%A", v);
      else std::snprintf(b, sizeof b, verb == 'x' ? "%.*a" : "%.*A", prec, v);
      num = b;
      const std::size_t p = num.find_first_of("pP");
      if (p != std::string::npos && num.size() - p == 3) num.insert(p + 2, "0");
    } else if (prec < 0) {  // shortest: only %v, %g, %G come here
      num = promql::format_number(v);
      if (verb == 'G')
        for (char& c : num)
          if (c == 'e') c = 'E';
    } else {
      const char c = verb == 'F' ? 'f' : static_cast<char>(verb);
      const char spec[] = {'%', '.', '*', c, 0};
      char b[512];
      std::snprintf(b, sizeof b, spec, prec, v);
      num = b;
    }
    if (num[0] != '-' && num[0] != '+') num = "+" + num;
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {  // no zero padding for infinities and NaN
      const bool old = f.zero;
      f.zero = false;
      if (num[1] == 'N' && !f.space && !f.plus) num = num.substr(1);
      pad(num);
      f.zero = old;
      return;
    }
    if (f.plus || num[0] != '+') {
      if (f.zero && f.wid_present && f.wid > static_cast<int>(num.size())) {  // sign before the zeros
        buf += num[0];
        write_padding(f.wid - static_cast<int>(num.size()));
        buf += num.substr(1);
        return;
      }
      pad(num);
      return;
    }
    pad(num.substr(1));
  }

  void print_float(double v, std::uint32_t verb, const Value& value) {
    switch (verb) {
      case 'v': fmt_float(v, 'g', -1); return;
      case 'b': case 'g': case 'G': case 'x': case 'X': fmt_float(v, verb, -1); return;
      case 'f': case 'F': case 'e': case 'E': fmt_float(v, verb, 6); return;
      default: bad_verb(verb, value);
    }
  }

  std::string truncate(const std::string& s) const {
    if (!f.prec_present) return s;
    int n = f.prec;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
      if (n-- <= 0) return s.substr(0, i);
    }
    return s;
  }

  void fmt_hex_string(const std::string& s, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    int length = static_cast<int>(s.size());
    if (f.prec_present && f.prec < length) length = f.prec;
    int width = 2 * length;
    if (width > 0) {
      if (f.space) {
        if (f.sharp) width *= 2;
        width += length - 1;
      } else if (f.sharp) {
        width += 2;
      }
    } else {
      if (f.wid_present) write_padding(f.wid);
      return;
    }
    if (f.wid_present && f.wid > width && !f.minus) write_padding(f.wid - width);
    if (f.sharp) buf += std::string("0") + digits[16];
    for (int i = 0; i < length; ++i) {
      if (f.space && i > 0) {
        buf += ' ';
        if (f.sharp) buf += std::string("0") + digits[16];
      }
      const unsigned char c = static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
      buf += digits[c >> 4];
      buf += digits[c & 0xF];
    }
    if (f.wid_present && f.wid > width && f.minus) write_padding(f.wid - width);
  }

  void print_string(const std::string& s, std::uint32_t verb, const Value& v) {
    switch (verb) {
      case 'v':
        if (f.sharp_v) pad(promql::quote_string(s));
        else pad(truncate(s));
        return;
      case 's': pad(truncate(s)); return;
      case 'x': fmt_hex_string(s, false); return;
      case 'X': fmt_hex_string(s, true); return;
      case 'q': {
        const std::string t = truncate(s);
        bool backquote = f.sharp;
        for (char c : t) backquote = backquote && c != '`' && c != '\n' && c != '\r' && c != '\x7f' && (static_cast<unsigned char>(c) >= 0x20 || c == '\t');
        pad(backquote ? "`" + t + "`" : f.plus ? quote_ascii(t) : promql::quote_string(t));
        return;
      }
      default: bad_verb(verb, v);
    }
  }

  void print_arg(const Value& v, std::uint32_t verb, int depth) {
    if (v.kind == Kind::invalid) {
      if (verb == 'T' || verb == 'v') pad("<nil>");
      else bad_verb(verb, v);
      return;
    }
    if (verb == 'T') {
      pad(type_name(v));
      return;
    }
    switch (v.kind) {
      case Kind::boolean:
        if (verb == 't' || verb == 'v') pad(v.b ? "true" : "false");
        else bad_verb(verb, v);
        return;
      case Kind::integer: print_integer(v.i, true, verb, v); return;
      case Kind::uint8: print_integer(v.i, false, verb, v); return;
      case Kind::floating: print_float(v.f, verb, v); return;
      case Kind::string: case Kind::html: print_string(v.s, verb, v); return;
      case Kind::map: {
        buf += "map[";
        bool first = true;
        for (const auto& kv : *v.map) {
          if (!first) buf += ' ';
          first = false;
          print_arg(Value::of_string(kv.first), verb, depth + 1);
          buf += ':';
          print_arg(Value::of_string(kv.second), verb, depth + 1);
        }
        buf += ']';
        return;
      }
      case Kind::data: {
        const AlertTemplateData& d = *v.data;
        Value labels, external;
        labels.kind = external.kind = Kind::map;
        labels.map = to_map(d.labels);
        external.map = to_map(d.external_labels);
        const bool names = f.plus_v || f.sharp_v;
        buf += '{';
        buf += names ? "Labels:" : "";
        print_arg(labels, verb, depth + 1);
        buf += names ? " ExternalLabels:" : " ";
        print_arg(external, verb, depth + 1);
        buf += names ? " ExternalURL:" : " ";
        print_arg(Value::of_string(d.external_url), verb, depth + 1);
        buf += names ? " Value:" : " ";
        print_arg(Value::of_float(d.value), verb, depth + 1);
        buf += '}';
        return;
      }
      case Kind::invalid: break;
    }
  }
};

bool is_string_kind(const Value& v) { return v.kind == Kind::string || v.kind == Kind::html; }

// Go's parsenum: a decimal number at s[i..end), false when there is none or it is too large.
bool parse_num(std::string_view s, std::size_t& i, std::size_t end, int& num) {
  num = 0;
  bool any = false;
  for (; i < end && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (num > 1000000) return false;
    num = num * 10 + (s[i] - '0');
    any = true;
  }
  return any;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] Sprint, Sprintln, Sprintf
// ---------------------------------------------------------------------------------------------

std::string go_rune_u(std::uint32_t r) {
  char b[32];
  std::snprintf(b, sizeof b, "U+%04X", r);
  std::string s = b;
  s += " '";
  append_rune(s, r);
  return s + "'";
}

std::string sprint_value(const Value& v) {
  if (v.kind == Kind::invalid) return "<no value>";
  return go_sprint({v});
}

std::string go_sprint(const std::vector<Value>& args) {
  Printer p;
  bool prev_string = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool is_string = is_string_kind(args[i]);
    if (i > 0 && !is_string && !prev_string) p.buf += ' ';  // a space between two non-strings
    p.print_arg(args[i], 'v', 0);
    prev_string = is_string;
  }
  return p.buf;
}

std::string go_sprintln(const std::vector<Value>& args) {
  Printer p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf += ' ';
    p.print_arg(args[i], 'v', 0);
  }
  return p.buf + "\n";
}

std::string go_sprintf(std::string_view format, const std::vector<Value>& a) {
  Printer p;
  const std::size_t end = format.size();
  const int num_args = static_cast<int>(a.size());
  int arg_num = 0;
  bool reordered = false;
  bool good_arg_num = true;
  // An explicit argument index "[n]" at format[i]: Go's argNumber.
  auto arg_number = [&](std::size_t& i, bool& found) {
    found = false;
    if (i >= end || format[i] != '[') return;
    reordered = true;
    std::size_t close = i + 1;
    while (close < end && format[close] != ']') ++close;
    if (end - i < 3 || close >= end) {  // no closing bracket: skip the '['
      ++i;
      good_arg_num = false;
      return;
    }
    std::size_t j = i + 1;
    int n = 0;
    const bool ok = parse_num(format, j, close, n) && j == close;
    i = close + 1;
    if (ok && n - 1 >= 0 && n - 1 < num_args) {
      arg_num = n - 1;
      found = true;
      return;
    }
    good_arg_num = false;
    found = ok;
  };
  // A width or precision taken from an int argument: Go's intFromArg.
  auto int_from_arg = [&](int& out) {
    bool is_int = false;
    out = 0;
    if (arg_num < num_args) {
      const Value& v = a[static_cast<std::size_t>(arg_num)];
      if (v.kind == Kind::integer || v.kind == Kind::uint8) {
        is_int = v.i >= -1000000 && v.i <= 1000000;
        out = is_int ? static_cast<int>(v.i) : 0;
      }
      ++arg_num;
    }
    return is_int;
  };

  for (std::size_t i = 0; i < end;) {
    good_arg_num = true;
    const std::size_t last = i;
    while (i < end && format[i] != '%') ++i;
    if (i > last) p.buf += format.substr(last, i - last);
    if (i >= end) break;
    ++i;  // past '%'
    p.clear_flags();
    for (; i < end; ++i) {
      const char c = format[i];
      if (c == '#') p.f.sharp = true;
      else if (c == '0') p.f.zero = !p.f.minus;
      else if (c == '+') p.f.plus = true;
      else if (c == '-') p.f.minus = true, p.f.zero = false;
      else if (c == ' ') p.f.space = true;
      else break;
    }
    bool after_index = false;
    arg_number(i, after_index);
    if (i < end && format[i] == '*') {
      ++i;
      p.f.wid_present = int_from_arg(p.f.wid);
      if (!p.f.wid_present) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      after_index = false;
    } else {
      p.f.wid_present = parse_num(format, i, end, p.f.wid);
      if (after_index && p.f.wid_present) good_arg_num = false;  // "%[3]2d"
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;  // "%[3].2d"
      arg_number(i, after_index);
      if (i < end && format[i] == '*') {
        ++i;
        p.f.prec_present = int_from_arg(p.f.prec);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!p.f.prec_present) p.buf += "%!(BADPREC)";
        after_index = false;
      } else {
        p.f.prec_present = parse_num(format, i, end, p.f.prec);
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }
    if (!after_index) arg_number(i, after_index);
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    int width = 1;
    std::uint32_t verb = static_cast<unsigned char>(format[i]);
    if (verb >= 0x80) {
      // Decode the rune so that "%é" reports the whole letter.
      const unsigned char c = static_cast<unsigned char>(format[i]);
      width = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      if (i + width > end) width = 1;
      verb = width == 1 ? 0xFFFD : (c & (0x7F >> width));
      for (int k = 1; k < width; ++k) verb = (verb << 6) | (static_cast<unsigned char>(format[i + k]) & 0x3F);
    }
    i += static_cast<std::size_t>(width);
    if (verb == '%') {
      p.buf += '%';
    } else if (!good_arg_num) {
      p.buf += "%!";
      append_rune(p.buf, verb);
      p.buf += "(BADINDEX)";
    } else if (arg_num >= num_args) {
      p.buf += "%!";
      append_rune(p.buf, verb);
      p.buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        p.f.sharp_v = p.f.sharp;
        p.f.sharp = false;
        p.f.plus_v = p.f.plus;
        p.f.plus = false;
      }
      p.print_arg(a[static_cast<std::size_t>(arg_num)], verb, 0);
      ++arg_num;
    }
  }
  if (!reordered && arg_num < num_args) {
    p.clear_flags();
    p.buf += "%!(EXTRA ";
    for (int k = arg_num; k < num_args; ++k) {
      if (k > arg_num) p.buf += ", ";
      const Value& v = a[static_cast<std::size_t>(k)];
      if (v.kind == Kind::invalid) {
        p.buf += "<nil>";
      } else {
        p.buf += type_name(v) + "=";
        p.print_arg(v, 'v', 0);
      }
    }
    p.buf += ")";
  }
  return p.buf;
}

}  // namespace tmpl
}  // namespace opsim
