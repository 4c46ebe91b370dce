// The service reports: the columnar projection of every interaction and case
// (analytics/contacts.hpp), built from the store at start-up and advanced from the change
// feed, and the use cases that read it — service level, vendor scorecards, coverage hours,
// staffing and agreement deadlines. Reports read contacts from the projection, never with
// SQL; the small configuration they also need (agreements, queues, names) comes from the
// store.
//
// Report parameters arrive as name/value text pairs (an HTTP query string or the command
// line's options) and answers are JSON, so that the API and `rapport report` share them.
// Vendor agents see only their own vendor's contacts, agreements and scorecards.
// Threads: every public method is safe to call concurrently; OnCommitted runs on the
// store's writer thread and only notes what a batch changed: the projection's own feed
// thread (FeedThread) reads those rows and applies them. Reports first wait until it has
// taken in what was committed before they began, so a client reads its own writes.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "analytics/contacts.hpp"
#include "app/auth.hpp"
#include "app/feed_thread.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

using ReportParams = std::vector<std::pair<std::string, std::string>>;

class Analytics {
 public:
  explicit Analytics(store::Store& store);

  // Reads every interaction, case and account into the projection.
  // REQUIRES: called once, before anything is written through this process.
  Result<void> Load();

  // The change feed: notes what the batch created or changed for the feed thread, which
  // reads it again.
  // REQUIRES: called for every committed batch.
  void OnCommitted(const store::CommittedBatch& batch);

  // Service level, abandonment, speed of answer, handle time and first-contact resolution
  // grouped as asked. Parameters (all optional): from, to (RFC 3339; default the last
  // full month before `now` … now), time_zone (IANA, default UTC), period (15m, 30m,
  // 60m, day, week, month; default month), group_by (comma-separated of vendor, channel,
  // queue, agent, segment, period, hour_of_week; default vendor,channel,period),
  // vendor_id, queue_id (comma-separated), channel, agent_id, threshold_seconds (every
  // channel) or threshold_seconds.<channel>, short_abandon_seconds, fcr_days,
  // fcr_repeat_by (account or person).
  Result<boost::json::value> ServiceLevel(const Principal& who, const ReportParams& params,
                                          Instant now) const;

  // Per vendor agreement and month of the range: each contracted target against the
  // month's result, flagged beyond its band, the schedule's penalty or credit, a deep-dive
  // list where flagged, and the surplus agent-hours and their cost where service level is
  // better than the band. Parameters: from, to, time_zone (months), vendor_id,
  // agreement_id, queue_id, channel, agent_id, abandons (ignored, against or for; default
  // against), deep_dive (entries per dimension, 0 to 50; default 5), interval_minutes (15,
  // 30 or 60; default 30), short_abandon_seconds, fcr_days, fcr_repeat_by.
  Result<boost::json::value> Scorecard(const Principal& who, const ReportParams& params,
                                       Instant now) const;

  // Coverage hours of one vendor agreement (agreement_id, required; it must name a
  // coverage calendar): contacts by local hour of the week inside and outside coverage,
  // edge-hour volumes and trim/extend recommendations with agent-hours and money.
  // Parameters: agreement_id, from, to, time_zone (default the calendar's), queue_id,
  // channel, trim_below (contacts per week, default 2), extend_above (default 5),
  // service_level_percent and threshold_seconds (default the agreement's phone, else
  // first, service-level target, else 80 and 20), short_abandon_seconds.
  Result<boost::json::value> Coverage(const Principal& who, const ReportParams& params,
                                      Instant now) const;

  // Every agreement's notice deadline (end date minus notice days), days remaining and
  // alerts. Parameters: time_zone (what "today" is; default UTC), lead_days (comma-
  // separated, default 90,60,30,7), kind (customer or vendor), within_days (only deadlines
  // at most this far ahead; passed ones always shown). Vendor agents see their vendor's.
  Result<boost::json::value> Deadlines(const Principal& who, const ReportParams& params,
                                       Instant now) const;

  // Agents required per interval of the week from `from` (default: the coming Monday in
  // the zone), from a forecast (each interval's mean over the same interval of the past
  // `weeks` weeks, in scope) or, with `calls`, for one interval as a calculator.
  // Parameters: from, time_zone, period (15m, 30m or 60m; default 30m), weeks (1 to 52,
  // default 4), vendor_id, queue_id, channel, calls, aht_seconds (default the history's
  // handle time), service_level_percent (default 80), threshold_seconds (default 20),
  // max_occupancy_percent (default 100), shrinkage_percent (default 0), patience_seconds
  // (Erlang A).
  Result<boost::json::value> Staffing(const Principal& who, const ReportParams& params,
                                      Instant now) const;

  std::size_t contact_count() const;
  // How far the feed thread is behind the change feed, in events; does not wait.
  std::int64_t feed_lag() const { return feed_.lag(); }

 private:
  // The records a batch changed (sorted ids), and those rows read again, applied under the
  // lock.
  struct ChangedIds {
    std::vector<Id> interactions, cases, accounts, sessions;
    void Merge(ChangedIds other);
  };
  struct Changes;
  Result<void> ReadInto(store::Session& s, Changes& changes, const ChangedIds& ids) const;
  // The feed thread's take: reads the rows and applies them.
  void ReadAndApply(ChangedIds ids);
  void Apply(Changes& changes);
  // The projection for a report: once the feed has caught up (at most 2 s), shared.
  std::shared_lock<std::shared_mutex> Current() const;

  store::Store& store_;
  mutable std::shared_mutex mutex_;
  analytics::Projection projection_;  // guarded by mutex_
  std::int64_t loaded_sequence_ = 0;
  FeedThread<ChangedIds> feed_;  // last: its thread starts once the rest is built
};

}  // namespace rapport::app
