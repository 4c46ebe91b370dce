// The change feed, live: the events of every committed batch handed to followers as they
// commit (the server's GET /api/v1/stream). The event log is the feed; this keeps a window
// of its most recent events in memory so that followers keeping up never read the store,
// and reads the store for those further behind (a resumed stream's missed events).
//
// What a follower is told: with `whole_events` (callers who may read the event log, GET
// /api/v1/events), every event as that route answers it. Anyone else is told of what the
// customer 360 shows them, as notices without the change — {sequence, at, entity,
// entity_id, action, account_id}, to be read through the API, which applies the caller's
// visibility to the records: every interaction (a vendor agent sees each at least as a
// summary), and the events naming an account that visibility.hpp's MaySeeAccountEvent lets
// the caller see (a vendor agent: not another vendor's cases, agreements or their signals,
// nor advocacy). Events naming no account (users, configuration) are for the log's readers
// only.
//
// Threads: OnCommitted runs on the store's writer thread. Follow may be called from any
// thread; a Follower is used by one thread at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/auth.hpp"
#include "app/ledger.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

// Events kept in memory for followers: the most recent, at most this many and about this
// many bytes of their changes (a created interaction carries its body).
inline constexpr std::size_t kLiveWindow = 4096;
inline constexpr std::size_t kLiveWindowBytes = 16 << 20;
// The most events a follower resuming from an old position is replayed; further behind, it
// is told to start afresh (Step::reset) rather than fed the log's history.
inline constexpr std::int64_t kMaxReplay = 10'000;
// The most events one Follower::Next reads.
inline constexpr std::size_t kLiveReadBatch = 500;

class LiveFeed {
 public:
  LiveFeed(store::Store& store, Ledger& ledger) : store_(store), ledger_(ledger) {}
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // The change feed: keeps the batch's events and wakes every follower.
  // REQUIRES: called for every committed batch, after the other parts have applied it (a
  // follower told of an event may read what it changed at once).
  void OnCommitted(const store::CommittedBatch& batch);

  // One event as a follower is told of it: its sequence and its JSON text.
  struct Item {
    std::int64_t sequence = 0;
    std::string json;
  };

  class Follower {
   public:
    ~Follower();
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

    // `wake` is called after each commit from then on, on the writer thread: it must be
    // quick and must not call into the feed.
    void WakeOnCommit(std::function<void()> wake);

    struct Step {
      // Set once, first, when the position asked for could not be resumed (further behind
      // than kMaxReplay, or ahead of the log): the follower starts after this sequence, the
      // log's end when it began, and what the caller shows should be read again.
      std::optional<std::int64_t> reset;
      std::vector<Item> items;  // the events after the position the caller may see
      bool more = false;        // more events are known to follow: call again without waiting
    };
    // Reads the events after the position (at most kLiveReadBatch of them, from the window
    // or the store) and moves the position past them.
    Result<Step> Next();

    // The sequence of the last event read (or skipped): where a stream resumes.
    std::int64_t position() const { return position_; }

   private:
    friend class LiveFeed;
    Follower(LiveFeed& feed, Principal who, bool whole_events, std::int64_t position, bool reset)
        : feed_(feed), who_(who), whole_events_(whole_events), position_(position), reset_(reset) {}
    // Whether the caller is told of `event`.
    Result<bool> Shown(const domain::Event& event);
    std::string Render(const domain::Event& event) const;

    LiveFeed& feed_;
    const Principal who_;
    const bool whole_events_;
    std::int64_t position_;
    bool reset_;
    std::function<void()> wake_;  // guarded by feed_.mu_
  };

  // Follows the feed for `who` from after sequence `after` (unset: from the end of the log
  // now, starting with a reset that names it).
  Result<std::unique_ptr<Follower>> Follow(const Principal& who, bool whole_events,
                                           std::optional<std::int64_t> after);

 private:
  store::Store& store_;
  Ledger& ledger_;
  std::mutex mu_;
  // The most recent events, by sequence. The log is gap-free in commit order, so the window
  // holds every event after window_.front()->sequence - 1. Shared: a follower copies
  // pointers under the lock, not events.
  std::deque<std::shared_ptr<const domain::Event>> window_;  // guarded by mu_
  std::size_t window_bytes_ = 0;                             // guarded by mu_: their changes
  std::int64_t last_sequence_ = 0;  // guarded by mu_: the latest known committed
  std::set<Follower*> followers_;   // guarded by mu_
};

}  // namespace rapport::app
