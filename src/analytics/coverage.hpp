// Coverage hours: whether the hours a vendor is contracted to cover fit when customers
// actually call. Over a range of weeks, for the contacts of an agreement's queues:
//   - contacts, answered and missed by local hour of the week, inside and outside the
//     coverage calendar (contacts: inbound, short abandons excluded, off-hours misses
//     included; missed: contacts not answered);
//   - the volume in the first and the last hour of each block of weekly coverage (spans
//     that touch merged; contacts inside coverage whose local time falls in that hour);
//   - recommendations: trim an edge hour whose mean contacts per week is below a threshold
//     (default 2), and extend coverage to an hour outside it whose mean contacts per week
//     is above a threshold (default 5); each with the agent-hours per year it saves or
//     costs — Erlang C agents for the hour's mean load at the target, at least one — and,
//     given a cost per agent hour, the money.
// Pure; see docs/service-analytics.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/periods.hpp"
#include "analytics/service_level.hpp"
#include "core/error.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {

struct CoverageRequest {
  Scope scope;                           // the weeks, and the agreement's queues
  std::function<bool(Instant)> covered;  // inside the coverage calendar
  std::vector<domain::WeeklySpan> hours;  // the calendar's weekly spans (edge hours)
  const PeriodScheme* periods = nullptr;  // REQUIRED: in the calendar's zone, for [from, to)
  Definitions definitions;
  double trim_below_per_week = 2;
  double extend_above_per_week = 5;
  double service_level_percent = 80;  // the target agent-hours are sized for
  double threshold_seconds = 20;
  std::optional<std::int64_t> cost_per_agent_hour_minor;
};

struct CoverageCell {
  std::int64_t contacts = 0, answered = 0, missed = 0;
};

struct HourOfWeekCoverage {
  CoverageCell inside, outside;
};

// A stretch of coverage in the week: weekly spans that touch or overlap form one block
// (Monday 09:00–12:00 and 12:00–17:00 are one block), so that an edge is never inside
// coverage. Minutes of the week, local; a block may run past Sunday midnight.
struct CoverageBlock {
  std::uint32_t start = 0;   // minute of the week, 0 … 10079
  std::uint32_t length = 0;  // minutes, < 10080
};

struct EdgeHour {
  CoverageBlock block;
  bool first = true;  // the block's first hour, else its last (a block of an hour or less
                      // has only a first)
  std::int64_t contacts = 0;
  double per_week = 0;
};

struct Recommendation {
  enum class Kind { kTrim, kExtend } kind = Kind::kTrim;
  std::uint32_t hour_of_week = 0;  // local; for a trim, the hour the edge starts in
  std::optional<EdgeHour> edge;     // trims
  double contacts_per_week = 0;
  int agents = 0;  // Erlang C at the target for the hour's mean load, at least 1
  double agent_hours_per_year = 0;
  std::optional<std::int64_t> money_per_year_minor;
};

struct Coverage {
  double weeks = 0;  // length of the range in weeks
  std::optional<double> handle_seconds;  // mean handle time of the answered, for sizing
  std::array<HourOfWeekCoverage, 168> hours{};
  std::vector<EdgeHour> edges;
  std::vector<Recommendation> recommendations;  // trims, then extensions, by hour of week
};

// The blocks of `hours` by start; none when the spans cover the whole week.
std::vector<CoverageBlock> CoverageBlocks(const std::vector<domain::WeeklySpan>& hours);

Result<Coverage> AnalyseCoverage(const Projection& projection, const CoverageRequest& request);

}  // namespace rapport::analytics
