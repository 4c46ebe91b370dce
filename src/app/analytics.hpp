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
// store's writer thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "analytics/contacts.hpp"
#include "app/auth.hpp"
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

  // The change feed: reads again what the batch created or changed.
  // REQUIRES: called for every committed batch, before its writers are answered.
  void OnCommitted(const store::CommittedBatch& batch);

  // Service level, abandonment, speed of answer, handle time and first-contact resolution
  // grouped as asked. Parameters (all optional): from, to (RFC 3339; default the last
  // full month before `now` … now), time_zone (IANA, default UTC), period (15m, 30m,
  // 60m, day, week, month; default month), group_by (comma-separated of vendor, channel,
  // queue, agent, segment, period, hour_of_week; default vendor,channel,period),
  // vendor_id, queue_id (comma-separated), channel, agent_id, threshold_seconds (every
  // channel) or threshold_seconds.<channel>, short_abandon_seconds, fcr_days.
  Result<boost::json::value> ServiceLevel(const Principal& who, const ReportParams& params,
                                          Instant now) const;

  std::size_t contact_count() const;

 private:
  // Rows read again for one batch, applied under the lock.
  struct Changes;
  Result<void> ReadInto(store::Session& s, Changes& changes, const std::vector<Id>& interactions,
                        const std::vector<Id>& cases, const std::vector<Id>& accounts) const;
  void Apply(Changes& changes);

  store::Store& store_;
  mutable std::shared_mutex mutex_;
  analytics::Projection projection_;  // guarded by mutex_
  std::int64_t loaded_sequence_ = 0;
};

}  // namespace rapport::app
