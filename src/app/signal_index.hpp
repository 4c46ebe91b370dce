// The signals of every account, kept current (rules: signals/signals.hpp, docs/signals.md).
// Each account's facts (signals::AccountFacts: its record, its cases with their status
// history and breaches, its contacts reduced to a few bytes each) are held in memory, built
// from the store at start-up and advanced from the change feed; an account is evaluated
// again whenever its facts change, and every account by a periodic job (Refresh) for the
// rules that time alone changes (windows ending, silence growing).
//
// What changed between two evaluations is recorded by a background thread through the
// ordinary write path: a row in `signals` (domain::SignalRecord, the history: raised,
// severity changes, cleared) and an event on the account's timeline (entity "signal",
// actions signal_raised / signal_changed / signal_cleared). At start-up the first
// evaluation is compared with the rows still live, so what changed while the server was
// down is recorded too.
//
// Threads: every public method is safe to call concurrently. OnCommitted runs on the
// store's writer thread and only notes what a batch changed: a thread of the index's own,
// the feed, reads and evaluates it, taking every batch that arrived while it worked at
// once (an account written to 50 times meanwhile is read once and evaluated once), so
// that the writer never waits for an evaluation and a burst of writes costs the index
// what its accounts cost, not what each write does. The feed and Refresh take turns
// (Refresh a slice of accounts per turn). Every evaluation is as of the moment its turn
// began, so they never go back in time. Queries first wait until the feed has taken in
// what was committed before they began (CatchUp), then hold a shared lock and never read
// the store: a client reads its own writes.
#pragma once

#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "app/auth.hpp"
#include "app/feed_thread.hpp"
#include "core/error.hpp"
#include "signals/signals.hpp"
#include "store/store.hpp"

namespace rapport::app {

// A signal as the API shows it (and as its events record it).
boost::json::object SignalJson(const signals::Signal& signal);

class SignalIndex {
 public:
  explicit SignalIndex(store::Store& store, signals::SignalConfig config = {});
  SignalIndex(const SignalIndex&) = delete;
  SignalIndex& operator=(const SignalIndex&) = delete;
  ~SignalIndex();

  // Builds every account's facts from the store and evaluates them at `now`; what differs
  // from the signals recorded as live is queued for the recorder. Then what the change
  // feed brought meanwhile (committed after what the load read) is read and applied.
  // REQUIRES: called once (or through StartLoading).
  Result<void> Load(Instant now);

  // Load, as of when it starts, on a thread of its own, trying again every 30 s when it
  // fails; meanwhile the index answers as loaded() says. What serve does, so that a large
  // store serves at once (reading every interaction takes about a minute at 10,000,000).
  // `then`, if any, runs on that thread once the load has succeeded.
  void StartLoading(std::function<void()> then = {});
  // Until the index has loaded and taken in what the change feed brought meanwhile.
  bool loaded() const;
  void WaitLoaded();

  // The change feed: notes the interactions, cases, people and accounts the batch changed
  // for the feed thread, which reads them and evaluates their accounts again, as of when
  // it has its turn. Writer thread. When the read fails, what the batch changed is read
  // with the next batch or Refresh; before the index has loaded, the batch waits for the
  // load.
  void OnCommitted(const store::CommittedBatch& batch);

  // Waits until the feed has taken in every batch handed to OnCommitted before the call
  // (read and evaluated, or kept for the next read when reading failed), for at most
  // kCatchUpLimit; then the answers are as of the latest batch taken in. Returns at once
  // (true) until the index has loaded. Every query below calls it first. False when it
  // gave up waiting.
  bool CatchUp() const;
  static constexpr std::chrono::seconds kCatchUpLimit{2};

  // Reads what earlier change-feed reads failed to; then evaluates every account again, as
  // of now, a slice of accounts at a time so that the change feed is never held up for
  // long. The periodic job.
  void Refresh();

  // The background thread that records what changed (serve only). Without it, changes are
  // only kept in memory (tools).
  void StartRecorder();
  void StopRecorder();
  // Waits until the feed has caught up and every change it queued has been written (tests
  // and shutdown).
  void Flush();

  struct Query {
    std::optional<Id> account_id;
    std::optional<Id> case_id;
    std::optional<signals::Rule> rule;
    std::optional<signals::Severity> min_severity;
  };
  // The live signals `who` may see (vendor agents: those on their own vendor's cases and
  // those of no case, with related cases narrowed to theirs), by (account, rule, case,
  // category).
  std::vector<signals::Signal> Live(const Principal& who, const Query& query) const;

  // Whether the account exists (as of the last change seen), and the vendor of a case.
  bool HasAccount(Id account_id) const;
  std::optional<std::optional<Id>> CaseVendor(Id case_id) const;

  // Every account evaluated afresh at `now` from the facts held, by account: what a full
  // recomputation from the store must equal.
  std::vector<signals::Signal> EvaluateAll(Instant now) const;

  std::size_t account_count() const;
  std::size_t contact_count() const;  // contacts held, over every account
  // How far the feed thread is behind the change feed, in events (FeedThread::lag); does
  // not wait.
  std::int64_t feed_lag() const { return feed_.lag(); }

 private:
  struct AccountState {
    signals::AccountFacts facts;
    signals::SeniorPeople senior;
    std::vector<signals::Signal> live;  // as of the latest evaluation
    // When `live` was evaluated, while the facts have only grown since: the next
    // evaluation continues from it (signals::PreviousAnswer), told the earliest instant of
    // what was added (`added_from`).
    std::optional<Instant> evaluated_at;
    std::optional<Instant> added_from;
    // What the latest evaluation read of the history before its horizon; forgotten when
    // the facts change other than by new contacts (signals::HistoryScan).
    signals::HistoryScan scan;
    void Added(Instant at) {
      if (!added_from || at < *added_from) added_from = at;
    }
    // Facts changed other than by additions: the next evaluation starts afresh.
    void Reshaped() {
      evaluated_at.reset();
      scan.Forget();
    }
  };
  // A change to record.
  struct Change {
    enum class Kind { kRaised, kChanged, kCleared };
    Kind kind = Kind::kRaised;
    signals::Signal signal;  // kCleared: the signal as it last was
    Instant at;
  };
  // Edited interactions, each with the account it left if its event names one (an
  // interaction edited twice is listed twice).
  using Moves = std::multimap<Id, std::optional<Id>>;
  // What the change feed has to read: records changed, and accounts to read whole.
  struct Wanted {
    std::vector<Id> interactions, cases, accounts, whole;
    Moves moves;
    bool empty() const {
      return interactions.empty() && cases.empty() && accounts.empty() && whole.empty();
    }
    void Merge(Wanted other);
  };
  struct Reread;  // what was read for a Wanted
  // A signal's identity while it lasts: account, rule, case (0: none), category.
  using Key = std::tuple<Id, signals::Rule, Id, std::string>;

  // Evaluates the accounts at `now`, replaces their live signals and queues what changed.
  // REQUIRES: update_mutex_ held.
  void Reevaluate(const std::vector<AccountState*>& states, Instant now);
  static void Diff(const std::vector<signals::Signal>& before,
                   const std::vector<signals::Signal>& after, Instant now,
                   std::vector<Change>& changes);
  // What `batch` changed, of its events after sequence `after`.
  static Wanted WantedBy(const store::CommittedBatch& batch, std::int64_t after);
  // Reads `wanted` with what earlier reads failed to, and applies it; on failure keeps
  // it all for the next call.
  void ReadAndApply(Wanted wanted);
  void Apply(Reread& reread, const Moves& moves);
  void Queue(std::vector<Change> changes);
  void RecorderLoop();
  // Writes `changes` (rows and events); `rows` maps live signals to their rows.
  static Result<void> Record(store::Session& s, const std::vector<Change>& changes,
                             std::map<Key, Id>& rows);

  store::Store& store_;
  const signals::SignalConfig config_;

  std::mutex update_mutex_;  // the feed and Refresh take turns
  mutable std::shared_mutex mutex_;  // guards what follows; queries share it
  std::unordered_map<Id, AccountState> accounts_;
  std::unordered_map<Id, Id> case_account_;  // case id → account id
  std::int64_t loaded_sequence_ = 0;  // the last event the load read; guarded by unread_mutex_

  mutable std::mutex unread_mutex_;  // guards what follows
  Wanted unread_;                     // what failed reads left unread
  bool loaded_ = false;               // the change feed reads its batches itself
  bool ready_ = false;                // … and has read those that waited for the load
  // Before the load: what each batch changed, with the sequence of its last event (a
  // batch is one transaction: the load's snapshot holds all of it or none).
  std::vector<std::pair<std::int64_t, Wanted>> before_load_;
  std::condition_variable loaded_changed_;
  std::atomic<bool> stop_loading_ = false;  // the destructor's: Load gives up between chunks
  std::thread loader_;
  std::mutex feed_mutex_;  // ReadAndApply's, held from its read to its apply

  // The recorder: changes to write, and which row records each live signal.
  std::mutex recorder_mutex_;
  std::condition_variable recorder_wake_;
  std::condition_variable recorder_idle_;
  std::vector<Change> to_record_;
  std::map<Key, Id> rows_;  // the row recording each live signal
  bool recording_ = false;
  bool stopping_ = false;
  std::thread recorder_;

  // Last: its thread starts once everything it uses is built.
  FeedThread<Wanted> feed_;
};

}  // namespace rapport::app
