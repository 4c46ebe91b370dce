#include "core/date.hpp"

#include <date/date.h>

#include <sstream>

namespace rapport {

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  std::istringstream in{std::string(text)};
  date::sys_days day;
  in >> date::parse("%F", day);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return Date{static_cast<std::int32_t>(day.time_since_epoch().count())};
}

std::string FormatDate(Date value) {
  return date::format("%F", date::sys_days{date::days{value.days}});
}

std::optional<TimeOfDay> ParseTimeOfDay(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  const int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  const int hours = h1 * 10 + h2, minutes = m1 * 10 + m2;
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) return std::nullopt;
  return TimeOfDay{hours * 60 + minutes};
}

std::string FormatTimeOfDay(TimeOfDay time) {
  std::string out(5, ':');
  const int hours = time.minutes / 60, minutes = time.minutes % 60;
  out[0] = static_cast<char>('0' + hours / 10);
  out[1] = static_cast<char>('0' + hours % 10);
  out[3] = static_cast<char>('0' + minutes / 10);
  out[4] = static_cast<char>('0' + minutes % 10);
  return out;
}

}  // namespace rapport
