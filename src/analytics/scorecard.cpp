#include "analytics/scorecard.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "analytics/staffing.hpp"

namespace rapport::analytics {

using domain::Metric;

namespace {

constexpr std::array<std::string_view, 3> kTreatmentNames = {"ignored", "against", "for"};

// num × 100 / den, one rounding: a whole percentage comes out exact (57 of 100 is 57, where
// 57 / 100 × 100 would be 56.99999999999999 and a deviation of exactly 10 points would be
// "beyond" a band or step of 10).
std::optional<double> Percent(const Fraction& f) {
  if (f.den <= 0) return std::nullopt;
  return f.num * 100 / f.den;
}

// The step of `schedule` that a deviation of `points` (magnitude) in direction `when`
// reaches: the one with the largest beyond_points that it exceeds.
std::optional<domain::ScheduleStep> StepReached(const std::vector<domain::ScheduleStep>& schedule,
                                                domain::Deviation when, double points) {
  std::optional<domain::ScheduleStep> best;
  for (const auto& step : schedule) {
    if (step.when != when || !(points > step.beyond_points)) continue;
    if (!best || step.beyond_points > best->beyond_points) best = step;
  }
  return best;
}

}  // namespace

std::optional<AbandonTreatment> ParseAbandonTreatment(std::string_view text) {
  for (std::size_t i = 0; i < kTreatmentNames.size(); ++i) {
    if (kTreatmentNames[i] == text) return static_cast<AbandonTreatment>(i);
  }
  return std::nullopt;
}

std::string_view Name(AbandonTreatment treatment) {
  return kTreatmentNames[static_cast<std::size_t>(treatment)];
}

bool HigherIsBetter(Metric metric) { return metric != Metric::kAbandonment; }

Fraction FractionOf(Metric metric, AbandonTreatment treatment, const Tally& t) {
  auto d = [](std::int64_t v) { return static_cast<double>(v); };
  switch (metric) {
    case Metric::kServiceLevel:
      switch (treatment) {
        case AbandonTreatment::kIgnored: return {d(t.answered_within), d(t.offered - t.abandoned_within)};
        case AbandonTreatment::kAgainst: return {d(t.answered_within), d(t.offered)};
        case AbandonTreatment::kFor: return {d(t.answered_within + t.abandoned_within), d(t.offered)};
      }
      break;
    case Metric::kAbandonment: return {d(t.abandoned), d(t.offered)};
    case Metric::kFirstContactResolution: return {d(t.first_contact), d(t.cases_resolved)};
  }
  return {};
}

Result<std::vector<MetricResult>> EvaluateTargets(const Projection& projection,
                                                  const std::vector<domain::MetricTarget>& targets,
                                                  const ScorecardRequest& request) {
  std::vector<MetricResult> results;
  for (const domain::MetricTarget& target : targets) {
    ReportRequest base;
    base.scope = request.scope;
    if (target.channel) base.scope.channel = static_cast<std::uint8_t>(*target.channel);
    base.definitions = request.definitions;
    if (target.threshold_seconds) base.definitions.threshold_seconds.fill(*target.threshold_seconds);
    base.periods = request.periods;
    base.threads = request.threads;

    auto total = Aggregate(projection, base);
    if (!total) return std::unexpected(total.error());
    MetricResult result;
    result.target = target;
    result.tally = total->total;
    const Fraction whole = FractionOf(target.metric, request.treatment, result.tally);
    result.actual_percent = Percent(whole);
    if (result.actual_percent) {
      result.deviation_points = *result.actual_percent - target.target_percent;
      const bool above = result.deviation_points > 0;
      const auto direction = above == HigherIsBetter(target.metric) ? domain::Deviation::kBetter
                                                                    : domain::Deviation::kWorse;
      if (std::abs(result.deviation_points) > target.band_points) result.flagged = direction;
      if (result.deviation_points != 0) {
        result.applies = StepReached(target.schedule, direction, std::abs(result.deviation_points));
      }
    }
    if (result.flagged) {
      for (Dimension dimension : {Dimension::kQueue, Dimension::kChannel, Dimension::kHourOfWeek,
                                  Dimension::kAgent}) {
        ReportRequest split = base;
        split.by = {dimension};
        auto groups = Aggregate(projection, split);
        if (!groups) return std::unexpected(groups.error());
        std::vector<Contribution> list;
        for (const Group& g : groups->groups) {
          const Fraction part = FractionOf(target.metric, request.treatment, g.tally);
          // (num_g − target · den_g) / den in points, scaled before dividing so that a group
          // exactly on target gives exactly 0 (0.56 · 50 is not 28 in binary).
          const double points = (part.num * 100 - target.target_percent * part.den) / whole.den;
          // Only groups that push the same way as the deviation explain it.
          if (points == 0 || (points > 0) != (result.deviation_points > 0)) continue;
          list.push_back({dimension, g.key[0], points, Percent(part), g.tally});
        }
        std::sort(list.begin(), list.end(), [](const Contribution& a, const Contribution& b) {
          return std::abs(a.points) > std::abs(b.points) ||
                 (std::abs(a.points) == std::abs(b.points) && a.key < b.key);
        });
        if (list.size() > request.deep_dive_limit) list.resize(request.deep_dive_limit);
        result.deep_dive.insert(result.deep_dive.end(), list.begin(), list.end());
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

Result<Surplus> SurplusAgentHours(const Projection& projection, const Scope& scope,
                                  const std::vector<AgentTime>& sessions, std::uint32_t vendor,
                                  const std::vector<ServiceTarget>& targets, int interval_minutes) {
  if (interval_minutes != 15 && interval_minutes != 30 && interval_minutes != 60) {
    return Fail(ErrorCode::kInvalid, "intervals are 15, 30 or 60 minutes",
                {{"interval_minutes", std::to_string(interval_minutes)}});
  }
  const std::int64_t interval_ms = std::int64_t{interval_minutes} * 60'000;
  const std::int64_t first = scope.from.ms - scope.from.ms % interval_ms;
  const std::size_t count = static_cast<std::size_t>((scope.to.ms - first + interval_ms - 1) / interval_ms);

  // Agents required per interval: for each target, Erlang C for its contacts there.
  auto granularity = interval_minutes == 15   ? Granularity::kMinutes15
                     : interval_minutes == 30 ? Granularity::kMinutes30
                                              : Granularity::kHour;
  auto periods = PeriodScheme::Create(granularity, "UTC", Instant{first}, scope.to);
  if (!periods) return std::unexpected(periods.error());
  std::vector<double> required(count, 0);
  for (const ServiceTarget& t : targets) {
    ReportRequest request;
    request.scope = scope;
    request.scope.channel = t.channel;
    request.by = {Dimension::kPeriod};
    request.periods = &*periods;
    auto offered = Aggregate(projection, request);
    if (!offered) return std::unexpected(offered.error());
    const double handle_seconds = RatesOf(offered->total).aht_seconds.value_or(0);
    StaffingTarget target;
    target.service_level = t.percent / 100;
    target.threshold_seconds = t.threshold_seconds;
    for (const Group& g : offered->groups) {
      // Period i of the scheme is interval i: both start at `first`, in UTC.
      const std::size_t i = g.key[0];
      if (i >= count || g.tally.offered == 0) continue;
      if (handle_seconds <= 0) {
        required[i] += 1;
        continue;
      }
      const double traffic = static_cast<double>(g.tally.offered) * handle_seconds / (interval_minutes * 60.0);
      auto staffing = AgentsRequired(traffic, handle_seconds, target);
      if (!staffing) return std::unexpected(staffing.error());
      required[i] += staffing->agents;
    }
  }

  // Staffed agent-milliseconds per interval: each agent's logged-in time less its pauses,
  // within [from, to); a pause takes away at most the agent's logged-in time there.
  struct AgentIntervals {
    std::vector<double> logged_in, paused;
  };
  std::unordered_map<std::uint32_t, AgentIntervals> agents;
  for (const AgentTime& t : sessions) {
    if (t.vendor != vendor) continue;
    if (t.queue != 0 && !scope.queues.empty() &&
        std::find(scope.queues.begin(), scope.queues.end(), t.queue) == scope.queues.end()) {
      continue;
    }
    AgentIntervals& mine = agents[t.agent];
    std::vector<double>& column = t.paused ? mine.paused : mine.logged_in;
    column.resize(count, 0);
    const std::int64_t from = std::max(t.from.ms, scope.from.ms), to = std::min(t.to.ms, scope.to.ms);
    for (std::int64_t at = from; at < to;) {
      const std::size_t i = static_cast<std::size_t>((at - first) / interval_ms);
      const std::int64_t end = std::min(to, first + static_cast<std::int64_t>(i + 1) * interval_ms);
      column[i] += static_cast<double>(end - at);
      at = end;
    }
  }
  std::vector<double> staffed(count, 0);
  for (auto& [agent, mine] : agents) {
    mine.paused.resize(count, 0);
    for (std::size_t i = 0; i < mine.logged_in.size(); ++i) {
      staffed[i] += std::max(0.0, mine.logged_in[i] - mine.paused[i]);
    }
  }

  Surplus out;
  out.intervals = static_cast<std::int64_t>(count);
  const double interval_hours = interval_minutes / 60.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double agents_staffed = staffed[i] / static_cast<double>(interval_ms);
    out.staffed_agent_hours += agents_staffed * interval_hours;
    out.required_agent_hours += required[i] * interval_hours;
    out.surplus_agent_hours += std::max(0.0, agents_staffed - required[i]) * interval_hours;
  }
  return out;
}

}  // namespace rapport::analytics
