// UTC instants and RFC 3339 text. Inside Rapport every instant is UTC milliseconds since
// the Unix epoch; time zones appear only at the edges and in calendars.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

struct Instant {
  std::int64_t ms = 0;  // milliseconds since 1970-01-01T00:00:00Z
  friend auto operator<=>(const Instant&, const Instant&) = default;
};

// Parses "2024-03-10T12:34:56Z", with optional fractional seconds (kept to the
// millisecond) and a "Z" or "+hh:mm"/"-hh:mm" offset. Anything else is nullopt.
std::optional<Instant> ParseRfc3339(std::string_view text);

// Formats as "2024-03-10T12:34:56.123Z" (milliseconds always shown).
std::string FormatRfc3339(Instant instant);

// The current instant from the system clock.
Instant Now();

}  // namespace rapport
