// Hand-checked cases of the calendar arithmetic and the clocks. The file-driven cases
// (sla_cases_test) and the brute-force property test (sla_property_test) cover the rest.
#include <gtest/gtest.h>

#include "sla/calendar.hpp"
#include "sla/clock.hpp"

namespace rapport::sla {
namespace {

using domain::Weekday;

Instant At(std::string_view text) { return *ParseRfc3339(text); }
TimeOfDay T(std::string_view text) { return *ParseTimeOfDay(text); }

domain::Calendar Calendar(std::string zone, std::vector<domain::WeeklySpan> hours) {
  domain::Calendar c;
  c.name = "test";
  c.time_zone = std::move(zone);
  c.hours = std::move(hours);
  return c;
}

TEST(BusinessCalendar, SkippedLocalHourAddsNothing) {
  // 2023-03-12 is a Sunday; New York skips 02:00-03:00.
  auto cal = BusinessCalendar::Compile(
      Calendar("America/New_York", {{Weekday::kSunday, T("01:00"), T("04:00")}}), 2023, 2023);
  ASSERT_TRUE(cal);
  EXPECT_EQ(cal->Between(At("2023-03-12T00:00:00Z"), At("2023-03-13T00:00:00Z")),
            2 * 60 * kMillisPerMinute);
  // 01:00 EST is 06:00Z; 04:00 EDT is 08:00Z.
  EXPECT_EQ(cal->NextBusiness(At("2023-03-12T00:00:00Z")), At("2023-03-12T06:00:00Z"));
  EXPECT_EQ(cal->Add(At("2023-03-12T06:00:00Z"), 2 * 60 * kMillisPerMinute),
            At("2023-03-12T08:00:00Z"));
}

TEST(BusinessCalendar, RepeatedLocalHourCountsTwice) {
  // 2023-11-05 is a Sunday; New York repeats 01:00-02:00.
  auto cal = BusinessCalendar::Compile(
      Calendar("America/New_York", {{Weekday::kSunday, T("00:00"), T("03:00")}}), 2023, 2023);
  ASSERT_TRUE(cal);
  EXPECT_EQ(cal->Between(At("2023-11-05T00:00:00Z"), At("2023-11-06T00:00:00Z")),
            4 * 60 * kMillisPerMinute);
}

TEST(BusinessCalendar, SpanAcrossMidnightBelongsToItsStartDay) {
  auto cal = BusinessCalendar::Compile(
      Calendar("UTC", {{Weekday::kFriday, T("22:00"), T("02:00")}}), 2024, 2024);
  ASSERT_TRUE(cal);
  // Friday 2024-06-07 22:00 to Saturday 02:00.
  EXPECT_EQ(cal->Between(At("2024-06-07T00:00:00Z"), At("2024-06-09T00:00:00Z")),
            4 * 60 * kMillisPerMinute);
  EXPECT_EQ(cal->Add(At("2024-06-07T12:00:00Z"), 3 * 60 * kMillisPerMinute),
            At("2024-06-08T01:00:00Z"));
  // Exactly at the end of a span is that end, not the next start.
  EXPECT_EQ(cal->Add(At("2024-06-07T22:00:00Z"), 4 * 60 * kMillisPerMinute),
            At("2024-06-08T02:00:00Z"));
}

TEST(Clock, PendingCustomerPausesResolution) {
  BusinessCalendar always;
  ClockSpec spec{{domain::ClockMetric::kResolution, 60, true, 10, std::nullopt}, 7, std::nullopt,
                 &always};
  CaseHistory history{At("2024-01-01T10:00:00Z"),
                      {{At("2024-01-01T10:05:00Z"), domain::CaseStatus::kOpen},
                       {At("2024-01-01T10:20:00Z"), domain::CaseStatus::kPendingCustomer},
                       {At("2024-01-01T12:00:00Z"), domain::CaseStatus::kOpen}},
                      {}};
  auto clock = ComputeClock(spec, history, At("2024-01-01T12:30:00Z"));
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->state, domain::ClockState::kRunning);
  EXPECT_EQ(clock->elapsed_seconds, 50 * 60);
  EXPECT_EQ(clock->due_at, At("2024-01-01T12:40:00Z"));
  EXPECT_EQ(clock->warned_at, At("2024-01-01T12:30:00Z"));
  ASSERT_EQ(clock->pauses.size(), 1u);
  EXPECT_EQ(clock->pauses[0].to, At("2024-01-01T12:00:00Z"));
}

TEST(Clock, AlarmsKeepTheBreachesOfFinishedCycles) {
  BusinessCalendar always;
  ClockSpec spec{{domain::ClockMetric::kNextResponse, 30, false, 10, std::nullopt}, 7,
                 std::nullopt, &always};
  CaseHistory history{At("2024-01-01T10:00:00Z"),
                      {{At("2024-01-01T10:00:00Z"), domain::CaseStatus::kOpen}},
                      {{At("2024-01-01T10:05:00Z"), false},    // first response
                       {At("2024-01-01T11:00:00Z"), true},     // cycle 1 ...
                       {At("2024-01-01T11:45:00Z"), false},    // ... answered 15 min late
                       {At("2024-01-01T12:00:00Z"), true}}};  // cycle 2, running
  Alarms alarms;
  auto clock = ComputeClock(spec, history, At("2024-01-01T12:10:00Z"), nullptr, &alarms);
  ASSERT_TRUE(clock);
  EXPECT_EQ(clock->cycles, 2);
  EXPECT_EQ(clock->breaches, 1);
  ASSERT_EQ(alarms.finished.size(), 1u);
  EXPECT_EQ(alarms.finished[0].cycle, 1);
  EXPECT_EQ(alarms.finished[0].warned_at, At("2024-01-01T11:20:00Z"));
  EXPECT_EQ(alarms.finished[0].breached_at, At("2024-01-01T11:30:00Z"));
  EXPECT_EQ(alarms.warning, At("2024-01-01T12:20:00Z"));
  EXPECT_EQ(alarms.breach, At("2024-01-01T12:30:00Z"));
}

}  // namespace
}  // namespace rapport::sla
