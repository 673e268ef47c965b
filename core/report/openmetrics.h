// metrics.om: every series of a run's monitoring store (promql/storage.h) at every scrape,
// recording rules' results included (not the ALERTS and ALERTS_FOR_STATE series of alerting
// rules, which Prometheus derives itself when it evaluates the same rules), in the OpenMetrics text format with timestamps, which
// `promtool tsdb create-blocks-from openmetrics` backfills into a Prometheus TSDB
// (docs/prometheus.md).
//
// OpenMetrics asks for each family's samples together, and for each series' points in time
// order; a histogram's point is its buckets, count and sum at one timestamp. Staleness
// markers have no text form and are left out. Timestamps are Unix seconds with milliseconds,
// on the scenario's calendar; values are written with 17 significant digits, so that
// Prometheus reads back the very doubles opsim computed with.
#pragma once
#include <functional>
#include <string_view>

#include "promql/storage.h"

namespace opsim {

// The families opsim's scrape writes with a type of their own (prometheus_series.h): a
// counter's samples end in _total, a histogram's in _bucket, _sum and _count; the other
// opsim_* series are gauges, and recording rules' results are of unknown type.
enum class FamilyType { counter, gauge, histogram, unknown };
FamilyType family_type(std::string_view family);

// Writes the whole text, `# EOF` included, through `sink` in pieces of a few kilobytes.
void write_openmetrics(const promql::Storage& storage, const std::function<void(std::string_view)>& sink);

}  // namespace opsim
