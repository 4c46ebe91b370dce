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

}  // namespace rapport
