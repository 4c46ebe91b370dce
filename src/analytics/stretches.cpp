#include "analytics/stretches.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace rapport::analytics {

StretchReport CountStretches(const std::vector<Stretch>& stretches, std::uint32_t keys,
                             const PeriodScheme& periods, Instant from, Instant to, Instant now) {
  const std::uint32_t n = periods.count();
  StretchReport out;
  out.counts.assign(n, std::vector<StretchCounts>(keys));

  // Each known period's end, nondecreasing: a stretch is open at the end e of a period when
  // begin < e <= end, so the periods it is open at are a run, found by binary search and
  // added up from a difference array.
  std::vector<std::int64_t> ends;
  for (std::uint32_t i = 0; i < n && std::max(periods.Start(i), from) <= now; ++i) {
    ends.push_back(std::min({periods.Start(i + 1).ms, to.ms, now.ms}));
  }
  out.known_periods = static_cast<std::uint32_t>(ends.size());
  std::vector<std::int64_t> open_delta((ends.size() + 1) * keys, 0);

  PeriodScheme::Hint hint;
  for (const Stretch& s : stretches) {
    RAPPORT_CHECK(s.key < keys);
    if (from <= s.begin && s.begin < to) ++out.counts[periods.IndexOf(s.begin, hint)][s.key].began;
    if (s.end && from <= *s.end && *s.end < to) ++out.counts[periods.IndexOf(*s.end, hint)][s.key].ended;
    const auto first = std::upper_bound(ends.begin(), ends.end(), s.begin.ms) - ends.begin();
    const auto last = s.end ? std::upper_bound(ends.begin(), ends.end(), s.end->ms) - ends.begin()
                            : static_cast<std::ptrdiff_t>(ends.size());
    if (first < last) {
      ++open_delta[first * keys + s.key];
      --open_delta[last * keys + s.key];
    }
  }
  std::vector<std::int64_t> open(keys, 0);
  for (std::size_t i = 0; i < ends.size(); ++i) {
    for (std::uint32_t k = 0; k < keys; ++k) {
      open[k] += open_delta[i * keys + k];
      out.counts[i][k].open_at_end = open[k];
    }
  }
  return out;
}

}  // namespace rapport::analytics
