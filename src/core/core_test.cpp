#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/instant.hpp"

namespace rapport {
namespace {

TEST(Instant, ParsesUtcWithAndWithoutFraction) {
  EXPECT_EQ(ParseRfc3339("2024-03-10T12:34:56Z")->ms, 1710074096000);
  EXPECT_EQ(ParseRfc3339("2024-03-10T12:34:56.123Z")->ms, 1710074096123);
}

TEST(Instant, ParsesOffsetsToUtc) {
  EXPECT_EQ(ParseRfc3339("2024-03-10T14:34:56+02:00")->ms, 1710074096000);
  EXPECT_EQ(ParseRfc3339("2024-03-10T07:34:56-05:00")->ms, 1710074096000);
}

TEST(Instant, RejectsWhatIsNotRfc3339) {
  for (const char* bad :
       {"", "2024-03-10", "2024-03-10T12:34:56", "2024-13-10T12:34:56Z", "2024-02-30T12:00:00Z",
        "2024-03-10 12:34:56Z", "yesterday", "2024-03-10T12:34:56Zjunk", "2024-03-10T25:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(Instant, ParsesFractionsAndZonesStrictly) {
  EXPECT_EQ(ParseRfc3339("2024-03-10T12:34:56.1Z")->ms, 1710074096100);
  EXPECT_EQ(ParseRfc3339("2024-03-10T12:34:56.123456789Z")->ms, 1710074096123);
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z")->ms, 1709164800000);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999Z")->ms, -1);
  for (const char* bad :
       {"2024-03-10T12:34:56.Z", "2024-03-10T12:34:56+0200", "2024-03-10T12:34:56+02:00x",
        "2024-03-10T12:60:00Z", "2024-03-10T12:34:56+24:00", "2024-03-10t12:34:56Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(Instant, FormatsWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Instant{1710074096123}), "2024-03-10T12:34:56.123Z");
  EXPECT_EQ(FormatRfc3339(Instant{0}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(Instant{-86400000}))->ms, -86400000);
}

TEST(Error, CheckThrowsOnBrokenInvariant) {
  EXPECT_THROW(RAPPORT_CHECK(1 + 1 == 3), std::logic_error);
  EXPECT_NO_THROW(RAPPORT_CHECK(1 + 1 == 2));
}

TEST(Error, FieldErrorsCollectsEveryField) {
  FieldErrors errors;
  errors.Add("a", "missing");
  errors.Add("b", "bad");
  Error e = errors.ToError();
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  ASSERT_EQ(e.fields.size(), 2u);
  EXPECT_EQ(e.fields[1].field, "b");
}

}  // namespace
}  // namespace rapport

#include "core/date.hpp"

namespace rapport {
namespace {

TEST(Date, RoundTripsAndRejectsImpossibleDays) {
  EXPECT_EQ(ParseDate("1970-01-02")->days, 1);
  EXPECT_EQ(FormatDate(*ParseDate("2024-02-29")), "2024-02-29");
  EXPECT_FALSE(ParseDate("2023-02-29"));
  EXPECT_FALSE(ParseDate("2024-1-05"));
  EXPECT_FALSE(ParseDate("2024-01-05T00:00:00Z"));
}

TEST(TimeOfDay, ParsesMidnightToMidnightAndNothingElse) {
  EXPECT_EQ(ParseTimeOfDay("00:00")->minutes, 0);
  EXPECT_EQ(ParseTimeOfDay("09:30")->minutes, 570);
  EXPECT_EQ(ParseTimeOfDay("24:00")->minutes, 1440);
  EXPECT_EQ(FormatTimeOfDay(*ParseTimeOfDay("07:05")), "07:05");
  for (auto bad : {"24:01", "25:00", "9:30", "09:60", "09-30", "0930", "ab:cd", "09:30:00", ""}) {
    EXPECT_FALSE(ParseTimeOfDay(bad)) << bad;
  }
}

}  // namespace
}  // namespace rapport
