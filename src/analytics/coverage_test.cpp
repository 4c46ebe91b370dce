// Coverage hours by worked examples: two weeks from Monday 2024-04-01, contacts placed by
// hand inside and outside a coverage calendar, and the cells, edge hours and
// recommendations derived in a comment beside each test.
//
// Hours of the week (0 = Monday 00:00–01:00): Mon 08 → 8, Mon 09 → 9, Mon 16 → 16,
// Tue 09 → 33, Tue 16 → 40, Wed 12 → 60, Fri 09 → 105, Fri 16 → 112, Sat 10 → 130,
// Sun 22 → 166.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/coverage.hpp"
#include "analytics/periods.hpp"
#include "analytics/staffing.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {
namespace {

using domain::Weekday;
using domain::WeeklySpan;
using Kind = Recommendation::Kind;

constexpr double kEps = 1e-9;
constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;
constexpr double kWeeksPerYear = 365.25 / 7;  // 52.18

Instant At(const char* text) {
  auto at = ParseRfc3339(text);
  EXPECT_TRUE(at) << text;
  return at.value_or(Instant{});
}

// Monday 2024-04-01 00:00 UTC plus `week` weeks, `day` days (0: Monday), `hh`:`mm`.
Instant Utc(int week, int day, int hh, int mm = 0) {
  return Instant{At("2024-04-01T00:00:00Z").ms + (week * 7 + day) * kDay + hh * kHour + mm * kMinute};
}

// Weekday (0: Monday) and minute of the day of `at` shifted by `offset_ms` (the zone's).
struct Local {
  int weekday, minute;
};
Local LocalOf(Instant at, std::int64_t offset_ms) {
  const std::int64_t local = at.ms + offset_ms;
  const std::int64_t day = local / kDay;  // instants here are after 1970
  return {static_cast<int>((day + 3) % 7), static_cast<int>(local % kDay / kMinute)};  // 1970-01-01: Thursday
}

WeeklySpan Span(Weekday day, int start_hh, int end_hh) {
  return {day, TimeOfDay{start_hh * 60}, TimeOfDay{end_hh * 60}};
}

class Weeks {
 public:
  void Answered(int n, Instant at, std::int64_t wait = 10, std::int64_t talk = 300) {
    for (int i = 0; i < n; ++i) {
      domain::Interaction x = Base(at);
      x.answered_at = Instant{at.ms + wait * 1000};
      x.ended_at = Instant{x.answered_at->ms + talk * 1000};
      Add(x);
    }
  }
  void Abandoned(int n, Instant at, std::int64_t wait) {
    for (int i = 0; i < n; ++i) {
      domain::Interaction x = Base(at);
      x.outcome = domain::Outcome::kAbandoned;
      x.ended_at = Instant{at.ms + wait * 1000};
      Add(x);
    }
  }
  void MissedOffHours(int n, Instant at) {
    for (int i = 0; i < n; ++i) {
      domain::Interaction x = Base(at);
      x.outcome = domain::Outcome::kMissedOffHours;
      x.ended_at = at;
      Add(x);
    }
  }
  Projection projection;

 private:
  domain::Interaction Base(Instant at) const {
    domain::Interaction x;
    x.arrived_at = at;
    x.queue_id = 1;
    x.vendor_id = 5;
    return x;
  }
  void Add(domain::Interaction x) {
    x.meta.id = ++next_id_;
    projection.contacts.Upsert(x, projection.categories);
  }
  domain::Id next_id_ = 0;
};

// Two weeks in `zone`, hourly periods, queue 1.
struct TwoWeeks {
  TwoWeeks(Instant from, const char* zone) {
    request.scope.from = from;
    request.scope.to = Instant{from.ms + 14 * kDay};
    request.scope.queues = {1};
    periods.emplace(PeriodScheme::Create(Granularity::kHour, zone, request.scope.from,
                                         request.scope.to).value());
    request.periods = &*periods;
  }
  std::optional<PeriodScheme> periods;
  CoverageRequest request;
};

void ExpectCell(const CoverageCell& cell, std::int64_t contacts, std::int64_t answered,
                std::int64_t missed, const char* what) {
  EXPECT_EQ(cell.contacts, contacts) << what;
  EXPECT_EQ(cell.answered, answered) << what;
  EXPECT_EQ(cell.missed, missed) << what;
}

// Monday–Friday 09:00–17:00 UTC, as a predicate and as spans; 2 weeks; every answered
// contact waits 10 s and talks 300 s, so the mean handle time is 300 s. Target 80 % in
// 20 s, 2500 minor units per agent hour. Contacts (each week unless said):
//   Mon 09:15 answered (week 0), Mon 09:40 abandoned after 30 s (week 1)   inside, hour 9
//   Mon 09:20 abandoned after 2 s (week 0): a short abandon, counted nowhere
//   Mon 16:10 3 answered                                                   inside, hour 16
//   Mon 08:30 2 answered, Mon 08:45 4 missed off hours                     outside, hour 8
//   Mon 08:50 abandoned after 3 s (week 0): short, counted nowhere
//   Tue, Wed, Thu: 2 answered at 09:30 and 2 at 16:30; Fri: 2 at 09:30 only
//   Wed 12:00 1 answered                                                   inside, hour 60
//   Sat 10:00 5 answered                                                   outside, hour 130
// Cells: hour 8 outside 12 contacts, 4 answered, 8 missed; hour 9 inside 2, 1, 1;
//   hour 16 inside 6, 6, 0; Tue 09 (33) and Fri 09 (105) inside 4, 4, 0; Fri 16 (112)
//   empty; hour 60 inside 2; hour 130 outside 10; 60 contacts in all.
// Edge hours, per week over 2 weeks: Mon first 2 → 1; Mon last 6 → 3; Tue–Thu first and
//   last and Fri first 4 → 2; Fri last 0 → 0.
// Trims (below 2 a week; 2 is not below 2): Mon first (hour 9, 1/week), Fri last (hour
//   112, 0/week). Extension (above 5 a week; Sat 10 at exactly 5 is not): hour 8, 6/week.
// Agents, Erlang C with h = 300 s, T = 20 s:
//   hour 9:  A = 1 × 300/3600 = 0.083; N = 1: C = A, SL = 1 − 0.083 e^(−0.061) = 0.92 → 1
//   hour 112: no load → at least 1
//   hour 8:  A = 6 × 300/3600 = 0.5; N = 1: SL = 1 − 0.5 e^(−0.033) = 0.52;
//            N = 2: C = 0.1, SL = 1 − 0.1 e^(−0.1) = 0.91 → 2
// Agent-hours a year = agents × 365.25/7: 52.18 (trims), 104.36 (extension);
// money = × 2500: 130446.4 → 130446, 260892.9 → 260893.
TEST(AnalyseCoverage, WeekdayCalendarCellsEdgesAndRecommendations) {
  Weeks w;
  w.Answered(1, Utc(0, 0, 9, 15));
  w.Abandoned(1, Utc(1, 0, 9, 40), 30);
  w.Abandoned(1, Utc(0, 0, 9, 20), 2);
  w.Abandoned(1, Utc(0, 0, 8, 50), 3);
  for (int week = 0; week < 2; ++week) {
    w.Answered(3, Utc(week, 0, 16, 10));
    w.Answered(2, Utc(week, 0, 8, 30));
    w.MissedOffHours(4, Utc(week, 0, 8, 45));
    for (int day = 1; day <= 4; ++day) w.Answered(2, Utc(week, day, 9, 30));
    for (int day = 1; day <= 3; ++day) w.Answered(2, Utc(week, day, 16, 30));
    w.Answered(1, Utc(week, 2, 12, 0));
    w.Answered(5, Utc(week, 5, 10, 0));
  }
  TwoWeeks t(Utc(0, 0, 0), "UTC");
  t.request.covered = [](Instant at) {
    const Local l = LocalOf(at, 0);
    return l.weekday < 5 && l.minute >= 9 * 60 && l.minute < 17 * 60;
  };
  for (Weekday d : {Weekday::kMonday, Weekday::kTuesday, Weekday::kWednesday, Weekday::kThursday,
                    Weekday::kFriday}) {
    t.request.hours.push_back(Span(d, 9, 17));
  }
  t.request.cost_per_agent_hour_minor = 2500;

  auto c = AnalyseCoverage(w.projection, t.request);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NEAR(c->weeks, 2, kEps);
  ASSERT_TRUE(c->handle_seconds);
  EXPECT_NEAR(*c->handle_seconds, 300, kEps);

  ExpectCell(c->hours[8].outside, 12, 4, 8, "Mon 08 outside");
  ExpectCell(c->hours[8].inside, 0, 0, 0, "Mon 08 inside");
  ExpectCell(c->hours[9].inside, 2, 1, 1, "Mon 09 inside");
  ExpectCell(c->hours[9].outside, 0, 0, 0, "Mon 09 outside");
  ExpectCell(c->hours[16].inside, 6, 6, 0, "Mon 16 inside");
  ExpectCell(c->hours[33].inside, 4, 4, 0, "Tue 09 inside");
  ExpectCell(c->hours[40].inside, 4, 4, 0, "Tue 16 inside");
  ExpectCell(c->hours[60].inside, 2, 2, 0, "Wed 12 inside");
  ExpectCell(c->hours[105].inside, 4, 4, 0, "Fri 09 inside");
  ExpectCell(c->hours[112].inside, 0, 0, 0, "Fri 16 inside");
  ExpectCell(c->hours[130].outside, 10, 10, 0, "Sat 10 outside");
  std::int64_t all = 0;
  for (const auto& h : c->hours) all += h.inside.contacts + h.outside.contacts;
  EXPECT_EQ(all, 60);

  // Edges: in block order, first then last.
  ASSERT_EQ(c->edges.size(), 10u);
  EXPECT_TRUE(c->edges[0].first);
  EXPECT_EQ(c->edges[0].block.start, 0u * 1440 + 9 * 60);  // Monday 09:00
  EXPECT_EQ(c->edges[0].contacts, 2);
  EXPECT_NEAR(c->edges[0].per_week, 1, kEps);
  EXPECT_FALSE(c->edges[1].first);
  EXPECT_EQ(c->edges[1].contacts, 6);
  EXPECT_NEAR(c->edges[1].per_week, 3, kEps);
  for (std::size_t i = 2; i < 9; ++i) {
    EXPECT_EQ(c->edges[i].contacts, 4) << i;
    EXPECT_NEAR(c->edges[i].per_week, 2, kEps) << i;
  }
  EXPECT_EQ(c->edges[9].block.start, 4u * 1440 + 9 * 60);  // Friday 09:00
  EXPECT_FALSE(c->edges[9].first);
  EXPECT_EQ(c->edges[9].contacts, 0);

  // The agents by hand agree with AgentsRequired.
  StaffingTarget target;
  target.service_level = 0.8;
  target.threshold_seconds = 20;
  EXPECT_EQ(AgentsRequired(1 * 300 / 3600.0, 300, target)->agents, 1);
  EXPECT_EQ(AgentsRequired(6 * 300 / 3600.0, 300, target)->agents, 2);

  ASSERT_EQ(c->recommendations.size(), 3u);
  const Recommendation& mon = c->recommendations[0];
  EXPECT_EQ(mon.kind, Kind::kTrim);
  EXPECT_EQ(mon.hour_of_week, 9u);
  ASSERT_TRUE(mon.edge);
  EXPECT_TRUE(mon.edge->first);
  EXPECT_NEAR(mon.contacts_per_week, 1, kEps);
  EXPECT_EQ(mon.agents, 1);
  EXPECT_NEAR(mon.agent_hours_per_year, kWeeksPerYear, kEps);
  EXPECT_NEAR(mon.agent_hours_per_year, 52.18, 0.005);
  EXPECT_EQ(mon.money_per_year_minor, 130446);

  const Recommendation& fri = c->recommendations[1];
  EXPECT_EQ(fri.kind, Kind::kTrim);
  EXPECT_EQ(fri.hour_of_week, 112u);
  ASSERT_TRUE(fri.edge);
  EXPECT_FALSE(fri.edge->first);
  EXPECT_NEAR(fri.contacts_per_week, 0, kEps);
  EXPECT_EQ(fri.agents, 1);
  EXPECT_EQ(fri.money_per_year_minor, 130446);

  const Recommendation& early = c->recommendations[2];
  EXPECT_EQ(early.kind, Kind::kExtend);
  EXPECT_EQ(early.hour_of_week, 8u);
  EXPECT_FALSE(early.edge);
  EXPECT_NEAR(early.contacts_per_week, 6, kEps);
  EXPECT_EQ(early.agents, 2);
  EXPECT_NEAR(early.agent_hours_per_year, 2 * kWeeksPerYear, kEps);
  EXPECT_EQ(early.money_per_year_minor, 260893);
}

// A span running past midnight: Sunday 22:00–02:00 (it ends Monday 02:00), UTC, 2 weeks
// from Mon Apr 1 (whose 00:00–02:00 is the tail of Sunday Mar 31's span).
//   Sun Apr 7 22:30 ×2, Sun Apr 14 22:10 ×1   inside, hour 166, the first edge: 3 → 1.5/week
//   Mon Apr 1 01:30, Mon Apr 8 01:15          inside, hour 1, the last edge: 2 → 1/week
//   Mon Apr 8 00:30 ×4                        inside, hour 0, neither edge
//   Mon Apr 8 02:30                           outside, hour 2
// Both edges fall below 2 a week → two trims, listed by hour of the week: hour 1 (the
// span's last hour, Monday 01:00) before hour 166 (its first, Sunday 22:00). One agent
// each (A = 1.5 × 300/3600 = 0.125 → SL with 1 agent 0.88). No cost → no money.
TEST(AnalyseCoverage, SpanPastMidnight) {
  Weeks w;
  w.Answered(2, Utc(0, 6, 22, 30));
  w.Answered(1, Utc(1, 6, 22, 10));
  w.Answered(1, Utc(0, 0, 1, 30));
  w.Answered(1, Utc(1, 0, 1, 15));
  w.Answered(4, Utc(1, 0, 0, 30));
  w.Answered(1, Utc(1, 0, 2, 30));
  TwoWeeks t(Utc(0, 0, 0), "UTC");
  t.request.covered = [](Instant at) {
    const Local l = LocalOf(at, 0);
    return (l.weekday == 6 && l.minute >= 22 * 60) || (l.weekday == 0 && l.minute < 2 * 60);
  };
  t.request.hours = {Span(Weekday::kSunday, 22, 2)};

  auto c = AnalyseCoverage(w.projection, t.request);
  ASSERT_TRUE(c) << c.error().message;
  ExpectCell(c->hours[166].inside, 3, 3, 0, "Sun 22 inside");
  ExpectCell(c->hours[1].inside, 2, 2, 0, "Mon 01 inside");
  ExpectCell(c->hours[0].inside, 4, 4, 0, "Mon 00 inside");
  ExpectCell(c->hours[2].outside, 1, 1, 0, "Mon 02 outside");

  ASSERT_EQ(c->edges.size(), 2u);
  EXPECT_TRUE(c->edges[0].first);
  EXPECT_EQ(c->edges[0].contacts, 3);
  EXPECT_NEAR(c->edges[0].per_week, 1.5, kEps);
  EXPECT_FALSE(c->edges[1].first);
  EXPECT_EQ(c->edges[1].contacts, 2);
  EXPECT_NEAR(c->edges[1].per_week, 1, kEps);

  ASSERT_EQ(c->recommendations.size(), 2u);
  EXPECT_EQ(c->recommendations[0].kind, Kind::kTrim);
  EXPECT_EQ(c->recommendations[0].hour_of_week, 1u);
  ASSERT_TRUE(c->recommendations[0].edge);
  EXPECT_FALSE(c->recommendations[0].edge->first);
  EXPECT_EQ(c->recommendations[1].kind, Kind::kTrim);
  EXPECT_EQ(c->recommendations[1].hour_of_week, 166u);
  ASSERT_TRUE(c->recommendations[1].edge);
  EXPECT_TRUE(c->recommendations[1].edge->first);
  for (const Recommendation& r : c->recommendations) {
    EXPECT_EQ(r.agents, 1);
    EXPECT_FALSE(r.money_per_year_minor);
  }
}

// Europe/Berlin: all of April 2024 is CEST, UTC+2 (the change was Mar 31 01:00 UTC, before
// the range). Two weeks from Berlin's Mon Apr 1 00:00 = 2024-03-31T22:00Z; coverage is
// Monday–Friday 09:00–17:00 Berlin time.
//   2024-03-31T22:30Z = Mon 00:30 Berlin   outside, hour 0   (in UTC: Sun 22, hour 166)
//   2024-04-01T06:30Z = Mon 08:30          outside, hour 8, missed off hours
//   2024-04-01T07:30Z = Mon 09:30          inside,  hour 9, Monday's first edge
//   2024-04-05T14:45Z = Fri 16:45          inside,  hour 112, Friday's last edge
//   2024-04-05T15:15Z = Fri 17:15          outside, hour 113
// UTC hours 166, 6, 7, 110 and 111 stay empty. Every edge is below 2 a week → 10 trims in
// span order (Mon first, hour 9; … Fri last, hour 112); nothing outside exceeds 5 a week.
TEST(AnalyseCoverage, ZoneShiftsTheHourOfWeek) {
  Weeks w;
  w.Answered(1, At("2024-03-31T22:30:00Z"));
  w.MissedOffHours(1, At("2024-04-01T06:30:00Z"));
  w.Answered(1, At("2024-04-01T07:30:00Z"));
  w.Answered(1, At("2024-04-05T14:45:00Z"));
  w.Answered(1, At("2024-04-05T15:15:00Z"));
  TwoWeeks t(At("2024-03-31T22:00:00Z"), "Europe/Berlin");
  t.request.covered = [](Instant at) {
    const Local l = LocalOf(at, 2 * kHour);
    return l.weekday < 5 && l.minute >= 9 * 60 && l.minute < 17 * 60;
  };
  for (Weekday d : {Weekday::kMonday, Weekday::kTuesday, Weekday::kWednesday, Weekday::kThursday,
                    Weekday::kFriday}) {
    t.request.hours.push_back(Span(d, 9, 17));
  }

  auto c = AnalyseCoverage(w.projection, t.request);
  ASSERT_TRUE(c) << c.error().message;
  ExpectCell(c->hours[0].outside, 1, 1, 0, "Mon 00 outside");
  ExpectCell(c->hours[8].outside, 1, 0, 1, "Mon 08 outside");
  ExpectCell(c->hours[9].inside, 1, 1, 0, "Mon 09 inside");
  ExpectCell(c->hours[112].inside, 1, 1, 0, "Fri 16 inside");
  ExpectCell(c->hours[113].outside, 1, 1, 0, "Fri 17 outside");
  for (int h : {166, 6, 7, 110, 111}) {
    EXPECT_EQ(c->hours[h].inside.contacts + c->hours[h].outside.contacts, 0) << h;
  }
  ASSERT_EQ(c->edges.size(), 10u);
  EXPECT_EQ(c->edges[0].contacts, 1);  // Mon first
  EXPECT_EQ(c->edges[9].contacts, 1);  // Fri last
  ASSERT_EQ(c->recommendations.size(), 10u);
  EXPECT_EQ(c->recommendations.front().hour_of_week, 9u);
  EXPECT_EQ(c->recommendations.back().hour_of_week, 112u);
  for (const Recommendation& r : c->recommendations) {
    EXPECT_EQ(r.kind, Kind::kTrim);
    EXPECT_GE(r.agents, 1);
    EXPECT_FALSE(r.money_per_year_minor);
  }
}

}  // namespace
}  // namespace rapport::analytics

namespace rapport::analytics {
namespace {

// Spans that touch merge into one block, so no edge lies inside coverage; a block of an
// hour or less has one edge; a block may run past Sunday midnight; 24×7 has no blocks.
TEST(CoverageBlocks, MergeTouchingSpansAndWrapTheWeek) {
  using domain::WeeklySpan;
  auto at = [](int hh, int mm = 0) { return TimeOfDay{hh * 60 + mm}; };
  std::vector<WeeklySpan> hours = {
      {Weekday::kMonday, at(12), at(17)},     // touches the next
      {Weekday::kMonday, at(9), at(12)},
      {Weekday::kTuesday, at(9), at(9, 30)},  // half an hour
      {Weekday::kSunday, at(22), at(2)},      // runs into Monday
  };
  auto blocks = CoverageBlocks(hours);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].start, 9u * 60);  // Monday 09:00–17:00
  EXPECT_EQ(blocks[0].length, 8u * 60);
  EXPECT_EQ(blocks[1].start, 1440u + 9 * 60);  // Tuesday 09:00–09:30
  EXPECT_EQ(blocks[1].length, 30u);
  EXPECT_EQ(blocks[2].start, 6u * 1440 + 22 * 60);  // Sunday 22:00 – Monday 02:00
  EXPECT_EQ(blocks[2].length, 4u * 60);

  std::vector<WeeklySpan> always;
  for (int d = 0; d < 7; ++d) always.push_back({static_cast<Weekday>(d), at(0), at(24)});
  EXPECT_TRUE(CoverageBlocks(always).empty());
}

}  // namespace
}  // namespace rapport::analytics
