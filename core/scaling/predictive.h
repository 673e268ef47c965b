// The seed's predictive scaling engine (seed 004 part 1, PredictiveScalingEngine), with its
// slips corrected, and a seasonal-naive baseline.
//
// History: observations are averaged into one-minute points (so a caller may observe as
// often as it likes); points older than 7 days are dropped, so at most 10,080 are kept.
// No forecast before `min_history_points` points (and at least 24).
//
// seed_ensemble (PredictiveSpec::Method::seed_ensemble), forecast for a time T:
//   daily(h)   average by hour of day minus the mean of the hourly averages (seed), read
//              with linear interpolation between hour centres (a step every hour would
//              show up as a false trend);
//   weekly(d)  average by weekday of what the daily pattern leaves, minus their mean (the
//              seed takes raw averages, which count the daily pattern twice when days are
//              incomplete); a weekday with fewer than 12 points counts 0;
//   level      moving average of the last 24 points with both patterns taken out (the
//              seed adds the patterns to a raw average, so it counts the current hour's
//              deviation twice);
//   trend      least-squares slope of the last 60 de-seasonalised points, per hour (the
//              seed divides a 9-step difference by 10 and mixes points and hours);
//   value(T) = max(0, level + trend x (T - now) + daily(hour(T)) + weekly(weekday(T))).
// seasonal_naive: value(T) = the history one week before T when the history reaches back
//   that far, else one day before (linear interpolation between the two neighbouring
//   points, at most 15 minutes apart), else no forecast.
//
// Accuracy: every 5 minutes of observed time the engine forecasts the value at now + lead
// (at least 5 minutes ahead) and, when that time has come, compares it with the point
// observed there. error_percent() is the weighted absolute percentage error over the last
// 288 evaluated forecasts (one day): 100 x sum |forecast - actual| / sum |actual|.
// confidence = clamp(1 - error_percent / 100, 0, 1), 0 until 12 forecasts are evaluated.
//
// forecast(now): points every 5 minutes from now + 5 min to now + horizon; the decision
// reads the peak over the points at least `lead` ahead (the seed looks 30-60 minutes
// ahead), or the point at now + lead when lead >= horizon.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "scaling/decision.h"
#include "scenario/scenario.h"

namespace opsim::scaling {

struct ForecastPoint {
  SimTime at = 0;
  double value = 0;
};

// A forecast whose time has come: what was forecast for `at` (lead ahead) and what was
// observed there.
struct ScoredForecast {
  SimTime at = 0;
  double forecast = 0, actual = 0;
};

struct Forecast {
  bool valid = false;
  std::string note;          // why there is no forecast, when !valid
  SimTime made_at = 0;
  double value_at_lead = 0;  // value at made_at + lead
  double peak = 0;           // highest value at least `lead` ahead within the horizon
  SimTime peak_at = 0;
  double confidence = 0;     // 0..1, from the accuracy of past forecasts
  double level = 0, trend_per_hour = 0;  // seed_ensemble components (0 for seasonal naive)
  std::vector<ForecastPoint> points;     // every 5 minutes over the horizon
};

class PredictiveEngine {
 public:
  static constexpr SimDuration kBucket = kMicrosPerMinute;
  static constexpr SimDuration kStep = 5 * kMicrosPerMinute;
  static constexpr SimDuration kMaxAge = 7 * kMicrosPerDay;
  static constexpr std::size_t kMovingAverage = 24;
  static constexpr std::size_t kTrendPoints = 60;
  static constexpr std::size_t kErrorWindow = 288;
  static constexpr std::size_t kMinEvaluated = 12;

  PredictiveEngine(const PredictiveSpec& spec, Calendar calendar = Calendar());

  // Observations must come in time order (an earlier one is ignored).
  void observe(SimTime t, double value);
  Forecast forecast(SimTime now) const;
  // Weighted absolute percentage error of past forecasts (see above); 0 before any.
  double error_percent() const;
  double confidence() const;
  std::size_t evaluated_forecasts() const { return errors_.size(); }
  // The last kErrorWindow scored forecasts, oldest first (the forecast line beside the
  // actual one).
  const std::deque<ScoredForecast>& scored() const { return errors_; }
  std::size_t history_points() const { return points_.size(); }
  // The one-minute history: time of the minute's first observation and its mean.
  SimTime history_time(std::size_t i) const { return points_[i].at; }
  double history_value(std::size_t i) const { return points_[i].value(); }
  const PredictiveSpec& spec() const { return spec_; }
  // A live change (the UI's what-if). Switching method or lead restarts the accuracy.
  void update_spec(const PredictiveSpec& spec);

 private:
  struct Point {
    SimTime at;  // time of the first observation in the minute
    double sum;
    int count;
    double value() const { return sum / count; }
    // The calendar's view of `at`, worked out once: a model is rebuilt from every point at
    // every evaluation, and the calendar arithmetic was most of that work. (32 bytes a
    // point: 7 days of history are 10,080 of them.)
    std::int8_t hour, weekday;  // the hour of day's index (clamped to 0..23) and 0 = Monday
    std::int8_t hour_before;  // the hour centre daily_at interpolates from (to the next one)
    double frac;  // how far `at` lies from hour_before's centre towards the next
  };
  struct Model {
    double daily[24];
    bool has_hour[24];
    double weekly[7];
    double level, trend_per_us;
    SimTime now;
  };
  struct Pending {
    SimTime target;
    double value;
  };
  bool build_model(SimTime now, Model& m, std::string& note) const;
  double seasonal(const Model& m, SimTime t) const;
  double daily_at(const Model& m, SimTime t) const;
  // daily_at and seasonal for a point of the history, from its cached calendar fields.
  static double daily_at(const Model& m, const Point& p);
  static double seasonal(const Model& m, const Point& p) { return daily_at(m, p) + m.weekly[p.weekday]; }
  Point make_point(SimTime t, double value) const;
  std::optional<double> value_near(SimTime t) const;  // interpolated history value
  std::optional<double> predict(const Model* m, SimTime now, SimTime t) const;

  PredictiveSpec spec_;
  Calendar calendar_;
  std::deque<Point> points_;
  std::deque<Pending> pending_;
  std::deque<ScoredForecast> errors_;
  double err_sum_ = 0, actual_sum_ = 0;  // recomputed when the window moves
  // The last model built, for the history it was built from (history_version_ counts the
  // changes of points_ and spec_).
  std::uint64_t history_version_ = 0;
  mutable Model cached_model_{};
  mutable std::uint64_t cached_version_ = 0;
  mutable bool cached_model_valid_ = false;
  bool have_last_forecast_ = false;
  SimTime last_forecast_ = 0;
};

// The seed's predictive decision made proportional: when the forecast is valid, its
// confidence >= min_confidence and its peak per current instance
// (instances_for_value x peak / current) is above the threshold, scale out to
// ceil(instances_for_value x peak / threshold), at most max.
// `instances_for_value` is the instance count the forecast metric refers to: pass the
// current count when the engine observes a per-instance average at that count, 1 when
// it observes a total (e.g. utilisation summed over the instances). Returns nothing (and
// the reason in *why) otherwise.
// The instances a valid, confident forecast needs at its peak:
// ceil(instances_for_value x peak / threshold); 0 when the forecast cannot be trusted.
// Reactive scale-in stops there (ThresholdScaler::evaluate's floor).
int predictive_need(const Forecast& f, const PredictiveSpec& spec, double instances_for_value);

std::optional<ScalingDecision> predictive_decision(SimTime now, const Forecast& f, const PredictiveSpec& spec,
                                                   int current, int max_instances, double instances_for_value,
                                                   std::string* why = nullptr);

}  // namespace opsim::scaling
