#include "report/openmetrics.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace opsim {
namespace {

using promql::Labels;
using promql::Storage;

constexpr std::string_view kCounterFamilies[] = {"opsim_requests"};
constexpr std::string_view kHistogramFamilies[] = {"opsim_request_duration_seconds"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The family a series name belongs to, and its type.
std::string family_of(std::string_view name, FamilyType& type) {
  for (std::string_view f : kHistogramFamilies)
    for (std::string_view suffix : {"_bucket", "_sum", "_count"})
      if (ends_with(name, suffix) && name.substr(0, name.size() - suffix.size()) == f) {
        type = FamilyType::histogram;
        return std::string(f);
      }
  for (std::string_view f : kCounterFamilies)
    if (ends_with(name, "_total") && name.substr(0, name.size() - 6) == f) {
      type = FamilyType::counter;
      return std::string(f);
    }
  type = family_type(name);
  return std::string(name);
}

// OpenMetrics label value escapes: backslash, double quote and line feed.
void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

// name{labels} without __name__, and with `le` last (where readers expect it).
std::string sample_prefix(const Labels& labels) {
  std::string out(promql::label_value(labels, promql::kMetricNameLabel));
  std::string inner;
  const promql::Label* le = nullptr;
  auto add = [&inner](const promql::Label& l) {
    inner += inner.empty() ? "" : ",";
    inner += l.name + "=\"";
    append_escaped(inner, l.value);
    inner += '"';
  };
  for (const promql::Label& l : labels) {
    if (l.name == promql::kMetricNameLabel) continue;
    if (l.name == "le") le = &l;
    else add(l);
  }
  if (le) add(*le);
  if (!inner.empty()) out += "{" + inner + "}";
  return out;
}

void append_point(std::string& out, const std::string& prefix, const promql::Point& p) {
  char buf[64];
  out += prefix;
  out += ' ';
  if (std::isnan(p.v)) out += "NaN";
  else if (std::isinf(p.v)) out += p.v > 0 ? "+Inf" : "-Inf";
  else {
    std::snprintf(buf, sizeof buf, "%.17g", p.v);
    out += buf;
  }
  const std::int64_t ms = p.t_ms;
  std::snprintf(buf, sizeof buf, " %" PRId64 ".%03" PRId64 "\n", ms / 1000 - (ms % 1000 < 0 ? 1 : 0),
                ((ms % 1000) + 1000) % 1000);
  out += buf;
}

const char* type_name(FamilyType t) {
  switch (t) {
    case FamilyType::counter: return "counter";
    case FamilyType::gauge: return "gauge";
    case FamilyType::histogram: return "histogram";
    case FamilyType::unknown: return "unknown";
  }
  return "unknown";
}

// A histogram's series grouped by their labels without le: buckets (by bound), sum, count.
struct HistogramMetric {
  std::vector<std::pair<double, Storage::SeriesRef>> buckets;
  std::vector<Storage::SeriesRef> sum, count;
};

}  // namespace

FamilyType family_type(std::string_view family) {
  for (std::string_view f : kCounterFamilies)
    if (family == f) return FamilyType::counter;
  for (std::string_view f : kHistogramFamilies)
    if (family == f) return FamilyType::histogram;
  return family.substr(0, 6) == "opsim_" ? FamilyType::gauge : FamilyType::unknown;
}

void write_openmetrics(const promql::Storage& storage, const std::function<void(std::string_view)>& sink) {
  // Families in name order; series in creation order within each.
  std::map<std::string, std::vector<Storage::SeriesRef>> families;
  std::map<std::string, FamilyType> types;
  for (Storage::SeriesRef r = 0; r < storage.size(); ++r) {
    const std::string_view name = promql::label_value(storage.labels(r), promql::kMetricNameLabel);
    // The alerts' own series are Prometheus's rule engine's state, not scraped or recorded.
    if (name == "ALERTS" || name == "ALERTS_FOR_STATE") continue;
    // A series a rule named but never wrote (its evaluation failed) has nothing to say.
    if (storage.last_time(r) == std::numeric_limits<std::int64_t>::min()) continue;
    FamilyType t;
    const std::string f = family_of(name, t);
    families[f].push_back(r);
    types[f] = t;
  }
  std::string out;
  auto flush = [&](bool force) {
    if (force || out.size() > 1 << 16) {
      sink(out);
      out.clear();
    }
  };
  std::vector<promql::Point> pts;
  for (const auto& [family, refs] : families) {
    const FamilyType type = types[family];
    out += "# TYPE " + family + " " + type_name(type) + "\n";
    if (type != FamilyType::histogram) {
      for (Storage::SeriesRef r : refs) {
        const std::string prefix = sample_prefix(storage.labels(r));
        pts.clear();
        storage.points(r, INT64_MIN, INT64_MAX, pts);
        for (const promql::Point& p : pts) {
          append_point(out, prefix, p);
          flush(false);
        }
      }
      continue;
    }
    // A histogram metric's point: every bucket, then count and sum, at one timestamp.
    std::map<Labels, HistogramMetric, bool (*)(const Labels&, const Labels&)> metrics(
        [](const Labels& a, const Labels& b) { return promql::labels_text(a) < promql::labels_text(b); });
    std::vector<Labels> order;
    for (Storage::SeriesRef r : refs) {
      Labels key;
      for (const promql::Label& l : storage.labels(r))
        if (l.name != "le" && l.name != promql::kMetricNameLabel) key.push_back(l);
      auto [it, fresh] = metrics.try_emplace(key);
      if (fresh) order.push_back(key);
      const std::string_view name = promql::label_value(storage.labels(r), promql::kMetricNameLabel);
      if (ends_with(name, "_bucket")) {
        const std::string le(promql::label_value(storage.labels(r), "le"));
        it->second.buckets.push_back({le == "+Inf" ? INFINITY : std::strtod(le.c_str(), nullptr), r});
      } else if (ends_with(name, "_sum")) {
        it->second.sum.push_back(r);
      } else {
        it->second.count.push_back(r);
      }
    }
    for (const Labels& key : order) {
      HistogramMetric& m = metrics.find(key)->second;
      std::sort(m.buckets.begin(), m.buckets.end());
      std::vector<Storage::SeriesRef> parts;
      for (const auto& b : m.buckets) parts.push_back(b.second);
      parts.insert(parts.end(), m.count.begin(), m.count.end());
      parts.insert(parts.end(), m.sum.begin(), m.sum.end());
      std::vector<std::vector<promql::Point>> series(parts.size());
      std::vector<std::string> prefixes(parts.size());
      for (std::size_t i = 0; i < parts.size(); ++i) {
        storage.points(parts[i], INT64_MIN, INT64_MAX, series[i]);
        prefixes[i] = sample_prefix(storage.labels(parts[i]));
      }
      // The parts were scraped together, so their points share timestamps; each timestamp
      // is written once all parts have reached it.
      std::vector<std::size_t> at(parts.size(), 0);
      for (;;) {
        std::int64_t t = INT64_MAX;
        for (std::size_t i = 0; i < parts.size(); ++i)
          if (at[i] < series[i].size()) t = std::min(t, series[i][at[i]].t_ms);
        if (t == INT64_MAX) break;
        for (std::size_t i = 0; i < parts.size(); ++i)
          if (at[i] < series[i].size() && series[i][at[i]].t_ms == t) append_point(out, prefixes[i], series[i][at[i]++]);
        flush(false);
      }
    }
  }
  out += "# EOF\n";
  flush(true);
}

}  // namespace opsim
