#include "scaling/predictive.h"

#include <algorithm>
#include <cmath>

namespace opsim::scaling {

PredictiveEngine::PredictiveEngine(const PredictiveSpec& spec, Calendar calendar) : spec_(spec), calendar_(calendar) {}

void PredictiveEngine::update_spec(const PredictiveSpec& spec) {
  ++history_version_;  // min_history_points may change what a model needs
  // A new method or lead makes the pending forecasts and the error window another
  // forecaster's: the accuracy (and so the confidence) starts again; the history stays.
  const bool new_forecaster = spec.method != spec_.method || spec.lead != spec_.lead;
  spec_ = spec;
  if (!new_forecaster) return;
  pending_.clear();
  errors_.clear();
  err_sum_ = actual_sum_ = 0;
  have_last_forecast_ = false;
}

void PredictiveEngine::observe(SimTime t, double value) {
  if (!std::isfinite(value)) return;
  if (!points_.empty() && t < points_.back().at) return;
  if (!points_.empty() && floor_div(points_.back().at, kBucket) == floor_div(t, kBucket) &&
      points_.back().count < (1 << 30)) {
    points_.back().sum += value;
    points_.back().count += 1;
  } else {
    points_.push_back(make_point(t, value));
  }
  while (!points_.empty() && points_.front().at <= t - kMaxAge) points_.pop_front();
  ++history_version_;

  // Score the forecasts whose time has come.
  bool changed = false;
  while (!pending_.empty() && pending_.front().target <= t) {
    const Pending p = pending_.front();
    pending_.pop_front();
    if (auto actual = value_near(p.target)) {
      errors_.push_back({p.target, p.value, *actual});
      if (errors_.size() > kErrorWindow) errors_.pop_front();
      changed = true;
    }
  }
  if (changed) {
    err_sum_ = actual_sum_ = 0;
    for (const ScoredForecast& e : errors_) {
      err_sum_ += std::fabs(e.forecast - e.actual);
      actual_sum_ += std::fabs(e.actual);
    }
  }

  // Make a forecast to be scored later, every 5 minutes of observed time.
  if (!have_last_forecast_ || t - last_forecast_ >= kStep) {
    have_last_forecast_ = true;
    last_forecast_ = t;
    const SimTime target = t + std::max<SimDuration>(spec_.lead, kStep);
    Model m;
    std::string note;
    const bool ensemble = spec_.method == PredictiveSpec::Method::seed_ensemble;
    if (!ensemble || build_model(t, m, note)) {
      if (ensemble || points_.size() >= static_cast<std::size_t>(std::max(spec_.min_history_points, 1))) {
        if (auto v = predict(ensemble ? &m : nullptr, t, target)) pending_.push_back({target, *v});
      }
    }
    while (pending_.size() > 2048) pending_.pop_front();
  }
}

double PredictiveEngine::error_percent() const {
  if (errors_.empty()) return 0;
  if (actual_sum_ <= 0) return err_sum_ > 0 ? 100.0 : 0.0;
  return 100.0 * err_sum_ / actual_sum_;
}

double PredictiveEngine::confidence() const {
  if (errors_.size() < kMinEvaluated) return 0;
  return std::clamp(1.0 - error_percent() / 100.0, 0.0, 1.0);
}

PredictiveEngine::Point PredictiveEngine::make_point(SimTime t, double value) const {
  Point pt{};
  pt.at = t;
  pt.sum = value;
  pt.count = 1;
  const double h = calendar_.hour_of_day(t);
  pt.hour = static_cast<std::int8_t>(std::clamp(static_cast<int>(std::floor(h)), 0, 23));
  pt.weekday = static_cast<std::int8_t>(calendar_.weekday(t));
  const double p = h - 0.5;
  const double lo = std::floor(p);
  pt.frac = p - lo;
  pt.hour_before = static_cast<std::int8_t>((static_cast<int>(lo) + 24) % 24);
  return pt;
}

double PredictiveEngine::daily_at(const Model& m, const Point& p) {
  if (!m.has_hour[p.hour]) return 0;
  const int i0 = p.hour_before, i1 = (i0 + 1) % 24;
  const double d0 = m.has_hour[i0] ? m.daily[i0] : m.daily[p.hour];
  const double d1 = m.has_hour[i1] ? m.daily[i1] : m.daily[p.hour];
  return (1.0 - p.frac) * d0 + p.frac * d1;
}

double PredictiveEngine::daily_at(const Model& m, SimTime t) const { return daily_at(m, make_point(t, 0)); }

double PredictiveEngine::seasonal(const Model& m, SimTime t) const {
  return daily_at(m, t) + m.weekly[calendar_.weekday(t)];
}

bool PredictiveEngine::build_model(SimTime now, Model& m, std::string& note) const {
  // A scaling evaluation observes, which may forecast, and then forecasts at the same time
  // from the same history: the second build is the first one's model.
  if (cached_model_valid_ && cached_version_ == history_version_ && cached_model_.now == now) {
    m = cached_model_;
    return true;
  }
  const std::size_t n = points_.size();
  const std::size_t need = std::max<std::size_t>(static_cast<std::size_t>(std::max(spec_.min_history_points, 0)),
                                                 kMovingAverage);
  if (n < need) {
    note = "The history has " + std::to_string(n) + " points; a forecast needs " + std::to_string(need) + ".";
    return false;
  }
  m.now = now;
  double hsum[24] = {0};
  int hcount[24] = {0};
  for (const Point& p : points_) {
    hsum[p.hour] += p.value();
    ++hcount[p.hour];
  }
  double mean_sum = 0;
  int hours = 0;
  for (int h = 0; h < 24; ++h) {
    m.has_hour[h] = hcount[h] > 0;
    m.daily[h] = m.has_hour[h] ? hsum[h] / hcount[h] : 0;
    if (m.has_hour[h]) mean_sum += m.daily[h], ++hours;
  }
  const double daily_avg = hours > 0 ? mean_sum / hours : 0;
  for (int h = 0; h < 24; ++h)
    if (m.has_hour[h]) m.daily[h] -= daily_avg;
  for (int d = 0; d < 7; ++d) m.weekly[d] = 0;

  double wsum[7] = {0};
  int wcount[7] = {0};
  for (const Point& p : points_) {
    wsum[p.weekday] += p.value() - daily_at(m, p);
    ++wcount[p.weekday];
  }
  double wmean_sum = 0;
  int days = 0;
  double wmean[7] = {0};
  for (int d = 0; d < 7; ++d)
    if (wcount[d] >= 12) {
      wmean[d] = wsum[d] / wcount[d];
      wmean_sum += wmean[d];
      ++days;
    }
  // One weekday alone carries no weekly pattern.
  if (days >= 2)
    for (int d = 0; d < 7; ++d)
      if (wcount[d] >= 12) m.weekly[d] = wmean[d] - wmean_sum / days;

  double lsum = 0;
  for (std::size_t i = n - kMovingAverage; i < n; ++i) lsum += points_[i].value() - seasonal(m, points_[i]);
  m.level = lsum / static_cast<double>(kMovingAverage);

  const std::size_t k = std::min(n, kTrendPoints);
  const SimTime t0 = points_[n - 1].at;
  double sx = 0, sy = 0;
  for (std::size_t i = n - k; i < n; ++i) {
    sx += static_cast<double>(points_[i].at - t0);
    sy += points_[i].value() - seasonal(m, points_[i]);
  }
  const double mx = sx / static_cast<double>(k), my = sy / static_cast<double>(k);
  double sxx = 0, sxy = 0;
  for (std::size_t i = n - k; i < n; ++i) {
    const double dx = static_cast<double>(points_[i].at - t0) - mx;
    sxx += dx * dx;
    sxy += dx * (points_[i].value() - seasonal(m, points_[i]) - my);
  }
  m.trend_per_us = sxx > 0 ? sxy / sxx : 0;
  // The level is the average of the window, centred on its mean time; bring it to now.
  const double centre = static_cast<double>(t0) + [&] {
    double s = 0;
    for (std::size_t i = n - kMovingAverage; i < n; ++i) s += static_cast<double>(points_[i].at - t0);
    return s / static_cast<double>(kMovingAverage);
  }();
  m.level += m.trend_per_us * (static_cast<double>(now) - centre);
  cached_model_ = m;
  cached_version_ = history_version_;
  cached_model_valid_ = true;
  return true;
}

std::optional<double> PredictiveEngine::value_near(SimTime t) const {
  if (points_.empty()) return std::nullopt;
  auto it = std::lower_bound(points_.begin(), points_.end(), t, [](const Point& p, SimTime x) { return p.at < x; });
  const SimDuration gap = 15 * kMicrosPerMinute;
  if (it != points_.end() && it->at == t) return it->value();
  if (it != points_.end() && it != points_.begin()) {
    const Point& b = *it;
    const Point& a = *(it - 1);
    if (b.at - a.at <= gap) {
      const double f = static_cast<double>(t - a.at) / static_cast<double>(b.at - a.at);
      return a.value() + f * (b.value() - a.value());
    }
  }
  if (it != points_.end() && it->at - t <= kBucket) return it->value();
  if (it != points_.begin() && t - (it - 1)->at <= kBucket) return (it - 1)->value();
  return std::nullopt;
}

std::optional<double> PredictiveEngine::predict(const Model* m, SimTime now, SimTime t) const {
  if (m) {
    const double v = m->level + m->trend_per_us * static_cast<double>(t - now) + seasonal(*m, t);
    return std::max(0.0, v);
  }
  if (auto w = value_near(t - 7 * kMicrosPerDay)) return w;
  return value_near(t - kMicrosPerDay);
}

Forecast PredictiveEngine::forecast(SimTime now) const {
  Forecast f;
  f.made_at = now;
  const bool ensemble = spec_.method == PredictiveSpec::Method::seed_ensemble;
  Model m;
  if (ensemble) {
    if (!build_model(now, m, f.note)) return f;
    f.level = m.level;
    f.trend_per_hour = m.trend_per_us * static_cast<double>(kMicrosPerHour);
  } else if (points_.size() < static_cast<std::size_t>(std::max(spec_.min_history_points, 1))) {
    f.note = "The history has " + std::to_string(points_.size()) + " points; a forecast needs " +
             std::to_string(spec_.min_history_points) + ".";
    return f;
  }
  const Model* mp = ensemble ? &m : nullptr;
  for (SimTime at = now + kStep; at <= now + spec_.horizon; at += kStep)
    if (auto v = predict(mp, now, at)) f.points.push_back({at, *v});
  const SimTime lead_at = now + spec_.lead;
  const auto at_lead = predict(mp, now, lead_at);
  bool have_peak = false;
  for (const auto& p : f.points)
    if (p.at >= lead_at && (!have_peak || p.value > f.peak)) {
      f.peak = p.value;
      f.peak_at = p.at;
      have_peak = true;
    }
  if (!have_peak && at_lead) {
    f.peak = *at_lead;
    f.peak_at = lead_at;
    have_peak = true;
  }
  if (!have_peak) {
    f.note = "The history does not reach one day before the forecast times.";
    return f;
  }
  f.value_at_lead = at_lead ? *at_lead : f.peak;
  f.confidence = confidence();
  f.valid = true;
  return f;
}

int predictive_need(const Forecast& f, const PredictiveSpec& spec, double instances_for_value) {
  if (!f.valid || f.confidence < spec.min_confidence || !(spec.threshold > 0)) return 0;
  const double wanted = std::ceil(instances_for_value * f.peak / spec.threshold);
  return wanted >= 1e6 ? 1000000 : static_cast<int>(wanted);
}

std::optional<ScalingDecision> predictive_decision(SimTime now, const Forecast& f, const PredictiveSpec& spec,
                                                   int current, int max_instances, double instances_for_value,
                                                   std::string* why) {
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  if (!f.valid) {
    say(f.note.empty() ? "There is no forecast." : f.note);
    return std::nullopt;
  }
  if (f.confidence < spec.min_confidence) {
    say("The forecast confidence " + format_number(f.confidence) + " is below " + format_number(spec.min_confidence) +
        ".");
    return std::nullopt;
  }
  // The peak spread over the current instances, against the threshold per instance.
  const double per_instance = current > 0 ? instances_for_value * f.peak / current : f.peak;
  if (!(per_instance > spec.threshold)) {
    say("The forecast peak " + format_number(f.peak) + " is " + format_number(per_instance) + " per instance on " +
        std::to_string(current) + ", not above the threshold of " + format_number(spec.threshold) + ".");
    return std::nullopt;
  }
  const double wanted = std::ceil(instances_for_value * f.peak / spec.threshold);
  const int to = wanted >= static_cast<double>(max_instances) ? max_instances : std::max(current + 1, static_cast<int>(wanted));
  if (to <= current) {
    say("The forecast peak " + format_number(f.peak) + " is above the threshold but the count is at its maximum of " +
        std::to_string(current) + ".");
    return std::nullopt;
  }
  ScalingDecision d;
  d.at = now;
  d.from = current;
  d.to = to;
  d.policy_id = "predictive";
  d.reason = "The forecast peaks at " + format_number(f.peak) + " in " + format_duration(f.peak_at - now) +
             " (confidence " + format_number(f.confidence) + ", at least " + format_number(spec.min_confidence) +
             "), above the threshold of " + format_number(spec.threshold) + ", so the predictive engine scales out from " +
             std::to_string(current) + " to " + std::to_string(to) + " instances ahead of it.";
  return d;
}

}  // namespace opsim::scaling
