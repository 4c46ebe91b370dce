// A vendor agreement's month against its contract: each contracted metric against its
// target, flagged beyond its band in either direction, the schedule's penalty or credit,
// a deep-dive list of what drives a flagged deviation, and — when the vendor over-achieves
// — the agent-hours it staffed beyond what the target needed, which the customer pays for.
//
// Contribution (the deep dive): a metric is a fraction num / den of the month's tally
// (service level: A_T over O, O − B_T or with B_T added, per the abandon treatment;
// abandonment: abandons over O; first-contact resolution: first-contact cases over judged
// cases). Split by any dimension, group g contributes (num_g − target · den_g) / den points
// to the deviation; the contributions add up to actual − target exactly, so the list shows
// where the gap comes from, weighted by volume.
//
// Surplus agent-hours: for each interval of the month, the agents staffed (logged-in time
// minus pauses of the vendor's agents, in agent-hours per hour) against the agents Erlang C
// needs for the interval's offered load at the target (at least one when anything is
// offered); the surplus is the sum of the excess. Pure; see docs/service-analytics.md.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/service_level.hpp"
#include "core/error.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {

enum class AbandonTreatment { kIgnored, kAgainst, kFor };
std::optional<AbandonTreatment> ParseAbandonTreatment(std::string_view text);
std::string_view Name(AbandonTreatment treatment);

bool HigherIsBetter(domain::Metric metric);

// The metric's numerator and denominator in `tally`.
struct Fraction {
  double num = 0, den = 0;
};
Fraction FractionOf(domain::Metric metric, AbandonTreatment treatment, const Tally& tally);

struct Contribution {
  Dimension dimension = Dimension::kQueue;
  std::uint32_t key = 0;  // as in Group::key
  double points = 0;      // share of the deviation, percentage points
  std::optional<double> actual_percent;
  Tally tally;
};

struct MetricResult {
  domain::MetricTarget target;
  Tally tally;
  std::optional<double> actual_percent;  // absent: nothing to measure this month
  double deviation_points = 0;           // actual − target; 0 when absent
  std::optional<domain::Deviation> flagged;      // beyond the band
  std::optional<domain::ScheduleStep> applies;   // the schedule step reached, if any
  std::vector<Contribution> deep_dive;  // flagged only: by queue, channel, hour of week and
                                        // agent, each ranked, largest share first
};

struct ScorecardRequest {
  Scope scope;  // the month, and the agreement's queues (or its vendor)
  AbandonTreatment treatment = AbandonTreatment::kAgainst;
  Definitions definitions;              // thresholds are taken from each target
  const PeriodScheme* periods = nullptr;  // REQUIRED: hour of week (in the report's zone)
  std::size_t deep_dive_limit = 5;        // per dimension
  int threads = 1;
};

// One result per target of `targets`, in order.
Result<std::vector<MetricResult>> EvaluateTargets(const Projection& projection,
                                                  const std::vector<domain::MetricTarget>& targets,
                                                  const ScorecardRequest& request);

struct Surplus {
  double staffed_agent_hours = 0;
  double required_agent_hours = 0;
  double surplus_agent_hours = 0;  // Σ max(0, staffed − required) over intervals
  std::int64_t intervals = 0;
};

// One service-level target the required agents are sized for: the contacts of one channel
// (or of every channel) at `percent` within `threshold_seconds`.
struct ServiceTarget {
  std::optional<std::uint8_t> channel;  // domain::Channel
  double percent = 80;
  double threshold_seconds = 20;
};

// Staffed against required per `interval_minutes` interval of [scope.from, scope.to), from
// the sessions of `vendor` (those naming a queue outside scope.queues excluded). The agents
// required in an interval are the sum, over `targets`, of what Erlang C needs for that
// target's contacts of `scope` at its level, with their handle time over the range.
// REQUIRES: the targets' channels do not overlap (one without a channel stands alone).
Result<Surplus> SurplusAgentHours(const Projection& projection, const Scope& scope,
                                  const std::vector<AgentTime>& sessions, std::uint32_t vendor,
                                  const std::vector<ServiceTarget>& targets, int interval_minutes);

}  // namespace rapport::analytics
