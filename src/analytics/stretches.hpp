// Stretches of time counted over reporting periods: how many began and how many ended in
// each period, and how many were open at its end. Signals over time are the one use: a
// recorded signal is a stretch from its first_seen until it is cleared
// (app/signal_report.cpp). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "analytics/periods.hpp"
#include "core/instant.hpp"

namespace rapport::analytics {

// Open over [begin, end); no end: still open.
struct Stretch {
  Instant begin;
  std::optional<Instant> end;
  std::uint32_t key = 0;  // what the stretch is of (e.g. a rule and a severity)
};

struct StretchCounts {
  std::int64_t began = 0;        // begin in the period (and in [from, to))
  std::int64_t ended = 0;        // end in the period (and in [from, to))
  std::int64_t open_at_end = 0;  // open at the last instant of the period, see below
};

struct StretchReport {
  // counts[period][key], for every period of the scheme and every key < keys.
  std::vector<std::vector<StretchCounts>> counts;
  // Periods that began at or before `now`: only theirs have a known open_at_end (the
  // later ones' are 0). A period's end is its scheme end, cut at `to` and at `now`, since
  // a stretch open now is known open only up to now.
  std::uint32_t known_periods = 0;
};

// REQUIRES: every stretch's key < keys; `periods` was made for [from, to), from < to.
StretchReport CountStretches(const std::vector<Stretch>& stretches, std::uint32_t keys,
                             const PeriodScheme& periods, Instant from, Instant to, Instant now);

}  // namespace rapport::analytics
