#include "analytics/service_level.hpp"

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

namespace rapport::analytics {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::array<std::string_view, kDimensionCount> kDimensionNames = {
    "vendor", "channel", "queue", "agent", "segment", "period", "hour_of_week"};
// Groups kept in a flat array up to this many combinations; beyond, in a hash map.
constexpr std::uint64_t kFlatGroups = 1 << 16;
// Rows of a block taken at a time by a scan: their group numbers stay in the L1 cache.
constexpr std::size_t kChunk = 2048;
// A case's channel when it has none.
constexpr std::uint32_t kUnknownChannel = kChannelCount;

// Adds one contact row to `t` as ContactCounter::Add defines it, without branches on the
// disposition (which a scan over mixed contacts mispredicts): every count is a comparison
// added. A row not offered (kNotOffered) adds nothing.
inline void Accumulate(Tally& t, Disposition d, std::uint32_t wait, std::uint32_t handle,
                       std::int64_t threshold, std::int64_t short_ms) {
  const bool answered = d == Disposition::kAnswered;
  const bool gave_up = d == Disposition::kAbandoned;
  const bool has_wait = wait != kNoDuration;
  const bool short_abandon = gave_up & has_wait & (wait < short_ms);
  const bool abandoned = gave_up & !short_abandon;
  const bool handled = answered & (handle != kNoDuration);
  t.offered += answered | abandoned | (d == Disposition::kUnanswered);
  t.answered += answered;
  t.answered_within += answered & (wait <= threshold);
  t.wait_ms += answered ? wait : 0;
  t.handled += handled;
  t.handle_ms += handled ? handle : 0;
  t.abandoned += abandoned;
  t.abandoned_within += abandoned & has_wait & (wait <= threshold);
  t.short_abandons += short_abandon;
  t.missed_off_hours += d == Disposition::kMissedOffHours;
}

// A flat group's contact counts as a scan keeps them: one count per class of contact (the
// classes partition the rows, so each row adds one to one count) and the two sums. A row
// costs three additions instead of a Tally's ten; Fold turns them into the Tally's counts.
enum Cell : std::size_t {
  kAnsweredWithinHandled, kAnsweredBeyondHandled, kAnsweredWithinOpen, kAnsweredBeyondOpen,
  kShortAbandon, kAbandonedWithin, kAbandonedBeyond, kUnanswered, kMissedOffHours, kNotOffered,
  kWaitSum, kHandleSum, kCellCount
};
using Cells = std::array<std::int64_t, kCellCount>;

// The class of a contact row (as Accumulate counts it), without branches.
inline std::size_t ClassOf(Disposition d, std::uint32_t wait, std::uint32_t handle, std::int64_t threshold,
                           std::int64_t short_ms) {
  const bool has_wait = wait != kNoDuration;
  const std::size_t answered = kAnsweredWithinHandled + (wait > threshold) + 2 * (handle == kNoDuration);
  const bool short_abandon = has_wait & (wait < short_ms);
  const std::size_t abandoned = short_abandon                    ? kShortAbandon
                                : has_wait & (wait <= threshold) ? kAbandonedWithin
                                                                 : kAbandonedBeyond;
  static constexpr std::array<std::size_t, 5> kOther = {kNotOffered, 0, 0, kUnanswered, kMissedOffHours};
  return d == Disposition::kAnswered ? answered
         : d == Disposition::kAbandoned ? abandoned
                                        : kOther[static_cast<std::size_t>(d)];
}

inline void Count(Cells& cells, Disposition d, std::uint32_t wait, std::uint32_t handle, std::int64_t threshold,
                  std::int64_t short_ms) {
  const bool answered = d == Disposition::kAnswered;
  ++cells[ClassOf(d, wait, handle, threshold, short_ms)];
  cells[kWaitSum] += answered ? wait : 0;
  cells[kHandleSum] += answered & (handle != kNoDuration) ? handle : 0;
}

void Fold(Tally& t, const Cells& c) {
  const std::int64_t answered = c[kAnsweredWithinHandled] + c[kAnsweredBeyondHandled] +
                                c[kAnsweredWithinOpen] + c[kAnsweredBeyondOpen];
  const std::int64_t abandoned = c[kAbandonedWithin] + c[kAbandonedBeyond];
  t.offered += answered + abandoned + c[kUnanswered];
  t.answered += answered;
  t.answered_within += c[kAnsweredWithinHandled] + c[kAnsweredWithinOpen];
  t.wait_ms += c[kWaitSum];
  t.handled += c[kAnsweredWithinHandled] + c[kAnsweredBeyondHandled];
  t.handle_ms += c[kHandleSum];
  t.abandoned += abandoned;
  t.abandoned_within += c[kAbandonedWithin];
  t.short_abandons += c[kShortAbandon];
  t.missed_off_hours += c[kMissedOffHours];
}

// Composite group numbers: the sum of each dimension's value times its stride.
struct Keying {
  std::vector<Dimension> by;
  std::vector<std::uint64_t> cardinality, stride;
  std::uint64_t combinations = 1;

  std::vector<std::uint32_t> Split(std::uint64_t composite) const {
    std::vector<std::uint32_t> key(by.size());
    for (std::size_t d = 0; d < by.size(); ++d) {
      key[d] = static_cast<std::uint32_t>(composite / stride[d] % cardinality[d]);
    }
    return key;
  }
};

// One thread's groups.
class Groups {
 public:
  explicit Groups(std::uint64_t combinations) : flat_(combinations <= kFlatGroups) {
    if (flat_) dense_.resize(combinations);
  }
  Tally& At(std::uint64_t composite) { return flat_ ? dense_[composite] : sparse_[composite]; }
  // The groups' contact counts, when flat (else null).
  Cells* DenseCells() {
    if (!flat_) return nullptr;
    if (cells_.empty()) cells_.resize(dense_.size());
    return cells_.data();
  }
  void MergeInto(std::map<std::uint64_t, Tally>& out) const {
    if (flat_) {
      for (std::size_t i = 0; i < dense_.size(); ++i) {
        Tally tally = dense_[i];
        if (!cells_.empty()) Fold(tally, cells_[i]);
        if (!(tally == Tally{})) out[i].Add(tally);
      }
    } else {
      // Rows not offered (outbound, notes) touch a group without counting in it.
      for (const auto& [composite, tally] : sparse_) {
        if (!(tally == Tally{})) out[composite].Add(tally);
      }
    }
  }

 private:
  bool flat_;
  std::vector<Tally> dense_;
  std::vector<Cells> cells_;
  std::unordered_map<std::uint64_t, Tally> sparse_;
};

class Aggregator {
 public:
  Aggregator(const Projection& p, const ReportRequest& r, Keying keying)
      : p_(p), r_(r), keying_(std::move(keying)), counter_(r.scope, r.definitions) {}

  std::map<std::uint64_t, Tally> Run() {
    const auto& blocks = p_.contacts.blocks();
    int threads = std::clamp<int>(r_.threads, 1, 64);
    std::vector<Groups> partial;
    partial.reserve(threads);
    for (int t = 0; t < threads; ++t) partial.emplace_back(keying_.combinations);
    {
      std::vector<std::jthread> workers;
      for (int t = 0; t < threads; ++t) {
        std::size_t first = blocks.size() * t / threads, last = blocks.size() * (t + 1) / threads;
        Groups& mine = partial[t];
        workers.emplace_back([this, first, last, &mine] { ScanContacts(first, last, mine); });
      }
    }
    Groups cases(keying_.combinations);
    ScanCases(cases);
    std::map<std::uint64_t, Tally> merged;
    for (const Groups& g : partial) g.MergeInto(merged);
    cases.MergeInto(merged);
    return merged;
  }

 private:
  struct Facts {  // one contact's or case's dimension values
    std::uint32_t vendor, channel, queue, agent, account;
    Instant at;
  };

  std::uint64_t Composite(const Facts& f, PeriodScheme::Hint& hint) const {
    std::uint64_t composite = 0;
    for (std::size_t d = 0; d < keying_.by.size(); ++d) {
      std::uint32_t value = 0;
      switch (keying_.by[d]) {
        case Dimension::kVendor: value = f.vendor; break;
        case Dimension::kChannel: value = f.channel; break;
        case Dimension::kQueue: value = f.queue; break;
        case Dimension::kAgent: value = f.agent; break;
        case Dimension::kSegment: value = p_.segments.Of(f.account); break;
        case Dimension::kPeriod: value = r_.periods->IndexOf(f.at, hint); break;
        case Dimension::kHourOfWeek: value = r_.periods->HourOfWeek(f.at, hint); break;
      }
      composite += value * keying_.stride[d];
    }
    return composite;
  }

  // The contacts of blocks [first_block, last_block), a chunk of rows at a time: first
  // each row's group number, a column at a time (a dimension constant over the chunk, such
  // as the month of a block that lies in one month, added once), then the counts. A block
  // wholly inside the range needs no per-row range test, and an unscoped report no scope
  // test, so that the common report reads only the columns it groups and counts by.
  void ScanContacts(std::size_t first_block, std::size_t last_block, Groups& groups) const {
    const ContactTable& c = p_.contacts;
    const Scope& scope = r_.scope;
    const std::int64_t from = scope.from.ms, to = scope.to.ms;
    const bool scoped = scope.vendor || scope.channel || scope.agent || !scope.queues.empty();
    std::array<std::int64_t, kChannelCount> threshold{};
    for (std::size_t k = 0; k < kChannelCount; ++k) threshold[k] = r_.definitions.threshold_seconds[k] * 1000;
    const std::int64_t short_ms = r_.definitions.short_abandon_seconds * 1000;
    PeriodScheme::Hint hint;
    std::vector<std::uint64_t> keys(kChunk);
    Cells* const cells = groups.DenseCells();
    for (std::size_t b = first_block; b < last_block; ++b) {
      const auto& block = c.blocks()[b];
      if (block.last_arrival.ms < from || block.first_arrival.ms >= to) continue;
      const bool whole = block.first_arrival.ms >= from && block.last_arrival.ms < to;
      // Every row's arrival lies in [first_arrival, last_arrival]: one period at both ends
      // is one period for all.
      std::optional<std::uint32_t> block_period;
      if (whole && r_.periods) {
        const std::uint32_t p = r_.periods->IndexOf(block.first_arrival, hint);
        if (r_.periods->IndexOf(block.last_arrival, hint) == p) block_period = p;
      }
      const std::size_t block_end = std::min(c.size(), (b + 1) * ContactTable::kBlockRows);
      for (std::size_t begin = b * ContactTable::kBlockRows; begin < block_end; begin += kChunk) {
        const std::size_t n = std::min(kChunk, block_end - begin);
        std::fill_n(keys.begin(), n, 0);
        for (std::size_t d = 0; d < keying_.by.size(); ++d) {
          AddKeys(keying_.by[d], keying_.stride[d], begin, n, whole, block_period, hint, keys);
        }
        // Raw pointers: the counts' stores could otherwise alias the columns' and keys'.
        const Disposition* disposition = c.disposition_.data() + begin;
        const std::uint32_t* wait = c.wait_.data() + begin;
        const std::uint32_t* handle = c.handle_.data() + begin;
        const std::uint8_t* channel = c.channel_.data() + begin;
        const std::uint64_t* key = keys.data();
        if (whole && !scoped && cells != nullptr) {  // the common report
          for (std::size_t i = 0; i < n; ++i) {
            Count(cells[key[i]], disposition[i], wait[i], handle[i], threshold[channel[i]], short_ms);
          }
          continue;
        }
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t row = begin + i;
          if (!whole && (c.arrived_[row] < from || c.arrived_[row] >= to)) continue;
          if (scoped && !counter_.InScope(c.vendor_[row], channel[i], c.queue_[row], c.agent_[row])) continue;
          if (cells != nullptr) {
            Count(cells[key[i]], disposition[i], wait[i], handle[i], threshold[channel[i]], short_ms);
          } else {
            Accumulate(groups.At(key[i]), disposition[i], wait[i], handle[i], threshold[channel[i]], short_ms);
          }
        }
      }
    }
  }

  // Adds dimension `dimension`'s value times `stride` to the group numbers of rows
  // [begin, begin + n). Rows outside the range (only when not `whole`) get any number:
  // they are not counted.
  void AddKeys(Dimension dimension, std::uint64_t stride, std::size_t begin, std::size_t n, bool whole,
               std::optional<std::uint32_t> block_period, PeriodScheme::Hint& hint,
               std::vector<std::uint64_t>& keys) const {
    const ContactTable& c = p_.contacts;
    const std::int64_t from = r_.scope.from.ms, to = r_.scope.to.ms;
    auto add = [&](const auto& column) {
      for (std::size_t i = 0; i < n; ++i) keys[i] += column[begin + i] * stride;
    };
    auto in_range = [&](std::size_t row) { return whole || (c.arrived_[row] >= from && c.arrived_[row] < to); };
    switch (dimension) {
      case Dimension::kVendor: add(c.vendor_); break;
      case Dimension::kChannel: add(c.channel_); break;
      case Dimension::kQueue: add(c.queue_); break;
      case Dimension::kAgent: add(c.agent_); break;
      case Dimension::kSegment:
        for (std::size_t i = 0; i < n; ++i) keys[i] += p_.segments.Of(c.account_[begin + i]) * stride;
        break;
      case Dimension::kPeriod:
        if (block_period) {
          for (std::size_t i = 0; i < n; ++i) keys[i] += *block_period * stride;
          break;
        }
        for (std::size_t i = 0; i < n; ++i) {
          if (in_range(begin + i)) keys[i] += r_.periods->IndexOf(Instant{c.arrived_[begin + i]}, hint) * stride;
        }
        break;
      case Dimension::kHourOfWeek:
        for (std::size_t i = 0; i < n; ++i) {
          if (in_range(begin + i)) keys[i] += r_.periods->HourOfWeek(Instant{c.arrived_[begin + i]}, hint) * stride;
        }
        break;
    }
  }

  // First-contact resolution: judges the cases resolved in the scope, from one pass over
  // the contacts that can bear on them.
  void ScanCases(Groups& groups) const {
    const CaseTable& cases = p_.cases;
    const std::int64_t from = r_.scope.from.ms, to = r_.scope.to.ms;
    const std::int64_t window = r_.definitions.fcr_days * kDayMs;
    struct Judged {
      std::size_t row;
      std::int64_t resolved;
      int contacts_before = 0;
      bool repeated = false;
    };
    std::vector<Judged> judged;
    std::vector<std::int32_t> judged_of_case(cases.max_id + 1, -1);
    // Judged cases by (whose further contacts count, category).
    const bool by_person = r_.definitions.fcr_repeat_by == RepeatBy::kPerson;
    std::unordered_map<std::uint64_t, std::vector<std::int32_t>> by_party_category;
    PeriodScheme::Hint hint;
    std::int64_t last_relevant = std::numeric_limits<std::int64_t>::min();
    for (std::size_t row = 0; row < cases.size(); ++row) {
      const std::int64_t resolved = cases.resolved_[row];
      if (resolved == CaseTable::kNotResolved || resolved < from || resolved >= to) continue;
      const std::uint32_t channel = cases.channel_[row] == CaseTable::kNoChannel ? kUnknownChannel : cases.channel_[row];
      if (!counter_.InScope(cases.vendor_[row], channel, cases.queue_[row], cases.assignee_[row])) continue;
      Facts facts{cases.vendor_[row], channel, cases.queue_[row], cases.assignee_[row], cases.account_[row], Instant{resolved}};
      Tally& tally = groups.At(Composite(facts, hint));
      if (resolved > to - window) {
        ++tally.cases_pending;
        continue;
      }
      ++tally.cases_resolved;
      auto index = static_cast<std::int32_t>(judged.size());
      judged.push_back({row, resolved});
      judged_of_case[cases.id_[row]] = index;
      const std::uint32_t party = by_person ? cases.requester_[row] : cases.account_[row];
      if (cases.category_[row] != 0 && party != 0) {
        by_party_category[(std::uint64_t{party} << 32) | cases.category_[row]].push_back(index);
      }
      last_relevant = std::max(last_relevant, resolved + window);
    }
    if (judged.empty()) return;

    // Each (party, category)'s judged cases in order of resolution, so that a contact
    // finds those it repeats (resolved in [at − window, at)) as one run by binary search
    // and marks the run in a difference array, instead of visiting every case.
    // Contacts come mostly in arrival order, so each run remembers the last contact's
    // bounds and moves them forward from there; a contact earlier than the last searches.
    struct Run {
      std::vector<std::int32_t> judged;   // by resolution
      std::vector<std::int64_t> resolved;
      std::vector<std::int32_t> cover;    // +1 where a contact's run starts, −1 past its end
      std::int64_t last_at = std::numeric_limits<std::int64_t>::min();
      std::size_t lo = 0, hi = 0;  // the last contact's: first resolved >= at − window, >= at
    };
    std::vector<Run> runs;
    std::unordered_map<std::uint64_t, std::uint32_t> run_of;
    run_of.reserve(by_party_category.size());
    for (auto& [key, indexes] : by_party_category) {
      std::sort(indexes.begin(), indexes.end(),
                [&](std::int32_t a, std::int32_t b) { return judged[a].resolved < judged[b].resolved; });
      Run run;
      for (std::int32_t index : indexes) run.resolved.push_back(judged[index].resolved);
      run.judged = std::move(indexes);
      run.cover.assign(run.judged.size() + 1, 0);
      run_of.emplace(key, static_cast<std::uint32_t>(runs.size()));
      runs.push_back(std::move(run));
    }
    // With few parties × categories, a table finds a contact's run without hashing.
    const std::uint64_t category_count = p_.categories.size();
    std::uint64_t max_party = 0;
    for (const auto& [key, index] : run_of) max_party = std::max(max_party, key >> 32);
    std::vector<std::int32_t> run_table;
    if ((max_party + 1) * category_count <= (std::uint64_t{1} << 22)) {
      run_table.assign((max_party + 1) * category_count, -1);
      for (const auto& [key, index] : run_of) {
        run_table[(key >> 32) * category_count + (key & 0xffffffffU)] = static_cast<std::int32_t>(index);
      }
    }

    const ContactTable& c = p_.contacts;
    for (std::size_t b = 0; b < c.blocks().size(); ++b) {
      if (c.blocks()[b].first_arrival.ms > last_relevant) continue;
      std::size_t end = std::min(c.size(), (b + 1) * ContactTable::kBlockRows);
      for (std::size_t row = b * ContactTable::kBlockRows; row < end; ++row) {
        if (c.disposition_[row] == Disposition::kNotOffered) continue;  // inbound contacts only
        const std::int64_t at = c.arrived_[row];
        if (at > last_relevant) continue;
        const std::uint32_t case_id = c.case_[row];
        if (case_id != 0 && case_id < judged_of_case.size() && judged_of_case[case_id] >= 0) {
          Judged& j = judged[judged_of_case[case_id]];
          if (at <= j.resolved) {
            ++j.contacts_before;
          } else if (at <= j.resolved + window) {
            j.repeated = true;
          }
        }
        const std::uint32_t party = by_person ? c.person_[row] : c.account_[row];
        if (c.category_[row] == 0 || party == 0) continue;
        std::int64_t index = -1;
        if (!run_table.empty()) {
          if (party <= max_party) index = run_table[party * category_count + c.category_[row]];
        } else if (auto it = run_of.find((std::uint64_t{party} << 32) | c.category_[row]); it != run_of.end()) {
          index = it->second;
        }
        if (index < 0) continue;
        Run& run = runs[static_cast<std::size_t>(index)];
        const std::vector<std::int64_t>& r = run.resolved;
        if (at >= run.last_at) {
          while (run.lo < r.size() && r[run.lo] < at - window) ++run.lo;
          run.hi = std::max(run.hi, run.lo);
          while (run.hi < r.size() && r[run.hi] < at) ++run.hi;
        } else {
          run.lo = static_cast<std::size_t>(std::lower_bound(r.begin(), r.end(), at - window) - r.begin());
          run.hi = static_cast<std::size_t>(std::lower_bound(r.begin() + static_cast<std::ptrdiff_t>(run.lo), r.end(), at) - r.begin());
        }
        run.last_at = at;
        if (run.lo == run.hi) continue;
        ++run.cover[run.lo];
        --run.cover[run.hi];
      }
    }
    for (const Run& run : runs) {
      std::int64_t covered = 0;
      for (std::size_t i = 0; i < run.judged.size(); ++i) {
        covered += run.cover[i];
        if (covered > 0) judged[run.judged[i]].repeated = true;
      }
    }
    for (const Judged& j : judged) {
      if (j.contacts_before != 1 || j.repeated) continue;
      std::uint32_t channel = cases.channel_[j.row] == CaseTable::kNoChannel ? kUnknownChannel : cases.channel_[j.row];
      Facts facts{cases.vendor_[j.row], channel, cases.queue_[j.row], cases.assignee_[j.row], cases.account_[j.row], Instant{j.resolved}};
      ++groups.At(Composite(facts, hint)).first_contact;
    }
  }

  const Projection& p_;
  const ReportRequest& r_;
  Keying keying_;
  ContactCounter counter_;
};

Result<Keying> KeyingFor(const Projection& p, const ReportRequest& r) {
  Keying keying;
  keying.by = r.by;
  for (std::size_t d = 0; d < r.by.size(); ++d) {
    for (std::size_t e = 0; e < d; ++e) {
      if (r.by[e] == r.by[d]) {
        return Fail(ErrorCode::kInvalid, "a dimension is repeated",
                    {{"group_by", std::string(Name(r.by[d])) + " appears twice"}});
      }
    }
    std::uint64_t n = 1;
    switch (r.by[d]) {
      case Dimension::kVendor: n = std::max(p.contacts.max_vendor, p.cases.max_vendor) + 1ULL; break;
      case Dimension::kChannel: n = kChannelCount + 1; break;
      case Dimension::kQueue: n = std::max(p.contacts.max_queue, p.cases.max_queue) + 1ULL; break;
      case Dimension::kAgent: n = std::max(p.contacts.max_agent, p.cases.max_agent) + 1ULL; break;
      case Dimension::kSegment: n = std::max<std::uint64_t>(p.segments.names().size(), 1); break;
      case Dimension::kPeriod:
      case Dimension::kHourOfWeek:
        if (!r.periods) {
          return Fail(ErrorCode::kInvalid, "grouping by period needs a period and a time zone",
                      {{"period", "is required"}});
        }
        n = r.by[d] == Dimension::kPeriod ? r.periods->count() : 168;
        break;
    }
    keying.cardinality.push_back(n);
  }
  for (std::size_t d = keying.by.size(); d-- > 0;) {
    keying.stride.insert(keying.stride.begin(), keying.combinations);
    if (keying.combinations > (std::uint64_t{1} << 62) / keying.cardinality[d]) {
      return Fail(ErrorCode::kInvalid, "too many groups; group by fewer dimensions",
                  {{"group_by", "has too many combinations"}});
    }
    keying.combinations *= keying.cardinality[d];
  }
  return keying;
}

}  // namespace

ContactCounter::ContactCounter(const Scope& scope, const Definitions& definitions)
    : scope_(scope), short_ms_(definitions.short_abandon_seconds * 1000) {
  std::sort(scope_.queues.begin(), scope_.queues.end());
  for (std::size_t c = 0; c < kChannelCount; ++c) {
    threshold_ms_[c] = definitions.threshold_seconds[c] * 1000;
  }
}

bool ContactCounter::InScope(std::uint32_t vendor, std::uint32_t channel, std::uint32_t queue,
                             std::uint32_t agent) const {
  const Scope& s = scope_;
  return (!s.vendor || vendor == *s.vendor) && (!s.channel || channel == *s.channel) &&
         (!s.agent || agent == *s.agent) &&
         (s.queues.empty() || std::binary_search(s.queues.begin(), s.queues.end(), queue));
}

bool ContactCounter::Counts(const ContactTable& c, std::size_t row) const {
  const std::int64_t at = c.arrived_[row];
  return at >= scope_.from.ms && at < scope_.to.ms && c.disposition_[row] != Disposition::kNotOffered &&
         InScope(c.vendor_[row], c.channel_[row], c.queue_[row], c.agent_[row]);
}

void ContactCounter::Add(Tally& t, const ContactTable& c, std::size_t row) const {
  Accumulate(t, c.disposition_[row], c.wait_[row], c.handle_[row], threshold_ms_[c.channel_[row]], short_ms_);
}

std::optional<Dimension> ParseDimension(std::string_view text) {
  for (std::size_t i = 0; i < kDimensionNames.size(); ++i) {
    if (kDimensionNames[i] == text) return static_cast<Dimension>(i);
  }
  return std::nullopt;
}

std::string_view Name(Dimension dimension) { return kDimensionNames[static_cast<std::size_t>(dimension)]; }

void Tally::Add(const Tally& o) {
  offered += o.offered;
  answered += o.answered;
  answered_within += o.answered_within;
  abandoned += o.abandoned;
  abandoned_within += o.abandoned_within;
  short_abandons += o.short_abandons;
  missed_off_hours += o.missed_off_hours;
  wait_ms += o.wait_ms;
  handled += o.handled;
  handle_ms += o.handle_ms;
  cases_resolved += o.cases_resolved;
  first_contact += o.first_contact;
  cases_pending += o.cases_pending;
}

Rates RatesOf(const Tally& t) {
  auto ratio = [](double n, std::int64_t d) -> std::optional<double> {
    if (d <= 0) return std::nullopt;
    return n / static_cast<double>(d);
  };
  Rates r;
  r.service_level_ignored = ratio(static_cast<double>(t.answered_within), t.offered - t.abandoned_within);
  r.service_level_against = ratio(static_cast<double>(t.answered_within), t.offered);
  r.service_level_for = ratio(static_cast<double>(t.answered_within + t.abandoned_within), t.offered);
  r.abandonment = ratio(static_cast<double>(t.abandoned), t.offered);
  r.asa_seconds = ratio(static_cast<double>(t.wait_ms) / 1000.0, t.answered);
  r.aht_seconds = ratio(static_cast<double>(t.handle_ms) / 1000.0, t.handled);
  r.first_contact_resolution = ratio(static_cast<double>(t.first_contact), t.cases_resolved);
  return r;
}

Result<Report> Aggregate(const Projection& projection, const ReportRequest& request) {
  auto keying = KeyingFor(projection, request);
  if (!keying) return std::unexpected(keying.error());
  Report report;
  report.by = request.by;
  Aggregator aggregator(projection, request, *keying);
  for (const auto& [composite, tally] : aggregator.Run()) {
    report.total.Add(tally);
    // Composite numbers order like their keys: the first dimension has the largest stride.
    report.groups.push_back({keying->Split(composite), tally});
  }
  return report;
}

}  // namespace rapport::analytics
