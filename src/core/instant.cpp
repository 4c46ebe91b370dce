#include "core/instant.hpp"

#include <date/date.h>

#include <chrono>
#include <sstream>

namespace rapport {

namespace {
using Millis = date::sys_time<std::chrono::milliseconds>;

std::optional<Millis> ParseWith(std::string_view text, const char* format) {
  std::istringstream in{std::string(text)};
  Millis tp;
  in >> date::parse(format, tp);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return tp;
}
}  // namespace

std::optional<Instant> ParseRfc3339(std::string_view text) {
  // The date library rejects out-of-range fields; require the 'T' separator and a zone.
  if (text.size() < 20 || text.size() > 40 || text[10] != 'T') return std::nullopt;
  auto tp = ParseWith(text, "%FT%TZ");
  if (!tp) tp = ParseWith(text, "%FT%T%Ez");
  if (!tp) return std::nullopt;
  return Instant{tp->time_since_epoch().count()};
}

std::string FormatRfc3339(Instant instant) {
  return date::format("%FT%TZ", Millis{std::chrono::milliseconds{instant.ms}});
}

Instant Now() {
  auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now());
  return Instant{now.time_since_epoch().count()};
}

}  // namespace rapport
