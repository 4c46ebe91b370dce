// Calendar dates without a time zone ("2025-06-30"), for contract start/end dates and
// "customer since". Stored as days since 1970-01-01.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

struct Date {
  std::int32_t days = 0;  // days since 1970-01-01
  friend auto operator<=>(const Date&, const Date&) = default;
};

// Parses exactly "YYYY-MM-DD" with a valid day of month; anything else is nullopt.
std::optional<Date> ParseDate(std::string_view text);
std::string FormatDate(Date date);

// A local wall-clock time of day to the minute, "00:00" through "24:00" (the end of a
// day), for the spans and holidays of business calendars.
struct TimeOfDay {
  std::int32_t minutes = 0;  // since local midnight, 0 ... 1440
  friend auto operator<=>(const TimeOfDay&, const TimeOfDay&) = default;
};
inline constexpr std::int32_t kMinutesPerDay = 1440;

// Parses exactly "HH:MM" from "00:00" to "24:00"; anything else is nullopt.
std::optional<TimeOfDay> ParseTimeOfDay(std::string_view text);
std::string FormatTimeOfDay(TimeOfDay time);

}  // namespace rapport
