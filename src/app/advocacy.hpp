// The advocacy use cases (docs/advocacy.md): the rules of escalations, trials and
// root-cause categories that need the store (run by the ledger's write path), and what the
// generic collections do not do — logging a progress update, the contacts after
// close-out with Rapport's suggestion and the owner's classification, an escalation's
// overview (age of the last progress update, overdue actions, time in each stage, trials'
// return on investment), the management review, and the time-driven trial job.
// Every write goes through Store::Write with its events (each naming the account).
// Vendor agents have no access to advocacy at all (the router's role policy).
// Threads: every method is safe to call concurrently; callbacks run on the store's writer
// thread.
#pragma once

#include <boost/json.hpp>
#include <chrono>

#include "app/analytics.hpp"
#include "app/auth.hpp"
#include "app/ledger.hpp"
#include "app/periodic.hpp"
#include "domain/advocacy.hpp"
#include "store/store.hpp"

namespace rapport::app {

// The ledger's rules of the advocacy entities, inside its reader snapshot (create) or the
// writer's savepoint (update); `before` is the stored record of an update. Field faults go
// to `errors` (422); an illegal stage move or an unmet entry condition is kConflict (409)
// naming each unmet condition; an agent changing what it does not own is kForbidden.
Result<void> ApplyRules(store::Session& s, const Principal& who, domain::Escalation& escalation,
                        const domain::Escalation* before, Instant now, FieldErrors& errors);
Result<void> ApplyRules(store::Session& s, const Principal& who, domain::Trial& trial,
                        const domain::Trial* before, Instant now, FieldErrors& errors);
Result<void> ApplyRules(store::Session& s, const Principal& who,
                        domain::RootCauseCategory& category,
                        const domain::RootCauseCategory* before, Instant now, FieldErrors& errors);

// What a trial's create checked in the reader snapshot that a concurrent write can change:
// its escalation still open to trials (not reviewed) and the caller still allowed to manage
// it. Called again inside the writer's savepoint; kConflict (or kForbidden) when not.
Result<void> RecheckTrialEscalation(store::Session& s, const Principal& who, const domain::Trial& trial);

// The linked cases' histories as a situation summary's sequence of events: each case's
// opening, its status changes and its interactions, oldest first, the latest 200 kept.
Result<std::vector<domain::SequenceEntry>> SequenceFromCases(store::Session& s,
                                                             const std::vector<Id>& case_ids);

// What one run of the trial job did.
struct TrialSweep {
  std::int64_t reminded = 0;
  std::int64_t ended = 0;
};

class Advocacy {
 public:
  explicit Advocacy(store::Store& store) : store_(store) {}

  // POST /escalations/{id}/progress-updates: {"channel", "summary", "at"?} appended to the
  // log by the caller (at: default now, never in the future); answers the escalation.
  void LogProgressUpdate(const Principal& who, Id escalation_id, boost::json::value body,
                         Callback<Record> done);

  // The inbound contacts on the account since the latest close-out, awaiting
  // classification with Rapport's suggestion, and the classifications made.
  Result<boost::json::value> Contacts(const Principal& who, Id escalation_id);

  // POST /escalations/{id}/classifications: {"interaction_id", "choice": related|separate}.
  // related reopens the escalation to verifying; separate opens a new escalation that
  // references this one, pre-filled. Answers {"classification", "escalation",
  // "new_escalation"}.
  void Classify(const Principal& who, Id escalation_id, boost::json::value body,
                Callback<boost::json::value> done);

  // The escalation with what is computed from it as of `now`.
  Result<boost::json::value> Overview(const Principal& who, Id escalation_id, Instant now);

  // The management review (GET /api/v1/reports/review, `rapport report review`).
  // Parameters: from, to (RFC 3339 or a date at local midnight; default the twelve months
  // up to now), time_zone (months of the trend; default UTC), severity, owner_id,
  // account_id. Every bad or unknown one is named (kInvalid).
  Result<boost::json::value> Review(const Principal& who, const ReportParams& params,
                                    Instant now) const;

  // Records the trials that reached their reminder or end date as of `now` (UTC dates):
  // "trial_reminder_due" and "trial_ended" events, reminded_on and ended_on.
  Result<TrialSweep> SweepTrials(Instant now);

 private:
  store::Store& store_;
};

// Adds the trial job to `jobs` (every `interval`; logs what it did).
void AddAdvocacyJobs(PeriodicJobs& jobs, store::Store& store, std::chrono::milliseconds interval);

}  // namespace rapport::app
