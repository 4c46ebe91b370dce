// Service clocks of one case, derived from its history.
//
//  - first_response runs from the case's opening to the first response.
//  - next_response runs in cycles: a customer message that arrives after the first
//    response, while the case is not resolved or closed and no cycle is running, starts
//    one; the next response ends it.
//  - resolution runs from the opening to the resolution, and again from each reopening.
// A response is an outbound contact, or the answering of an inbound live contact. A
// resolution also ends the response clocks (it answers the customer). While the case is
// in one of a target's pausing statuses its clock stands still; resolved and closed stop
// every clock. A clock is met if it stops at or before its due instant, and breached at
// its due instant otherwise.
// The targets that count are always today's: a change of priority or of policy computes
// the case again from its opening. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/instant.hpp"
#include "domain/entities.hpp"
#include "sla/calendar.hpp"

namespace rapport::sla {

using domain::Id;

struct StatusChange {
  Instant at;
  domain::CaseStatus to = domain::CaseStatus::kOpen;
};

struct Message {
  Instant at;
  bool from_customer = true;  // false: a response to the customer
};

// What the clocks of a case depend on. Status changes and messages sorted by instant.
struct CaseHistory {
  Instant opened;
  std::vector<StatusChange> changes;  // the case is "new" from `opened` to the first one
  std::vector<Message> messages;
};

// The messages an interaction of the case adds: an inbound contact is a customer message
// at its arrival (and, answered live, a response when answered); an outbound contact is a
// response. Notes add nothing.
void AddMessages(const domain::Interaction& interaction, std::vector<Message>& out);

// Sorts the history's changes and messages by instant (stable, so that equal instants
// keep their recorded order).
void SortHistory(CaseHistory& history);

// One clock to compute: a target, where it comes from, and the calendar it counts on
// (unused for calendar-time targets).
struct ClockSpec {
  domain::ClockTarget target;
  Id policy_id = 0;
  std::optional<Id> calendar_id;
  const BusinessCalendar* calendar = nullptr;  // REQUIRES: not null
};

// "90 min", "12 min 30 s": a duration of clock time as explanations show it.
std::string MinutesText(Millis amount);

// One line of a clock's explanation.
struct TraceStep {
  Instant at;
  std::string what;    // "status open → pending_customer: clock paused", ...
  Millis counted = 0;  // clock time counted since the previous step
  Millis elapsed = 0;  // clock time counted in the current cycle up to `at`
};

// What the recorder of warnings and breaches needs from a clock: the instants after `now`
// at which it warns and breaches if nothing else happens first, and the warnings and
// breaches of the cycles that already finished (the record shows only the latest).
struct Alarms {
  std::optional<Instant> warning;
  std::optional<Instant> breach;
  struct Finished {
    std::int64_t cycle = 0;
    std::optional<Instant> warned_at;
    std::optional<Instant> breached_at;
  };
  std::vector<Finished> finished;
};

// The clock as of `now`; nullopt for a next-response clock no customer message has
// started yet. With `trace`, also the steps that explain it; with `alarms`, its alarms.
std::optional<domain::ClockRecord> ComputeClock(const ClockSpec& spec, const CaseHistory& history,
                                                Instant now,
                                                std::vector<TraceStep>* trace = nullptr,
                                                Alarms* alarms = nullptr);

// What a policy's conditions look at.
struct CaseFacts {
  std::string segment;
  domain::Priority priority = domain::Priority::kNormal;
  std::optional<domain::Channel> channel;
  std::optional<Id> queue_id;
};

// REQUIRES: `policies` sorted by (position, id). The first active policy whose
// conditions all hold; a condition with an empty list holds for every case.
const domain::SlaPolicy* MatchPolicy(const std::vector<domain::SlaPolicy>& policies,
                                     const CaseFacts& facts);

// The calendar that counts a case's clocks: the policy's, else the coverage calendar of
// the vendor agreement serving the case's queue, else the account's business calendar;
// nullopt is 24×7 (which, counting real time, is the same in every time zone).
std::optional<Id> CalendarThatCounts(const domain::SlaPolicy& policy,
                                     std::optional<Id> coverage_calendar,
                                     std::optional<Id> account_calendar);

}  // namespace rapport::sla
