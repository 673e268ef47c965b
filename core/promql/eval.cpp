// The evaluator's core: the public entry points, the walk over the tree, selectors,
// subqueries and unary minus, plus the Go arithmetic and label helpers of eval_internal.h.
// Functions, aggregations and binary operators live in functions.cpp, aggregate.cpp and
// binary.cpp.
//
// Index:
//   [SECTION] Go's arithmetic and formatting
//   [SECTION] Labels
//   [SECTION] Scopes and uniqueness
//   [SECTION] Selectors
//   [SECTION] Subqueries
//   [SECTION] The walk
//   [SECTION] Entry points
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "promql/eval_internal.h"

namespace opsim {
namespace promql {
namespace detail {

// ---------------------------------------------------------------------------------------------
// [SECTION] Go's arithmetic and formatting
// ---------------------------------------------------------------------------------------------

double go_max(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

double go_min(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

double go_pow(double x, double y) {
  // The special cases (zeros, infinities, NaN, y = ±0.5) are C99's, which Go follows too.
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y) || x == 0 || std::isinf(x) || std::isinf(y)) return std::pow(x, y);
  if (y == 0.5) return std::sqrt(x);
  if (y == -0.5) return 1 / std::sqrt(x);
  double yi = 0;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (yi >= 9.223372036854775808e18) {  // 1 << 63: a huge even integer
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return std::numeric_limits<double>::infinity();
  }
  // result = a1 * 2^ae, built as x^yf times x^yi by squaring x's mantissa.
  double a1 = 1;
  int ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf -= 1;
      yi += 1;
    }
    a1 = std::exp(yf * std::log(x));
  }
  int xe = 0;
  double x1 = std::frexp(x, &xe);
  for (auto i = static_cast<std::int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {  // overflow or underflow for sure: ldexp settles it
      ae += xe;
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < 0.5) {
      x1 += x1;
      --xe;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return std::ldexp(a1, ae);
}

namespace {
// Go's math.Atan (Cephes' rational approximation on [0, 0.66] after range reduction), which
// Go uses on amd64 instead of the C library's atan.
double go_xatan(double x) {
  const double P0 = -8.750608600031904122785e-01, P1 = -1.615753718733365076637e+01,
               P2 = -7.500855792314704667340e+01, P3 = -1.228866684490136173410e+02,
               P4 = -6.485021904942025371773e+01, Q0 = +2.485846490142306297962e+01,
               Q1 = +1.650270098316988542046e+02, Q2 = +4.328810604912902668951e+02,
               Q3 = +4.853903996359136964868e+02, Q4 = +1.945506571482613964425e+02;
  double z = x * x;
  z = z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4) / (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
  return x * z + x;
}
constexpr double kPi = 3.14159265358979323846264338327950288;
constexpr double kPiOver2 = 1.57079632679489661923132169163975144;
constexpr double kPiOver4 = 0.785398163397448309615660845819875721;
constexpr double k3PiOver4 = 2.35619449019234492884698253745962716;

double go_satan(double x) {
  const double more_bits = 6.123233995736765886130e-17;  // pi/2 = kPiOver2 + more_bits
  const double tan_3pi_8 = 2.41421356237309504880;
  if (x <= 0.66) return go_xatan(x);
  if (x > tan_3pi_8) return kPiOver2 - go_xatan(1 / x) + more_bits;
  return kPiOver4 + go_xatan((x - 1) / (x + 1)) + 0.5 * more_bits;
}

double go_atan(double x) {
  if (x == 0) return x;
  return x > 0 ? go_satan(x) : -go_satan(-x);
}
}  // namespace

double go_atan2(double y, double x) {
  if (std::isnan(y) || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (y == 0) return (x >= 0 && !std::signbit(x)) ? std::copysign(0.0, y) : std::copysign(kPi, y);
  if (x == 0) return std::copysign(kPiOver2, y);
  if (std::isinf(x)) {
    if (x > 0) return std::isinf(y) ? std::copysign(kPiOver4, y) : std::copysign(0.0, y);
    return std::isinf(y) ? std::copysign(k3PiOver4, y) : std::copysign(kPi, y);
  }
  if (std::isinf(y)) return std::copysign(kPiOver2, y);
  const double q = go_atan(y / x);
  if (x < 0) return q <= 0 ? q + kPi : q - kPi;
  return q;
}

double go_duration_seconds(SimDuration d_us) {
  const std::int64_t whole_s = d_us / 1000000;
  const std::int64_t rest_ns = (d_us % 1000000) * 1000;
  return static_cast<double>(whole_s) + static_cast<double>(rest_ns) / 1e9;
}

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

bool go_parse_float(std::string_view s, double& out) {
  std::string_view body = s;
  double sign = 1;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    if (body[0] == '-') sign = -1;
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity")) {
    out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(body, "nan")) {
    if (body.size() != s.size()) return false;  // Go takes no sign before NaN
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // What strtod would take beyond Go: leading spaces, "nan(...)", hex without an exponent.
  if (body.empty()) return false;
  const bool hex = body.size() > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  for (char c : body) {
    const bool digit = (c >= '0' && c <= '9');
    const bool ok = digit || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
                    (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' || c == 'p' ||
                             c == 'P'));
    if (!ok) return false;
  }
  if (hex && body.find_first_of("pP") == std::string_view::npos) return false;
  const std::string text(s);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;  // Go: ±Inf with ErrRange
  out = v;
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Labels
// ---------------------------------------------------------------------------------------------

std::string go_labels_string(const Labels& labels) {
  std::string s = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) s += ", ";
    s += labels[i].name + "=" + quote_string(labels[i].value);
  }
  return s + "}";
}

int compare_labels(const Labels& a, const Labels& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].name != b[i].name) return a[i].name < b[i].name ? -1 : 1;
    if (a[i].value != b[i].value) return a[i].value < b[i].value ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

void drop_metric_name(Labels& labels) {
  // Sorted: __name__ is found by binary search (it is rarely first: "A" < "__name__" < "a").
  auto it = std::lower_bound(labels.begin(), labels.end(), kMetricNameLabel,
                             [](const Label& l, const char* name) { return l.name < name; });
  if (it != labels.end() && it->name == kMetricNameLabel) labels.erase(it);
}

Labels without_metric_name(const Labels& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const Label& l : labels)
    if (l.name != kMetricNameLabel) out.push_back(l);
  return out;
}

LabelFilter::LabelFilter(std::vector<std::string> label_names, bool keep_named, bool exclude_name)
    : names(std::move(label_names)), keep(keep_named), exclude_name_too(exclude_name) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

bool LabelFilter::includes(std::string_view name) const {
  // A linear scan: grouping lists are short, and == rejects on length before comparing bytes.
  bool named = false;
  for (const std::string& n : names)
    if (n == name) {
      named = true;
      break;
    }
  if (keep) return named;
  return !named && !(exclude_name_too && name == kMetricNameLabel);
}

std::uint64_t LabelFilter::hash(const Labels& labels) const {
  LabelHasher h;
  for (const Label& l : labels)
    if (includes(l.name)) h.add(l);
  return h.value();
}

bool LabelFilter::same(const Labels& a, const Labels& b) const {
  std::size_t i = 0, j = 0;
  for (;;) {
    while (i < a.size() && !includes(a[i].name)) ++i;
    while (j < b.size() && !includes(b[j].name)) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (a[i] != b[j]) return false;
    ++i;
    ++j;
  }
}

Labels LabelFilter::apply(const Labels& labels) const {
  Labels out;
  for (const Label& l : labels)
    if (includes(l.name)) out.push_back(l);
  return out;
}

const Expr& unwrap_parens(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == ExprKind::paren) p = static_cast<const ParenExpr*>(p)->expr.get();
  return *p;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Scopes and uniqueness
// ---------------------------------------------------------------------------------------------

namespace {
constexpr const char* kDuplicateLabelset = "vector cannot contain metrics with the same labelset";

// Sorts and deduplicates (input, output) pairs; true when two different inputs produced the
// same output label set.
bool compact_and_check(std::vector<std::pair<std::uint64_t, std::uint64_t>>& pairs) {
  std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (std::size_t i = 1; i < pairs.size(); ++i)
    if (pairs[i].second == pairs[i - 1].second) return true;
  return false;
}
}  // namespace

bool Evaluator::check_outputs(const Expr* node, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& produced) {
  // Within one step the inputs are distinct series: equal outputs are a collision.
  std::vector<std::uint64_t> outputs(produced.size());
  for (std::size_t i = 0; i < produced.size(); ++i) outputs[i] = produced[i].second;
  std::sort(outputs.begin(), outputs.end());
  if (std::adjacent_find(outputs.begin(), outputs.end()) != outputs.end()) {
    fail(kDuplicateLabelset);
    return false;
  }
  if (!scopes_.empty() && scopes_.back().several_steps) {
    // The same pairs come back at every step: compacting whenever the list has doubled keeps
    // it near the number of distinct series, however long the range.
    EvalScope::Produced& all = scopes_.back().produced[node];
    all.pairs.insert(all.pairs.end(), produced.begin(), produced.end());
    if (all.pairs.size() > 2 * all.compacted_size + 1024) {
      if (compact_and_check(all.pairs)) {
        fail(kDuplicateLabelset);
        return false;
      }
      all.compacted_size = all.pairs.size();
    }
  }
  return true;
}

bool Evaluator::close_scope() {
  // Prometheus checks a node's whole result matrix: a series counts if it has a point at any
  // step. (Node order does not matter: any collision fails the evaluation the same way.)
  bool collided = false;
  if (!failed())
    for (auto& entry : scopes_.back().produced)
      if (compact_and_check(entry.second.pairs)) {
        collided = true;
        break;
      }
  scopes_.pop_back();
  if (collided) fail(kDuplicateLabelset);
  return !failed();
}

bool Evaluator::check_unique(const Vector& v) {
  if (v.size() < 2) return true;
  // Prometheus compares label-set hashes only; so does this (a collision of 64-bit hashes
  // between distinct label sets is not a practical concern).
  if (v.size() == 2) {
    if (labels_hash(v[0].labels) != labels_hash(v[1].labels)) return true;
    fail(kDuplicateLabelset);
    return false;
  }
  std::vector<std::uint64_t> hashes;
  hashes.reserve(v.size());
  for (const Sample& s : v) hashes.push_back(labels_hash(s.labels));
  std::sort(hashes.begin(), hashes.end());
  if (std::adjacent_find(hashes.begin(), hashes.end()) == hashes.end()) return true;
  fail(kDuplicateLabelset);
  return false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Selectors
// ---------------------------------------------------------------------------------------------

int LabelSets::number(Labels l) {
  const std::uint64_t h = labels_hash(l);
  int at = index.find(h, [&](int k) { return labels[static_cast<std::size_t>(k)] == l; });
  if (at < 0) {
    at = static_cast<int>(labels.size());
    index.add(h, at, at);
    labels.push_back(std::move(l));
  }
  return at;
}

std::size_t CacheData::ByText::index(const Expr& node, std::size_t memos, bool& added) {
  auto known = of_node.find(&node);
  if (known != of_node.end()) {
    added = false;
    return known->second;
  }
  const std::size_t at = of_text.emplace(print_expr(node), memos).first->second;
  added = at == memos;
  of_node.emplace(&node, at);
  return at;
}

bool CacheData::Bounds::parse(std::string_view le, double& out) {
  auto it = parsed.find(std::string(le));
  if (it == parsed.end()) {
    // Bounded: a query that makes up its own le values (label_replace) cannot grow it forever.
    if (parsed.size() >= 4096) parsed.clear();
    std::pair<bool, double> p{false, 0.0};
    p.first = go_parse_float(le, p.second);
    it = parsed.emplace(std::string(le), p).first;
  }
  out = it->second.second;
  return it->second.first;
}

Evaluator::Evaluator(const Storage& storage, const EvalOptions& options, CacheData* cache)
    : storage_(storage),
      options_(options),
      own_cache_(cache ? nullptr : std::make_unique<CacheData>()),
      cache_(cache ? cache : own_cache_.get()),
      scopes_(cache_->scopes) {
  if (cache_->storage != &storage_) {
    *cache_ = CacheData{};
    cache_->storage = &storage_;
  }
  scopes_.clear();  // none left open by an evaluation that failed
}

const std::vector<Storage::SeriesRef>* Evaluator::select(const VectorSelector& vs) {
  auto found = cache_->selections.find(&vs);
  if (found == cache_->selections.end()) {
    found = cache_->selections.emplace(&vs, CacheData::Selection{}).first;
    CacheData::Selection& sel = found->second;
    sel.matchers.resize(vs.matchers.size());
    for (std::size_t i = 0; i < vs.matchers.size() && sel.error.empty(); ++i)
      CompiledMatcher::compile(vs.matchers[i], sel.matchers[i], sel.error);
  }
  CacheData::Selection& sel = found->second;
  if (!sel.error.empty()) {
    fail(sel.error);
    return nullptr;
  }
  // Series are only ever added (the storage grows; refs are in creation order), so the
  // selection is brought up to date by looking at the new ones.
  const auto size = static_cast<Storage::SeriesRef>(storage_.size());
  if (sel.checked < size) {
    storage_.select(sel.matchers, sel.refs, sel.checked);
    sel.checked = size;
  }
  return &sel.refs;
}

void Evaluator::instant_selector(const VectorSelector& vs, std::int64_t t_ms, Vector& out,
                                 std::vector<std::int64_t>* sample_times) {
  if (const std::vector<Storage::SeriesRef>* refs = select(vs)) out.reserve(out.size() + refs->size());
  for_each_latest(vs, t_ms, [&](Storage::SeriesRef r, const Point& p) {
    out.push_back(Sample{storage_.labels(r), p.v});
    if (sample_times) sample_times->push_back(p.t_ms);
  });
}

Matrix Evaluator::range_selector(const MatrixSelector& ms, std::int64_t t_ms) {
  Matrix out;
  const std::vector<Storage::SeriesRef>* refs = select(*ms.selector);
  if (!refs) return out;
  const std::int64_t maxt_ms = t_ms - ms.selector->offset_us / kMicrosPerMilli;
  const std::int64_t mint_ms = maxt_ms - ms.range_us / kMicrosPerMilli;
  for (Storage::SeriesRef r : *refs) {
    Series s;
    storage_.points(r, mint_ms, maxt_ms, s.points);
    if (s.points.empty()) continue;
    s.labels = storage_.labels(r);
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Subqueries
// ---------------------------------------------------------------------------------------------

const Matrix* Evaluator::subquery_over_scope(const SubqueryExpr& sq) {
  auto found = scopes_.back().subqueries.find(&sq);
  if (found != scopes_.back().subqueries.end()) return &found->second;
  const std::int64_t offset_ms = sq.offset_us / kMicrosPerMilli;
  const std::int64_t range_ms = sq.range_us / kMicrosPerMilli;
  const std::int64_t step_ms = sq.step_us != 0 ? sq.step_us / kMicrosPerMilli : options_.default_subquery_step_ms;
  if (step_ms <= 0) {
    fail("the subquery step must be positive");
    return nullptr;
  }
  // From the first multiple of the step at or after the earliest window's start, so that
  // every step sees the same absolute step times. Go's integer division (truncating toward
  // zero, as C++'s) decides the rounding before 1970 as it does there.
  const std::int64_t window_start_ms = scopes_.back().start_ms - offset_ms - range_ms;
  std::int64_t start_ms = step_ms * (window_start_ms / step_ms);
  if (start_ms < window_start_ms) start_ms += step_ms;
  const std::int64_t end_ms = scopes_.back().end_ms - offset_ms;

  Matrix out;
  open_scope(start_ms, end_ms, start_ms + step_ms <= end_ms);
  GroupIndex index;
  for (std::int64_t ts = start_ms; ts <= end_ms && !failed(); ts += step_ms) {
    Value v = eval(*sq.expr, ts);
    if (failed()) break;
    for (Sample& s : v.vector) {
      const std::uint64_t h = labels_hash(s.labels);
      int at = index.find(h, [&](int rep) { return out[static_cast<std::size_t>(rep)].labels == s.labels; });
      if (at < 0) {
        at = static_cast<int>(out.size());
        index.add(h, at, at);
        out.push_back(Series{std::move(s.labels), {}});
      }
      out[static_cast<std::size_t>(at)].points.push_back(Point{ts, s.v});
    }
  }
  if (!close_scope()) return nullptr;
  return &(scopes_.back().subqueries[&sq] = std::move(out));
}

Matrix Evaluator::subquery(const SubqueryExpr& sq, std::int64_t t_ms) {
  Matrix out;
  const Matrix* all = subquery_over_scope(sq);
  if (!all) return out;
  const std::int64_t maxt_ms = t_ms - sq.offset_us / kMicrosPerMilli;
  const std::int64_t mint_ms = maxt_ms - sq.range_us / kMicrosPerMilli;
  for (const Series& s : *all) {
    auto first = std::lower_bound(s.points.begin(), s.points.end(), mint_ms,
                                  [](const Point& p, std::int64_t t) { return p.t_ms < t; });
    auto last = std::upper_bound(first, s.points.end(), maxt_ms, [](std::int64_t t, const Point& p) { return t < p.t_ms; });
    if (first == last) continue;
    out.push_back(Series{s.labels, std::vector<Point>(first, last)});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The walk
// ---------------------------------------------------------------------------------------------

namespace {
Value scalar_value(double v) {
  Value out;
  out.type = ValueType::scalar;
  out.scalar = v;
  return out;
}
}  // namespace

Value Evaluator::eval(const Expr& e, std::int64_t t_ms) {
  Value out;
  if (failed()) return out;
  switch (e.kind) {
    case ExprKind::number: return scalar_value(static_cast<const NumberLiteral&>(e).value);
    case ExprKind::string:
      out.type = ValueType::string;
      out.string = static_cast<const StringLiteral&>(e).value;
      return out;
    case ExprKind::paren: return eval(*static_cast<const ParenExpr&>(e).expr, t_ms);
    case ExprKind::vector_selector:
      out.type = ValueType::instant_vector;
      instant_selector(static_cast<const VectorSelector&>(e), t_ms, out.vector);
      return out;
    case ExprKind::matrix_selector:
      out.type = ValueType::range_vector;
      out.matrix = range_selector(static_cast<const MatrixSelector&>(e), t_ms);
      return out;
    case ExprKind::subquery:
      out.type = ValueType::range_vector;
      out.matrix = subquery(static_cast<const SubqueryExpr&>(e), t_ms);
      return out;
    case ExprKind::call: return call(static_cast<const Call&>(e), t_ms);
    case ExprKind::aggregate: return aggregate(static_cast<const AggregateExpr&>(e), t_ms);
    case ExprKind::binary: return binary(static_cast<const BinaryExpr&>(e), t_ms);
    case ExprKind::unary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      out = eval(*u.expr, t_ms);
      if (failed() || !u.negate) return out;
      if (out.type == ValueType::scalar) {
        out.scalar = -out.scalar;
        return out;
      }
      // Negation changes the value, so the metric name goes; two series that differed only
      // by name collide, over the whole enclosing range evaluation (Prometheus checks the
      // negated matrix).
      std::vector<std::pair<std::uint64_t, std::uint64_t>> produced;
      produced.reserve(out.vector.size());
      for (Sample& s : out.vector) {
        const std::uint64_t input_hash = labels_hash(s.labels);
        drop_metric_name(s.labels);
        s.v = -s.v;
        produced.emplace_back(input_hash, labels_hash(s.labels));
      }
      check_outputs(&e, produced);
      return out;
    }
  }
  fail("unknown expression node");
  return out;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// [SECTION] Entry points
// ---------------------------------------------------------------------------------------------

QueryCache::QueryCache() : data_(std::make_unique<detail::CacheData>()) {}
QueryCache::~QueryCache() = default;

EvalResult evaluate(const Expr& e, std::int64_t t_ms, const Storage& storage, const EvalOptions& options,
                    QueryCache* cache) {
  EvalResult result;
  detail::Evaluator ev(storage, options, cache ? &cache->data() : nullptr);
  ev.open_scope(t_ms, t_ms, false);  // an instant query is a range evaluation of one step
  result.value = ev.eval(e, t_ms);
  ev.close_scope();
  if (ev.failed()) {
    result.error = ev.error();
    result.value = Value{};
  }
  return result;
}

EvalResult evaluate_range(const Expr& e, std::int64_t start_ms, std::int64_t end_ms, std::int64_t step_ms,
                          const Storage& storage, const EvalOptions& options) {
  EvalResult result;
  const ValueType type = e.type();
  if (type != ValueType::scalar && type != ValueType::instant_vector) {
    // Prometheus's API refuses these before evaluating anything.
    result.error = std::string("invalid expression type \"") + value_type_name(type) +
                   "\" for range query, must be Scalar or instant Vector";
    return result;
  }
  if (step_ms <= 0) {
    result.error = "zero or negative query resolution step widths are not accepted. Try a positive integer";
    return result;
  }
  if (end_ms < start_ms) {
    result.error = "end timestamp must not be before start time";
    return result;
  }
  detail::Evaluator ev(storage, options);
  Matrix& out = result.value.matrix;
  result.value.type = ValueType::range_vector;
  detail::GroupIndex index;
  ev.open_scope(start_ms, end_ms, start_ms + step_ms <= end_ms);
  for (std::int64_t t = start_ms; t <= end_ms; t += step_ms) {
    Value v = ev.eval(e, t);
    if (ev.failed()) break;
    if (v.type == ValueType::scalar) {
      if (out.empty()) out.push_back(Series{});
      out[0].points.push_back(Point{t, v.scalar});
      continue;
    }
    for (Sample& s : v.vector) {
      const std::uint64_t h = labels_hash(s.labels);
      int at = index.find(h, [&](int rep) { return out[static_cast<std::size_t>(rep)].labels == s.labels; });
      if (at < 0) {
        at = static_cast<int>(out.size());
        index.add(h, at, at);
        out.push_back(Series{std::move(s.labels), {}});
      }
      out[static_cast<std::size_t>(at)].points.push_back(Point{t, s.v});
    }
  }
  ev.close_scope();
  if (ev.failed()) {
    result.error = ev.error();
    result.value = Value{};
    return result;
  }
  // Label sets are unique, so any sort gives Prometheus's order.
  std::sort(out.begin(), out.end(),
            [](const Series& a, const Series& b) { return detail::compare_labels(a.labels, b.labels) < 0; });
  return result;
}

}  // namespace promql
}  // namespace opsim
