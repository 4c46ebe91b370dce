// Reporting periods with boundaries in a chosen time zone: 15-, 30- and 60-minute
// intervals, days, weeks (from Monday) and months of local wall-clock time.
//
// A period holds the instants whose local time falls in it, so a local hour that a DST
// change repeats belongs to one period (which then lasts longer), and one that a change
// skips leaves its interval empty. Pure; a scheme is immutable and shared between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/instant.hpp"

namespace rapport::analytics {

enum class Granularity { kMinutes15, kMinutes30, kHour, kDay, kWeek, kMonth };

// "15m", "30m", "60m" (or "hour"), "day", "week", "month".
std::optional<Granularity> ParseGranularity(std::string_view text);
std::string_view Name(Granularity granularity);

class PeriodScheme {
 public:
  // The periods that hold [from, to) in the IANA zone `zone` (kInvalid: unknown zone, or
  // `to` not after `from`, or more than 10,000,000 periods).
  static Result<PeriodScheme> Create(Granularity granularity, std::string_view zone, Instant from,
                                     Instant to);

  // Remembers the offset span and the period last found, so that a scan in time order
  // seldom searches. One per thread.
  struct Hint {
    std::int64_t span_begin = 0, span_end = 0, offset = 0;
    std::int64_t local_begin = 0, local_end = 0;
    std::uint32_t index = 0;
  };

  // The index of the period holding `at` (0: the one holding `from`).
  // REQUIRES: from <= at < to.
  std::uint32_t IndexOf(Instant at, Hint& hint) const;
  // The local hour of the week of `at`: 0 is Monday 00:00–01:00, 167 Sunday 23:00–24:00.
  // REQUIRES: from <= at < to.
  std::uint32_t HourOfWeek(Instant at, Hint& hint) const;
  // The local minute of the week of `at`, 0 … 10079. REQUIRES: from <= at < to.
  std::uint32_t MinuteOfWeek(Instant at, Hint& hint) const;

  std::uint32_t count() const { return count_; }
  // The first instant of period `index` (the period's local start; after a DST gap that
  // skips it, the end of the gap).
  Instant Start(std::uint32_t index) const;
  // "2024-03" (month), "2024-03-25" (day; week: its Monday), "2024-03-25T09:15" (intervals).
  std::string Label(std::uint32_t index) const;
  Granularity granularity() const { return granularity_; }

 private:
  struct Span {  // a stretch of UTC time with one UTC offset
    std::int64_t begin, end, offset;
  };
  const Span& SpanOf(std::int64_t at) const;
  void Locate(std::int64_t at, Hint& hint) const;
  // The bucket number of a local time, and the local start of a bucket number.
  std::int64_t Bucket(std::int64_t local) const;
  std::int64_t LocalStart(std::int64_t bucket) const;

  Granularity granularity_ = Granularity::kDay;
  std::vector<Span> spans_;
  std::int64_t first_bucket_ = 0;
  std::uint32_t count_ = 0;
};

}  // namespace rapport::analytics
