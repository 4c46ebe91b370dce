#include "analytics/staffing.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

namespace rapport::analytics {
namespace {

// The most agents a search may reach; keeps every search bounded and every count an int.
constexpr double kMaxAgents = 1e7;

// Adds the bad fields of a target, each under its own name.
void CheckTarget(const StaffingTarget& target, FieldErrors& errors) {
  if (!(target.service_level > 0 && target.service_level < 1)) {
    errors.Add("service_level", "must be a fraction in (0, 1)");
  }
  if (!std::isfinite(target.threshold_seconds) || target.threshold_seconds < 0) {
    errors.Add("threshold_seconds", "must be a finite number of seconds >= 0");
  }
  if (!(target.max_occupancy > 0 && target.max_occupancy <= 1)) {
    errors.Add("max_occupancy", "must be a fraction in (0, 1]");
  }
  if (!(target.shrinkage >= 0 && target.shrinkage < 1)) {
    errors.Add("shrinkage", "must be a fraction in [0, 1)");
  }
  if (target.patience_seconds &&
      !(std::isfinite(*target.patience_seconds) && *target.patience_seconds > 0)) {
    errors.Add("patience_seconds", "must be a finite number of seconds > 0");
  }
}

// The smallest N >= 1 with A/N <= cap, computed by division and corrected for its rounding.
int FewestWithinOccupancy(double traffic, double cap) {
  int n = std::max(1, static_cast<int>(std::ceil(traffic / cap)));
  while (n > 1 && traffic / (n - 1) <= cap) --n;
  while (traffic / n > cap) ++n;
  return n;
}

// Erlang C: walk N up from the first stable N that respects the cap; SL rises with N. Per
// candidate, SL >= target is tested without division or exp: with R = 1/B,
// C·e^(−(N−A)τ) <= 1 − target  ⟺  N·e^(−(N−A)τ) <= (1 − target)·((N − A)·R + A), carrying
// e^(−(N−A)τ) from one N to the next by one multiplication. A candidate that passes is
// confirmed with the figures themselves, so the answer always shows SL >= target.
Performance RequiredErlangC(const Load& load, const StaffingTarget& target) {
  const double a = load.traffic;
  const double tau = load.threshold_seconds / load.handle_seconds;
  const double miss = 1 - target.service_level;
  const int stable = static_cast<int>(std::floor(a)) + 1;  // first N > A
  int n = std::max(stable, FewestWithinOccupancy(a, target.max_occupancy));
  const double decay = std::exp(-tau);
  double discount = std::exp(-(n - a) * tau);
  ErlangBWalk walk(a);
  for (;; ++n, discount *= decay) {
    walk.AdvanceTo(n);
    if (n * discount <= miss * ((n - a) * walk.reciprocal_blocking() + a)) {
      const Performance p = ErlangCFromBlocking(load, n, walk.blocking());
      if (p.service_level >= target.service_level) return p;
    }
  }
}

// Erlang A: SL rises and occupancy falls with N, so "meets both" is false up to the answer
// and true from it on. Any N < target·A fails (SL <= P(answered) = occupancy·N/A <= N/A);
// the Erlang C answer is a close first guess, usually a little above. Gallop from it by
// doubling steps, down or up, then bisect.
Performance RequiredErlangA(const Load& load, const StaffingTarget& target) {
  auto evaluate = [&](int n) { return *EvaluateErlangA(load, *target.patience_seconds, n); };
  auto meets = [&](const Performance& p) {
    return p.service_level >= target.service_level && p.occupancy <= target.max_occupancy;
  };
  int fails = std::max(0, static_cast<int>(std::ceil(target.service_level * load.traffic)) - 1);
  int passes = std::max(fails + 1, RequiredErlangC(load, target).agents);
  Performance best = evaluate(passes);
  if (meets(best)) {
    for (int step = 1; passes - step > fails; step *= 2) {
      Performance p = evaluate(passes - step);
      if (!meets(p)) {
        fails = passes - step;
        break;
      }
      passes -= step;
      best = p;
    }
  } else {
    for (int step = 1;; step *= 2) {
      fails = passes;
      passes += step;
      best = evaluate(passes);
      if (meets(best)) break;
    }
  }
  while (passes - fails > 1) {
    const int mid = fails + (passes - fails) / 2;
    Performance p = evaluate(mid);
    if (meets(p)) {
      passes = mid;
      best = p;
    } else {
      fails = mid;
    }
  }
  return best;
}

}  // namespace

Result<int> ScheduledAgents(int agents, double shrinkage) {
  FieldErrors errors;
  if (agents < 0) errors.Add("agents", "must be >= 0");
  if (!(shrinkage >= 0 && shrinkage < 1)) errors.Add("shrinkage", "must be a fraction in [0, 1)");
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid shrinkage input"));
  const double quotient = agents / (1 - shrinkage);
  const double nearest = std::round(quotient);
  const double scheduled = std::abs(quotient - nearest) <= 1e-9 ? nearest : std::ceil(quotient);
  if (scheduled > INT_MAX) {
    return Fail(ErrorCode::kInvalid, "too many agents to schedule",
                {{"shrinkage", "leaves too little time on the phones for this many agents"}});
  }
  return static_cast<int>(scheduled);
}

Result<Staffing> AgentsRequired(double traffic, double handle_seconds,
                                const StaffingTarget& target) {
  FieldErrors errors;
  if (!std::isfinite(traffic) || traffic < 0) {
    errors.Add("traffic", "must be a finite number of Erlangs >= 0");
  } else if (traffic > kMaxTraffic) {
    errors.Add("traffic", "must be at most 1,000,000 Erlangs");
  }
  if (!std::isfinite(handle_seconds) || handle_seconds <= 0) {
    errors.Add("handle_seconds", "must be a finite number of seconds > 0");
  }
  CheckTarget(target, errors);
  if (errors.empty() && traffic / target.max_occupancy > kMaxAgents) {
    errors.Add("max_occupancy", "would need more than 10,000,000 agents for this traffic");
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid staffing input"));

  const Load load{traffic, handle_seconds, target.threshold_seconds};
  Staffing staffing;
  if (traffic == 0) {
    staffing.performance.service_level = 1;
    return staffing;
  }
  staffing.performance =
      target.patience_seconds ? RequiredErlangA(load, target) : RequiredErlangC(load, target);
  staffing.agents = staffing.performance.agents;
  auto scheduled = ScheduledAgents(staffing.agents, target.shrinkage);
  if (!scheduled) return std::unexpected(scheduled.error());
  staffing.scheduled = *scheduled;
  return staffing;
}

Result<std::vector<IntervalPlan>> PlanIntervals(std::span<const IntervalLoad> intervals,
                                                std::int64_t interval_seconds,
                                                const StaffingTarget& target) {
  FieldErrors errors;
  if (interval_seconds <= 0) errors.Add("interval_seconds", "must be > 0");
  CheckTarget(target, errors);
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const IntervalLoad& in = intervals[i];
    const std::string at = "intervals[" + std::to_string(i) + "].";
    if (!std::isfinite(in.contacts) || in.contacts < 0) {
      errors.Add(at + "contacts", "must be a finite number >= 0");
    } else if (in.contacts > 0 && !(std::isfinite(in.handle_seconds) && in.handle_seconds > 0)) {
      errors.Add(at + "handle_seconds", "must be a finite number of seconds > 0");
    } else if (interval_seconds > 0 &&
               in.contacts * in.handle_seconds / static_cast<double>(interval_seconds) >
                   kMaxTraffic) {
      errors.Add(at + "contacts", "more than 1,000,000 Erlangs of traffic");
    }
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid staffing plan input"));

  std::vector<IntervalPlan> plan;
  plan.reserve(intervals.size());
  for (const IntervalLoad& in : intervals) {
    IntervalPlan row;
    row.load = in;
    if (in.contacts > 0) {
      row.traffic = in.contacts * in.handle_seconds / static_cast<double>(interval_seconds);
      auto staffing = AgentsRequired(row.traffic, in.handle_seconds, target);
      if (!staffing) return std::unexpected(staffing.error());
      row.staffing = *staffing;
    } else {
      row.staffing.performance.service_level = 1;
    }
    plan.push_back(row);
  }
  return plan;
}

Result<std::vector<double>> ForecastWeek(std::span<const double> past_counts,
                                         int intervals_per_week, int weeks) {
  FieldErrors errors;
  if (intervals_per_week < 1) errors.Add("intervals_per_week", "must be >= 1");
  if (weeks < 1) errors.Add("weeks", "must be >= 1");
  if (errors.empty()) {
    const auto per_week = static_cast<std::size_t>(intervals_per_week);
    if (past_counts.size() % per_week != 0) {
      errors.Add("past_counts", std::to_string(past_counts.size()) +
                                    " intervals are not a whole number of weeks of " +
                                    std::to_string(intervals_per_week));
    } else if (past_counts.size() / per_week < static_cast<std::size_t>(weeks)) {
      errors.Add("past_counts", "holds " + std::to_string(past_counts.size() / per_week) +
                                    " weeks, fewer than the " + std::to_string(weeks) +
                                    " to average");
    }
  }
  for (std::size_t i = 0; i < past_counts.size(); ++i) {
    if (!std::isfinite(past_counts[i]) || past_counts[i] < 0) {
      errors.Add("past_counts[" + std::to_string(i) + "]", "must be a finite number >= 0");
    }
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid forecast input"));

  const auto per_week = static_cast<std::size_t>(intervals_per_week);
  const std::size_t first = past_counts.size() - per_week * static_cast<std::size_t>(weeks);
  std::vector<double> forecast(per_week, 0.0);
  for (std::size_t w = 0; w < static_cast<std::size_t>(weeks); ++w) {
    for (std::size_t i = 0; i < per_week; ++i) forecast[i] += past_counts[first + w * per_week + i];
  }
  for (double& v : forecast) v /= weeks;
  return forecast;
}

}  // namespace rapport::analytics
