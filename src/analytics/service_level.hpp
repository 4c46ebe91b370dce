// The service metrics over the projection, grouped by any of vendor, channel, queue,
// agent, account segment, period and hour of week. Definitions (worked examples in
// docs/service-analytics.md and src/analytics/testdata/*.cases):
//
// Of the inbound contacts that arrived in the report's range (see contacts.hpp for how a
// contact is answered, abandoned or neither):
//   short abandons  abandoned with a wait under the short-abandon threshold (default 5 s)
//   O  offered      every inbound contact except short abandons and contacts missed while
//                   the queue was closed
//   A_T             answered with a wait of at most T (the channel's threshold)
//   B_T             abandoned (not short) with a wait of at most T; an abandon without an
//                   end has no known wait and counts as beyond T
//   service level   abandons ignored  A_T / (O − B_T)
//                   abandons against  A_T / O
//                   abandons for      (A_T + B_T) / O
//   abandonment     abandons (not short) / O
//   ASA             mean wait of the answered
//   AHT             mean of answered → ended plus wrap-up, over answered contacts that ended
// First-contact resolution, over the cases resolved in the range (grouped by the case's
// vendor, channel, queue, assignee, segment, and the period of its resolution): a case is
// resolved on first contact when it had exactly one inbound contact up to its resolution
// and no inbound contact from its account (or, by choice, its requester) in its category
// (or on the case itself) came in the N days after (default 7). Cases resolved less than N days before the range's end are
// pending, neither resolved on first contact nor not.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/periods.hpp"
#include "core/error.hpp"

namespace rapport::analytics {

inline constexpr std::size_t kChannelCount = 6;

// Whose further contacts make a resolution not first-contact: any of the account's (the
// default), or only its requester's.
enum class RepeatBy { kAccount, kPerson };

struct Definitions {
  std::int64_t short_abandon_seconds = 5;
  std::int64_t fcr_days = 7;
  RepeatBy fcr_repeat_by = RepeatBy::kAccount;
  // T per channel (domain::Channel order), seconds.
  std::array<std::int64_t, kChannelCount> threshold_seconds{20, 3600, 60, 3600, 3600, 3600};
};

enum class Dimension : std::uint8_t { kVendor, kChannel, kQueue, kAgent, kSegment, kPeriod, kHourOfWeek };
inline constexpr std::size_t kDimensionCount = 7;
std::optional<Dimension> ParseDimension(std::string_view text);
std::string_view Name(Dimension dimension);

// Which contacts and cases count.
struct Scope {
  Instant from, to;                     // arrivals (cases: resolutions) in [from, to)
  std::optional<std::uint32_t> vendor;  // only this vendor's (a vendor agent's scope)
  std::vector<std::uint32_t> queues;    // only these queues; empty: every queue
  std::optional<std::uint8_t> channel;  // domain::Channel
  std::optional<std::uint32_t> agent;
};

struct Tally {
  std::int64_t offered = 0;           // O
  std::int64_t answered = 0;
  std::int64_t answered_within = 0;   // A_T
  std::int64_t abandoned = 0;         // in O
  std::int64_t abandoned_within = 0;  // B_T
  std::int64_t short_abandons = 0;    // not in O
  std::int64_t missed_off_hours = 0;  // not in O
  std::int64_t wait_ms = 0;           // sum over the answered
  std::int64_t handled = 0;           // answered contacts that ended
  std::int64_t handle_ms = 0;         // sum over the handled
  std::int64_t cases_resolved = 0;    // judged: resolved at least N days before the end
  std::int64_t first_contact = 0;     // of those, resolved on first contact
  std::int64_t cases_pending = 0;     // resolved within N days of the end

  void Add(const Tally& other);
  friend bool operator==(const Tally&, const Tally&) = default;
};

// A metric is absent when its denominator is zero.
struct Rates {
  std::optional<double> service_level_ignored, service_level_against, service_level_for;
  std::optional<double> abandonment;
  std::optional<double> asa_seconds, aht_seconds;
  std::optional<double> first_contact_resolution;
};
Rates RatesOf(const Tally& tally);  // fractions (0.778), not percent

struct Group {
  // The group's value of each dimension of the report's `by`, in that order: an id (0 for
  // none), a domain::Channel, a segment code, a period index or an hour of the week.
  std::vector<std::uint32_t> key;
  Tally tally;
};

struct Report {
  std::vector<Dimension> by;
  std::vector<Group> groups;  // sorted by key; only groups with something in them
  Tally total;
};

// Counts contact rows as Aggregate does: those of `scope` (arrival in range, vendor,
// queues, channel, agent) that arrived inbound, under `definitions`.
class ContactCounter {
 public:
  ContactCounter(const Scope& scope, const Definitions& definitions);
  bool InScope(std::uint32_t vendor, std::uint32_t channel, std::uint32_t queue,
               std::uint32_t agent) const;
  // Whether row `row` counts: inbound, in range and in scope.
  bool Counts(const ContactTable& contacts, std::size_t row) const;
  // REQUIRES: Counts(contacts, row).
  void Add(Tally& tally, const ContactTable& contacts, std::size_t row) const;

 private:
  Scope scope_;  // queues sorted
  std::array<std::int64_t, kChannelCount> threshold_ms_{};
  std::int64_t short_ms_ = 0;
};

struct ReportRequest {
  Scope scope;
  std::vector<Dimension> by;        // no repeats
  const PeriodScheme* periods = nullptr;  // REQUIRED when `by` has kPeriod or kHourOfWeek;
                                          // made for [scope.from, scope.to)
  Definitions definitions;
  int threads = 1;  // scans split their blocks between this many threads
};

// kInvalid for a repeated dimension, a missing period scheme or too many groups.
Result<Report> Aggregate(const Projection& projection, const ReportRequest& request);

}  // namespace rapport::analytics
