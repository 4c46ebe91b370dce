#include "core/instant.hpp"

#include <date/date.h>
#include <fmt/compile.h>
#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace rapport {

namespace {

// Reads exactly `width` decimal digits at text[pos]. The date library does the calendar
// arithmetic and validation; this only splits the fixed-width fields, because the
// stream-based date::parse costs microseconds per call on the ingest and read paths.
bool Digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  const char* begin = text.data() + pos;
  for (std::size_t i = 0; i < width; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return false;
  }
  return std::from_chars(begin, begin + width, out).ec == std::errc();
}

}  // namespace

std::optional<Instant> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T') ||
      text[13] != ':' || text[16] != ':' || !Digits(text, 0, 4, year) ||
      !Digits(text, 5, 2, month) || !Digits(text, 8, 2, day) || !Digits(text, 11, 2, hour) ||
      !Digits(text, 14, 2, minute) || !Digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    std::size_t digits = 0;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (std::size_t d = digits; d < 3; ++d) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (pos + 6 != text.size() || text[pos + 3] != ':' || !Digits(text, pos + 1, 2, oh) ||
        !Digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;  // RFC 3339 requires a zone
  }
  if (pos != text.size() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                           date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return Instant{seconds * 1000 + millis};
}

std::string FormatRfc3339(Instant instant) {
  using namespace std::chrono;
  auto tp = sys_time<milliseconds>{milliseconds{instant.ms}};
  auto day = floor<days>(tp);
  date::year_month_day ymd{date::sys_days{day.time_since_epoch()}};
  date::hh_mm_ss<milliseconds> time{tp - day};
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z"),
                     static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

Instant Now() {
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  return Instant{now.time_since_epoch().count()};
}

}  // namespace rapport
