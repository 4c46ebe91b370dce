// Agents required per interval: the smallest number of agents on the phones that meets a
// service-level target within an occupancy cap (Erlang C, or Erlang A when a mean patience
// is given), the agents to schedule once shrinkage takes its share, a per-interval plan,
// and a forecast of next week's volumes from the same intervals of past weeks.
// Definitions: docs/staffing.md. Pure and safe from any thread; every invalid input is a
// kInvalid Error naming the field, never undefined behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analytics/erlang.hpp"
#include "core/error.hpp"

namespace rapport::analytics {

// What an interval must achieve. Fractions, not percentages.
struct StaffingTarget {
  double service_level = 0.8;       // in (0, 1): the share answered within the threshold
  double threshold_seconds = 20;    // T, >= 0
  double max_occupancy = 1;         // in (0, 1]: A/N (Erlang C) may not exceed it
  double shrinkage = 0;             // in [0, 1): share of paid time off the phones
  std::optional<double> patience_seconds;  // set: Erlang A with this mean patience (> 0)
};

// The answer for one load: agents needed and what they achieve.
struct Staffing {
  int agents = 0;     // raw: on the phones
  int scheduled = 0;  // ScheduledAgents(agents, shrinkage)
  Performance performance;  // at `agents`
};

// The smallest N with service level >= target and occupancy <= cap (Erlang A's occupancy
// when patience is set, else A/N), and N >= 1 whenever there is traffic; 0 agents without
// traffic. Both conditions only improve as N grows, so the answer is minimal: N − 1 fails
// one of them.
Result<Staffing> AgentsRequired(double traffic, double handle_seconds,
                                const StaffingTarget& target);

// Agents to schedule so that `agents` remain after shrinkage: ⌈agents / (1 − shrinkage)⌉,
// where a quotient within 1e-9 of a whole number counts as that number (21 agents at 30%
// shrinkage are 30 scheduled, although 21 / (1 − 0.3) is 30.000000000000004 in binary).
Result<int> ScheduledAgents(int agents, double shrinkage);

// One interval of a plan.
struct IntervalLoad {
  std::int64_t start_ms = 0;  // UTC instant the interval starts
  double contacts = 0;        // offered in the interval, >= 0
  double handle_seconds = 0;  // mean handle time, > 0 (may be anything when contacts = 0)
};

struct IntervalPlan {
  IntervalLoad load;
  double traffic = 0;  // Erlangs: contacts × handle_seconds / interval_seconds
  Staffing staffing;
};

// AgentsRequired for each interval, in input order. An interval without contacts needs no
// agents (SL 1, ASA 0, occupancy 0). Bad fields are named "intervals[i].contacts" etc.
Result<std::vector<IntervalPlan>> PlanIntervals(std::span<const IntervalLoad> intervals,
                                                std::int64_t interval_seconds,
                                                const StaffingTarget& target);

// Next week's volume of each interval: the mean of the same interval over the last `weeks`
// weeks of `past_counts`. `past_counts` holds consecutive intervals, oldest first, and ends
// where the coming week begins, so its length is a whole number of weeks and at least
// `weeks` weeks; element i of the result is the i-th interval of the coming week.
Result<std::vector<double>> ForecastWeek(std::span<const double> past_counts,
                                         int intervals_per_week, int weeks);

}  // namespace rapport::analytics
