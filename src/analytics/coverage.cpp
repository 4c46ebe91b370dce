#include "analytics/coverage.hpp"

#include <algorithm>
#include <cmath>

#include "analytics/staffing.hpp"

namespace rapport::analytics {

namespace {

constexpr std::uint32_t kMinutesPerWeek = 7 * 1440;
constexpr double kWeeksPerYear = 365.25 / 7;


// Whether minute-of-week `m` lies in [start, start + length) of the week's circle.
bool Within(std::uint32_t m, std::uint32_t start, std::uint32_t length) {
  return (m + kMinutesPerWeek - start) % kMinutesPerWeek < length;
}

}  // namespace

std::vector<CoverageBlock> CoverageBlocks(const std::vector<domain::WeeklySpan>& hours) {
  std::vector<bool> covered(kMinutesPerWeek, false);
  for (const domain::WeeklySpan& span : hours) {
    const std::uint32_t day = static_cast<std::uint32_t>(span.day) * 1440;
    const auto start = static_cast<std::uint32_t>(span.start.minutes);
    auto end = static_cast<std::uint32_t>(span.end.minutes);
    if (end <= start) end += 1440;  // runs past midnight
    for (std::uint32_t m = start; m < end; ++m) covered[(day + m) % kMinutesPerWeek] = true;
  }
  // Runs of covered minutes around the week's circle, from an uncovered minute.
  auto gap = std::find(covered.begin(), covered.end(), false);
  if (gap == covered.end()) return {};
  const auto origin = static_cast<std::uint32_t>(gap - covered.begin());
  std::vector<CoverageBlock> blocks;
  for (std::uint32_t i = 1; i <= kMinutesPerWeek; ++i) {
    const std::uint32_t m = (origin + i) % kMinutesPerWeek;
    if (!covered[m]) continue;
    if (blocks.empty() || (blocks.back().start + blocks.back().length) % kMinutesPerWeek != m) {
      blocks.push_back({m, 0});
    }
    ++blocks.back().length;
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const CoverageBlock& a, const CoverageBlock& b) { return a.start < b.start; });
  return blocks;
}

Result<Coverage> AnalyseCoverage(const Projection& projection, const CoverageRequest& request) {
  RAPPORT_CHECK(request.periods != nullptr && request.covered);
  Coverage out;
  out.weeks = static_cast<double>(request.scope.to.ms - request.scope.from.ms) / (7 * 86'400'000.0);

  struct Edge {
    CoverageBlock window;
    EdgeHour hour;
  };
  std::vector<Edge> edges;
  for (const CoverageBlock& block : CoverageBlocks(request.hours)) {
    const std::uint32_t hour = std::min<std::uint32_t>(60, block.length);
    edges.push_back({{block.start, hour}, {block, true}});
    if (block.length > 60) {
      edges.push_back({{(block.start + block.length - hour) % kMinutesPerWeek, hour}, {block, false}});
    }
  }

  const ContactCounter counter(request.scope, request.definitions);
  const ContactTable& c = projection.contacts;
  Tally handled;
  PeriodScheme::Hint hint;
  for (std::size_t b = 0; b < c.blocks().size(); ++b) {
    const auto& block = c.blocks()[b];
    if (block.last_arrival < request.scope.from || block.first_arrival >= request.scope.to) continue;
    const std::size_t end = std::min(c.size(), (b + 1) * ContactTable::kBlockRows);
    for (std::size_t row = b * ContactTable::kBlockRows; row < end; ++row) {
      if (!counter.Counts(c, row)) continue;
      Tally one;
      counter.Add(one, c, row);
      handled.Add(one);
      const std::int64_t contacts = one.offered + one.missed_off_hours;
      if (contacts == 0) continue;  // a short abandon
      const Instant at{c.arrived_[row]};
      const bool inside = request.covered(at);
      const std::uint32_t minute = request.periods->MinuteOfWeek(at, hint);
      CoverageCell& cell = inside ? out.hours[minute / 60].inside : out.hours[minute / 60].outside;
      cell.contacts += contacts;
      cell.answered += one.answered;
      cell.missed += contacts - one.answered;
      if (!inside) continue;
      for (Edge& edge : edges) {
        if (Within(minute, edge.window.start, edge.window.length)) ++edge.hour.contacts;
      }
    }
  }
  out.handle_seconds = RatesOf(handled).aht_seconds;

  // Agents for an hour with `per_week` contacts on average, at the target, at least one.
  StaffingTarget target;
  target.service_level = request.service_level_percent / 100;
  target.threshold_seconds = request.threshold_seconds;
  auto agents_for = [&](double per_week) -> Result<int> {
    if (!out.handle_seconds || *out.handle_seconds <= 0 || per_week <= 0) return 1;
    auto staffing = AgentsRequired(per_week * *out.handle_seconds / 3600, *out.handle_seconds, target);
    if (!staffing) return std::unexpected(staffing.error());
    return std::max(1, staffing->agents);
  };
  auto recommend = [&](Recommendation r) -> Result<void> {
    auto agents = agents_for(r.contacts_per_week);
    if (!agents) return std::unexpected(agents.error());
    r.agents = *agents;
    r.agent_hours_per_year = r.agents * kWeeksPerYear;
    if (request.cost_per_agent_hour_minor) {
      r.money_per_year_minor =
          static_cast<std::int64_t>(std::llround(r.agent_hours_per_year * static_cast<double>(*request.cost_per_agent_hour_minor)));
    }
    out.recommendations.push_back(r);
    return {};
  };

  const double weeks = std::max(out.weeks, 1e-9);
  for (Edge& edge : edges) {
    edge.hour.per_week = static_cast<double>(edge.hour.contacts) / weeks;
    out.edges.push_back(edge.hour);
    if (edge.hour.per_week < request.trim_below_per_week) {
      Recommendation r;
      r.kind = Recommendation::Kind::kTrim;
      r.hour_of_week = edge.window.start / 60;
      r.edge = edge.hour;
      r.contacts_per_week = edge.hour.per_week;
      if (auto done = recommend(r); !done) return std::unexpected(done.error());
    }
  }
  // Trims by hour of the week, as promised: edges come in span order, and the last hour of
  // a span past Sunday midnight (Monday 01:00) precedes its first (Sunday 22:00).
  std::stable_sort(out.recommendations.begin(), out.recommendations.end(),
                   [](const Recommendation& a, const Recommendation& b) { return a.hour_of_week < b.hour_of_week; });
  for (std::uint32_t hour = 0; hour < 168; ++hour) {
    const double per_week = static_cast<double>(out.hours[hour].outside.contacts) / weeks;
    if (per_week <= request.extend_above_per_week) continue;
    Recommendation r;
    r.kind = Recommendation::Kind::kExtend;
    r.hour_of_week = hour;
    r.contacts_per_week = per_week;
    if (auto done = recommend(r); !done) return std::unexpected(done.error());
  }
  return out;
}

}  // namespace rapport::analytics
