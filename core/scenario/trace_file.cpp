#include "scenario/trace_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include "engine/sim_time.h"
#include "json/json.h"

namespace opsim {
namespace {

// A number written whole ("12.5", "1e3", "-4"), nothing before or after it.
bool parse_number(const std::string& s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == 0 && std::isfinite(out);
}

std::string describe_cell(const std::string& s) { return s.empty() ? "an empty cell" : json::quote(s); }

// A time: Unix seconds, or ISO 8601 UTC.
bool parse_time(const std::string& s, double& unix_s) {
  if (parse_number(s, unix_s)) return true;
  std::int64_t whole = 0;
  if (!parse_iso8601_utc(s, whole)) return false;
  unix_s = static_cast<double>(whole);
  return true;
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: fields separated by ',', optionally in double quotes with "" for a quote)
// ---------------------------------------------------------------------------------------------

struct Cell {
  std::string text;
  int column = 0;  // 1-based, bytes
};

class CsvReader {
 public:
  CsvReader(std::string_view text, std::vector<Diagnostic>& errors) : text_(text), errors_(errors) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  // The next non-empty record, false at the end of the file (or on an error, reported).
  bool next(std::vector<Cell>& cells, int& line) {
    for (;;) {
      if (pos_ >= text_.size()) return false;
      cells.clear();
      line = line_;
      const std::size_t line_start = line_start_;
      bool empty_line = true;
      for (;;) {
        Cell c;
        c.column = static_cast<int>(pos_ - line_start) + 1;
        if (pos_ < text_.size() && text_[pos_] == '"') {
          ++pos_;
          for (;;) {
            if (pos_ >= text_.size()) {
              errors_.push_back({"$", "expected a closing \" for the field that starts here, found the end of the file", line, c.column});
              pos_ = text_.size();
              return false;
            }
            const char ch = text_[pos_++];
            if (ch == '"') {
              if (pos_ < text_.size() && text_[pos_] == '"') {
                c.text += '"';
                ++pos_;
                continue;
              }
              break;
            }
            if (ch == '\n') ++line_, line_start_ = pos_;
            c.text += ch;
          }
          empty_line = false;
        }
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') c.text += text_[pos_++];
        if (!c.text.empty()) empty_line = false;
        cells.push_back(std::move(c));
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          empty_line = false;
          continue;
        }
        break;
      }
      // A record ends at "\n", "\r\n" or a lone "\r"; lines are counted by "\n", as an
      // editor counts them.
      if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      }
      if (!empty_line) return true;
    }
  }

 private:
  std::string_view text_;
  std::vector<Diagnostic>& errors_;
  std::size_t pos_ = 0, line_start_ = 0;
  int line_ = 1;
};

std::string trimmed(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

bool read_csv(std::string_view text, const std::string& column, std::size_t max_points, const char* limit_name,
              std::vector<TracePoint>& out, std::vector<Diagnostic>& errors) {
  const std::size_t before = errors.size();
  CsvReader csv(text, errors);
  std::vector<Cell> header;
  int header_line = 0;
  if (!csv.next(header, header_line)) {
    if (errors.size() == before)
      errors.push_back({"$", "expected a header (timestamp,value) and rows, found an empty file", 1, 1});
    return false;
  }
  std::string names;
  int time_col = -1, value_col = -1;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name = trimmed(header[i].text);
    names += (names.empty() ? "" : ", ") + json::quote(name);
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "timestamp" && time_col < 0) time_col = static_cast<int>(i);
    if (!column.empty() && name == column) value_col = static_cast<int>(i);
  }
  if (time_col < 0) {
    errors.push_back({"header", "expected a column named timestamp (Unix seconds or ISO 8601 UTC), found the columns " + names,
                      header_line, 1});
    return false;
  }
  if (!column.empty() && value_col < 0) {
    errors.push_back({"header", "expected the column " + json::quote(column) + " (the pattern's \"column\"), found the columns " + names,
                      header_line, 1});
    return false;
  }
  if (value_col == time_col) {
    errors.push_back({"header", "expected a value column other than timestamp, found \"column\": " + json::quote(column),
                      header_line, header[static_cast<std::size_t>(time_col)].column});
    return false;
  }
  std::vector<Cell> row;
  int line = 0;
  while (csv.next(row, line)) {
    if (row.size() != header.size()) {
      errors.push_back({"row", "expected " + std::to_string(header.size()) + " fields, as the header has, found " +
                                   std::to_string(row.size()), line, 1});
      continue;
    }
    if (value_col < 0) {  // the first column after the header whose value is a number
      double ignored = 0;
      for (std::size_t i = 0; i < row.size() && value_col < 0; ++i)
        if (static_cast<int>(i) != time_col && parse_number(trimmed(row[i].text), ignored)) value_col = static_cast<int>(i);
      if (value_col < 0) {
        errors.push_back({"row", "expected a numeric column besides timestamp (the rate), found none in the first row", line, 1});
        return false;
      }
    }
    const Cell& tc = row[static_cast<std::size_t>(time_col)];
    const Cell& vc = row[static_cast<std::size_t>(value_col)];
    const std::string value_name = trimmed(header[static_cast<std::size_t>(value_col)].text);
    TracePoint pt;
    const std::string t = trimmed(tc.text), v = trimmed(vc.text);
    if (!parse_time(t, pt.unix_s)) {
      errors.push_back({"timestamp", "expected a Unix time in seconds or an ISO 8601 UTC time (2026-01-05T09:00:00Z), found " +
                                         describe_cell(t), line, tc.column});
      continue;
    }
    if (!out.empty() && !(pt.unix_s > out.back().unix_s)) {
      errors.push_back({"timestamp", "expected a time after the previous row's, found " + describe_cell(t), line, tc.column});
      continue;
    }
    if (!parse_number(v, pt.value) || pt.value < 0) {
      errors.push_back({value_name, "expected a number of at least 0 (the rate), found " + describe_cell(v), line, vc.column});
      continue;
    }
    if (out.size() == max_points) {
      errors.push_back({"row", std::string("too many rows: more than the limit ") + limit_name + " = " + std::to_string(max_points),
                        line, 1});
      return false;
    }
    out.push_back(pt);
  }
  if (errors.size() == before && out.empty())
    errors.push_back({"$", "expected rows after the header, found none", header_line, 1});
  return errors.size() == before;
}

// ---------------------------------------------------------------------------------------------
// Prometheus query_range
// ---------------------------------------------------------------------------------------------

bool read_query_range(std::string_view text, std::size_t max_points, const char* limit_name, std::vector<TracePoint>& out,
                      std::vector<Diagnostic>& errors) {
  const std::size_t before = errors.size();
  json::Value doc;
  json::ParseError pe;
  if (!json::parse(text, doc, pe)) {
    errors.push_back({"$", "JSON syntax error: " + pe.message, pe.line, pe.column});
    return false;
  }
  json::Reader r(errors);
  const char* kWhat = "a Prometheus query_range response: {\"status\": \"success\", \"data\": {\"resultType\": \"matrix\", \"result\": [...]}}";
  if (!r.object(doc, "$", {"status", "data", "error", "errorType", "warnings", "infos"})) return false;
  if (const json::Value* st = r.member(doc, "$", "status", true, "\"success\"")) {
    if (st->type != json::Type::string || st->text != "success") {
      const json::Value* e = doc.find("error");
      r.expected(*st, "$.status", std::string("\"success\"") +
                                      (e && e->type == json::Type::string ? " (the query failed: " + e->text + ")" : ""));
      return false;
    }
  }
  const json::Value* data = r.member(doc, "$", "data", true, kWhat);
  if (!data) return false;
  if (!r.object(*data, "$.data", {"resultType", "result", "stats"})) return false;
  if (const json::Value* rt = r.member(*data, "$.data", "resultType", true, "\"matrix\"")) {
    if (rt->type != json::Type::string || rt->text != "matrix") {
      r.expected(*rt, "$.data.resultType", "\"matrix\" (a range query's; an instant query gives one value per series)");
      return false;
    }
  }
  // The sum over the series at each timestamp.
  std::map<double, double> sum;
  r.read_array(*data, "$.data", "result", true, 1, 100000, "kMaxTraceSeries", [&](const json::Value& s, const std::string& sp) {
    if (!r.object(s, sp, {"metric", "values"})) return;
    r.read_array(s, sp, "values", true, 1, max_points, limit_name, [&](const json::Value& v, const std::string& vp) {
      if (v.type != json::Type::array || v.items.size() != 2 || v.items[0].type != json::Type::number ||
          v.items[1].type != json::Type::string) {
        r.expected(v, vp, "a pair [unix_seconds, \"value\"]");
        return;
      }
      double value = 0;
      if (!parse_number(v.items[1].text, value) || value < 0) {
        r.expected(v.items[1], vp + "[1]", "a value of at least 0 (the rate), as a string");
        return;
      }
      sum[v.items[0].number] += value;
    });
  });
  if (errors.size() > before) return false;
  if (sum.size() > max_points) {
    errors.push_back({"$.data.result", std::string("too many timestamps: ") + std::to_string(sum.size()) + " exceeds the limit " +
                                           limit_name + " = " + std::to_string(max_points), data->line, data->column});
    return false;
  }
  for (const auto& [t, v] : sum) out.push_back({t, v});
  return true;
}

}  // namespace

bool read_trace_file(std::string_view text, const std::string& column, std::size_t max_points, const char* limit_name,
                     std::vector<TracePoint>& out, std::vector<Diagnostic>& errors) {
  std::size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '{') {
    if (!column.empty()) {
      errors.push_back({"$", "expected a CSV file for \"column\" (a Prometheus response sums its series), found JSON", 1, 1});
      return false;
    }
    return read_query_range(text, max_points, limit_name, out, errors);
  }
  return read_csv(text, column, max_points, limit_name, out, errors);
}

}  // namespace opsim
