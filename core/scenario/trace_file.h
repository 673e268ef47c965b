// Traffic traces users bring, for a load pattern {"type": "trace", "file": PATH}:
//
//   CSV, with a header: a `timestamp` column (Unix seconds, or an ISO 8601 UTC time such as
//     2026-01-05T09:00:00Z) and a value column: the first other column whose first value is a
//     number, or the one `column` names. A spreadsheet's or a script's export:
//       timestamp,value
//       1767603600,12.5
//       1767603660,13.1
//   A Prometheus query_range response (the JSON of /api/v1/query_range, resultType matrix):
//     one series, or the sum of all of them at each timestamp.
//
// Each row is a (time, value) point; times must increase. The values are read as they are:
// the loader applies the pattern's unit and scale. Every problem is a Diagnostic at the
// file's line:column, with a path naming the column ("timestamp", "value") or the JSON path.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/reader.h"  // Diagnostic

namespace opsim {

struct TracePoint {
  double unix_s = 0;
  double value = 0;
};

// `column`: the value column's header (CSV only); empty: the first numeric one. At most
// `max_points` points, more is an error naming `limit_name`. False when there is an error.
bool read_trace_file(std::string_view text, const std::string& column, std::size_t max_points, const char* limit_name,
                     std::vector<TracePoint>& out, std::vector<Diagnostic>& errors);

}  // namespace opsim
