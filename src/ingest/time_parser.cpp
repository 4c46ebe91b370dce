#include "ingest/time_parser.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>

namespace rapport::ingest {

namespace {

constexpr std::int64_t kFar = std::int64_t{1} << 50;  // beyond any tz transition, in seconds

bool Digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

// Reads ".digits" at `pos` (if there) into milliseconds; false when '.' has no digits.
bool Fraction(std::string_view text, std::size_t& pos, std::int64_t& millis) {
  millis = 0;
  if (pos >= text.size() || text[pos] != '.') return true;
  ++pos;
  std::size_t digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (digits < 3) millis = millis * 10 + (text[pos] - '0');
    ++digits;
    ++pos;
  }
  for (std::size_t d = digits; d < 3; ++d) millis *= 10;
  return digits > 0;
}

std::string NotADateTime(std::string_view text) {
  return "'" + std::string(text) + "' is not a date-time";
}

std::int64_t Clamp(std::int64_t seconds) { return std::clamp(seconds, -kFar, kFar); }

}  // namespace

Result<TimeParser> TimeParser::Create(std::string_view time_zone) {
  TimeParser out;
  out.zone_name_ = std::string(time_zone);
  if (time_zone == "UTC") return out;
  try {
    out.zone_ = date::locate_zone(time_zone);
  } catch (const std::runtime_error&) {
    return Fail(ErrorCode::kInvalid, "unknown IANA time zone '" + std::string(time_zone) + "'",
                {{"time_zone", "unknown IANA time zone"}});
  }
  return out;
}

std::optional<std::string> TimeParser::Parse(std::string_view text, Instant& out) {
  if (text.empty()) return NotADateTime(text);
  // Epoch seconds.
  if (text.size() < 10 || text[4] != '-') {
    std::size_t pos = text[0] == '-' ? 1 : 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == digits_start || pos - digits_start > 12) return NotADateTime(text);
    std::int64_t seconds = 0;
    std::from_chars(text.data() + digits_start, text.data() + pos, seconds);
    std::int64_t millis = 0;
    if (!Fraction(text, pos, millis) || pos != text.size()) return NotADateTime(text);
    if (text[0] == '-') {
      seconds = -seconds;
      millis = -millis;
    }
    out = Instant{seconds * 1000 + millis};
    return std::nullopt;
  }
  // YYYY-MM-DD[T ]HH:MM[:SS[.f]][offset]
  int year, month, day, hour, minute, second = 0;
  if (text.size() < 16 || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') ||
      text[13] != ':' || !Digits(text, 0, 4, year) || !Digits(text, 5, 2, month) ||
      !Digits(text, 8, 2, day) || !Digits(text, 11, 2, hour) || !Digits(text, 14, 2, minute)) {
    return NotADateTime(text);
  }
  std::size_t pos = 16;
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!Digits(text, pos + 1, 2, second)) return NotADateTime(text);
    pos += 3;
    if (!Fraction(text, pos, millis)) return NotADateTime(text);
  }
  std::optional<int> offset_minutes;
  if (pos < text.size() && text[pos] == 'Z') {
    offset_minutes = 0;
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    const bool colon = pos + 3 < text.size() && text[pos + 3] == ':';
    if (!Digits(text, pos + 1, 2, oh) || !Digits(text, pos + (colon ? 4 : 3), 2, om) ||
        oh > 23 || om > 59) {
      return NotADateTime(text);
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += colon ? 6 : 5;
  }
  if (pos != text.size() || hour > 23 || minute > 59 || second > 59) return NotADateTime(text);
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return NotADateTime(text);
  const std::int64_t days = date::sys_days{ymd}.time_since_epoch().count();
  const std::int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
  std::int64_t utc = 0;
  if (offset_minutes) {
    utc = local - std::int64_t{*offset_minutes} * 60;
  } else if (auto error = LocalToUtc(local, text, utc)) {
    return error;
  }
  out = Instant{utc * 1000 + millis};
  return std::nullopt;
}

std::optional<std::string> TimeParser::LocalToUtc(std::int64_t local, std::string_view text,
                                                  std::int64_t& utc) {
  if (!zone_) {
    utc = local;
    return std::nullopt;
  }
  if (local >= cache_begin_ && local < cache_end_) {
    utc = local - cache_offset_;
    return std::nullopt;
  }
  using std::chrono::seconds;
  const date::local_info info = zone_->get_info(date::local_seconds{seconds{local}});
  if (info.result == date::local_info::nonexistent) {
    return "'" + std::string(text) + "' does not exist in " + zone_name_ +
           " (skipped by a daylight-saving change)";
  }
  // Ambiguous: `first` is the period before the change, whose offset gives the earlier
  // instant.
  const date::sys_info& period = info.first;
  const std::int64_t offset = period.offset.count();
  utc = local - offset;
  if (info.result == date::local_info::unique) {
    // Cache the local span of this period that is neither skipped nor repeated.
    const std::int64_t begin = Clamp(period.begin.time_since_epoch().count());
    const std::int64_t end = Clamp(period.end.time_since_epoch().count());
    std::int64_t before = offset;
    std::int64_t after = offset;
    if (begin > -kFar) {
      before = zone_->get_info(date::sys_seconds{seconds{begin - 1}}).offset.count();
    }
    if (end < kFar) after = zone_->get_info(date::sys_seconds{seconds{end}}).offset.count();
    cache_begin_ = begin + std::max(offset, before);
    cache_end_ = end + std::min(offset, after);
    cache_offset_ = offset;
  }
  return std::nullopt;
}

std::string TimeParser::FormatTimeOfDay(Instant at) const {
  std::int64_t seconds = at.ms >= 0 ? at.ms / 1000 : -((-at.ms + 999) / 1000);
  if (zone_) {
    seconds += zone_->get_info(date::sys_seconds{std::chrono::seconds{seconds}}).offset.count();
  }
  std::int64_t of_day = seconds % 86400;
  if (of_day < 0) of_day += 86400;
  char out[9];
  const auto two = [&](int at_pos, std::int64_t v) {
    out[at_pos] = static_cast<char>('0' + v / 10);
    out[at_pos + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, of_day / 3600);
  out[2] = ':';
  two(3, of_day / 60 % 60);
  out[5] = ':';
  two(6, of_day % 60);
  out[8] = '\0';
  return std::string(out, 8);
}

}  // namespace rapport::ingest
