#include "analytics/periods.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <cstdio>

namespace rapport::analytics {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kPadding = 40 * kDay;  // offset spans cover whole periods around the range

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// 1970-01-01 was a Thursday: days since the Monday before it.
constexpr std::int64_t kDaysFromMonday = 3;

date::year_month_day CivilOf(std::int64_t local) {
  return date::year_month_day{date::sys_days{date::days{FloorDiv(local, kDay)}}};
}

}  // namespace

std::optional<Granularity> ParseGranularity(std::string_view text) {
  if (text == "15m") return Granularity::kMinutes15;
  if (text == "30m") return Granularity::kMinutes30;
  if (text == "60m" || text == "hour") return Granularity::kHour;
  if (text == "day") return Granularity::kDay;
  if (text == "week") return Granularity::kWeek;
  if (text == "month") return Granularity::kMonth;
  return std::nullopt;
}

std::string_view Name(Granularity granularity) {
  switch (granularity) {
    case Granularity::kMinutes15: return "15m";
    case Granularity::kMinutes30: return "30m";
    case Granularity::kHour: return "60m";
    case Granularity::kDay: return "day";
    case Granularity::kWeek: return "week";
    case Granularity::kMonth: return "month";
  }
  return "day";
}

Result<PeriodScheme> PeriodScheme::Create(Granularity granularity, std::string_view zone_name,
                                          Instant from, Instant to) {
  if (to <= from) return Fail(ErrorCode::kInvalid, "the report's end must be after its start", {{"to", "is not after from"}});
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInvalid, "unknown time zone",
                {{"time_zone", "'" + std::string(zone_name) + "' is not an IANA time zone"}});
  }
  PeriodScheme scheme;
  scheme.granularity_ = granularity;
  std::int64_t begin = from.ms - kPadding, end = to.ms + kPadding;
  for (std::int64_t at = begin; at < end;) {
    const date::sys_info info = zone->get_info(date::sys_seconds{std::chrono::seconds{FloorDiv(at, 1000)}});
    std::int64_t span_end = std::min<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(info.end.time_since_epoch()).count(), end);
    scheme.spans_.push_back({at, span_end, info.offset.count() * 1000});
    at = span_end;
  }
  Hint hint;
  scheme.Locate(from.ms, hint);
  scheme.first_bucket_ = scheme.Bucket(from.ms + hint.offset);
  scheme.Locate(to.ms - 1, hint);
  std::int64_t count = scheme.Bucket(to.ms - 1 + hint.offset) - scheme.first_bucket_ + 1;
  if (count > 10'000'000) {
    return Fail(ErrorCode::kInvalid, "too many periods; choose a longer period or a shorter range",
                {{"period", std::to_string(count) + " periods"}});
  }
  scheme.count_ = static_cast<std::uint32_t>(count);
  return scheme;
}

const PeriodScheme::Span& PeriodScheme::SpanOf(std::int64_t at) const {
  auto it = std::upper_bound(spans_.begin(), spans_.end(), at,
                             [](std::int64_t t, const Span& s) { return t < s.begin; });
  return it == spans_.begin() ? spans_.front() : *(it - 1);
}

void PeriodScheme::Locate(std::int64_t at, Hint& hint) const {
  if (at >= hint.span_begin && at < hint.span_end) return;
  const Span& span = SpanOf(at);
  hint.span_begin = span.begin;
  hint.span_end = span.end;
  hint.offset = span.offset;
  hint.local_begin = hint.local_end = 0;  // the period must be found again
}

std::int64_t PeriodScheme::Bucket(std::int64_t local) const {
  switch (granularity_) {
    case Granularity::kMinutes15: return FloorDiv(local, 15 * kMinute);
    case Granularity::kMinutes30: return FloorDiv(local, 30 * kMinute);
    case Granularity::kHour: return FloorDiv(local, 60 * kMinute);
    case Granularity::kDay: return FloorDiv(local, kDay);
    case Granularity::kWeek: return FloorDiv(FloorDiv(local, kDay) + kDaysFromMonday, 7);
    case Granularity::kMonth: {
      auto ymd = CivilOf(local);
      return static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 +
             static_cast<unsigned>(ymd.month()) - 1;
    }
  }
  return 0;
}

std::int64_t PeriodScheme::LocalStart(std::int64_t bucket) const {
  switch (granularity_) {
    case Granularity::kMinutes15: return bucket * 15 * kMinute;
    case Granularity::kMinutes30: return bucket * 30 * kMinute;
    case Granularity::kHour: return bucket * 60 * kMinute;
    case Granularity::kDay: return bucket * kDay;
    case Granularity::kWeek: return (bucket * 7 - kDaysFromMonday) * kDay;
    case Granularity::kMonth: {
      date::year_month_day ymd{date::year{static_cast<int>(FloorDiv(bucket, 12))},
                               date::month{static_cast<unsigned>(bucket - FloorDiv(bucket, 12) * 12 + 1)},
                               date::day{1}};
      return date::sys_days{ymd}.time_since_epoch().count() * kDay;
    }
  }
  return 0;
}

std::uint32_t PeriodScheme::IndexOf(Instant at, Hint& hint) const {
  Locate(at.ms, hint);
  std::int64_t local = at.ms + hint.offset;
  if (local >= hint.local_begin && local < hint.local_end) return hint.index;
  std::int64_t bucket = Bucket(local);
  hint.local_begin = LocalStart(bucket);
  hint.local_end = LocalStart(bucket + 1);
  hint.index = static_cast<std::uint32_t>(bucket - first_bucket_);
  return hint.index;
}

std::uint32_t PeriodScheme::HourOfWeek(Instant at, Hint& hint) const {
  return MinuteOfWeek(at, hint) / 60;
}

std::uint32_t PeriodScheme::MinuteOfWeek(Instant at, Hint& hint) const {
  Locate(at.ms, hint);
  std::int64_t local = at.ms + hint.offset;
  std::int64_t day = FloorDiv(local, kDay);
  std::int64_t weekday = (day + kDaysFromMonday) - FloorDiv(day + kDaysFromMonday, 7) * 7;
  return static_cast<std::uint32_t>(weekday * 1440 + (local - day * kDay) / kMinute);
}

Instant PeriodScheme::Start(std::uint32_t index) const {
  std::int64_t local = LocalStart(first_bucket_ + index);
  // The earliest instant whose local time is at or after `local`: in the first span where
  // the local start exists, else where a gap jumps over it.
  for (const Span& span : spans_) {
    std::int64_t utc = local - span.offset;
    if (utc < span.end && utc >= span.begin) return Instant{utc};
    if (utc < span.begin) return Instant{span.begin};
  }
  return Instant{local - spans_.back().offset};
}

std::string PeriodScheme::Label(std::uint32_t index) const {
  std::int64_t local = LocalStart(first_bucket_ + index);
  auto ymd = CivilOf(local);
  char text[32];
  int year = static_cast<int>(ymd.year());
  unsigned month = static_cast<unsigned>(ymd.month()), day = static_cast<unsigned>(ymd.day());
  switch (granularity_) {
    case Granularity::kMonth:
      std::snprintf(text, sizeof text, "%04d-%02u", year, month);
      break;
    case Granularity::kDay:
    case Granularity::kWeek:
      std::snprintf(text, sizeof text, "%04d-%02u-%02u", year, month, day);
      break;
    default: {
      std::int64_t minutes = (local - FloorDiv(local, kDay) * kDay) / kMinute;
      std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d", year, month, day,
                    static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
    }
  }
  return text;
}

}  // namespace rapport::analytics
