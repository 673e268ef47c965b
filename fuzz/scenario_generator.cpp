// Scenario generator for fuzz_simulation (see scenario_generator.h).
//
// [SECTION] Choices and JSON text
// [SECTION] Values at the edges of the schema's ranges
// [SECTION] The generator: one function per scenario section
#include "scenario_generator.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/metric_catalog.h"

namespace opsim::fuzz {

// [SECTION] Choices and JSON text

unsigned ChoiceReader::below(unsigned n) {
  if (n <= 1) return 0;
  unsigned v = next_byte();
  if (n > 256) v = (v << 8) | next_byte();
  return v % n;
}

std::uint64_t ChoiceReader::u64() {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | next_byte();
  return v;
}

namespace {

// Ids, enum names and durations never contain a character that JSON escapes.
std::string str(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

std::string integer(long long v) { return std::to_string(v); }

std::string array(const std::vector<std::string>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "]";
}

// Members in the order added; the loader does not care about order.
class Obj {
 public:
  Obj& add(std::string_view key, const std::string& json_value) {
    text_ += text_.empty() ? "" : ",";
    text_ += str(key) + ":" + json_value;
    return *this;
  }
  std::string text() const { return "{" + text_ + "}"; }

 private:
  std::string text_;
};

constexpr long long kUs = 1, kMs = 1000, kSecond = 1000 * kMs, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                    kDay = 24 * kHour;

// A duration in microseconds as text, in the largest unit that divides it ("90s", "2h"),
// and now and then as a sum of terms ("1h30m") to exercise the parser's sums.
std::string dur(long long us, ChoiceReader& in) {
  struct Unit {
    long long us;
    const char* name;
  };
  static const Unit units[] = {{7 * kDay, "w"}, {kDay, "d"}, {kHour, "h"}, {kMinute, "m"},
                               {kSecond, "s"},  {kMs, "ms"}, {kUs, "us"}};
  if (us <= 0) return str("0s");
  if (in.one_in(8)) {
    // Sum form: the largest whole unit first, then the rest.
    std::string text;
    long long rest = us;
    for (const Unit& u : units)
      if (rest >= u.us) {
        text += std::to_string(rest / u.us) + u.name;
        rest %= u.us;
      }
    return str(text);
  }
  for (const Unit& u : units)
    if (us % u.us == 0) return str(std::to_string(us / u.us) + u.name);
  return str(std::to_string(us) + "us");
}

// [SECTION] Values at the edges of the schema's ranges

struct Gen {
  explicit Gen(ChoiceReader& choices) : in(choices) {}
  ChoiceReader& in;
  long long scrape_us = 15 * kSecond;  // the loader's default
  long long duration_us = kMinute;
  std::vector<std::string> services, agents, tenants, providers, users, slos, chaos;
  // Per tenant: the arrival candidates its loads draw at their peak (see tenant()), which
  // traffic_spike faults multiply.
  std::vector<double> tenant_candidates;
  bool with_incidents = false;  // the scenario has an incidents section
  // Per agent: its "calls" array as text ("" for none), and the requests one arrival of it
  // makes at most (itself, and each call's count x attempts of the callee's), which the
  // loader's kMaxExpectedRequests counts. Calls go only to agents later in the list, so
  // that they never form a cycle, and are drawn from the last agent back to the first.
  std::vector<std::string> agent_calls;
  std::vector<double> requests_per_arrival;
  std::vector<bool> is_provider;  // per service: of kind llm_provider

  template <typename T>
  T pick(std::initializer_list<T> o) {
    return in.pick(o);
  }
  bool maybe(unsigned one_in) { return in.one_in(one_in); }
  // The complement: true except about once in `one_in` draws, and always once the bytes
  // have run out, so that short inputs still get the common fields.
  bool usually(unsigned one_in) { return !in.one_in(one_in); }
  unsigned count(unsigned most) { return in.below(most + 1); }
  std::string d(long long us) { return dur(us, in); }
  const std::string& any(const std::vector<std::string>& ids) {
    return ids[in.below(static_cast<unsigned>(ids.size()))];
  }

  // An instant within (or just past) the run: an offset from start.
  std::string at() {
    const long long t = pick<long long>({0, duration_us / 4, duration_us / 2, duration_us - 1, duration_us,
                                         duration_us + kSecond, 3 * duration_us / 4, kSecond});
    return d(std::max(0LL, t));
  }
  std::string percent() { return num(pick<double>({0, 0.1, 5, 50, 99.9, 100})); }

  // A metric name the loader accepts at this point of the file: global, or scoped to a
  // tenant, service or agent, and to an SLO or a chaos experiment where the loader has read
  // them already (it reads slos after monitoring and scaling, chaos after slos).
  std::string metric(bool slo_scope, bool chaos_scope);
  // An unscoped metric name measured in `scope` (a ScopeBit): what a rule with a tenant or
  // a service names.
  std::string unscoped_metric(unsigned scope);

  // [SECTION] The generator: one function per scenario section
  std::string service(int i);
  std::string agent(int i);
  void model_provider(Obj& s);
  std::string distribution(bool tokens);
  // agents[].calls of every agent: fills agent_calls and requests_per_arrival.
  void calls();
  // One call of agent `caller`, or "" when it would take the caller's requests per arrival
  // (`total`, updated) past kMaxRequestsPerArrival.
  std::string call(int caller, double& total);
  std::string retry(long long& attempts);
  std::string circuit_breaker();
  // A load pattern; `peak` gets the factor the loader's request limit takes for it (a
  // trace's highest rate replaces the load's rate: trace_peak).
  std::string pattern(double& peak, double& trace_peak);
  std::string tenant(int i);
  std::string context();
  std::string monitoring();
  std::string behavior();
  std::string scaling_section(const std::string& service_id);
  std::string slo(int i);
  std::string burn_rates();
  std::string incidents();
  std::string fault_body(bool with_time);
  std::string deployment(int i);
  std::string chaos_experiment(int i);
  std::string objective(int i);
  std::string scenario();
};

std::string Gen::metric(bool slo_scope, bool chaos_scope) {
  // From the core's own catalogue, so that new names are fuzzed as soon as they exist.
  const std::vector<MetricInfo>& catalog = metric_catalog();
  const MetricInfo& m = catalog[in.below(static_cast<unsigned>(catalog.size()))];
  std::vector<std::string> names;
  if (m.scopes & kGlobal) names.push_back(m.name);
  if (m.scopes & kTenant) names.push_back("tenant." + any(tenants) + "." + m.name);
  if (m.scopes & kService) names.push_back("service." + any(services) + "." + m.name);
  if (m.scopes & kAgent) names.push_back("agent." + any(agents) + "." + m.name);
  if ((m.scopes & kSlo) && slo_scope && !slos.empty()) names.push_back("slo." + any(slos) + "." + m.name);
  if ((m.scopes & kChaos) && chaos_scope && !chaos.empty()) names.push_back("chaos." + any(chaos) + "." + m.name);
  if (names.empty()) return str("requests_total");
  return str(any(names));
}

std::string Gen::unscoped_metric(unsigned scope) {
  std::vector<std::string> names;
  for (const MetricInfo& m : metric_catalog())
    if (m.scopes & scope) names.push_back(m.name);
  return str(any(names));
}

std::string Gen::service(int i) {
  Obj s;
  s.add("id", str(services[static_cast<std::size_t>(i)]));
  is_provider.push_back(maybe(4));
  if (is_provider.back()) model_provider(s);
  const long long concurrency = pick<long long>({1, 2, 8, 64, 1000, 10000});
  if (maybe(2) || concurrency != 1) {
    Obj inst;
    inst.add("concurrency", integer(concurrency));
    if (maybe(2)) inst.add("cpu_cores", num(pick<double>({0.001, 1, 4, 1024})));
    if (maybe(2)) inst.add("memory_mb", num(pick<double>({1, 256, 8192, 16777216})));
    if (maybe(2)) inst.add("startup", d(pick<long long>({0, 1 * kMs, 90 * kSecond, kHour, kDay})));
    if (maybe(2)) inst.add("cost_per_hour", num(pick<double>({0, 0.48, 1e6})));
    s.add("instance", inst.text());
  }
  if (usually(3)) {
    // min = initial = max sometimes (a fixed fleet), an empty fleet sometimes, and a max at
    // the limit while the total of slots stays within the loader's kMaxTotalSlots.
    const long long initial = pick<long long>({1, 0, 2, 3, 8, 50});
    long long min = pick<long long>({initial, 0, initial / 2});
    long long max = pick<long long>({initial, initial + 1, 2 * initial + 1, 100, 10000});
    max = std::max(max, std::max(initial, 1LL));
    while (max > 1 && max * concurrency > 200000) max /= 10;
    max = std::max(max, initial);
    min = std::min(min, initial);
    Obj n;
    if (usually(4)) n.add("initial", integer(initial));
    if (usually(3)) n.add("min", integer(min));
    if (usually(3)) n.add("max", integer(max));
    s.add("instances", n.text());
  }
  if (maybe(2)) {
    Obj q;
    long long capacity = 100;  // the loader's default
    if (usually(4)) {
      capacity = pick<long long>({0, 1, 10, 500, 1000000});
      q.add("capacity", integer(capacity));
    }
    if (maybe(2)) q.add("timeout", d(pick<long long>({kMs, 100 * kMs, 30 * kSecond, kDay})));
    if (maybe(3)) {
      const char* discipline = pick<const char*>({"fifo", "lifo", "adaptive_lifo"});
      q.add("discipline", str(discipline));
      if (std::string(discipline) == "adaptive_lifo") q.add("lifo_threshold", integer(pick<long long>({0, 1, 10, 1000000})));
    }
    if (capacity > 0 && maybe(3)) {
      // Below the capacity, default's at or above sheddable's.
      const long long sheddable = pick<long long>({0, capacity / 4, capacity - 1});
      const long long fallback = pick<long long>({sheddable, capacity - 1, (sheddable + capacity - 1) / 2});
      Obj shed;
      if (maybe(2)) shed.add("sheddable", integer(sheddable));
      if (usually(3) || shed.text() == "{}") shed.add("default", integer(fallback));
      q.add("shed_at", shed.text());
    }
    s.add("queue", q.text());
  }
  return s.text();
}

void Gen::model_provider(Obj& s) {
  s.add("kind", str("llm_provider"));
  if (maybe(2)) s.add("rate_limit_rpm", num(pick<double>({60, 1, 3000, 1e9})));
  const bool tpm = maybe(2);
  if (tpm) s.add("rate_limit_tpm", num(pick<double>({100000, 1, 2000000, 1e12})));
  if (tpm && maybe(2)) s.add("retry_after", d(pick<long long>({kSecond, kMs, kHour})));
  s.add("time_to_first_token", distribution(false));
  s.add("output_tokens_per_second", num(pick<double>({50, 0.01, 1000, 1e7})));
  if (maybe(2)) s.add("input_tokens_per_second", num(pick<double>({5000, 0.01, 1e9})));
  if (maybe(2)) s.add("cost_per_1k_input_tokens", num(pick<double>({0.003, 0, 10000})));
  if (maybe(2)) s.add("cost_per_1k_output_tokens", num(pick<double>({0.015, 0, 10000})));
}

std::string Gen::distribution(bool tokens) {
  // Work times from a microsecond to a day (the loader's range), token counts from 1 to
  // 10,000,000; sorted for lognormal.
  static const long long times[] = {1, 1 * kMs, 50 * kMs, 800 * kMs, 6 * kSecond, kHour, kDay};
  static const long long counts[] = {1, 10, 300, 2000, 100000, 10000000};
  const long long* values = tokens ? counts : times;
  const unsigned n = tokens ? sizeof counts / sizeof counts[0] : sizeof times / sizeof times[0];
  auto v = [&](unsigned i) { return tokens ? integer(values[i]) : d(values[i]); };
  Obj w;
  switch (in.below(4)) {
    case 0: w.add("dist", str("constant")).add("value", v(in.below(n))); break;
    case 1: w.add("dist", str("exponential")).add("mean", v(in.below(n))); break;
    case 2: {
      const unsigned median = in.below(n - 1);
      const unsigned p99 = median + 1 + in.below(n - 1 - median);
      w.add("dist", str("lognormal")).add("median", v(median)).add("p99", v(p99));
      break;
    }
    default: w.add("dist", str("gamma")).add("mean", v(in.below(n))).add("cv", num(pick<double>({0.01, 0.5, 1, 10})));
  }
  return w.text();
}

std::string Gen::agent(int i) {
  Obj a;
  a.add("id", str(agents[static_cast<std::size_t>(i)]));
  const unsigned sv = in.below(static_cast<unsigned>(services.size()));
  a.add("service", str(services[sv]));
  if (is_provider[sv]) {
    Obj t;
    t.add("input", distribution(true)).add("output", distribution(true));
    a.add("tokens", t.text());
  } else {
    a.add("work", distribution(false));
  }
  if (maybe(2)) a.add("complexity", str(pick<const char*>({"low", "medium", "high"})));
  if (maybe(2)) a.add("model_size", str(pick<const char*>({"standard", "large"})));
  if (maybe(2)) a.add("error_percent", percent());
  if (!agent_calls[static_cast<std::size_t>(i)].empty()) a.add("calls", agent_calls[static_cast<std::size_t>(i)]);
  return a.text();
}

// Requests one arrival may make with its calls. A tenant's arrival candidates stay within
// 3e7 (at most three loads of 1e7, tenant(); spikes keep them there), and tenants are at
// most 60: 60 x 3e7 x 10 stays below the loader's kMaxExpectedRequests (2e10), which
// counts every attempt of every call.
constexpr double kMaxRequestsPerArrival = 10;

void Gen::calls() {
  const std::size_t n = agents.size();
  agent_calls.assign(n, "");
  requests_per_arrival.assign(n, 1.0);
  for (std::size_t k = n; k-- > 0;) {
    if (k + 1 >= n || !maybe(3)) continue;  // only agents further down may be called
    const int caller = static_cast<int>(k);
    double total = 1;
    std::vector<std::string> steps;
    const unsigned step_count = maybe(8) ? 0 : 1 + count(2);  // sometimes an empty array
    for (unsigned s = 0; s < step_count; ++s) {
      if (maybe(3)) {
        std::vector<std::string> items;
        const unsigned width = 1 + count(2);
        for (unsigned c = 0; c < width; ++c) {
          const std::string item = call(caller, total);
          if (!item.empty()) items.push_back(item);
        }
        if (!items.empty()) steps.push_back(Obj().add("parallel", array(items)).text());
      } else {
        const std::string item = call(caller, total);
        if (!item.empty()) steps.push_back(item);
      }
    }
    agent_calls[k] = array(steps);
    requests_per_arrival[k] = total;
  }
}

std::string Gen::call(int caller, double& total) {
  const unsigned later = static_cast<unsigned>(agents.size()) - 1 - static_cast<unsigned>(caller);
  const std::size_t callee = static_cast<std::size_t>(caller) + 1 + in.below(later);
  Obj c;
  c.add("agent", str(agents[callee]));
  long long calls_made = 1;
  if (maybe(3)) {
    calls_made = pick<long long>({2, 1, 3});
    c.add("count", integer(calls_made));
  }
  if (maybe(2)) {
    c.add("timeout", d(pick<long long>({2 * kSecond, kMs, 30 * kSecond, kDay})));
    // Only beside a timeout: without one the loader refuses it.
    if (maybe(2)) c.add("cancel_on_timeout", pick<const char*>({"true", "false"}));
  }
  long long attempts = 1;
  if (maybe(2)) c.add("retry", retry(attempts));
  if (maybe(3)) c.add("circuit_breaker", circuit_breaker());
  if (maybe(3)) c.add("on_failure", str(pick<const char*>({"continue", "fail"})));
  const double more = static_cast<double>(calls_made * attempts) * requests_per_arrival[callee];
  if (total + more > kMaxRequestsPerArrival) return "";
  total += more;
  return c.text();
}

std::string Gen::retry(long long& attempts) {
  Obj r;
  attempts = 3;  // resilience4j's default, which the loader takes
  if (maybe(2)) {
    attempts = pick<long long>({2, 1, 3, 5});
    r.add("max_attempts", integer(attempts));
  }
  if (attempts == 1) return r.text();  // any other member would change nothing: refused
  long long backoff = 500 * kMs;  // the loader's default
  if (maybe(2)) {
    backoff = pick<long long>({200 * kMs, 0, kMs, kSecond});
    r.add("backoff", d(backoff));
  }
  // At least the backoff; the default 10s is above every backoff drawn here.
  if (maybe(3)) r.add("max_backoff", d(pick<long long>({10 * kSecond, backoff, kDay})));
  if (maybe(2)) r.add("jitter", str(pick<const char*>({"full", "none", "equal", "decorrelated"})));
  if (maybe(2)) r.add("multiplier", num(pick<double>({2, 1, 1.5, 1000})));
  if (maybe(3)) r.add("budget_percent", num(pick<double>({10, 0, 0.5, 100})));
  return r.text();
}

std::string Gen::circuit_breaker() {
  Obj b;
  if (maybe(2)) b.add("failure_percent", num(pick<double>({50, 0.1, 100})));
  if (maybe(2)) b.add("window", d(pick<long long>({30 * kSecond, kMs, kDay})));
  if (maybe(2)) b.add("min_calls", integer(pick<long long>({20, 1, 1000000})));
  if (maybe(2)) b.add("open_for", d(pick<long long>({30 * kSecond, kMs, kDay})));
  if (maybe(2)) b.add("half_open_calls", integer(pick<long long>({5, 1, 1000000})));
  return b.text();
}

std::string Gen::pattern(double& peak, double& trace_peak) {
  Obj p;
  peak = 1;
  switch (in.below(6)) {
    case 0:
      p.add("type", str("constant"));
      if (maybe(2)) p.add("factor", num(peak = pick<double>({0, 1, 2.5, 1e6})));
      break;
    case 1:
      p.add("type", str("diurnal"));
      if (maybe(2)) p.add("peak_hour", num(pick<double>({0, 14, 23.99, 24})));
      if (maybe(2)) p.add("trough_factor", num(pick<double>({0, 0.3, 1})));
      break;
    case 2: {
      std::vector<std::string> f;
      peak = 0;
      for (int i = 0; i < 7; ++i) {
        const double factor = pick<double>({1, 0, 0.4, 1e6});
        peak = std::max(peak, factor);
        f.push_back(num(factor));
      }
      p.add("type", str("weekly")).add("factors", array(f));
      break;
    }
    case 3: {
      p.add("type", str("ramp"))
          .add("at", at())
          .add("duration", d(pick<long long>({1, kSecond, duration_us, 400 * kDay})));
      const double from = pick<double>({0, 1, 1e6}), to = pick<double>({1.5, 0, 1e6});
      peak = std::max({1.0, from, to});
      p.add("from", num(from)).add("to", num(to));
      break;
    }
    case 4: {
      p.add("type", str("spike"))
          .add("at", at())
          .add("duration", d(pick<long long>({kSecond, 1, duration_us, 400 * kDay})));
      const double multiplier = pick<double>({6, 0, 1, 1e6});
      peak = std::max(1.0, multiplier);
      p.add("multiplier", num(multiplier));
      break;
    }
    default: {
      // A trace: strictly increasing times, rates from 0 to the schema's 1e7.
      std::vector<std::string> points;
      long long t = pick<long long>({0, kSecond, duration_us});
      const unsigned n = 1 + count(4);
      trace_peak = 0;
      for (unsigned i = 0; i < n; ++i) {
        const double rate = pick<double>({2, 0, 0.001, 500, 1e7});
        trace_peak = std::max(trace_peak, rate);
        points.push_back(array({d(t), num(rate)}));
        t += pick<long long>({duration_us / 4 + 1, 1, kHour});
      }
      p.add("type", str("trace")).add("points", array(points));
    }
  }
  return p.text();
}

std::string Gen::tenant(int i) {
  Obj t;
  const std::string& id = tenants[static_cast<std::size_t>(i)];
  t.add("id", str(id));
  if (maybe(4)) t.add("name", str("Tenant " + id));
  if (maybe(2)) t.add("isolation", str(pick<const char*>({"shared", "namespace", "dedicated", "physical"})));
  if (maybe(3)) t.add("priority", str(pick<const char*>({"critical", "default", "sheddable"})));
  if (maybe(2)) {
    Obj q;
    if (maybe(2)) q.add("max_concurrent_agents", integer(pick<long long>({10, 1, 2, 1000000})));
    if (maybe(2)) q.add("max_memory_mb", num(pick<double>({2048, 1, 256, 1e9})));
    if (maybe(2)) q.add("max_cpu_cores", num(pick<double>({2, 0.001, 0.5, 1e6})));
    if (maybe(2)) q.add("max_requests_per_minute", num(pick<double>({1000, 1, 60, 1e9})));
    if (maybe(2)) q.add("max_execution_time", d(pick<long long>({5 * kMinute, kMs, kSecond, kDay})));
    const bool providers = std::find(is_provider.begin(), is_provider.end(), true) != is_provider.end();
    if (providers && maybe(2)) q.add("max_tokens_per_minute", num(pick<double>({100000, 1, 1e12})));
    t.add("quota", q.text());
  }
  if (maybe(2)) {
    // Users with roles the policy provider knows, weights that may all be 0.
    std::vector<std::string> list;
    const unsigned n = maybe(16) ? 60 : count(3);
    for (unsigned u = 0; u < n; ++u) {
      Obj user;
      const std::string uid = id + "-u" + std::to_string(u);
      users.push_back(uid);
      user.add("id", str(uid));
      if (maybe(2))
        user.add("roles", array({str(pick<const char*>({"admin", "data_scientist", "team_lead", "guest"}))}));
      if (maybe(2)) user.add("weight", num(pick<double>({1, 0, 3, 1e6})));
      list.push_back(user.text());
    }
    t.add("users", array(list));
  }
  if (maybe(4)) t.add("compliance", array({str("GDPR"), str("SOX")}));
  if (maybe(8)) t.add("security_policies", Obj().add("mfa_required", "true").text());
  if (maybe(4)) {
    Obj b;
    if (maybe(2)) b.add("plan", str("enterprise"));
    if (maybe(2)) b.add("price_per_request_usd", num(pick<double>({0.002, 0, 1e6})));
    if (maybe(2)) b.add("price_per_cpu_hour_usd", num(pick<double>({0.09, 0, 1e6})));
    t.add("billing", b.text());
  }
  if (usually(8)) {
    std::vector<std::string> loads;
    const unsigned n = 1 + count(2);
    for (unsigned l = 0; l < n; ++l) {
      Obj load;
      load.add("agent", str(any(agents)));
      // Tiny to huge rates: fuzz_simulation's event budget keeps the huge ones short.
      double rate = pick<double>({2, 0, 0.001, 0.5, 20, 200, 5000, 1e6, 1e7});
      std::vector<std::string> patterns;
      const unsigned np = maybe(2) ? 1 + count(3) : 0;
      double peak = rate, factors = 1, trace_peak = -1;
      for (unsigned p = 0; p < np; ++p) {
        double factor = 1;
        patterns.push_back(pattern(factor, trace_peak));
        factors *= factor;
      }
      const bool has_trace = trace_peak >= 0;
      if (has_trace) peak = trace_peak;
      // Generating arrivals takes time in proportion to the peak rate x the duration (the
      // thinning draws candidates at the peak rate, however few it keeps), the figure the
      // loader's kMaxExpectedRequests limits. 1e5 candidates keep a run near 100 ms under
      // the sanitizers; now and then a load has 1e7 (a few seconds). Over budget, the
      // patterns go and the rate is cut.
      const double seconds = static_cast<double>(duration_us) / kSecond;
      const double budget = maybe(16) ? 1e7 : 1e5;
      if (peak * factors * seconds > budget) {
        patterns.clear();
        rate = std::min(rate, budget / seconds);
        peak = rate;
        factors = 1;
      }
      tenant_candidates[static_cast<std::size_t>(i)] += peak * factors * seconds;
      if (patterns.empty() || !has_trace || maybe(2)) load.add("rate", num(rate));
      if (!patterns.empty()) load.add("patterns", array(patterns));
      loads.push_back(load.text());
    }
    t.add("load", array(loads));
  }
  return t.text();
}

std::string Gen::context() {
  Obj c;
  std::vector<std::string> list;
  const unsigned n = count(4);
  for (unsigned i = 0; i < n; ++i) {
    Obj p;
    const std::string id = "p" + std::to_string(i);
    providers.push_back(id);
    const char* kind = pick<const char*>({"policy", "business", "operational", "custom"});
    p.add("id", str(id)).add("kind", str(kind));
    if (maybe(2)) p.add("priority", integer(pick<long long>({5, 0, 9, 100})));
    if (maybe(2)) p.add("cache_ttl", d(pick<long long>({30 * kMinute, 0, kMs, 30 * kDay})));
    if (maybe(2)) p.add("latency", d(pick<long long>({4 * kMs, 0, kHour})));
    if (maybe(3)) p.add("timeout", d(pick<long long>({2 * kSecond, 0, kMs, kHour})));
    if (maybe(2)) p.add("failure_percent", percent());
    if (usually(3)) {
      const std::string kind_name = kind;
      Obj data;
      const std::string setting = Obj().add("enabled", "true").text();
      if (kind_name == "policy") {
        if (maybe(2)) data.add("base", Obj().add("security", setting).text());
        if (maybe(2)) data.add("roles", Obj().add("admin", Obj().add("security", setting).text()).text());
        if (maybe(2))
          data.add("scopes",
                   Obj()
                       .add(pick<const char*>({"global", "division", "department", "project", "user", "session"}),
                            Obj().add("pii", setting).text())
                       .text());
        if (maybe(4)) data.add("expires", d(pick<long long>({kDay, kSecond, 400 * kDay})));
      } else if (kind_name == "operational") {
        data.add("metrics",
                 array({str(pick<const char*>({"cpu_utilization", "latency_p95_ms", "instances", "cost_usd"}))}));
      } else if (maybe(2)) {
        data.add("market_conditions", Obj().add("sentiment", str("calm")).text());
      } else {
        Obj e;
        e.add("key", str(pick<const char*>({"market_conditions", "policies", "team_notes"}))).add("value", setting);
        if (maybe(2)) e.add("scope", str(pick<const char*>({"global", "department", "project", "user", "session"})));
        if (maybe(2)) e.add("priority", integer(pick<long long>({1, 7, 10})));
        if (maybe(3)) e.add("created_at", d(pick<long long>({0, duration_us / 2})));
        if (maybe(3)) e.add("expires", d(pick<long long>({duration_us, 30 * kDay})));
        if (maybe(2) && !users.empty())
          e.add("access",
                Obj().add("roles", array({str("data_scientist")})).add("users", array({str(any(users))})).text());
        data.add("entries", array({e.text()}));
      }
      p.add("data", data.text());
    }
    list.push_back(p.text());
  }
  c.add("providers", array(list));
  if (maybe(2)) c.add("keys", array({str("policies"), str("operational_metrics"), str("market_conditions")}));
  if (maybe(2))
    c.add("scope", str(pick<const char*>({"project", "global", "division", "department", "user", "session"})));
  const char* strategy = pick<const char*>({"append", "inject", "template"});
  if (usually(3)) c.add("strategy", str(strategy));
  if (std::string_view(strategy) == "template" || maybe(4)) c.add("template", str("Context: {context} Task: {prompt}"));
  return c.text();
}

std::string Gen::monitoring() {
  Obj m;
  m.add("scrape_interval", d(scrape_us));
  // At most 200 rows in the time-series ring (see scenario()); always written, since the
  // default is 24 h.
  const long long retention =
      std::max(kMinute, std::min(pick<long long>({kHour, kMinute, 10 * kMinute, kDay}), 200 * scrape_us));
  m.add("retention", d(retention));
  if (usually(3)) {
    std::vector<std::string> rules;
    const unsigned n = count(3);
    for (unsigned i = 0; i < n; ++i) {
      Obj r;
      // A rule with a tenant (or a service) reads its metric in that scope: the metric is
      // then named without a scope, one measured per tenant (or per service).
      const bool with_tenant = maybe(4), with_service = maybe(4);
      r.add("id", str("r" + std::to_string(i)))
          .add("metric", with_tenant ? unscoped_metric(kTenant) : with_service ? unscoped_metric(kService)
                                                                             : metric(false, false));
      if (maybe(2)) r.add("op", str(pick<const char*>({">", "<", ">=", "<=", "==", "!="})));
      r.add("value", num(pick<double>({5, 0, -1e300, 1000, 1e300})));
      if (maybe(2)) r.add("for", d(pick<long long>({2 * kMinute, 0, kSecond, 7 * kDay})));
      if (maybe(2)) r.add("min_samples", integer(pick<long long>({5, 1, 1000000})));
      if (maybe(2)) r.add("severity", str(pick<const char*>({"page", "ticket", "critical"})));
      if (with_tenant) r.add("tenant", str(any(tenants)));
      if (with_service) r.add("service", str(any(services)));
      rules.push_back(r.text());
    }
    m.add("rules", array(rules));
  }
  if (maybe(2)) {
    std::vector<std::string> channels;
    const unsigned n = count(2);
    for (unsigned i = 0; i < n; ++i) {
      Obj ch;
      ch.add("id", str("c" + std::to_string(i)));
      if (maybe(2)) ch.add("severities", array({str(pick<const char*>({"page", "ticket", "critical"}))}));
      if (maybe(2)) ch.add("delay", d(pick<long long>({30 * kSecond, 0, kDay})));
      channels.push_back(ch.text());
    }
    m.add("channels", array(channels));
  }
  if (maybe(2)) {
    Obj rt;
    if (maybe(2)) rt.add("group_wait", d(pick<long long>({30 * kSecond, 0, kDay})));
    if (maybe(2)) rt.add("group_interval", d(pick<long long>({5 * kMinute, 0, kDay})));
    if (maybe(2)) rt.add("repeat_interval", d(pick<long long>({4 * kHour, kMinute, 30 * kDay})));
    if (maybe(2)) {
      Obj match;
      if (maybe(2)) match.add("severity", str("ticket"));
      if (maybe(2)) match.add("tenant", str(any(tenants)));
      const long long starts = pick<long long>({0, duration_us / 2});
      rt.add("silences", array({Obj()
                                    .add("match", match.text())
                                    .add("starts", d(starts))
                                    .add("ends", d(starts + pick<long long>({kSecond, duration_us, 399 * kDay})))
                                    .text()}));
    }
    if (maybe(2))
      rt.add("inhibit", array({Obj()
                                   .add("source", Obj().add("severity", str("page")).text())
                                   .add("target", Obj().add("severity", str("ticket")).text())
                                   .add("equal", array({str("service"), str("tenant")}))
                                   .text()}));
    m.add("routing", rt.text());
  }
  return m.text();
}

std::string Gen::behavior() {
  Obj b;
  if (maybe(2)) b.add("stabilization_window", d(pick<long long>({0, 5 * kMinute, kHour})));
  if (maybe(2)) b.add("select_policy", str(pick<const char*>({"max", "min", "disabled"})));
  if (maybe(3)) b.add("tolerance", num(pick<double>({0.1, 0, 1, 0.02})));
  if (maybe(2)) {
    std::vector<std::string> list;
    const unsigned n = count(2);
    for (unsigned i = 0; i < n; ++i)
      list.push_back(Obj()
                         .add("type", str(pick<const char*>({"percent", "instances"})))
                         .add("value", num(pick<double>({100, 1, 4, 1e6})))
                         .add("period", d(pick<long long>({15 * kSecond, kSecond, kHour})))
                         .text());
    b.add("policies", array(list));
  }
  return b.text();
}

std::string Gen::scaling_section(const std::string& service_id) {
  Obj s;
  s.add("service", str(service_id));
  if (maybe(2)) s.add("evaluation_interval", d(pick<long long>({60 * kSecond, kSecond, 15 * kSecond, kHour})));
  if (maybe(2)) s.add("max_events_per_hour", integer(pick<long long>({10, 1, 3600})));
  if (maybe(3)) s.add("cost_optimization", maybe(2) ? "true" : "false");
  std::vector<std::string> policies;
  const unsigned n = count(3);
  for (unsigned i = 0; i < n; ++i) {
    Obj p;
    p.add("id", str("pol" + std::to_string(i)));
    if (maybe(3)) {
      p.add("kind", str("target_tracking")).add("metric", metric(false, false));
      p.add("target", num(pick<double>({60, 1e-9, 1, 1e12})));
      if (maybe(2)) p.add("tolerance", num(pick<double>({0.1, 0, 1})));
      if (maybe(2)) {
        Obj b;
        if (maybe(2)) b.add("scale_up", behavior());
        if (maybe(2)) b.add("scale_down", behavior());
        p.add("behavior", b.text());
      }
    } else {
      p.add("kind", str("threshold"));
      const char* trigger = pick<const char*>(
          {"cpu_utilization", "memory_utilization", "request_rate", "queue_depth", "custom", "schedule"});
      p.add("trigger", str(trigger));
      if (std::string_view(trigger) == "schedule") {
        std::vector<std::string> steps;
        const unsigned k = 1 + count(2);
        for (unsigned j = 0; j < k; ++j)
          steps.push_back(Obj().add("at", at()).add("instances", integer(pick<long long>({2, 0, 1, 10000}))).text());
        p.add("schedule", array(steps));
      } else {
        if (std::string_view(trigger) == "custom") p.add("metric", metric(false, false));
        const double up = pick<double>({75, 0.001, 1, 1e12});
        p.add("threshold_up", num(up)).add("threshold_down", num(pick<double>({0, up / 2, up * 0.999})));
        if (maybe(3)) {
          p.add("direction", str("vertical"));
          p.add("size_factors", array({num(pick<double>({0.5, 0.001})), num(1), num(pick<double>({2, 64}))}));
        }
      }
      if (maybe(2)) p.add("cooldown", d(pick<long long>({0, 5 * kMinute, kDay})));
      if (maybe(2)) p.add("evaluation_periods", integer(pick<long long>({2, 1, 1000})));
      if (maybe(2)) p.add("scale_increment", integer(pick<long long>({2, 1, 10000})));
    }
    policies.push_back(p.text());
  }
  s.add("policies", array(policies));
  if (maybe(3)) {
    Obj pr;
    if (usually(3)) pr.add("enabled", maybe(4) ? "false" : "true");
    if (maybe(2)) pr.add("metric", metric(false, false));
    if (maybe(2)) pr.add("horizon", d(pick<long long>({60 * kMinute, kMinute, 7 * kDay})));
    if (maybe(2)) pr.add("lead", d(pick<long long>({30 * kMinute, 0, kDay})));
    if (maybe(2)) pr.add("threshold", num(pick<double>({80, 0, 1e12})));
    if (maybe(2)) pr.add("min_confidence", num(pick<double>({0.7, 0, 1})));
    if (maybe(2)) pr.add("min_history_points", integer(pick<long long>({100, 2, 1000000})));
    if (maybe(2)) pr.add("method", str(pick<const char*>({"seed_ensemble", "seasonal_naive"})));
    s.add("predictive", pr.text());
  }
  return s.text();
}

std::string Gen::slo(int i) {
  Obj s;
  s.add("id", str(slos[static_cast<std::size_t>(i)]));
  if (maybe(2)) s.add("service", str(any(services)));
  if (maybe(2)) {
    s.add("indicator", str("latency")).add("threshold", d(pick<long long>({2 * kSecond, kMs, kHour})));
  } else {
    s.add("indicator", str("availability"));
  }
  s.add("target_percent", num(pick<double>({99.9, 50, 99, 99.9999})));
  // An SLO keeps one bucket per scrape over its window: at most 100,000 here.
  long long window = pick<long long>({30 * kDay, kHour, 6 * kHour, kDay, 7 * kDay, 90 * kDay});
  while (window / scrape_us > 100000 && window > kHour) window /= 4;
  // (Left out, the window is 30 days: only with scrapes of 15 s or more.)
  if (usually(4) || scrape_us < 15 * kSecond) s.add("window", d(std::max(window, kHour)));
  return s.text();
}

std::string Gen::burn_rates() {
  std::vector<std::string> list;
  const unsigned n = count(3);
  static const long long windows[] = {kMinute, 5 * kMinute, kHour, 6 * kHour, 3 * kDay};
  for (unsigned i = 0; i < n; ++i) {
    const unsigned shorter = in.below(4);
    const unsigned longer = shorter + 1 + in.below(4 - shorter);
    Obj b;
    b.add("long", d(windows[longer])).add("short", d(windows[shorter]));
    b.add("factor", num(pick<double>({14.4, 0.01, 1, 1e6})));
    if (maybe(2)) b.add("severity", str(pick<const char*>({"page", "ticket"})));
    list.push_back(b.text());
  }
  return Obj().add("burn_rate", array(list)).text();
}

std::string Gen::incidents() {
  Obj i;
  if (usually(3)) i.add("open_on", array({str("page"), str(pick<const char*>({"ticket", "critical", "page"}))}));
  if (maybe(2)) i.add("resolve_after", d(pick<long long>({10 * kMinute, 0, kDay})));
  if (maybe(2)) i.add("postmortem_for", array({str(pick<const char*>({"sev1", "sev2", "sev3", "sev4"}))}));
  return i.text();
}

std::string Gen::fault_body(bool with_time) {
  Obj f;
  unsigned type = providers.empty() ? in.below(7) : in.below(8);
  // A scheduled data_loss or security fault needs an incidents section (the loader refuses
  // it otherwise); a chaos experiment's may go without.
  if (with_time && !with_incidents && (type == 5 || type == 6)) type = 0;
  static const char* const names[] = {"instance_crash", "latency",   "errors",   "traffic_spike",
                                      "capacity_loss",  "data_loss", "security", "provider_outage"};
  f.add("type", str(names[type]));
  if (with_time) {
    f.add("at", at());
    if (usually(3)) f.add("duration", d(pick<long long>({kSecond, duration_us / 2 + kSecond, 400 * kDay})));
  }
  switch (type) {
    case 0:
      f.add("service", str(any(services)));
      if (maybe(2))
        f.add("count", integer(pick<long long>({1, 2, 10000})));
      else
        f.add("fraction", num(pick<double>({0.5, 0.0001, 1})));
      break;
    case 1:
      if (maybe(2))
        f.add("service", str(any(services)));
      else
        f.add("agent", str(any(agents)));
      f.add("add", d(pick<long long>({500 * kMs, kMs, kHour})));
      break;
    case 2:
      if (maybe(2))
        f.add("service", str(any(services)));
      else
        f.add("agent", str(any(agents)));
      f.add("error_percent", percent());
      break;
    case 3: {
      // A spike multiplies its tenant's arrival candidates: kept within 1e7 (see tenant()).
      const unsigned t = in.below(static_cast<unsigned>(tenants.size()));
      double multiplier = pick<double>({3, 0, 1, 10000});
      double& candidates = tenant_candidates[t];
      if (candidates * multiplier > 1e7) multiplier = 1;
      candidates *= std::max(1.0, multiplier);
      f.add("tenant", str(tenants[t])).add("multiplier", num(multiplier));
      break;
    }
    case 4: f.add("service", str(any(services))).add("concurrency_percent", percent()); break;
    case 5:
    case 6:
      if (maybe(2)) f.add("service", str(any(services)));
      if (maybe(2)) f.add("tenant", str(any(tenants)));
      break;
    default: f.add("provider", str(any(providers)));
  }
  return f.text();
}

std::string Gen::deployment(int i) {
  Obj d_;
  d_.add("id", str("dep" + std::to_string(i))).add("service", str(any(services))).add("at", at());
  const char* strategy = pick<const char*>({"rolling", "canary", "blue_green"});
  d_.add("strategy", str(strategy));
  if (maybe(2)) {
    Obj v;
    if (maybe(2)) v.add("error_percent", percent());
    if (maybe(2)) v.add("latency_factor", num(pick<double>({1.3, 0.01, 1, 100})));
    d_.add("version", v.text());
  }
  // Canary settings judge a canary and a blue-green switch (which has no steps); nothing
  // judges a rolling update, so it takes neither them nor auto_rollback.
  const bool canary = std::string(strategy) == "canary", rolling = std::string(strategy) == "rolling";
  if (!rolling && maybe(2)) {
    Obj c;
    if (canary && maybe(2)) {
      switch (in.below(3)) {
        case 0: c.add("steps", array({num(100)})); break;
        case 1: c.add("steps", array({num(0.001), num(100)})); break;
        default: c.add("steps", array({num(5), num(25), num(50), num(100)}));
      }
    }
    if (maybe(2)) c.add("step_duration", d(pick<long long>({10 * kMinute, kSecond, kDay})));
    if (maybe(2)) c.add("max_error_rate_percent", percent());
    if (maybe(2)) c.add("max_latency_p95_ms", num(pick<double>({1500, 0, 1e9})));
    d_.add("canary", c.text());
  }
  if (maybe(2)) {
    const long long surge = pick<long long>({1, 0, 10000});
    d_.add("rolling", Obj()
                          .add("max_surge", integer(surge))
                          .add("max_unavailable", integer(surge == 0 ? 1 : pick<long long>({0, 1, 10000})))
                          .text());
  }
  if (!rolling && maybe(2)) d_.add("auto_rollback", maybe(2) ? "false" : "true");
  return d_.text();
}

std::string Gen::chaos_experiment(int i) {
  Obj c;
  c.add("id", str(chaos[static_cast<std::size_t>(i)]));
  if (maybe(2)) c.add("title", str("experiment"));
  c.add("at", at());
  std::vector<std::string> probes;
  const unsigned np = 1 + count(1);
  for (unsigned p = 0; p < np; ++p) {
    Obj pr;
    pr.add("metric", metric(true, false));
    if (maybe(2)) pr.add("window", d(pick<long long>({10 * kMinute, kSecond, kDay})));
    const double low = pick<double>({0, 99, -1e300});
    pr.add("tolerance", array({num(low), num(pick<double>({100, 2000, 1e300}))}));
    probes.push_back(pr.text());
  }
  Obj h;
  if (maybe(2)) h.add("title", str("users barely notice"));
  h.add("probes", array(probes));
  c.add("hypothesis", h.text());
  std::vector<std::string> method;
  const unsigned nm = 1 + count(2);
  for (unsigned m = 0; m < nm; ++m)
    method.push_back(Obj()
                         .add("fault", fault_body(false))
                         .add("duration", d(pick<long long>({15 * kMinute, kSecond, kDay})))
                         .text());
  c.add("method", array(method));
  if (maybe(2)) {
    std::vector<std::string> rollbacks;
    if (maybe(2)) rollbacks.push_back(Obj().add("restore", str("instances")).text());
    if (maybe(2)) rollbacks.push_back(Obj().add("restore", str("faults")).text());
    c.add("rollbacks", array(rollbacks));
  }
  if (maybe(2)) {
    Obj s;
    if (maybe(2)) s.add("min_error_budget_remaining_percent", num(pick<double>({25, -1e6, 100})));
    if (maybe(2)) s.add("abort_on", array({str(pick<const char*>({"sev1", "sev2", "sev3", "sev4"}))}));
    if (maybe(2)) s.add("max_blast_radius_percent", percent());
    c.add("safety", s.text());
  }
  return c.text();
}

std::string Gen::objective(int i) {
  Obj o;
  o.add("id", str("o" + std::to_string(i))).add("metric", metric(true, true));
  o.add("op", str(pick<const char*>({"<=", "<", ">", ">=", "==", "!="})));
  o.add("value", num(pick<double>({800, 0, -1e300, 1e300, 99.5})));
  if (maybe(2)) o.add("description", str("objective"));
  return o.text();
}

std::string Gen::scenario() {
  Obj s;
  s.add("schema", str("opsim/1")).add("name", str("fuzz"));
  if (maybe(4)) s.add("description", str("generated by fuzz_simulation"));
  if (maybe(4)) s.add("tags", array({str("fuzz")}));
  if (maybe(2)) {
    switch (in.below(4)) {
      case 0: s.add("seed", "0"); break;
      case 1: s.add("seed", "18446744073709551615"); break;
      default: s.add("seed", std::to_string(in.u64()));
    }
  }
  if (maybe(2))
    s.add("start", str(pick<const char*>({"2026-01-05T00:00:00Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z",
                                          "2026-03-28T23:30:00.5Z", "9999-12-31T23:00:00Z"})));

  const unsigned service_count = maybe(16) ? 8 : 1 + count(2);
  const unsigned agent_count = maybe(16) ? 12 : 1 + count(2);
  const unsigned tenant_count = maybe(12) ? 20 + count(40) : 1 + count(2);
  for (unsigned i = 0; i < service_count; ++i) services.push_back("s" + std::to_string(i));
  for (unsigned i = 0; i < agent_count; ++i) agents.push_back("a" + std::to_string(i));
  for (unsigned i = 0; i < tenant_count; ++i) tenants.push_back("t" + std::to_string(i));
  tenant_candidates.assign(tenant_count, 0.0);

  // The simulation allocates its time-series ring (retention / scrape_interval rows x
  // columns) up front, and the default retention of 24 h at 15 s is 5,760 rows: filling
  // that costs more than a short run itself. The monitoring section, with a retention of at
  // most 200 scrapes, is therefore left out only now and then, and never for wide rows.
  const bool wide = tenant_count > 4 || service_count > 3;
  const bool with_monitoring = wide || usually(16);
  if (with_monitoring) scrape_us = pick<long long>({15 * kSecond, kSecond, 5 * kSecond, kMinute});
  // Short runs; at most 1,440 scrapes, so that a run stays near 100 ms under the sanitizers.
  duration_us = pick<long long>(
      {kMinute, kSecond, 2 * kSecond, 10 * kSecond, 5 * kMinute, 30 * kMinute, 2 * kHour, 6 * kHour, kDay});
  duration_us = std::min(duration_us, 1440 * scrape_us);
  s.add("duration", d(duration_us));

  std::vector<std::string> list;
  for (unsigned i = 0; i < service_count; ++i) list.push_back(service(static_cast<int>(i)));
  s.add("services", array(list));
  list.clear();
  calls();
  for (unsigned i = 0; i < agent_count; ++i) list.push_back(agent(static_cast<int>(i)));
  s.add("agents", array(list));
  list.clear();
  for (unsigned i = 0; i < tenant_count; ++i) list.push_back(tenant(static_cast<int>(i)));
  s.add("tenants", array(list));

  if (maybe(3)) s.add("context", context());
  if (with_monitoring) s.add("monitoring", monitoring());
  if (maybe(2)) {
    // One section per service at most; as an object or an array of them.
    list.clear();
    for (const std::string& sv : services)
      if (list.empty() || maybe(3)) list.push_back(scaling_section(sv));
    s.add("scaling", list.size() == 1 && maybe(2) ? list[0] : array(list));
  }
  if (maybe(2)) {
    const unsigned n = 1 + count(1);
    for (unsigned i = 0; i < n; ++i) slos.push_back("slo" + std::to_string(i));
    list.clear();
    for (unsigned i = 0; i < n; ++i) list.push_back(slo(static_cast<int>(i)));
    s.add("slos", array(list));
  }
  if (maybe(3)) s.add("alerting", burn_rates());
  with_incidents = maybe(3);
  if (with_incidents) s.add("incidents", incidents());
  if (maybe(2)) {
    list.clear();
    const unsigned n = 1 + count(3);
    for (unsigned i = 0; i < n; ++i) list.push_back(fault_body(true));
    s.add("faults", array(list));
  }
  if (maybe(3)) {
    list.clear();
    const unsigned n = 1 + count(1);
    for (unsigned i = 0; i < n; ++i) list.push_back(deployment(static_cast<int>(i)));
    s.add("deployments", array(list));
  }
  if (maybe(3)) {
    const unsigned n = 1 + count(1);
    for (unsigned i = 0; i < n; ++i) chaos.push_back("x" + std::to_string(i));
    list.clear();
    for (unsigned i = 0; i < n; ++i) list.push_back(chaos_experiment(static_cast<int>(i)));
    s.add("chaos", array(list));
  }
  if (maybe(4)) {
    list.clear();
    const unsigned n = 1 + count(2);
    for (unsigned i = 0; i < n; ++i) list.push_back(objective(static_cast<int>(i)));
    s.add("objectives", array(list));
  }
  return s.text();
}

}  // namespace

std::string generate_scenario(ChoiceReader& in) {
  Gen g(in);
  return g.scenario();
}

}  // namespace opsim::fuzz
