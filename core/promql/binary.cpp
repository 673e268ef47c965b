// Binary operators, as Prometheus 2.42's engine applies them: between scalars, between a
// vector and a scalar, and between two vectors with one-to-one, many-to-one (group_left),
// one-to-many (group_right) or set (and, or, unless) matching.
//
// The labels of a result: arithmetic (+ - * / % ^) and `bool` comparisons drop the metric
// name; filtering comparisons and set operators keep it. atan2 keeps it too: the engine's
// list of name-dropping operators (shouldDropMetricName) does not include it. One-to-one
// matching then keeps only the on (...) labels, or drops the ignoring (...) ones, even for a
// filter: `a > on(job) b` returns {job="..."} alone. Many-to-one keeps the "many" side's
// labels and copies group_x (...) labels from the "one" side.
//
// Runtime errors, worded as Prometheus words them:
//   found duplicate series for the match group {...} on the right hand-side of the
//     operation: [{...}, {...}];many-to-many matching not allowed: matching labels must be
//     unique on one side
//   multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)
//   multiple matches for labels: grouping labels must ensure unique matches
//   vector cannot contain metrics with the same labelset
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "promql/eval_internal.h"

namespace opsim {
namespace promql {
namespace detail {

namespace {

bool drops_metric_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add:
    case BinaryOp::sub:
    case BinaryOp::mul:
    case BinaryOp::div:
    case BinaryOp::pow:
    case BinaryOp::mod: return true;
    default: return false;
  }
}

// One element pair: the arithmetic result, or for a comparison the left value and whether
// the comparison holds (`keep`).
double element_op(BinaryOp op, double l, double r, bool& keep) {
  keep = true;
  switch (op) {
    case BinaryOp::add: return l + r;
    case BinaryOp::sub: return l - r;
    case BinaryOp::mul: return l * r;
    case BinaryOp::div: return l / r;
    case BinaryOp::pow: return go_pow(l, r);
    case BinaryOp::mod: return std::fmod(l, r);  // exact, and with the sign of l, as Go's math.Mod
    case BinaryOp::atan2: return go_atan2(l, r);
    case BinaryOp::eql: keep = l == r; return l;
    case BinaryOp::neq: keep = l != r; return l;
    case BinaryOp::gtr: keep = l > r; return l;
    case BinaryOp::lss: keep = l < r; return l;
    case BinaryOp::gte: keep = l >= r; return l;
    case BinaryOp::lte: keep = l <= r; return l;
    default: keep = false; return 0;  // set operators never get here
  }
}

// The samples of an operand indexed by their matching signature.
class SignatureIndex {
 public:
  SignatureIndex(const LabelFilter& filter, const Operand& v) : filter_(filter), v_(v) {}
  // The index of the sample registered under s's signature, or -1.
  int find(const Labels& labels) const {
    return index_.find(filter_.hash(labels), [&](int rep) { return filter_.same(v_.labels(rep), labels); });
  }
  // Registers sample i unless its signature is there; returns the registered sample's index.
  int add(int i) {
    const Labels& labels = v_.labels(i);
    const std::uint64_t h = filter_.hash(labels);
    const int at = index_.find(h, [&](int rep) { return filter_.same(v_.labels(rep), labels); });
    if (at >= 0) return at;
    index_.add(h, i, i);
    return i;
  }

 private:
  const LabelFilter& filter_;
  const Operand& v_;
  GroupIndex index_;
};

}  // namespace

namespace {

Vector set_operation(BinaryOp op, Operand& lhs, Operand& rhs, const LabelFilter& sig) {
  Vector out;
  switch (op) {
    case BinaryOp::land: {
      if (lhs.empty() || rhs.empty()) return out;
      SignatureIndex right(sig, rhs);
      for (int i = 0; i < rhs.size(); ++i) right.add(i);
      for (int i = 0; i < lhs.size(); ++i)
        if (right.find(lhs.labels(i)) >= 0) out.push_back(lhs.take(i));
      return out;
    }
    case BinaryOp::lor: {
      SignatureIndex left(sig, lhs);
      for (int i = 0; i < lhs.size(); ++i) left.add(i);
      std::vector<bool> take(static_cast<std::size_t>(rhs.size()));
      for (int j = 0; j < rhs.size(); ++j) take[static_cast<std::size_t>(j)] = left.find(rhs.labels(j)) < 0;
      for (int i = 0; i < lhs.size(); ++i) out.push_back(lhs.take(i));
      for (int j = 0; j < rhs.size(); ++j)
        if (take[static_cast<std::size_t>(j)]) out.push_back(rhs.take(j));
      return out;
    }
    case BinaryOp::lunless: {
      if (lhs.empty() || rhs.empty()) {
        for (int i = 0; i < lhs.size(); ++i) out.push_back(lhs.take(i));
        return out;
      }
      SignatureIndex right(sig, rhs);
      for (int i = 0; i < rhs.size(); ++i) right.add(i);
      for (int i = 0; i < lhs.size(); ++i)
        if (right.find(lhs.labels(i)) < 0) out.push_back(lhs.take(i));
      return out;
    }
    default: return out;
  }
}

// The labels of a vector-vector result: the "many" (or, one-to-one, the left) side's, less
// the metric name for arithmetic; one-to-one keeps only the on (...) labels or drops the
// ignoring (...) ones; group_x (...) labels come from the "one" side (absent there: removed).
Labels result_labels(const Labels& many, const Labels& one, BinaryOp op, const VectorMatching& m) {
  const bool drop_name = drops_metric_name(op);
  auto named = [&](const std::string& n) {
    return std::find(m.matching_labels.begin(), m.matching_labels.end(), n) != m.matching_labels.end();
  };
  // Only the labels kept are copied; `many` is sorted, and so is what is left of it.
  Labels out;
  out.reserve(many.size() + m.include.size());
  for (const Label& l : many) {
    if (drop_name && l.name == kMetricNameLabel) continue;
    if (m.card == MatchCardinality::one_to_one && named(l.name) != m.on) continue;
    out.push_back(l);
  }
  if (m.include.empty()) return out;
  for (const std::string& name : m.include) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Label& l) { return l.name == name; });
    if (it != out.end()) out.erase(it);
    const std::string_view v = label_value(one, name);
    if (!v.empty()) out.push_back(Label{name, std::string(v)});
  }
  normalize(out);
  return out;
}

}  // namespace

bool Evaluator::operand(const Expr& e, std::int64_t t_ms, Operand& out) {
  const Expr& inner = unwrap_parens(e);
  if (inner.kind == ExprKind::vector_selector)
    return for_each_latest(static_cast<const VectorSelector&>(inner), t_ms,
                           [&](Storage::SeriesRef r, const Point& p) { out.borrow(storage_.labels(r), p.v); });
  Value v = eval(e, t_ms);
  if (failed()) return false;
  if (e.type() == ValueType::scalar)
    out.scalar = v.scalar;
  else
    out.keep(std::move(v.vector));
  return true;
}

Value Evaluator::binary(const BinaryExpr& b, std::int64_t t_ms) {
  Value out;
  Operand lhs, rhs;
  if (!operand(*b.lhs, t_ms, lhs) || !operand(*b.rhs, t_ms, rhs)) return out;
  const ValueType lt = b.lhs->type(), rt = b.rhs->type();

  if (lt == ValueType::scalar && rt == ValueType::scalar) {
    bool keep = true;
    double v = element_op(b.op, lhs.scalar, rhs.scalar, keep);
    if (is_comparison(b.op)) v = keep ? 1 : 0;  // the parser requires bool here
    out.type = ValueType::scalar;
    out.scalar = v;
    return out;
  }
  out.type = ValueType::instant_vector;

  if (lt == ValueType::scalar || rt == ValueType::scalar) {
    const bool scalar_left = lt == ValueType::scalar;
    const double scalar = scalar_left ? lhs.scalar : rhs.scalar;
    Operand& in = scalar_left ? rhs : lhs;
    for (int i = 0; i < in.size(); ++i) {
      const double l = scalar_left ? scalar : in.value(i);
      const double r = scalar_left ? in.value(i) : scalar;
      bool keep = true;
      double v = element_op(b.op, l, r, keep);
      // A filter always keeps the vector's value, on whichever side the vector is.
      if (is_comparison(b.op) && scalar_left) v = r;
      if (b.return_bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      out.vector.push_back(in.take(i, v, drops_metric_name(b.op) || b.return_bool));
    }
    check_unique(out.vector);
    return out;
  }

  static const VectorMatching kDefaultMatching;
  const VectorMatching& m = b.matching ? *b.matching : kDefaultMatching;
  // The signature: the on (...) labels, or all but the ignoring (...) ones and the name.
  const LabelFilter sig(m.matching_labels, m.on);
  if (is_set_operator(b.op)) {
    out.vector = set_operation(b.op, lhs, rhs, sig);
    check_unique(out.vector);
    return out;
  }
  if (lhs.empty() || rhs.empty()) return out;

  // group_right is group_left with the sides swapped (and swapped back for the arithmetic).
  const bool swapped = m.card == MatchCardinality::one_to_many;
  const Operand& many = swapped ? rhs : lhs;
  const Operand& one = swapped ? lhs : rhs;

  SignatureIndex one_index(sig, one);
  for (int j = 0; j < one.size(); ++j) {
    const int first = one_index.add(j);
    if (first == j) continue;
    const Labels& dup = one.labels(j);
    fail("found duplicate series for the match group " + go_labels_string(sig.apply(dup)) + " on the " +
         (swapped ? "left" : "right") + " hand-side of the operation: [" + go_labels_string(dup) + ", " +
         go_labels_string(one.labels(first)) +
         "];many-to-many matching not allowed: matching labels must be unique on one side");
    return out;
  }

  // Per matched "one" sample: whether it matched already (one-to-one), or the label sets it
  // produced (many-to-one), to refuse ambiguous results.
  std::vector<bool> matched(static_cast<std::size_t>(one.size()), false);
  std::vector<std::unordered_set<std::uint64_t>> produced(
      m.card == MatchCardinality::one_to_one ? 0 : static_cast<std::size_t>(one.size()));
  for (int i = 0; i < many.size(); ++i) {
    const int j = one_index.find(many.labels(i));
    if (j < 0) continue;
    const double l = swapped ? one.value(j) : many.value(i);
    const double r = swapped ? many.value(i) : one.value(j);
    bool keep = true;
    double v = element_op(b.op, l, r, keep);
    if (b.return_bool)
      v = keep ? 1 : 0;
    else if (!keep)
      continue;
    Labels labels = result_labels(many.labels(i), one.labels(j), b.op, m);
    if (b.return_bool) drop_metric_name(labels);
    if (m.card == MatchCardinality::one_to_one) {
      if (matched[static_cast<std::size_t>(j)]) {
        fail("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        return out;
      }
      matched[static_cast<std::size_t>(j)] = true;
    } else if (!produced[static_cast<std::size_t>(j)].insert(labels_hash(labels)).second) {
      fail("multiple matches for labels: grouping labels must ensure unique matches");
      return out;
    }
    out.vector.push_back(Sample{std::move(labels), v});
  }
  check_unique(out.vector);
  return out;
}

}  // namespace detail
}  // namespace promql
}  // namespace opsim
