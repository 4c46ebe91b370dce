#include "sla/clock.hpp"

#include <algorithm>

#include "core/instant.hpp"

namespace rapport::sla {

namespace {

using domain::CaseStatus;
using domain::ClockMetric;

bool Stops(CaseStatus status) {
  return status == CaseStatus::kResolved || status == CaseStatus::kClosed;
}


// Walks a case's history for one clock, counting clock time between the instants where
// something happens.
class Walker {
 public:
  Walker(const ClockSpec& spec, std::vector<TraceStep>* trace)
      : spec_(spec),
        metric_(spec.target.metric),
        target_(spec.target.minutes * kMillisPerMinute),
        warn_level_(spec.target.warning_minutes > 0
                        ? target_ - spec.target.warning_minutes * kMillisPerMinute
                        : -1),
        trace_(trace) {
    for (std::size_t i = 0; i < domain::EnumNames<CaseStatus>::kNames.size(); ++i) {
      const auto status = static_cast<CaseStatus>(i);
      if (domain::Pauses(spec.target, status)) pausing_ |= Bit(status);
    }
  }

  void Open(Instant at) {
    last_ = at;
    if (metric_ != ClockMetric::kNextResponse) {
      StartCycle(at, [] { return std::string("case opened: clock starts"); });
    } else {
      Note(at, [] { return std::string("case opened"); });
    }
  }

  void StatusChanged(Instant at, CaseStatus to) {
    Advance(at);
    const CaseStatus from = status_;
    const bool was_running = Running();
    status_ = to;
    // Words for the explanation, built only when one is asked for.
    auto what = [from, to](std::string_view consequence = {}) {
      return [from, to, consequence] {
        std::string out = "status " + std::string(domain::Name(from)) + " → " +
                          std::string(domain::Name(to));
        if (!consequence.empty()) out += ": " + std::string(consequence);
        return out;
      };
    };
    if (!active_) {
      if (metric_ == ClockMetric::kResolution && Stops(from) && !Stops(to)) {
        active_ = true;  // reopened: the resolution clock resumes where it stopped
        met_.reset();
        if (Pausing(to)) pauses_.push_back({at, std::nullopt});
        Note(at, what("case reopened, clock resumes"));
      } else {
        if (Stops(to)) responded_ = true;
        Note(at, what());
      }
      return;
    }
    if (Stops(to)) {
      responded_ = true;
      StopCycle(at, was_running, what("the resolution stops the clock"));
      return;
    }
    if (Pausing(from) && !Pausing(to)) {
      ClosePause(at);
      Note(at, what("clock resumes"));
    } else if (!Pausing(from) && Pausing(to)) {
      pauses_.push_back({at, std::nullopt});
      Note(at, what("clock paused"));
    } else {
      Note(at, what());
    }
  }

  void MessageArrived(Instant at, bool from_customer) {
    Advance(at);
    if (metric_ == ClockMetric::kResolution) return;
    if (!from_customer) {
      responded_ = true;
      if (active_) {
        StopCycle(at, Running(), [] { return std::string("response to the customer: the clock stops"); });
      }
      return;
    }
    if (metric_ == ClockMetric::kNextResponse && responded_ && !active_ && !Stops(status_)) {
      StartCycle(at, [this] {
        return "customer message: cycle " + std::to_string(cycles_) + " starts";
      });
    } else {
      Note(at, [] { return std::string("customer message"); });
    }
  }

  void Finish(Instant now) {
    Advance(now);
    Note(now, [] { return std::string("as of now"); });
  }

  std::optional<domain::ClockRecord> Result(Instant now, Alarms* alarms) const {
    if (cycles_ == 0) return std::nullopt;
    if (alarms) {
      alarms->finished = finished_;
      if (Running()) {
        if (!breached_) alarms->breach = DueFrom(now);
        if (warn_level_ >= 0 && !warned_ && elapsed_ < warn_level_) {
          alarms->warning = AddTime(now, warn_level_ - elapsed_);
        }
      }
    }
    domain::ClockRecord out;
    out.metric = metric_;
    out.policy_id = spec_.policy_id;
    out.calendar_id = spec_.target.business_time ? spec_.calendar_id : std::nullopt;
    out.target_minutes = spec_.target.minutes;
    out.business_time = spec_.target.business_time;
    out.started_at = cycle_start_;
    out.elapsed_seconds = elapsed_ / 1000;
    out.remaining_seconds = (target_ - elapsed_) / 1000;
    out.warned_at = warned_;
    out.breached_at = breached_;
    out.met_at = active_ ? std::nullopt : met_;
    out.cycles = cycles_;
    out.breaches = breaches_ + (breached_ && !breach_counted_ ? 1 : 0);
    out.pauses = pauses_;
    if (breached_) {
      out.state = domain::ClockState::kBreached;
      out.due_at = breached_;
    } else if (!active_) {
      out.state = domain::ClockState::kMet;
      if (running_at_stop_) out.due_at = AddTime(*met_, target_ - elapsed_);
    } else if (Running()) {
      out.state = domain::ClockState::kRunning;
      out.due_at = DueFrom(now);
    } else {
      out.state = domain::ClockState::kPaused;
    }
    return out;
  }

 private:
  static unsigned Bit(CaseStatus status) { return 1u << static_cast<unsigned>(status); }
  bool Pausing(CaseStatus status) const { return (pausing_ & Bit(status)) != 0; }
  bool Running() const { return active_ && !Stops(status_) && !Pausing(status_); }

  Millis Measure(Instant from, Instant to) const {
    if (to <= from) return 0;
    return spec_.target.business_time ? spec_.calendar->Between(from, to) : to.ms - from.ms;
  }
  Instant AddTime(Instant from, Millis amount) const {
    return spec_.target.business_time ? spec_.calendar->Add(from, amount)
                                      : Instant{from.ms + std::max<Millis>(amount, 0)};
  }

  // When a clock running at `now` reaches its target. With nothing left (reopened exactly
  // at its due), that is the next instant that counts.
  Instant DueFrom(Instant now) const {
    if (elapsed_ < target_) return AddTime(now, target_ - elapsed_);
    return spec_.target.business_time ? spec_.calendar->NextBusiness(now) : now;
  }

  // Counts clock time from last_ to `to`, noting the warning and the breach where they
  // fall inside.
  void Advance(Instant to) {
    if (to <= last_) return;
    if (!Running()) {
      last_ = to;
      return;
    }
    Millis counted = Measure(last_, to);
    if (!breached_ && elapsed_ >= target_ && counted > 0) {
      // At its target already when it runs again (a case reopened exactly at its due).
      Cross(spec_.target.business_time ? spec_.calendar->NextBusiness(last_) : last_, breached_,
            [] { return std::string("breached: nothing was left when it ran again"); });
    }
    if (warn_level_ >= 0 && !warned_ && elapsed_ < warn_level_ &&
        elapsed_ + counted >= warn_level_) {
      Cross(AddTime(last_, warn_level_ - elapsed_), warned_,
            [this] { return "warning: " + MinutesText(target_ - warn_level_) + " left"; });
      counted = Measure(last_, to);
    }
    if (!breached_ && elapsed_ < target_ && elapsed_ + counted >= target_) {
      Cross(AddTime(last_, target_ - elapsed_), breached_,
            [] { return std::string("due: the target is reached"); });
      counted = Measure(last_, to);
    }
    elapsed_ += counted;
    pending_counted_ += counted;
    last_ = to;
  }

  // Records a warning or breach instant inside the running stretch from last_.
  template <class Words>
  void Cross(Instant at, std::optional<Instant>& slot, const Words& what) {
    const Millis counted = Measure(last_, at);
    elapsed_ += counted;
    pending_counted_ += counted;
    last_ = at;
    slot = at;
    Note(at, what);
  }

  template <class Words>
  void StartCycle(Instant at, const Words& what) {
    if (cycles_ > 0 && (warned_ || breached_)) finished_.push_back({cycles_, warned_, breached_});
    active_ = true;
    ++cycles_;
    cycle_start_ = at;
    elapsed_ = 0;
    breach_counted_ = false;
    warned_.reset();
    breached_.reset();
    met_.reset();
    pauses_.clear();
    if (Pausing(status_)) pauses_.push_back({at, std::nullopt});
    Note(at, what);
  }

  template <class Words>
  void StopCycle(Instant at, bool was_running, const Words& what) {
    running_at_stop_ = was_running;
    ClosePause(at);
    active_ = false;
    met_ = at;
    // Stopping exactly at the due instant (or the warning instant) is on time.
    if (breached_ && *breached_ >= at) breached_.reset();
    if (warned_ && *warned_ >= at) warned_.reset();
    if (breached_ && !breach_counted_) {
      ++breaches_;
      breach_counted_ = true;
    }
    Note(at, what);
  }

  void ClosePause(Instant at) {
    if (!pauses_.empty() && !pauses_.back().to) pauses_.back().to = at;
  }

  // Adds a step to the explanation, if one is being made; `what` makes its words.
  template <class Words>
  void Note(Instant at, const Words& what) {
    if (!trace_) return;
    trace_->push_back({at, what(), pending_counted_, elapsed_});
    pending_counted_ = 0;
  }

  const ClockSpec& spec_;
  const ClockMetric metric_;
  const Millis target_;
  const Millis warn_level_;  // elapsed at which the warning falls; -1: none
  std::vector<TraceStep>* trace_;
  unsigned pausing_ = 0;  // bit per CaseStatus

  CaseStatus status_ = CaseStatus::kNew;
  bool responded_ = false;  // a response or a resolution has happened
  Instant last_;            // clock time is counted up to here
  bool active_ = false;     // a cycle is open
  bool running_at_stop_ = false;
  Instant cycle_start_;
  Millis elapsed_ = 0;
  std::optional<Instant> warned_;
  std::optional<Instant> breached_;
  std::optional<Instant> met_;
  std::vector<domain::ClockPause> pauses_;
  std::vector<Alarms::Finished> finished_;  // earlier cycles that warned or breached
  std::int64_t cycles_ = 0;
  std::int64_t breaches_ = 0;    // counted when a breached cycle stops
  bool breach_counted_ = false;  // the current cycle's breach is in breaches_
  Millis pending_counted_ = 0;
};

}  // namespace

std::string MinutesText(Millis amount) {
  const Millis seconds = amount / 1000;
  std::string out = std::to_string(seconds / 60) + " min";
  if (seconds % 60 != 0) out += " " + std::to_string(seconds % 60) + " s";
  return out;
}

void AddMessages(const domain::Interaction& interaction, std::vector<Message>& out) {
  if (interaction.kind != domain::InteractionKind::kContact) return;
  if (interaction.direction == domain::Direction::kOutbound) {
    out.push_back({interaction.arrived_at, false});
    return;
  }
  out.push_back({interaction.arrived_at, true});
  if (interaction.answered_at) out.push_back({*interaction.answered_at, false});
}

void SortHistory(CaseHistory& history) {
  std::stable_sort(history.changes.begin(), history.changes.end(),
                   [](const StatusChange& a, const StatusChange& b) { return a.at < b.at; });
  std::stable_sort(history.messages.begin(), history.messages.end(),
                   [](const Message& a, const Message& b) { return a.at < b.at; });
}

std::optional<domain::ClockRecord> ComputeClock(const ClockSpec& spec, const CaseHistory& history,
                                                Instant now, std::vector<TraceStep>* trace,
                                                Alarms* alarms) {
  Walker walker(spec, trace);
  walker.Open(history.opened);
  // Status changes before messages at the same instant.
  std::size_t c = 0, m = 0;
  while (true) {
    const bool change_next =
        c < history.changes.size() &&
        (m == history.messages.size() || history.changes[c].at <= history.messages[m].at);
    const Instant at = change_next ? history.changes[c].at
                       : m < history.messages.size() ? history.messages[m].at
                                                      : now;
    if ((c == history.changes.size() && m == history.messages.size()) || at > now) break;
    if (change_next) {
      walker.StatusChanged(std::max(at, history.opened), history.changes[c++].to);
    } else {
      walker.MessageArrived(std::max(at, history.opened), history.messages[m++].from_customer);
    }
  }
  walker.Finish(now);
  return walker.Result(now, alarms);
}

const domain::SlaPolicy* MatchPolicy(const std::vector<domain::SlaPolicy>& policies,
                                     const CaseFacts& facts) {
  auto holds = [](const auto& list, const auto& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  for (const domain::SlaPolicy& policy : policies) {
    if (!policy.active || !holds(policy.segments, facts.segment) ||
        !holds(policy.priorities, facts.priority)) {
      continue;
    }
    if (!policy.channels.empty() && !(facts.channel && holds(policy.channels, *facts.channel))) {
      continue;
    }
    if (!policy.queue_ids.empty() && !(facts.queue_id && holds(policy.queue_ids, *facts.queue_id))) {
      continue;
    }
    return &policy;
  }
  return nullptr;
}

std::optional<Id> CalendarThatCounts(const domain::SlaPolicy& policy,
                                     std::optional<Id> coverage_calendar,
                                     std::optional<Id> account_calendar) {
  if (policy.calendar_id) return policy.calendar_id;
  if (coverage_calendar) return coverage_calendar;
  return account_calendar;
}

}  // namespace rapport::sla
