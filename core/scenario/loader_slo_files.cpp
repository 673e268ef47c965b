// SLOs read from the spec files engineers write: `"slos": [{"file": PATH}]`, PATH relative
// to the scenario's file, YAML or JSON, one document.
//
// Sloth (version "prometheus/v1"): each of its `slos` becomes an SLO with id
// "<service>-<name>" (Sloth's sloth_id), the objective as its target, over Sloth's 30-day
// period, with the `events` SLI's error_query and total_query as its bad and total
// queries. Its alerts are the ones Sloth generates for a 30-day period: a page alert that
// holds at 14.4x over 1h and 5m or at 6x over 6h and 30m, and a ticket alert at 3x over 1d
// and 2h or at 1x over 3d and 6h; each is named alerting.name, either can be disabled, and
// they carry the labels a firing Sloth alert has (the document's, the SLO's, the alerts',
// the alert's, Sloth's sloth_id, sloth_service, sloth_slo and sloth_severity) and its
// annotations (Sloth's title and summary unless the spec gives its own).
//
// OpenSLO (apiVersion "openslo/v1", kind SLO): metadata.name is the id; the inline
// indicator's ratioMetric (good or bad, and total; metric sources of type Prometheus, with
// spec.query) gives the queries; one rolling timeWindow the window; one objective's
// target (or targetPercent) the target. Budgeting by Occurrences. Its alerts are the
// scenario's (alerting.burn_rate), as for a native SLO.
//
// In both, `service` is the scenario's service of that id when there is one (the SLO's
// alerts are then that service's); otherwise the SLO is the platform's, with a warning.
// What opsim cannot honour is refused with its path: Sloth's raw and plugin SLIs and
// plugins; OpenSLO's thresholdMetric, raw ratios, indicatorRef (another document),
// calendar windows, Timeslices and RatioTimeslices budgeting, several objectives and
// alertPolicies. Descriptions and display names are documentation and change nothing.
#include <algorithm>
#include <cctype>
#include <functional>

#include "json/yaml.h"
#include "promql/parser.h"
#include "scenario/loader_internal.h"

namespace opsim::detail {

namespace {

// The part both checks share: `text` (the value's, its templates filled in) must parse as
// PromQL and give a scalar or an instant vector.
bool check_expression(json::Reader& into, const Value& v, const std::string& path, const std::string& text,
                      const char* in) {
  const promql::ParseResult parsed = promql::parse(text);
  if (!parsed.ok()) {
    const Diagnostic& d = parsed.errors.front();
    into.error(&v, path, "expected a PromQL expression, found an error at column " + std::to_string(d.column) + in +
                             ": " + d.message);
    return false;
  }
  const promql::ValueType type = parsed.expr->type();
  if (type != promql::ValueType::scalar && type != promql::ValueType::instant_vector) {
    into.error(&v, path, std::string("expected an expression of a scalar or an instant vector (its series are summed), found ") +
                             promql::value_type_name(type));
    return false;
  }
  return true;
}

}  // namespace

bool check_slo_query(json::Reader& into, const Value& v, const std::string& path) {
  if (v.type != Type::string || v.text.empty())
    return into.expected(v, path, "a PromQL expression (a counter of events, or a rate over [{{.window}}])");
  if (slo_query_window_at(v.text).other) {
    into.error(&v, path, "expected no template but {{.window}} (the interval the events are counted over), found " +
                             json::quote(v.text));
    return false;
  }
  // Parsed as it will run, with a window in place of the template.
  return check_expression(into, v, path, slo_query_with_window(v.text, kMicrosPerMinute), " of the query");
}

bool check_series(json::Reader& into, const Value& v, const std::string& path) {
  if (v.type != Type::string || v.text.empty())
    return into.expected(v, path, "a PromQL expression, such as queue_per_pod{service=\"api\"}");
  return check_expression(into, v, path, v.text, "");
}

namespace {

bool is_label_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// Sorted by name, a later value replacing an earlier one of the same name (Sloth's merge:
// the SLO's labels over the document's, the alert's over the SLO's).
void merge_labels(std::vector<std::pair<std::string, std::string>>& into,
                  const std::vector<std::pair<std::string, std::string>>& more) {
  for (const auto& label : more) {
    auto it = std::find_if(into.begin(), into.end(), [&](const auto& l) { return l.first == label.first; });
    if (it != into.end()) it->second = label.second;
    else into.push_back(label);
  }
  std::sort(into.begin(), into.end());
}

}  // namespace

// The parts of a spec reader both formats share: the scenario's service, label maps.
class SpecReader : public json::Reader {
 public:
  SpecReader(Loader& loader, std::vector<Diagnostic>& errors, std::vector<Diagnostic>& warnings)
      : json::Reader(errors, &warnings), loader_(loader) {}

 protected:
  Loader& loader_;

  void service(const Value& obj, const std::string& p, SloSpec& s, bool required) {
    if (!read_string(obj, p, "service", s.service, required) || s.service.empty()) return;
    const std::vector<std::string>& ids = loader_.service_ids_;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == s.service) {
        s.service_index = static_cast<int>(i);
        return;
      }
    warn(obj.find("service"), join(p, "service"),
         "no service of the scenario is " + json::quote(s.service) + ": the SLO is the platform's, its alerts no service's");
    s.service.clear();
  }

  // A map of label (or annotation) names to strings.
  void labels(const Value& obj, const std::string& p, std::string_view key,
              std::vector<std::pair<std::string, std::string>>& out) {
    const Value* m = obj.find(key);
    if (!m) return;
    const std::string mp = join(p, key);
    if (m->type != Type::object) {
      expected(*m, mp, "a map of names to strings");
      return;
    }
    std::vector<std::pair<std::string, std::string>> read;
    for (const auto& [name, value] : m->members) {
      if (!is_label_name(name)) error(&value, join(mp, name), "expected a name of letters, digits and '_', not starting with a digit, found " + json::quote(name));
      else if (value.type != Type::string) expected(value, join(mp, name), "a string (quote it)");
      else read.emplace_back(name, value.text);
    }
    merge_labels(out, read);
  }

  void refuse(const Value& obj, const std::string& p, std::string_view key, const std::string& why) {
    if (const Value* v = obj.find(key)) error(v, join(p, key), "opsim cannot honour " + std::string(key) + ": " + why);
  }

  // A list that must hold exactly one item (OpenSLO's timeWindow; one objective).
  void one_item(const Value& obj, const std::string& p, std::string_view key, const std::string& what,
                const std::function<void(const Value&, const std::string&)>& fn) {
    const Value* v = member(obj, p, key, true, "an array of one " + what);
    if (!v) return;
    if (v->type != Type::array || v->items.size() != 1) {
      expected(*v, join(p, key), "an array of one " + what);
      return;
    }
    fn(v->items[0], index(join(p, key), 0));
  }
};

// A Sloth prometheus/v1 document.
class SlothSpec : public SpecReader {
 public:
  using SpecReader::SpecReader;

  void read(const Value& doc, const std::string& p, const std::string& file, std::vector<SloSpec>& out) {
    if (!object(doc, p, {"version", "service", "labels", "slo_plugins", "slos"})) return;
    const Value* version = member(doc, p, "version", true, "\"prometheus/v1\"");
    if (version && (version->type != Type::string || version->text != "prometheus/v1"))
      expected(*version, join(p, "version"), "\"prometheus/v1\"");
    SloSpec base;
    base.file = file;
    base.file_format = "sloth";
    base.window = 30 * kMicrosPerDay;  // Sloth's period when it is not told otherwise
    service(doc, p, base, true);
    const std::string sloth_service = doc.find("service") && doc.find("service")->type == Type::string
                                          ? doc.find("service")->text
                                          : std::string();
    std::vector<std::pair<std::string, std::string>> doc_labels;
    labels(doc, p, "labels", doc_labels);
    refuse(doc, p, "slo_plugins", "Sloth's plugins are Go code that opsim does not run");
    read_array(doc, p, "slos", true, 1, 200, "kMaxSlos", [&](const Value& v, const std::string& sp) {
      SloSpec s = base;
      if (slo(v, sp, sloth_service, doc_labels, s)) out.push_back(s);
    });
  }

 private:
  bool slo(const Value& v, const std::string& p, const std::string& sloth_service,
           const std::vector<std::pair<std::string, std::string>>& doc_labels, SloSpec& s) {
    if (!object(v, p, {"name", "description", "objective", "plugins", "labels", "sli", "alerting"})) return false;
    const std::size_t errors_before = error_count();
    std::string name;
    if (read_string(v, p, "name", name, true) && name.empty()) expected(*v.find("name"), join(p, "name"), "a name");
    s.id = sloth_service + "-" + name;  // Sloth's sloth_id
    if (!name.empty() && (s.id.size() > 64 || !std::all_of(s.id.begin(), s.id.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        })))
      error(v.find("name"), join(p, "name"),
            "expected a name that makes \"<service>-<name>\" an id of 1 to 64 letters, digits, '_' or '-', found " +
                json::quote(s.id));
    read_number(v, p, "objective", s.target_percent, 50, 99.9999, true);
    refuse(v, p, "plugins", "Sloth's plugins are Go code that opsim does not run");
    std::vector<std::pair<std::string, std::string>> slo_labels = doc_labels;
    labels(v, p, "labels", slo_labels);
    if (const Value* sli = member(v, p, "sli", true, "an object: {events: {error_query, total_query}}"))
      indicator(*sli, join(p, "sli"), s);
    s.own_burn_rate = true;
    alerts(v, join(p, "alerting"), sloth_service, name, slo_labels, s);
    return error_count() == errors_before;
  }

  void indicator(const Value& v, const std::string& p, SloSpec& s) {
    if (!object(v, p, {"events", "raw", "plugin"})) return;
    refuse(v, p, "raw", "a precomputed error ratio has no event counts to weigh windows by; write events: {error_query, total_query}");
    refuse(v, p, "plugin", "Sloth's SLI plugins are Go code that opsim does not run; write events: {error_query, total_query}");
    s.indicator = SloSpec::Indicator::query;
    const Value* e = member(v, p, "events", !v.find("raw") && !v.find("plugin"), "an object: {error_query, total_query}");
    if (!e) return;
    const std::string ep = join(p, "events");
    if (!object(*e, ep, {"error_query", "total_query"})) return;
    if (read_string(*e, ep, "error_query", s.bad_query, true)) check_slo_query(*this, *e->find("error_query"), join(ep, "error_query"));
    if (read_string(*e, ep, "total_query", s.total_query, true)) check_slo_query(*this, *e->find("total_query"), join(ep, "total_query"));
  }

  // Sloth's multiwindow, multi-burn-rate alerts for a 30-day period: each (long, short,
  // factor) pair is a share of the budget spent in the long window (2 % in 1h, 5 % in 6h,
  // 10 % in 1d, 10 % in 3d), factor = share x period / long window.
  void alerts(const Value& slo_item, const std::string& p, const std::string& sloth_service, const std::string& name,
              const std::vector<std::pair<std::string, std::string>>& slo_labels, SloSpec& s) {
    const Value* at = slo_item.find("alerting");
    const Value& v = at ? *at : slo_item;
    std::string alert_name;
    std::vector<std::pair<std::string, std::string>> common = slo_labels, annotations;
    bool disabled[2] = {false, false};
    std::vector<std::pair<std::string, std::string>> own_labels[2], own_annotations[2];
    if (at) {
      if (!object(v, p, {"name", "labels", "annotations", "page_alert", "ticket_alert"})) return;
      read_string(v, p, "name", alert_name, false);
      labels(v, p, "labels", common);
      labels(v, p, "annotations", annotations);
      const char* keys[2] = {"page_alert", "ticket_alert"};
      for (int k = 0; k < 2; ++k) {
        const Value* a = v.find(keys[k]);
        if (!a) continue;
        const std::string ap = join(p, keys[k]);
        if (!object(*a, ap, {"disable", "labels", "annotations"})) continue;
        read_bool(*a, ap, "disable", disabled[k]);
        labels(*a, ap, "labels", own_labels[k]);
        labels(*a, ap, "annotations", own_annotations[k]);
      }
    }
    if (alert_name.empty() && !(disabled[0] && disabled[1]))
      error(v.find("name") && at ? v.find("name") : &v, join(p, "name"),
            "expected the alerts' name (Sloth requires one unless page_alert and ticket_alert are both disabled)");
    struct Pair {
      SimDuration long_window, short_window;
      double factor;
    };
    const Pair pairs[2][2] = {{{kMicrosPerHour, 5 * kMicrosPerMinute, 14.4}, {6 * kMicrosPerHour, 30 * kMicrosPerMinute, 6}},
                              {{kMicrosPerDay, 2 * kMicrosPerHour, 3}, {3 * kMicrosPerDay, 6 * kMicrosPerHour, 1}}};
    const char* severities[2] = {"page", "ticket"};
    for (int k = 0; k < 2; ++k) {
      if (disabled[k]) continue;
      std::vector<std::pair<std::string, std::string>> l = common;
      merge_labels(l, own_labels[k]);
      merge_labels(l, {{"sloth_id", s.id}, {"sloth_service", sloth_service}, {"sloth_slo", name},
                       {"sloth_severity", severities[k]}});
      // Sloth's own title and summary, expanded for this SLO, unless the spec gives them.
      const std::string who = sloth_service + " " + name;
      std::vector<std::pair<std::string, std::string>> a = {
          {"summary", who + " SLO error budget burn rate is over expected."},
          {"title", "(" + std::string(severities[k]) + ") " + who + " SLO error budget burn rate is too fast."}};
      merge_labels(a, annotations);
      merge_labels(a, own_annotations[k]);
      for (const Pair& pr : pairs[k]) {
        BurnRateAlertSpec b{pr.long_window, pr.short_window, pr.factor, severities[k]};
        b.alert = alert_name;
        b.labels = l;
        b.annotations = a;
        s.burn_rate.push_back(b);
      }
    }
  }
};

// An OpenSLO v1 SLO object.
class OpenSloSpec : public SpecReader {
 public:
  using SpecReader::SpecReader;

  void read(const Value& doc, const std::string& p, const std::string& file, std::vector<SloSpec>& out) {
    if (!object(doc, p, {"apiVersion", "kind", "metadata", "spec"})) return;
    const std::size_t errors_before = error_count();
    if (const Value* v = member(doc, p, "apiVersion", true, "\"openslo/v1\""))
      if (v->type != Type::string || v->text != "openslo/v1")
        expected(*v, join(p, "apiVersion"),
                 "\"openslo/v1\"" + std::string(v->type == Type::string && v->text == "openslo/v1alpha"
                                                     ? " (v1alpha's objectives[].ratioMetrics and timeWindows differ)"
                                                     : ""));
    if (const Value* v = member(doc, p, "kind", true, "\"SLO\""))
      if (v->type != Type::string || v->text != "SLO")
        expected(*v, join(p, "kind"), "\"SLO\" (an SLO with its indicator inline: opsim reads one object)");
    SloSpec s;
    s.file = file;
    s.file_format = "openslo";
    s.indicator = SloSpec::Indicator::query;
    if (const Value* m = member(doc, p, "metadata", true, "an object: {name}")) {
      const std::string mp = join(p, "metadata");
      if (object(*m, mp, {"name", "displayName", "labels", "annotations"})) read_id(*m, mp, "name", s.id);
    }
    if (const Value* sp = member(doc, p, "spec", true, "an object")) spec(*sp, join(p, "spec"), s);
    if (error_count() == errors_before) out.push_back(s);
  }

 private:
  void spec(const Value& v, const std::string& p, SloSpec& s) {
    if (!object(v, p, {"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod",
                       "objectives", "alertPolicies"}))
      return;
    service(v, p, s, false);
    refuse(v, p, "indicatorRef", "the SLI would be another document; write it inline as indicator");
    refuse(v, p, "alertPolicies", "the SLO's alerts are the scenario's burn-rate rules (alerting.burn_rate)");
    if (const Value* i = member(v, p, "indicator", !v.find("indicatorRef"), "an object: {metadata, spec: {ratioMetric}}"))
      indicator(*i, join(p, "indicator"), s);
    one_item(v, p, "timeWindow", "rolling window", [&](const Value& w, const std::string& wp) { time_window(w, wp, s); });
    if (const Value* b = member(v, p, "budgetingMethod", true, "\"Occurrences\"")) {
      if (b->type != Type::string || b->text != "Occurrences")
        expected(*b, join(p, "budgetingMethod"),
                 "\"Occurrences\"" + std::string(b->type == Type::string && (b->text == "Timeslices" || b->text == "RatioTimeslices")
                                                     ? " (opsim budgets by events; time slices are not simulated)"
                                                     : ""));
    }
    one_item(v, p, "objectives", "objective (opsim tracks one per SLO)",
             [&](const Value& o, const std::string& op) { objective(o, op, s); });
  }

  void indicator(const Value& v, const std::string& p, SloSpec& s) {
    if (!object(v, p, {"metadata", "spec"})) return;
    const Value* sp = member(v, p, "spec", true, "an object: {ratioMetric}");
    if (!sp) return;
    const std::string spp = join(p, "spec");
    if (!object(*sp, spp, {"description", "ratioMetric", "thresholdMetric"})) return;
    refuse(*sp, spp, "thresholdMetric", "a threshold on a metric's value has no events; write ratioMetric");
    const Value* r = member(*sp, spp, "ratioMetric", !sp->find("thresholdMetric"), "an object: {counter, good or bad, total}");
    if (!r) return;
    const std::string rp = join(spp, "ratioMetric");
    if (!object(*r, rp, {"counter", "good", "bad", "total", "raw", "rawType"})) return;
    refuse(*r, rp, "raw", "a precomputed ratio has no event counts to weigh windows by; write good (or bad) and total");
    refuse(*r, rp, "rawType", "it goes with raw; write good (or bad) and total");
    bool counter = true;
    const bool counter_given = read_bool(*r, rp, "counter", counter);
    if (r->find("good") && r->find("bad")) error(r->find("bad"), join(rp, "bad"), "expected good or bad, not both");
    else if (!r->find("good") && !r->find("bad") && !r->find("raw"))
      error(r, join(rp, "good"), "expected good (or bad): the events that count for (against) the objective");
    if (r->find("good")) query(*r, rp, "good", counter, counter_given, s.good_query);
    if (r->find("bad")) query(*r, rp, "bad", counter, counter_given, s.bad_query);
    if (member(*r, rp, "total", !r->find("raw"), "an object: {metricSource}")) query(*r, rp, "total", counter, counter_given, s.total_query);
  }

  // {metricSource: {type: Prometheus, spec: {query}}}. counter: true, a counter; false, a
  // rate over [{{.window}}] (a value that goes up and down is not a count of events).
  void query(const Value& r, const std::string& rp, std::string_view key, bool counter, bool counter_given, std::string& out) {
    const Value& v = *r.find(key);
    const std::string p = join(rp, key);
    if (!object(v, p, {"metricSource"})) return;
    const Value* m = member(v, p, "metricSource", true, "an object: {type: Prometheus, spec: {query}}");
    if (!m) return;
    const std::string mp = join(p, "metricSource");
    if (!object(*m, mp, {"metricSourceRef", "type", "spec"})) return;
    refuse(*m, mp, "metricSourceRef", "the data source is opsim's own series; give type: Prometheus and spec.query");
    if (const Value* t = member(*m, mp, "type", true, "\"Prometheus\""))
      if (t->type != Type::string || t->text != "Prometheus")
        expected(*t, join(mp, "type"), "\"Prometheus\" (the queries are PromQL over opsim's series)");
    const Value* spec = member(*m, mp, "spec", true, "an object: {query}");
    if (!spec) return;
    const std::string sp = join(mp, "spec");
    if (!object(*spec, sp, {"query"})) return;
    if (!read_string(*spec, sp, "query", out, true)) return;
    const Value& q = *spec->find("query");
    if (!check_slo_query(*this, q, join(sp, "query"))) return;
    const bool rate = slo_query_window_at(out).at != std::string::npos;
    if (counter_given && counter == rate)
      error(&q, join(sp, "query"),
            counter ? "expected a counter's value (counter: true), found a rate over {{.window}}"
                    : "expected a rate over [{{.window}}] (counter: false: opsim counts events as rate x interval), found "
                      "no {{.window}}");
  }

  void time_window(const Value& w, const std::string& p, SloSpec& s) {
    if (!object(w, p, {"duration", "isRolling", "calendar"})) return;
    refuse(w, p, "calendar", "a calendar-aligned window; opsim's windows roll (isRolling: true)");
    bool rolling = !w.find("calendar");
    read_bool(w, p, "isRolling", rolling);
    if (w.find("isRolling") && !rolling) expected(*w.find("isRolling"), join(p, "isRolling"), "true (a rolling window)");
    const Value* d = member(w, p, "duration", true, "a duration such as 28d, 4w or 12h");
    if (!d) return;
    // OpenSLO's shorthand: a count and one unit, m h d w (M, Q and Y are calendar units).
    const std::string& t = d->text;
    std::size_t digits = 0;
    while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
    SimDuration unit = 0;
    if (d->type == Type::string && digits > 0 && digits + 1 == t.size() && digits <= 6) {
      switch (t.back()) {
        case 'm': unit = kMicrosPerMinute; break;
        case 'h': unit = kMicrosPerHour; break;
        case 'd': unit = kMicrosPerDay; break;
        case 'w': unit = 7 * kMicrosPerDay; break;
        default: break;
      }
    }
    const SimDuration window = unit * std::stoll(digits > 0 && digits <= 6 ? t.substr(0, digits) : "0");
    if (unit == 0 || window < kMicrosPerHour || window > 90 * kMicrosPerDay)
      expected(*d, join(p, "duration"), "a rolling duration from 1h to 90d such as 28d, 4w or 12h (units m, h, d, w)");
    else
      s.window = window;
  }

  void objective(const Value& o, const std::string& p, SloSpec& s) {
    if (!object(o, p, {"displayName", "target", "targetPercent", "op", "value", "timeSliceTarget", "timeSliceWindow",
                       "indicator", "indicatorRef", "compositeWeight"}))
      return;
    refuse(o, p, "op", "it compares a thresholdMetric's values; a ratioMetric's objective is its target");
    refuse(o, p, "value", "it compares a thresholdMetric's values; a ratioMetric's objective is its target");
    refuse(o, p, "timeSliceTarget", "it belongs to Timeslices budgeting, which opsim does not simulate");
    refuse(o, p, "timeSliceWindow", "it belongs to Timeslices budgeting, which opsim does not simulate");
    for (const char* key : {"indicator", "indicatorRef", "compositeWeight"})
      refuse(o, p, key, "composite SLOs are not simulated; write one SLO per indicator");
    const Value* target = o.find("target");
    const Value* percent = o.find("targetPercent");
    if (target && percent) {
      error(percent, join(p, "targetPercent"), "expected target or targetPercent, not both");
    } else if (target) {
      double t = 0;
      if (read_number(o, p, "target", t, 0.5, 0.999999, true)) s.target_percent = t * 100;
    } else {
      read_number(o, p, "targetPercent", s.target_percent, 50, 99.9999, true);
    }
  }
};

void Loader::slo_file(const Value& v, const std::string& p) {
  if (!object(v, p, {"file"})) return;
  NamedFile file;
  if (!read_named_file(v, p, "file", file)) return;
  const std::string fp = join(p, "file");
  json::Value doc;
  std::vector<Diagnostic> errors, warnings;
  std::vector<SloSpec> read;
  if (yaml::parse_json_or_yaml(file.text, doc, errors)) {
    const std::string& path = v.find("file")->text;
    if (doc.type == Type::object && doc.find("version")) SlothSpec(*this, errors, warnings).read(doc, "$", path, read);
    else if (doc.type == Type::object && doc.find("apiVersion")) OpenSloSpec(*this, errors, warnings).read(doc, "$", path, read);
    else
      errors.push_back(Diagnostic("$",
                                  "expected a Sloth spec (version: prometheus/v1) or an OpenSLO SLO (apiVersion: openslo/v1), "
                                  "found " + json::describe(doc),
                                  doc.line, doc.column));
  }
  file_diagnostics(file, fp, errors);
  file_diagnostics(file, fp, warnings, true);
  if (errors.empty()) s_.slos.insert(s_.slos.end(), read.begin(), read.end());
}

}  // namespace opsim::detail
