// Reads the instants of imported files: RFC 3339 with an offset or Z, local date-times in
// one IANA time zone, and epoch seconds. Pure, but keeps a cache of the zone's current
// offset period, so one TimeParser must not be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/instant.hpp"

namespace date {
class time_zone;
}

namespace rapport::ingest {

class TimeParser {
 public:
  // Fails (kInvalid) when `time_zone` is not in the tz database.
  static Result<TimeParser> Create(std::string_view time_zone);

  // Accepts, with fractional seconds kept to the millisecond:
  //  - "YYYY-MM-DD[T| ]HH:MM[:SS[.f…]]" followed by "Z", "±HH:MM" or "±HHMM": that instant;
  //  - the same without an offset: a wall-clock time in the zone. A time skipped by a
  //    daylight-saving change is an error naming it; a time that occurs twice (clocks set
  //    back) is the earlier of the two instants;
  //  - "[-]digits[.digits]": seconds since the Unix epoch.
  // On failure returns the reason, quoting `text`, e.g. "'2024-13-01' is not a date-time".
  std::optional<std::string> Parse(std::string_view text, Instant& out);

  // "HH:MM:SS" of `at` on the zone's wall clock.
  std::string FormatTimeOfDay(Instant at) const;

  const std::string& zone_name() const { return zone_name_; }

 private:
  // UTC milliseconds of a local wall-clock time, or the reason it has none.
  std::optional<std::string> LocalToUtc(std::int64_t local_seconds, std::string_view text,
                                        std::int64_t& utc_seconds);

  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;  // null: UTC
  // Local seconds [begin, end) that map to UTC by subtracting offset: neither skipped
  // nor repeated. Empty until the first local time.
  std::int64_t cache_begin_ = 0;
  std::int64_t cache_end_ = 0;
  std::int64_t cache_offset_ = 0;
};

}  // namespace rapport::ingest
