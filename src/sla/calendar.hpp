// Business calendars compiled for arithmetic.
//
// Definition (every result follows from it): business time is the real time whose local
// wall-clock time, in the calendar's IANA zone, lies inside a span of business hours and
// not inside a holiday. So a local time that a DST change skips adds nothing, a local hour
// that a DST change repeats counts twice, and a span edge at a skipped local time begins
// (or ends) at the first instant after the gap.
//
// The hours of a local date are the weekly spans of its weekday, or, where short days
// name the date, those instead (one-off entries for the date before yearly ones). A span
// whose end is at or before its start runs past midnight and belongs to the day it starts.
// A whole-day holiday is its local date from 00:00 to 24:00.
//
// Compiling turns a definition into the sorted, disjoint UTC intervals of business time
// over a range of years, with running totals, so that every question below is one or two
// binary searches. Outside the compiled years every instant counts as business time.
// Pure; a compiled calendar is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::sla {

// Durations are milliseconds, like instants.
using Millis = std::int64_t;
inline constexpr Millis kMillisPerMinute = 60'000;

// The years the server compiles every calendar for.
inline constexpr int kFirstYear = 1970;
inline constexpr int kLastYear = 2199;

class BusinessCalendar {
 public:
  // Every instant is business time (24×7).
  BusinessCalendar() = default;

  // REQUIRES: `definition` passes domain::Validate; an unknown zone is still an error.
  static Result<BusinessCalendar> Compile(const domain::Calendar& definition,
                                          int first_year = kFirstYear, int last_year = kLastYear);

  // Business time in [from, to); 0 when `to` is not after `from`.
  Millis Between(Instant from, Instant to) const;

  // The earliest instant at which `amount` of business time has passed since `from`;
  // `from` itself for 0. A result at the end of a span is that end, not the next start.
  // REQUIRES: amount >= 0.
  Instant Add(Instant from, Millis amount) const;

  // The first business instant at or after `at`.
  Instant NextBusiness(Instant at) const;

  bool always_open() const { return starts_.empty() && !compiled_; }
  // The compiled UTC intervals, for tests and explanations.
  std::size_t interval_count() const { return starts_.size(); }

 private:
  // Business time in [range_start_, t), negative before the range.
  Millis Cumulative(Instant t) const;

  // Inside the range: business time before t, and the interval holding t or, in a gap,
  // the one after it.
  struct Position {
    Millis before;
    std::size_t index;
  };
  Position Locate(std::int64_t t) const;

  bool compiled_ = false;
  std::int64_t range_start_ = 0;  // ms; the compiled range [range_start_, range_end_)
  std::int64_t range_end_ = 0;
  std::vector<std::int64_t> starts_;  // ms; sorted, disjoint, non-adjacent intervals
  std::vector<std::int64_t> ends_;
  std::vector<Millis> before_;  // business time in [range_start_, starts_[i])
  std::vector<Millis> after_;   // business time in [range_start_, ends_[i])
  std::vector<std::uint32_t> day_first_;  // per UTC day of the range: first interval ending
                                          // after the day starts; one more as a sentinel
};

}  // namespace rapport::sla
