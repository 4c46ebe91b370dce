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

}  // namespace rapport
