// Stretches over periods by worked examples: months of 2024 in UTC and in a zone, stretches
// placed by hand around the periods' edges, the expected counts derived beside each.
#include "analytics/stretches.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace rapport::analytics {
namespace {

Instant At(const char* text) {
  auto at = ParseRfc3339(text);
  EXPECT_TRUE(at) << text;
  return at.value_or(Instant{});
}

Stretch S(const char* begin, const char* end, std::uint32_t key = 0) {
  return {At(begin), end ? std::optional<Instant>(At(end)) : std::nullopt, key};
}

PeriodScheme Months(const char* zone, Instant from, Instant to) {
  auto scheme = PeriodScheme::Create(Granularity::kMonth, zone, from, to);
  EXPECT_TRUE(scheme);
  return *scheme;
}

// began, ended and open_at_end of one period and key.
void Expect(const StretchReport& r, std::uint32_t period, std::uint32_t key, std::int64_t began,
            std::int64_t ended, std::int64_t open) {
  const StretchCounts& c = r.counts.at(period).at(key);
  EXPECT_EQ(c.began, began) << "period " << period << " key " << key;
  EXPECT_EQ(c.ended, ended) << "period " << period << " key " << key;
  EXPECT_EQ(c.open_at_end, open) << "period " << period << " key " << key;
}

TEST(Stretches, BeganEndedAndOpenAtEachPeriodsEnd) {
  const Instant from = At("2024-01-01T00:00:00Z"), to = At("2024-04-01T00:00:00Z");
  const Instant now = At("2024-03-15T12:00:00Z");
  const std::vector<Stretch> stretches = {
      // Began before the range, ended in January: counts as ended there, open at no end.
      S("2023-12-20T00:00:00Z", "2024-01-10T00:00:00Z"),
      // Began in January, still open: open at the end of January, February and now.
      S("2024-01-05T00:00:00Z", nullptr),
      // Began in February, ended exactly at February's end: open at that end (its last
      // instant), ended in March.
      S("2024-02-10T00:00:00Z", "2024-03-01T00:00:00Z"),
      // Began exactly at January's end: not open at it; began and ended in February.
      S("2024-02-01T00:00:00Z", "2024-02-01T01:00:00Z"),
      // Another key, begun just before now: open at March's known end (now).
      S("2024-03-14T00:00:00Z", nullptr, 1),
  };
  const auto r = CountStretches(stretches, 2, Months("UTC", from, to), from, to, now);
  ASSERT_EQ(r.counts.size(), 3u);
  EXPECT_EQ(r.known_periods, 3u);
  Expect(r, 0, 0, /*began*/ 1, /*ended*/ 1, /*open*/ 1);
  Expect(r, 1, 0, 2, 1, 2);
  Expect(r, 2, 0, 0, 1, 1);
  Expect(r, 0, 1, 0, 0, 0);
  Expect(r, 2, 1, 1, 0, 1);
}

TEST(Stretches, PeriodsAfterNowHaveNoKnownOpenCount) {
  const Instant from = At("2024-01-01T00:00:00Z"), to = At("2024-04-01T00:00:00Z");
  const Instant now = At("2024-02-15T00:00:00Z");
  const auto r = CountStretches({S("2024-01-05T00:00:00Z", nullptr)}, 1, Months("UTC", from, to),
                                from, to, now);
  EXPECT_EQ(r.known_periods, 2u);
  Expect(r, 0, 0, 1, 0, 1);
  Expect(r, 1, 0, 0, 0, 1);
  Expect(r, 2, 0, 0, 0, 0);  // March has not begun: unknown, reported as 0
}

TEST(Stretches, RangeCutsTheFirstAndLastPeriods) {
  // From mid-January to mid-February: a stretch begun in early January is not counted as
  // begun, and the last period's end is `to`, so one that ends after `to` but within
  // February is open there.
  const Instant from = At("2024-01-15T00:00:00Z"), to = At("2024-02-15T00:00:00Z");
  const Instant now = At("2024-06-01T00:00:00Z");
  const std::vector<Stretch> stretches = {S("2024-01-02T00:00:00Z", "2024-02-20T00:00:00Z"),
                                          S("2024-02-16T00:00:00Z", nullptr)};
  const auto r = CountStretches(stretches, 1, Months("UTC", from, to), from, to, now);
  ASSERT_EQ(r.counts.size(), 2u);
  Expect(r, 0, 0, 0, 0, 1);
  Expect(r, 1, 0, 0, 0, 1);  // the second began after `to`: not counted at all
}

TEST(Stretches, PeriodsAreLocalMonths) {
  // In New York (UTC−5 in winter) 2024-02-01T03:00Z is still January 31st.
  const Instant from = At("2024-01-01T05:00:00Z"), to = At("2024-03-01T05:00:00Z");
  const Instant now = At("2024-06-01T00:00:00Z");
  const auto r = CountStretches({S("2024-02-01T03:00:00Z", "2024-02-01T06:00:00Z")}, 1,
                                Months("America/New_York", from, to), from, to, now);
  ASSERT_EQ(r.counts.size(), 2u);
  Expect(r, 0, 0, 1, 0, 1);  // begun in January, open at its local end (05:00Z)
  Expect(r, 1, 0, 0, 1, 0);
}

}  // namespace
}  // namespace rapport::analytics
