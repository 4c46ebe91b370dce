// A brute-force reference for the business-calendar arithmetic of calendar.hpp, and the
// random cases that compare the two: used by the property test (sla_property_test) and
// the SLA benchmark (bench/sla_bench). Test support only; the server never includes it.
//
// MinuteOracle shares no code with BusinessCalendar on purpose: it walks UTC one minute
// at a time, converts each minute to local wall-clock time with date/tz and decides from
// the definition alone whether that minute is business time. That is exact at minute
// granularity because in the years it is used for every zone's offsets and transitions
// are whole minutes, and spans and holidays are given to the minute.
#pragma once

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <bit>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"
#include "domain/json_codec.hpp"
#include "sla/calendar.hpp"

namespace rapport::sla::oracle {

// Division and remainder rounding down, for instants and days before the epoch alike.
inline std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
inline std::int64_t FloorMod(std::int64_t a, std::int64_t b) { return a - FloorDiv(a, b) * b; }

// Minutes of a day, 64 bits wide for arithmetic on instants.
inline constexpr std::int64_t kDayMinutes = kMinutesPerDay;

// The definition of calendar.hpp, decided one UTC minute at a time.
class MinuteOracle {
 public:
  // For a calendar compiled for [first_year, last_year]: outside those (UTC) years every
  // instant is business time. REQUIRES: `definition` passes domain::Validate. Throws for
  // an unknown zone.
  MinuteOracle(domain::Calendar definition, int first_year, int last_year)
      : definition_(std::move(definition)),
        zone_(date::locate_zone(definition_.time_zone)),
        range_begin_(date::sys_days{date::year{first_year} / 1 / 1}.time_since_epoch().count() *
                     kDayMinutes),
        range_end_(date::sys_days{date::year{last_year + 1} / 1 / 1}.time_since_epoch().count() *
                   kDayMinutes) {}

  // Whether the UTC minute [minute, minute + 1) is business time.
  bool IsBusiness(std::int64_t utc_minute) {
    if (utc_minute < range_begin_ || utc_minute >= range_end_) return true;
    if (utc_minute < info_begin_ || utc_minute >= info_end_) LoadOffset(utc_minute);
    const std::int64_t local = utc_minute + offset_;
    const std::int64_t day = FloorDiv(local, kMinutesPerDay);
    return MaskOf(day)[static_cast<std::size_t>(local - day * kMinutesPerDay)];
  }

  // The end of the business minute that completes `amount`; `from` for 0; nullopt if it
  // is not reached within `horizon_minutes`. REQUIRES: `from` and `amount` whole minutes.
  std::optional<Instant> Add(Instant from, Millis amount, std::int64_t horizon_minutes) {
    if (amount <= 0) return from;
    std::int64_t needed = amount / kMillisPerMinute;
    const std::int64_t first = FloorDiv(from.ms, kMillisPerMinute);
    for (std::int64_t m = first; m < first + horizon_minutes; ++m) {
      if (IsBusiness(m) && --needed == 0) return Instant{(m + 1) * kMillisPerMinute};
    }
    return std::nullopt;
  }

  // The start of the first business minute at or after `at`, within `horizon_minutes`.
  // REQUIRES: `at` a whole minute.
  std::optional<Instant> NextBusiness(Instant at, std::int64_t horizon_minutes) {
    const std::int64_t first = FloorDiv(at.ms, kMillisPerMinute);
    for (std::int64_t m = first; m < first + horizon_minutes; ++m) {
      if (IsBusiness(m)) return Instant{m * kMillisPerMinute};
    }
    return std::nullopt;
  }

  // Business time in [from, to). REQUIRES: both whole minutes.
  Millis Between(Instant from, Instant to) {
    std::int64_t count = 0;
    for (std::int64_t m = FloorDiv(from.ms, kMillisPerMinute);
         m < FloorDiv(to.ms, kMillisPerMinute); ++m) {
      count += IsBusiness(m) ? 1 : 0;
    }
    return count * kMillisPerMinute;
  }

 private:
  using DayMask = std::bitset<kMinutesPerDay>;
  // A span as minutes from the start of its day; `to` above 1440 runs into the next day.
  using Minutes = std::pair<std::int32_t, std::int32_t>;

  static Minutes SpanMinutes(TimeOfDay start, TimeOfDay end) {
    return {start.minutes, end > start ? end.minutes : end.minutes + kMinutesPerDay};
  }

  // Loads the zone's offset at `utc_minute` and the minutes it holds for.
  void LoadOffset(std::int64_t utc_minute) {
    const date::sys_info info =
        zone_->get_info(date::sys_seconds{std::chrono::seconds{utc_minute * 60}});
    const std::int64_t begin = info.begin.time_since_epoch().count();
    const std::int64_t end = info.end.time_since_epoch().count();
    // A change of offset inside a minute, or an offset in seconds, would make a minute
    // part business time: the oracle is not exact there (nor needed: modern rules).
    const auto inside = [&](std::int64_t seconds) {
      return seconds > range_begin_ * 60 && seconds < range_end_ * 60;
    };
    if (info.offset.count() % 60 != 0 || (inside(begin) && begin % 60 != 0) ||
        (inside(end) && end % 60 != 0)) {
      throw std::logic_error("MinuteOracle: " + definition_.time_zone +
                             " changes offset within a minute");
    }
    info_begin_ = FloorDiv(begin, 60);
    info_end_ = FloorDiv(end, 60);
    offset_ = info.offset.count() / 60;
  }

  // Whether a dated entry (holiday or short day) names local day `day`: a one-off on its
  // date, a yearly one on its month and day from its year on.
  template <class Entry>
  static bool Names(const Entry& entry, std::int32_t day, const date::year_month_day& ymd) {
    if (!entry.yearly) return entry.date.days == day;
    const date::year_month_day first{date::sys_days{date::days{entry.date.days}}};
    return first.month() == ymd.month() && first.day() == ymd.day() && ymd.year() >= first.year();
  }

  // The hours of local day `day`: its short days (one-off ones before yearly ones), else
  // the weekly spans of its weekday.
  std::vector<Minutes> HoursOf(std::int32_t day) const {
    const date::year_month_day ymd{date::sys_days{date::days{day}}};
    std::vector<Minutes> one_off, yearly, weekly;
    for (const domain::ShortDay& entry : definition_.short_days) {
      if (Names(entry, day, ymd)) {
        (entry.yearly ? yearly : one_off).push_back(SpanMinutes(entry.start, entry.end));
      }
    }
    if (!one_off.empty()) return one_off;
    if (!yearly.empty()) return yearly;
    // 1970-01-01 was a Thursday; Weekday counts from Monday = 0.
    const auto weekday = static_cast<domain::Weekday>(FloorMod(std::int64_t{day} + 3, 7));
    for (const domain::WeeklySpan& span : definition_.hours) {
      if (span.day == weekday) weekly.push_back(SpanMinutes(span.start, span.end));
    }
    return weekly;
  }

  // The business minutes of local day `day`: its own spans, the part past midnight of the
  // previous day's spans, less its holidays.
  DayMask ComputeMask(std::int32_t day) const {
    DayMask mask;
    for (const auto& [from, to] : HoursOf(day)) {
      for (std::int32_t m = from; m < std::min(to, kMinutesPerDay); ++m) mask.set(m);
    }
    for (const auto& [from, to] : HoursOf(day - 1)) {
      for (std::int32_t m = 0; m < to - kMinutesPerDay; ++m) mask.set(m);
    }
    const date::year_month_day ymd{date::sys_days{date::days{day}}};
    for (const domain::Holiday& holiday : definition_.holidays) {
      if (!Names(holiday, day, ymd)) continue;
      const std::int32_t from = holiday.start ? holiday.start->minutes : 0;
      const std::int32_t to = holiday.end ? holiday.end->minutes : kMinutesPerDay;
      for (std::int32_t m = from; m < to; ++m) mask.reset(m);
    }
    return mask;
  }

  // Direct-mapped: a walk touches one or two local days at a time (two around a change
  // back across midnight).
  const DayMask& MaskOf(std::int64_t day) {
    Slot& slot = cache_[static_cast<std::size_t>(day & 3)];
    if (!slot.valid || slot.day != day) {
      slot.mask = ComputeMask(static_cast<std::int32_t>(day));
      slot.day = day;
      slot.valid = true;
    }
    return slot.mask;
  }

  struct Slot {
    bool valid = false;
    std::int64_t day = 0;
    DayMask mask;
  };

  domain::Calendar definition_;
  const date::time_zone* zone_;
  std::int64_t range_begin_;  // UTC minutes: the compiled years [begin, end)
  std::int64_t range_end_;
  std::int64_t info_begin_ = 0;  // UTC minutes: the offset below holds in [begin, end)
  std::int64_t info_end_ = 0;
  std::int64_t offset_ = 0;  // minutes to add to UTC for local wall-clock time
  std::array<Slot, 4> cache_;
};

// ---- random cases -------------------------------------------------------------------

// Zones with the awkward features: 30- and 45-minute offsets, a 30-minute DST shift
// (Lord Howe), changes at local midnight (Santiago, Havana, Tehran until 2022), DST
// suspended for Ramadan (Casablanca), negative DST (Dublin), DST abolished (Apia 2021),
// southern-hemisphere DST, and none at all.
inline constexpr std::array<const char*, 18> kZones = {"UTC",
                                                       "America/New_York",
                                                       "Europe/London",
                                                       "Australia/Lord_Howe",
                                                       "America/Santiago",
                                                       "Asia/Kolkata",
                                                       "Pacific/Chatham",
                                                       "Europe/Berlin",
                                                       "America/Havana",
                                                       "Asia/Tehran",
                                                       "Africa/Casablanca",
                                                       "America/St_Johns",
                                                       "Asia/Kathmandu",
                                                       "Australia/Adelaide",
                                                       "Europe/Dublin",
                                                       "America/Los_Angeles",
                                                       "Pacific/Apia",
                                                       "Asia/Tokyo"};

// Years whose rules are settled in the tz database (and in every offset whole minutes).
inline constexpr int kFirstCaseYear = 2015;
inline constexpr int kLastCaseYear = 2023;
// How far the oracle walks before it gives up on a case (never reached in practice: every
// generated calendar has weekly hours that only a few dates can take away).
inline constexpr std::int64_t kHorizonMinutes = 200 * kDayMinutes;

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [lo, hi].
  std::int64_t Int(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  template <class T, std::size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(Int(0, N - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

// One generated case: a calendar, the years to compile it for, and the questions.
struct PropertyCase {
  domain::Calendar calendar;
  int year = 0;   // of the start, mostly; compiled for [year - 1, year + 1]
  Instant from;   // minute-aligned
  Millis amount;  // whole minutes
  Instant to;     // for Between; may be before `from`
};

// A local time of day, often at the hours DST changes happen, on the hour or half hour.
inline TimeOfDay RandomTime(Random& random) {
  static constexpr std::array<std::int32_t, 14> kAwkward = {0,   30,  60,  90,   120,  150,  165,
                                                            180, 210, 225, 1380, 1410, 1425, 1439};
  if (random.Chance(0.2)) return TimeOfDay{random.Pick(kAwkward)};
  if (random.Chance(0.4)) return TimeOfDay{static_cast<std::int32_t>(random.Int(0, 23) * 60)};
  if (random.Chance(0.3)) return TimeOfDay{static_cast<std::int32_t>(random.Int(0, 47) * 30)};
  return TimeOfDay{static_cast<std::int32_t>(random.Int(0, kMinutesPerDay - 1))};
}

// A span [start, end): some past midnight, some to 24:00 or 00:00.
inline std::pair<TimeOfDay, TimeOfDay> RandomSpan(Random& random) {
  const TimeOfDay start = RandomTime(random);
  if (random.Chance(0.1)) return {start, TimeOfDay{kMinutesPerDay}};
  if (random.Chance(0.05)) return {start, TimeOfDay{0}};
  if (random.Chance(0.5)) {
    const std::int64_t length = random.Chance(0.5) ? random.Int(1, 12) * 60 : random.Int(1, 1439);
    return {start, TimeOfDay{static_cast<std::int32_t>((start.minutes + length) % kMinutesPerDay)}};
  }
  return {start, RandomTime(random)};
}

// A date for a holiday or short day: mostly within ten days of `anchor` (so that it
// matters to the case), else anywhere in the compiled years. Yearly entries take an
// earlier year, or the next one (then they do not recur yet this year).
inline std::optional<Date> RandomDate(Random& random, std::int32_t anchor, int year, bool yearly) {
  const std::int32_t day =
      random.Chance(0.75)
          ? anchor + static_cast<std::int32_t>(random.Int(-10, 10))
          : static_cast<std::int32_t>(
                date::sys_days{date::year{year - 1} / 1 / 1}.time_since_epoch().count() +
                random.Int(0, std::int64_t{3} * 365));
  if (!yearly) return Date{day};
  static constexpr std::array<int, 5> kShift = {0, -1, -2, -7, 1};
  date::year_month_day ymd{date::sys_days{date::days{day}}};
  ymd = date::year_month_day{ymd.year() + date::years{random.Pick(kShift)}, ymd.month(), ymd.day()};
  if (!ymd.ok()) return std::nullopt;  // 29 February shifted to a common year
  return Date{static_cast<std::int32_t>(date::sys_days{ymd}.time_since_epoch().count())};
}

// Weekly hours in one of three styles; overlapping spans are possible (and then the whole
// calendar is drawn again).
inline void AddWeeklyHours(Random& random, domain::Calendar& calendar) {
  const std::int64_t style = random.Int(0, 99);  // percent
  if (style < 10) {  // around the clock, every day: only DST and holidays shape it
    for (int d = 0; d < 7; ++d) {
      calendar.hours.push_back(
          {static_cast<domain::Weekday>(d), TimeOfDay{0}, TimeOfDay{kMinutesPerDay}});
    }
  } else if (style < 55) {  // office-like: the same one or two spans on several days
    const auto first = RandomSpan(random);
    const bool split = random.Chance(0.3);
    const auto second = RandomSpan(random);
    for (int d = 0; d < 7; ++d) {
      if (!random.Chance(d < 5 ? 0.9 : 0.3)) continue;
      calendar.hours.push_back({static_cast<domain::Weekday>(d), first.first, first.second});
      if (split) {
        calendar.hours.push_back({static_cast<domain::Weekday>(d), second.first, second.second});
      }
    }
  } else {  // anything
    for (std::int64_t n = random.Int(1, 5); n > 0; --n) {
      const auto [start, end] = RandomSpan(random);
      calendar.hours.push_back({static_cast<domain::Weekday>(random.Int(0, 6)), start, end});
    }
  }
}

inline void AddHolidays(Random& random, domain::Calendar& calendar, std::int32_t anchor, int year) {
  for (std::int64_t n = random.Chance(0.3) ? 0 : random.Int(1, 4); n > 0; --n) {
    domain::Holiday holiday;
    holiday.name = "holiday " + std::to_string(n);
    holiday.yearly = random.Chance(0.3);
    const std::optional<Date> date = RandomDate(random, anchor, year, holiday.yearly);
    if (!date) continue;
    holiday.date = *date;
    if (random.Chance(0.4)) {  // part of the day
      holiday.start = RandomTime(random);
      const std::int64_t end = random.Chance(0.5)
                                   ? holiday.start->minutes + random.Int(1, 8) * 30
                                   : random.Int(holiday.start->minutes + 1, kMinutesPerDay);
      holiday.end =
          TimeOfDay{static_cast<std::int32_t>(std::min<std::int64_t>(end, kMinutesPerDay))};
    }
    calendar.holidays.push_back(std::move(holiday));
  }
}

// Short days, one or two spans a date; sometimes a one-off and a yearly on the same date.
inline void AddShortDays(Random& random, domain::Calendar& calendar, std::int32_t anchor,
                         int year) {
  for (std::int64_t n = random.Chance(0.4) ? 0 : random.Int(1, 3); n > 0; --n) {
    const bool yearly = random.Chance(0.35);
    const std::optional<Date> date = RandomDate(random, anchor, year, yearly);
    if (!date) continue;
    for (std::int64_t k = random.Chance(0.7) ? 1 : 2; k > 0; --k) {
      const auto [start, end] = RandomSpan(random);
      calendar.short_days.push_back({*date, yearly, start, end});
    }
    if (!yearly && random.Chance(0.2)) {  // the same month and day, yearly from last year
      const date::year_month_day ymd{date::sys_days{date::days{date->days}}};
      const date::year_month_day earlier{ymd.year() - date::years{1}, ymd.month(), ymd.day()};
      if (earlier.ok()) {
        const auto [start, end] = RandomSpan(random);
        calendar.short_days.push_back(
            {Date{static_cast<std::int32_t>(date::sys_days{earlier}.time_since_epoch().count())},
             true, start, end});
      }
    }
  }
}

// A minute in `year`, often within hours or days of one of the zone's changes of offset.
inline Instant RandomStart(Random& random, const date::time_zone& zone, int year) {
  const auto year_start = date::sys_seconds{date::sys_days{date::year{year} / 1 / 1}};
  const auto year_end = date::sys_seconds{date::sys_days{date::year{year + 1} / 1 / 1}};
  std::vector<std::int64_t> changes;  // UTC seconds
  for (auto at = year_start; at < year_end;) {
    const date::sys_info info = zone.get_info(at);
    if (info.end >= year_end) break;
    changes.push_back(info.end.time_since_epoch().count());
    at = info.end;
  }
  const std::int64_t first_minute = year_start.time_since_epoch().count() / 60;
  std::int64_t minute = first_minute + random.Int(0, 365 * kDayMinutes - 1);
  if (!changes.empty() && random.Chance(0.6)) {
    // Mostly before the change, so that the walks cross it.
    const auto pick = random.Int(0, static_cast<std::int64_t>(changes.size()) - 1);
    minute = changes[static_cast<std::size_t>(pick)] / 60 +
             (random.Chance(0.4) ? random.Int(-180, 180)
                                 : random.Int(-3 * kDayMinutes, kDayMinutes / 2));
  }
  return Instant{minute * kMillisPerMinute};
}

// The average business minutes of a day that has weekly hours.
inline std::int64_t BusinessDayMinutes(const domain::Calendar& calendar) {
  std::int64_t total = 0;
  unsigned days = 0;
  for (const domain::WeeklySpan& span : calendar.hours) {
    total += span.end > span.start ? span.end.minutes - span.start.minutes
                                   : span.end.minutes + kMinutesPerDay - span.start.minutes;
    days |= 1u << static_cast<unsigned>(span.day);
  }
  return std::max<std::int64_t>(1, total / std::max(1, std::popcount(days)));
}

// A well-mixed 64-bit function of `x` (SplitMix64), to derive each case's seed.
inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Case `index` of the run seeded `seed`: the same case whatever the thread or count.
inline PropertyCase RandomCase(std::uint64_t seed, std::uint64_t index) {
  Random random(SplitMix64(SplitMix64(seed) ^ index));
  PropertyCase out;
  out.year = static_cast<int>(random.Int(kFirstCaseYear, kLastCaseYear));
  const char* zone_name = random.Pick(kZones);
  const date::time_zone* zone = date::locate_zone(zone_name);
  out.from = RandomStart(random, *zone, out.year);
  if (random.Chance(0.03)) {  // days from either end of the compiled years
    const int edge = random.Chance(0.5) ? out.year - 1 : out.year + 2;
    out.from =
        Instant{(date::sys_days{date::year{edge} / 1 / 1}.time_since_epoch().count() * kDayMinutes +
                 random.Int(-4 * kDayMinutes, 4 * kDayMinutes)) *
                kMillisPerMinute};
  }
  const auto anchor = static_cast<std::int32_t>(FloorDiv(out.from.ms, 86'400'000));
  while (true) {  // until the definition is valid
    domain::Calendar calendar;
    calendar.name = "random";
    calendar.time_zone = zone_name;
    AddWeeklyHours(random, calendar);
    if (calendar.hours.empty()) continue;  // keeps every case's walk bounded
    AddHolidays(random, calendar, anchor, out.year);
    AddShortDays(random, calendar, anchor, out.year);
    FieldErrors errors;
    domain::Validate(calendar, errors);
    if (!errors.empty()) continue;
    out.calendar = std::move(calendar);
    break;
  }
  // Up to five business days, often none or a few minutes.
  const std::int64_t most = 5 * BusinessDayMinutes(out.calendar);
  const std::int64_t minutes = random.Chance(0.1) ? 0
                               : random.Chance(0.15)
                                   ? random.Int(1, std::min<std::int64_t>(120, most))
                                   : random.Int(0, most);
  out.amount = minutes * kMillisPerMinute;
  out.to = Instant{out.from.ms + random.Int(-60, 10 * kDayMinutes) * kMillisPerMinute};
  return out;
}

// ---- comparing ------------------------------------------------------------------------

inline std::string Describe(const date::time_zone& zone, Instant at) {
  const auto sys = date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{at.ms}};
  return FormatRfc3339(at) + " (" + date::format("%F %T %Z", date::make_zoned(&zone, sys)) + ")";
}

inline std::string Describe(const date::time_zone& zone, const std::optional<Instant>& at) {
  return at ? Describe(zone, *at) : std::string("not within the horizon");
}

struct PropertyResult {
  std::int64_t cases = 0;
  std::int64_t checks = 0;      // questions answered by both
  std::int64_t skipped = 0;     // questions the oracle could not answer within the horizon
  std::int64_t mismatches = 0;  // cases with at least one different answer
  std::vector<std::pair<std::uint64_t, std::string>> reports;  // the first few, by index
  double seconds = 0;
};

// "seed S: N cases, C checks, K skipped, M mismatches, T s on H threads", for both the
// test and the benchmark.
inline std::string Summary(const PropertyResult& result, std::uint64_t seed, unsigned threads) {
  char line[256];
  std::snprintf(line, sizeof line,
                "seed %llu: %lld cases, %lld checks, %lld skipped, %lld mismatches, %.2f s on %u "
                "threads",
                static_cast<unsigned long long>(seed), static_cast<long long>(result.cases),
                static_cast<long long>(result.checks), static_cast<long long>(result.skipped),
                static_cast<long long>(result.mismatches), result.seconds, threads);
  return line;
}

// Compares Add, Between and NextBusiness with the oracle on one case; a report of every
// difference, or empty.
inline std::string CheckCase(std::uint64_t seed, std::uint64_t index, PropertyResult& result) {
  const PropertyCase c = RandomCase(seed, index);
  const Result<BusinessCalendar> compiled =
      BusinessCalendar::Compile(c.calendar, c.year - 1, c.year + 1);
  if (!compiled) {
    return "case " + std::to_string(index) + " of seed " + std::to_string(seed) +
           ": does not compile: " + compiled.error().message + "\n";
  }
  const BusinessCalendar& fast = *compiled;
  MinuteOracle oracle(c.calendar, c.year - 1, c.year + 1);
  const date::time_zone& zone = *date::locate_zone(c.calendar.time_zone);

  std::string differences;
  const std::optional<Instant> add = oracle.Add(c.from, c.amount, kHorizonMinutes);
  if (!add) {
    ++result.skipped;
  } else if (++result.checks; fast.Add(c.from, c.amount) != *add) {
    differences += "  Add(from, " + std::to_string(c.amount / kMillisPerMinute) + " min): fast " +
                   Describe(zone, fast.Add(c.from, c.amount)) + ", oracle " + Describe(zone, *add) +
                   "\n";
  }
  ++result.checks;
  const Millis between = oracle.Between(c.from, c.to);
  if (fast.Between(c.from, c.to) != between) {
    differences += "  Between(from, " + Describe(zone, c.to) + "): fast " +
                   std::to_string(fast.Between(c.from, c.to) / kMillisPerMinute) + " min, oracle " +
                   std::to_string(between / kMillisPerMinute) + " min\n";
  }
  const std::optional<Instant> next = oracle.NextBusiness(c.from, kHorizonMinutes);
  if (!next) {
    ++result.skipped;
  } else if (++result.checks; fast.NextBusiness(c.from) != *next) {
    differences += "  NextBusiness(from): fast " + Describe(zone, fast.NextBusiness(c.from)) +
                   ", oracle " + Describe(zone, *next) + "\n";
  }
  if (differences.empty()) return {};
  // The calendar as the API takes it, without the record's metadata.
  boost::json::object definition = domain::ToJson(c.calendar).as_object();
  for (const char* key : {"id", "version", "created_at", "updated_at"}) definition.erase(key);
  return "case " + std::to_string(index) + " of seed " + std::to_string(seed) +
         " (RAPPORT_SLA_PROPERTY_SEED=" + std::to_string(seed) +
         " RAPPORT_SLA_PROPERTY_CASE=" + std::to_string(index) + ")\n  calendar " +
         boost::json::serialize(definition) + "\n  compiled for " + std::to_string(c.year - 1) +
         ".." + std::to_string(c.year + 1) + "\n  from " + Describe(zone, c.from) + "\n" +
         differences;
}

// Cases [first, first + count) of `seed` on `threads` threads.
inline PropertyResult RunProperty(std::uint64_t seed, std::uint64_t first, std::uint64_t count,
                                  unsigned threads, std::size_t max_reports = 5) {
  const auto started = std::chrono::steady_clock::now();
  threads = std::max(1u, threads);
  std::vector<PropertyResult> parts(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      PropertyResult& part = parts[t];
      for (std::uint64_t i = first + t; i < first + count; i += threads) {
        ++part.cases;
        std::string report = CheckCase(seed, i, part);
        if (report.empty()) continue;
        ++part.mismatches;
        if (part.reports.size() < max_reports) part.reports.emplace_back(i, std::move(report));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  PropertyResult out;
  for (PropertyResult& part : parts) {
    out.cases += part.cases;
    out.checks += part.checks;
    out.skipped += part.skipped;
    out.mismatches += part.mismatches;
    for (auto& report : part.reports) out.reports.push_back(std::move(report));
  }
  std::sort(out.reports.begin(), out.reports.end());
  if (out.reports.size() > max_reports) out.reports.resize(max_reports);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace rapport::sla::oracle
