// The service clocks of every open case, kept in memory (the SLA clock index): built from
// the store at start-up, advanced from the change feed, recomputed whenever a calendar,
// policy, account, agreement or queue changes. Clocks are always computed from the case's
// history under today's policy and calendars (sla/clock.hpp); a case keeps the clocks of
// its resolution (Case::clocks), which later changes leave alone.
// A background thread records each warning and breach as an event on the case
// ("sla_warning", "sla_breached") when it happens, and at start-up any that happened
// while the server was down.
// Threads: every public method is safe to call concurrently; OnCommitted and Final run on
// the store's writer thread.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "domain/entities.hpp"
#include "sla/calendar.hpp"
#include "sla/clock.hpp"
#include "store/store.hpp"

namespace rapport::app {

using domain::Id;

// What a case's clocks depend on, besides its history.
struct ClockConfig {
  std::map<Id, std::shared_ptr<const sla::BusinessCalendar>> calendars;
  std::map<Id, domain::Calendar> calendar_definitions;
  std::vector<domain::SlaPolicy> policies;  // by position, then id
  struct AccountFacts {
    std::string name;
    std::string segment;
    std::optional<Id> business_calendar_id;
    std::string time_zone;  // where 24×7 clocks are shown
  };
  std::unordered_map<Id, AccountFacts> accounts;
  std::unordered_map<Id, domain::Queue> queues;
  std::vector<domain::Agreement> vendor_agreements;

  // Reads every part from the store, reusing the compiled calendars of `previous` whose
  // definitions have not changed (compiling one takes ~17 ms).
  static Result<ClockConfig> Load(store::Session& s, const ClockConfig* previous = nullptr);
  // The coverage calendar of the vendor agreement serving `queue` on `day` (the latest
  // started of several).
  std::optional<Id> CoverageCalendar(std::optional<Id> queue, Date day) const;
};

// One case as its clocks see it.
struct TrackedCase {
  domain::Case record;  // its clocks field unused
  sla::CaseHistory history;
};

// Loads a case's history: its status changes from the event log and the messages of its
// interactions; with `events`, also the case's events.
Result<sla::CaseHistory> LoadHistory(store::Session& s, const domain::Case& kase,
                                     std::vector<domain::Event>* events = nullptr);

// The clocks of `kase` as of `now` under `config`; with `explanation`, the words a
// supervisor can check by hand (`rapport sla explain`).
// With `alarms`, also each clock's alarms, index for index.
std::vector<domain::ClockRecord> ComputeClocks(const ClockConfig& config, const TrackedCase& kase,
                                               Instant now, std::string* explanation = nullptr,
                                               std::vector<sla::Alarms>* alarms = nullptr);

// `rapport sla explain`: the clocks of case `case_id` as of `now`, step by step, in words
// a supervisor can check by hand, with local times of the calendar that counts.
Result<std::string> ExplainCase(store::Store& store, Id case_id, Instant now);

class Clocks {
 public:
  explicit Clocks(store::Store& store);
  ~Clocks();
  Clocks(const Clocks&) = delete;
  Clocks& operator=(const Clocks&) = delete;

  // Builds the index from the store. REQUIRES: OnCommitted receives every batch committed
  // from before this call on (events already reflected are skipped by sequence).
  Result<void> Load();

  // Starts the background thread that records warnings and breaches (serve only), and
  // stops it (also done by the destructor); warnings not yet written are recorded at the
  // next start.
  void StartRecorder();
  void StopRecorder();

  // The change feed. Writer thread.
  void OnCommitted(const store::CommittedBatch& batch);

  // The live clocks of an open case; nullopt when the case is not open.
  std::optional<std::vector<domain::ClockRecord>> Live(Id case_id, Instant now) const;

  // The clocks `kase` keeps when it is resolved at `at`. Writer thread, inside the
  // resolving write (`s` sees that write's batch).
  Result<std::vector<domain::ClockRecord>> Final(store::Session& s, const domain::Case& kase,
                                                 Instant at) const;

  // Open cases with a clock breached, warned, or due before now + `within`, by due
  // instant; only that vendor's cases with `only_vendor`.
  struct AtRiskItem {
    domain::Case kase;
    domain::ClockRecord clock;
  };
  std::vector<AtRiskItem> AtRisk(Instant now, std::int64_t within_minutes,
                                 std::optional<Id> only_vendor, std::size_t limit) const;

  // Every open case, soonest due first: those with a running or breached clock by the due
  // instant of their soonest one, then those with none running (paused, met, or under no
  // policy) by id; only that vendor's with `only_vendor`. A page of at most `limit` after
  // `after`, with the number of such cases in all.
  struct OpenCase {
    domain::Case kase;
    std::optional<domain::ClockRecord> clock;  // its soonest due clock, else its first
    std::string account_name;
  };
  struct OpenCasePosition {
    std::optional<Instant> due;  // unset: among the cases with no clock running
    Id case_id = 0;
  };
  struct OpenCasesPage {
    std::vector<OpenCase> items;
    std::size_t total = 0;
    std::optional<OpenCasePosition> next;  // where the next page starts; unset: the last page
    // The event log's sequence the page reflects: every change up to it and none after
    // (an earlier one at worst, never a later one).
    std::int64_t sequence = 0;
  };
  OpenCasesPage OpenCases(Instant now, std::optional<Id> only_vendor,
                          std::optional<OpenCasePosition> after, std::size_t limit) const;

  std::size_t open_cases() const;

 private:
  struct Entry;
  using Key = std::pair<Instant, std::pair<Id, domain::ClockMetric>>;

  // The clocks of one case as of `now`, and their coming alarms.
  struct Computed {
    std::vector<domain::ClockRecord> clocks;
    std::vector<sla::Alarms> alarms;
    std::optional<Instant> next_in_history;  // the first change or message after `now`
  };

  // Warnings (false) and breaches (true) recorded or queued, by clock and cycle.
  using RecordedSet = std::set<std::tuple<domain::ClockMetric, std::int64_t, bool>>;

  // A case read again after a change: open with its history, or stopped with the clocks
  // it keeps; and what its event log says is recorded.
  struct Reread {
    Id id = 0;
    std::optional<domain::Case> kase;
    std::optional<sla::CaseHistory> history;  // open cases only
    RecordedSet recorded;
  };
  // Reads the store; takes no lock.
  Result<Reread> ReadCase(Id case_id) const;

  // REQUIRES: mutex_ held exclusively (Compute: at least shared).
  // Puts a re-read case in the index (or takes a stopped one out); true when warnings or
  // breaches were queued.
  bool Apply(Reread reread);
  // Queues the clock's warning and breach unless `recorded` has them; true if any was.
  bool Queue(const domain::Case& kase, const domain::ClockRecord& clock, RecordedSet& recorded);
  Computed Compute(const Entry& entry, Instant now) const;
  // Keys gathered for a bulk rebuild of the indexes.
  struct Staged {
    std::vector<Key> due, warned, alarms;
  };
  // Puts a case's computed clocks in its entry and in the indexes (or in `staged`, for a
  // bulk rebuild), queueing warnings and breaches not yet recorded. True when the
  // recorder must wake.
  bool Index(Id case_id, Entry& entry, const Computed& computed, Staged* staged);
  void Reindex(Id case_id, Instant now);
  void Unindex(Id case_id, Entry& entry);
  void ReindexAll(Instant now);
  // Adds a new contact's messages to its open case; that case's id, if any.
  std::optional<Id> ApplyInteraction(const domain::Event& event);
  void RecorderLoop();

  store::Store& store_;
  mutable std::shared_mutex mutex_;
  ClockConfig config_;
  std::unordered_map<Id, std::unique_ptr<Entry>> open_;
  std::set<Key> due_;     // running or breached clocks by due instant
  std::set<Key> warned_;  // those of them that have warned
  std::set<Key> alarms_;  // future warning and breach instants
  std::int64_t loaded_sequence_ = 0;
  std::int64_t applied_sequence_ = 0;  // the last event taken in (guarded by mutex_)

  // Warnings and breaches to record, and the recorder thread.
  struct Pending {
    Id case_id;
    Id account_id;
    domain::ClockMetric metric;
    std::int64_t cycle;
    bool breach;
    Instant at;
  };
  std::vector<Pending> to_record_;
  std::vector<Pending> recording_;  // the batch the recorder is writing
  std::condition_variable_any wake_;
  bool stopping_ = false;
  std::thread recorder_;
};

}  // namespace rapport::app
