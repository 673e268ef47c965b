#include "sre/chaos.h"

#include <algorithm>
#include <cmath>

#include "json/json.h"
#include "scaling/decision.h"

namespace opsim::sre {

ProbeReading read_probe(const ProbeSpec& p, double value) {
  ProbeReading r;
  r.value = value;
  if (!std::isfinite(value)) return r;  // no data: fails, scores 0
  r.within = value >= p.low && value <= p.high;
  if (r.within) {
    r.score = 1;
    return r;
  }
  const double bound = value < p.low ? p.low : p.high;
  const double miss = std::fabs(value - bound);
  double scale = std::fabs(bound);
  if (scale == 0) scale = p.high - p.low;
  if (scale == 0) scale = 1;
  r.score = std::max(0.0, 1.0 - miss / scale);
  return r;
}

double blast_radius_percent(const FaultSpec& f, int serving_instances) {
  switch (f.type) {
    case FaultType::instance_crash: {
      if (serving_instances <= 0) return 0;
      const int n = f.count > 0 ? std::min(f.count, serving_instances)
                                : static_cast<int>(std::floor(f.fraction * serving_instances + 0.5));
      return 100.0 * n / serving_instances;
    }
    case FaultType::capacity_loss: return f.concurrency_percent;
    case FaultType::errors: return f.error_percent;
    default: return 100;
  }
}

std::vector<std::string> validate_safety(const ChaosSpec& c, const SafetyInputs& in, bool starting) {
  using scaling::format_number;
  std::vector<std::string> out;
  if (starting && in.blast_radius_percent > c.max_blast_radius_percent)
    out.push_back("blast radius " + format_number(in.blast_radius_percent) + " % is over the limit of " +
                  format_number(c.max_blast_radius_percent) + " %");
  if (c.min_error_budget_remaining_percent > 0 && std::isfinite(in.min_budget_remaining_percent) &&
      in.min_budget_remaining_percent < c.min_error_budget_remaining_percent)
    out.push_back("SLO " + in.min_budget_slo + " has " + format_number(in.min_budget_remaining_percent) +
                  " % of its error budget left, under the " + format_number(c.min_error_budget_remaining_percent) +
                  " % the experiment requires");
  for (std::size_t i = 0; i < in.open_incident_severities.size(); ++i)
    if (std::find(c.abort_on.begin(), c.abort_on.end(), in.open_incident_severities[i]) != c.abort_on.end())
      out.push_back("incident " + in.open_incident_ids[i] + " (" + in.open_incident_severities[i] + ") is open");
  return out;
}

const char* chaos_verdict_name(ChaosVerdict v) {
  switch (v) {
    case ChaosVerdict::pending: return "pending";
    case ChaosVerdict::running: return "running";
    case ChaosVerdict::passed: return "passed";
    case ChaosVerdict::failed: return "failed";
    case ChaosVerdict::aborted: return "aborted";
    case ChaosVerdict::skipped: return "skipped";
  }
  return "pending";
}

void conclude(const ChaosSpec& c, ChaosResult& r) {
  if (r.verdict == ChaosVerdict::aborted || r.verdict == ChaosVerdict::skipped) {
    r.resilience_score = 0;
    return;
  }
  double sum = 0;
  std::string missed;
  for (std::size_t i = 0; i < r.after.size(); ++i) {
    sum += r.after[i].score;
    if (!r.after[i].within)
      missed += (missed.empty() ? "" : "; ") + c.probes[i].metric + " " +
                (std::isfinite(r.after[i].value) ? scaling::format_number(r.after[i].value) : std::string("(no data)")) +
                " outside [" + scaling::format_number(c.probes[i].low) + ", " + scaling::format_number(c.probes[i].high) +
                "]";
  }
  r.resilience_score = r.after.empty() ? 100.0 : 100.0 * sum / static_cast<double>(r.after.size());
  r.verdict = missed.empty() ? ChaosVerdict::passed : ChaosVerdict::failed;
  r.reason = missed.empty() ? "every probe held through the method" : "the hypothesis did not hold: " + missed;
}

std::string chaos_result_json(const ChaosSpec& c, const ChaosResult& r) {
  auto time_or_null = [](SimTime t) { return t < 0 ? std::string("null") : json::number(to_seconds(t)); };
  std::string probes = "[";
  for (std::size_t i = 0; i < c.probes.size(); ++i) {
    const ProbeSpec& p = c.probes[i];
    auto reading = [](const std::vector<ProbeReading>& v, std::size_t k) {
      if (k >= v.size()) return std::string("null");
      return json::ObjectWriter().field("value", v[k].value).field("within", v[k].within).field("score", v[k].score).str();
    };
    probes += (i ? "," : "") + json::ObjectWriter()
                                   .field("metric", p.metric)
                                   .field("window_s", to_seconds(p.window))
                                   .raw("tolerance", "[" + json::number(p.low) + "," + json::number(p.high) + "]")
                                   .raw("before", reading(r.before, i))
                                   .raw("after", reading(r.after, i))
                                   .str();
  }
  probes += "]";
  std::string rollbacks = "[";
  for (std::size_t i = 0; i < r.rollbacks_done.size(); ++i) rollbacks += (i ? "," : "") + json::quote(r.rollbacks_done[i]);
  rollbacks += "]";
  const bool scored = r.verdict == ChaosVerdict::passed || r.verdict == ChaosVerdict::failed ||
                      r.verdict == ChaosVerdict::aborted;
  return json::ObjectWriter()
      .field("id", c.id)
      .field("title", c.title)
      .field("hypothesis", c.hypothesis_title)
      .field("verdict", chaos_verdict_name(r.verdict))
      .field("passed", r.verdict == ChaosVerdict::passed)
      .field("reason", r.reason)
      .raw("started_at_s", time_or_null(r.started_at))
      .raw("ended_at_s", time_or_null(r.ended_at))
      .field("steps_run", r.steps_run)
      .field("steps", static_cast<int>(c.method.size()))
      .field("blast_radius_percent", r.blast_radius_percent)
      .raw("resilience_score", scored ? json::number(r.resilience_score) : std::string("null"))
      .raw("rollbacks", rollbacks)
      .raw("probes", probes)
      .str();
}

}  // namespace opsim::sre
