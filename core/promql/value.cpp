#include "promql/value.h"

#include <algorithm>
#include <cstring>

namespace opsim {
namespace promql {

bool is_normalized(const Labels& labels) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].value.empty()) return false;
    if (i > 0 && !(labels[i - 1].name < labels[i].name)) return false;
  }
  return true;
}

void normalize(Labels& labels) {
  labels.erase(std::remove_if(labels.begin(), labels.end(), [](const Label& l) { return l.value.empty(); }),
               labels.end());
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
}

std::string_view label_value(const Labels& labels, std::string_view name) {
  for (const Label& l : labels)
    if (l.name == name) return l.value;
  return {};
}

std::string labels_text(const Labels& labels) {
  std::string out(label_value(labels, kMetricNameLabel));
  std::string inner;
  for (const Label& l : labels) {
    if (l.name == kMetricNameLabel) continue;
    if (!inner.empty()) inner += ", ";
    inner += l.name + "=" + quote_string(l.value);
  }
  if (!inner.empty() || out.empty()) out += "{" + inner + "}";
  return out;
}

// Prometheus's value.StaleNaN: 0x7ff0000000000002.
double stale_marker() {
  const std::uint64_t bits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

bool is_stale_marker(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof v);
  return bits == 0x7ff0000000000002ull;
}

}  // namespace promql
}  // namespace opsim
