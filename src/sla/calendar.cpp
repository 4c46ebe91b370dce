#include "sla/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace rapport::sla {

namespace {

constexpr std::int64_t kMillisPerDay = 86'400'000;

// [from, to) in milliseconds; local wall-clock time or UTC, as the context says.
struct Interval {
  std::int64_t from;
  std::int64_t to;
  friend bool operator<(const Interval& a, const Interval& b) { return a.from < b.from; }
};

// Sorts and merges overlapping or touching intervals.
std::vector<Interval> Merged(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end());
  std::vector<Interval> out;
  for (const Interval& i : intervals) {
    if (i.to <= i.from) continue;
    if (!out.empty() && i.from <= out.back().to) {
      out.back().to = std::max(out.back().to, i.to);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// `keep` minus `remove`, both merged.
std::vector<Interval> Subtracted(const std::vector<Interval>& keep,
                                 const std::vector<Interval>& remove) {
  std::vector<Interval> out;
  std::size_t r = 0;
  for (Interval piece : keep) {
    while (r < remove.size() && remove[r].to <= piece.from) ++r;
    for (std::size_t k = r; k < remove.size() && remove[k].from < piece.to; ++k) {
      if (remove[k].from > piece.from) out.push_back({piece.from, remove[k].from});
      piece.from = std::max(piece.from, remove[k].to);
      if (piece.from >= piece.to) break;
    }
    if (piece.from < piece.to) out.push_back(piece);
  }
  return out;
}

// Entries dated one-off or yearly (holidays, short days), indexed for lookup by day.
template <class Entry>
class ByDate {
 public:
  explicit ByDate(const std::vector<Entry>& entries) {
    for (const Entry& entry : entries) {
      if (entry.yearly) {
        const date::year_month_day ymd{date::sys_days{date::days{entry.date.days}}};
        yearly_[Slot(ymd)].push_back({&entry, static_cast<int>(ymd.year())});
      } else {
        one_off_[entry.date.days].push_back(&entry);
      }
    }
  }

  // The one-off entries of `day`, or else the yearly ones that recur on it.
  void Find(std::int32_t day, const date::year_month_day& ymd, bool prefer_one_off,
            std::vector<const Entry*>& out) const {
    out.clear();
    if (auto it = one_off_.find(day); it != one_off_.end()) {
      out = it->second;
      if (prefer_one_off) return;
    }
    for (const auto& [entry, from_year] : yearly_[Slot(ymd)]) {
      if (static_cast<int>(ymd.year()) >= from_year) out.push_back(entry);
    }
  }

 private:
  static std::size_t Slot(const date::year_month_day& ymd) {
    return static_cast<unsigned>(ymd.month()) * 32 + static_cast<unsigned>(ymd.day());
  }
  std::map<std::int32_t, std::vector<const Entry*>> one_off_;
  std::array<std::vector<std::pair<const Entry*, int>>, 13 * 32> yearly_;
};

// The span [start, end) of a local day in local milliseconds; an end at or before the
// start is on the next day.
Interval SpanOn(std::int32_t day_number, TimeOfDay start, TimeOfDay end) {
  const std::int64_t midnight = std::int64_t{day_number} * kMillisPerDay;
  const std::int64_t to = end > start ? end.minutes : end.minutes + kMinutesPerDay;
  return {midnight + std::int64_t{start.minutes} * kMillisPerMinute,
          midnight + to * kMillisPerMinute};
}

// One period of constant UTC offset: [begin, end) in UTC ms.
struct Period {
  std::int64_t begin;
  std::int64_t end;
  std::int64_t offset;  // ms to add to UTC to get local wall-clock time
};

std::vector<Period> PeriodsOf(const date::time_zone& zone, std::int64_t from, std::int64_t to) {
  std::vector<Period> out;
  std::int64_t at = from;
  while (at < to) {
    const date::sys_info info =
        zone.get_info(date::sys_seconds{std::chrono::seconds{at / 1000}});
    const std::int64_t begin = std::max<std::int64_t>(info.begin.time_since_epoch().count(), from / 1000) * 1000;
    const std::int64_t end = std::min<std::int64_t>(info.end.time_since_epoch().count(), to / 1000) * 1000;
    out.push_back({begin, end, info.offset.count() * 1000});
    at = end;
  }
  return out;
}

}  // namespace

Result<BusinessCalendar> BusinessCalendar::Compile(const domain::Calendar& definition,
                                                   int first_year, int last_year) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(definition.time_zone);
  } catch (const std::runtime_error&) {
    return Fail(ErrorCode::kInvalid, "unknown IANA time zone '" + definition.time_zone + "'",
                {{"time_zone", "unknown IANA time zone"}});
  }
  BusinessCalendar out;
  out.compiled_ = true;
  const auto first_day = static_cast<std::int32_t>(
      date::sys_days{date::year{first_year} / 1 / 1}.time_since_epoch().count());
  const auto end_day = static_cast<std::int32_t>(
      date::sys_days{date::year{last_year + 1} / 1 / 1}.time_since_epoch().count());
  out.range_start_ = std::int64_t{first_day} * kMillisPerDay;
  out.range_end_ = std::int64_t{end_day} * kMillisPerDay;

  // Local business hours and holidays, day by day, with two days' margin on each side so
  // that any offset and any span past midnight is covered once mapped to UTC.
  std::array<std::vector<const domain::WeeklySpan*>, 7> weekly;
  for (const auto& span : definition.hours) weekly[static_cast<int>(span.day)].push_back(&span);
  const ByDate<domain::ShortDay> short_days(definition.short_days);
  const ByDate<domain::Holiday> holiday_dates(definition.holidays);
  std::vector<Interval> spans;
  std::vector<Interval> holidays;
  std::vector<const domain::ShortDay*> today;
  std::vector<const domain::Holiday*> off;
  for (std::int32_t day = first_day - 2; day < end_day + 2; ++day) {
    const date::sys_days sys{date::days{day}};
    const date::year_month_day ymd{sys};
    short_days.Find(day, ymd, /*prefer_one_off=*/true, today);
    if (!today.empty()) {
      for (const auto* entry : today) spans.push_back(SpanOn(day, entry->start, entry->end));
    } else {
      const unsigned iso = date::weekday{sys}.iso_encoding();
      for (const auto* span : weekly[iso - 1]) spans.push_back(SpanOn(day, span->start, span->end));
    }
    holiday_dates.Find(day, ymd, /*prefer_one_off=*/false, off);
    for (const auto* holiday : off) {
      holidays.push_back(holiday->start ? SpanOn(day, *holiday->start, *holiday->end)
                                        : SpanOn(day, TimeOfDay{0}, TimeOfDay{kMinutesPerDay}));
    }
  }
  const std::vector<Interval> local = Subtracted(Merged(std::move(spans)), Merged(std::move(holidays)));

  // Map local intervals to UTC through the zone's periods of constant offset: the part of
  // [a, b) inside period p is the UTC time u in p with a <= u + offset < b. Skipped local
  // times have no such u; repeated ones have one in each of the two periods. Both the
  // local starts and the local ends of successive periods increase.
  const std::int64_t margin = 3 * kMillisPerDay;
  const std::vector<Period> periods =
      PeriodsOf(*zone, out.range_start_ - margin, out.range_end_ + margin);
  std::vector<Interval> utc;
  std::size_t p = 0;
  for (const Interval& piece : local) {
    while (p < periods.size() && periods[p].end + periods[p].offset <= piece.from) ++p;
    for (std::size_t q = p; q < periods.size() && periods[q].begin + periods[q].offset < piece.to; ++q) {
      const Period& period = periods[q];
      const std::int64_t from = std::max(piece.from - period.offset, period.begin);
      const std::int64_t to = std::min(piece.to - period.offset, period.end);
      const std::int64_t clipped_from = std::max(from, out.range_start_);
      const std::int64_t clipped_to = std::min(to, out.range_end_);
      if (clipped_from < clipped_to) utc.push_back({clipped_from, clipped_to});
    }
  }
  Millis total = 0;
  for (const Interval& i : Merged(std::move(utc))) {
    out.starts_.push_back(i.from);
    out.ends_.push_back(i.to);
    out.before_.push_back(total);
    total += i.to - i.from;
    out.after_.push_back(total);
  }
  // The first interval ending after each UTC day's start, and a sentinel.
  const std::size_t days = static_cast<std::size_t>((out.range_end_ - out.range_start_) / kMillisPerDay);
  out.day_first_.reserve(days + 1);
  std::size_t next = 0;
  for (std::size_t d = 0; d <= days; ++d) {
    const std::int64_t day_start = out.range_start_ + static_cast<std::int64_t>(d) * kMillisPerDay;
    while (next < out.ends_.size() && out.ends_[next] <= day_start) ++next;
    out.day_first_.push_back(static_cast<std::uint32_t>(next));
  }
  return out;
}

BusinessCalendar::Position BusinessCalendar::Locate(std::int64_t t) const {
  // REQUIRES: range_start_ < t < range_end_. Only the intervals of t's UTC day (and the
  // one running into the next) can hold it.
  const auto day = static_cast<std::size_t>((t - range_start_) / kMillisPerDay);
  const std::size_t first = day_first_[day];
  const std::size_t last = std::min<std::size_t>(day_first_[day + 1] + 1, starts_.size());
  const auto begin = starts_.begin() + static_cast<std::ptrdiff_t>(first);
  const auto next = std::upper_bound(begin, starts_.begin() + static_cast<std::ptrdiff_t>(last), t);
  if (next == begin) {  // in the gap before interval `first` (or after the last one)
    return {first < starts_.size() ? before_[first] : after_.empty() ? 0 : after_.back(), first};
  }
  const auto i = static_cast<std::size_t>(next - starts_.begin()) - 1;
  return {before_[i] + (std::min(t, ends_[i]) - starts_[i]), i};
}

Millis BusinessCalendar::Cumulative(Instant t) const {
  if (t.ms <= range_start_) return t.ms - range_start_;
  const Millis total = after_.empty() ? 0 : after_.back();
  if (t.ms >= range_end_) return total + (t.ms - range_end_);
  return Locate(t.ms).before;
}

Millis BusinessCalendar::Between(Instant from, Instant to) const {
  if (to <= from) return 0;
  if (!compiled_) return to.ms - from.ms;
  return Cumulative(to) - Cumulative(from);
}

Instant BusinessCalendar::Add(Instant from, Millis amount) const {
  if (amount <= 0) return from;
  if (!compiled_) return Instant{from.ms + amount};
  std::size_t lo = 0;
  Millis target = 0;
  if (from.ms <= range_start_) {
    target = (from.ms - range_start_) + amount;
    if (target <= 0) return Instant{range_start_ + target};  // still before the range
  } else if (from.ms >= range_end_) {
    return Instant{from.ms + amount};
  } else {
    const Position at = Locate(from.ms);
    target = at.before + amount;
    lo = at.index;
  }
  // The first interval whose running total at its end reaches the target: gallop from
  // where `from` is, since most amounts span a few days, then search the last stride.
  std::size_t hi = lo;
  for (std::size_t stride = 1; hi < after_.size() && after_[hi] < target; stride *= 2) {
    lo = hi + 1;
    hi += stride;
  }
  hi = std::min(hi + 1, after_.size());
  const auto found = std::lower_bound(after_.begin() + static_cast<std::ptrdiff_t>(lo),
                                      after_.begin() + static_cast<std::ptrdiff_t>(hi), target);
  if (found == after_.end()) {
    const Millis total = after_.empty() ? 0 : after_.back();
    return Instant{range_end_ + (target - total)};
  }
  const auto i = static_cast<std::size_t>(found - after_.begin());
  return Instant{starts_[i] + (target - before_[i])};
}

Instant BusinessCalendar::NextBusiness(Instant at) const {
  if (!compiled_ || at.ms < range_start_ || at.ms >= range_end_) return at;
  if (at.ms == range_start_) return starts_.empty() ? Instant{range_end_} : Instant{starts_[0]};
  const Position p = Locate(at.ms);
  if (p.index < starts_.size() && starts_[p.index] <= at.ms && at.ms < ends_[p.index]) return at;
  const std::size_t next = p.index < starts_.size() && starts_[p.index] <= at.ms ? p.index + 1 : p.index;
  return next < starts_.size() ? Instant{starts_[next]} : Instant{range_end_};
}

}  // namespace rapport::sla
