// The customer 360: an account's (or one person's) whole history on one screen, newest
// first — every interaction on every channel (read from the interactions table: they are
// the contacts, so the interactions' own events are left out) merged with the events of
// the account's other records: cases opened, status changes, SLA warnings and breaches,
// agreements, the account and its people, and anything else that names the account
// (escalation steps, signals: an unknown entity or action is shown generically, so new
// kinds appear without code here). Cursor-paged, with a header of what an agent needs at
// a glance.
//
// Visibility (visibility.hpp): a vendor agent sees every interaction as a summary (details
// only on its own vendor's queues), the events of its own vendor's cases only (another
// vendor's cases do not exist for it, as in /cases), no agreement events and no money;
// events of kinds this file does not know are not shown to it at all. A missing or hidden
// account or person is the same 404 as in GET /accounts/{id}.
//
// Threads: every function is safe to call concurrently; the use cases read one snapshot.
#pragma once

#include <boost/json.hpp>
#include <compare>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/auth.hpp"
#include "app/signal_index.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

// ---- order and cursor (pure) ----------------------------------------------------------

// Where an item stands: a timeline is ordered newest first by instant; at one instant
// interactions come before events, then the higher id (interaction id, event sequence)
// first. The order is total, so pages never repeat or skip an item, even at equal instants.
enum class TimelineSource { kEvent = 0, kInteraction = 1 };

struct TimelinePosition {
  Instant at;
  TimelineSource source = TimelineSource::kEvent;
  std::int64_t id = 0;
  // Ascending is oldest first; a timeline lists positions in descending order.
  auto operator<=>(const TimelinePosition&) const = default;
};

// The opaque cursor of the page after `last` (the last item of a page), and back: nullopt
// for text this server did not give.
std::string FormatTimelineCursor(const TimelinePosition& last);
std::optional<TimelinePosition> ParseTimelineCursor(std::string_view text);

// Each source is read as its own newest-first stream of (instant, id). The items of
// `source` after `cursor` in the timeline are those of its stream strictly before the
// returned (instant, id).
std::pair<Instant, std::int64_t> StreamBound(TimelineSource source, const TimelinePosition& cursor);

// One item before rendering.
struct TimelineEntry {
  TimelinePosition position;
  std::variant<domain::Interaction, domain::Event> record;
};

struct MergedPage {
  std::vector<TimelineEntry> entries;     // newest first, at most `limit`
  std::optional<TimelinePosition> next;  // the cursor's position when more follow
};

// A page from each source's items after the cursor, newest first, at most limit + 1 of
// each (one more than a page tells whether another follows).
MergedPage MergeNewestFirst(std::vector<TimelineEntry> interactions,
                            std::vector<TimelineEntry> events, std::size_t limit);

// ---- parameters -----------------------------------------------------------------------

inline constexpr std::int64_t kTimelinePageSize = 50;
inline constexpr std::int64_t kMaxTimelinePageSize = 200;

struct TimelineParams {
  std::optional<TimelinePosition> cursor;
  std::int64_t limit = kTimelinePageSize;
  // Only these kinds: "interaction" and the entity names of events (case, agreement,
  // account, person, escalation, signal, …); unset: every kind.
  std::optional<std::set<std::string, std::less<>>> kinds;
};

// limit (1 to 200), cursor, kinds (comma-separated); kBadRequest naming every bad, repeated
// or unknown parameter.
Result<TimelineParams> ParseTimelineParams(
    const std::vector<std::pair<std::string, std::string>>& query);

// ---- one-line summaries (pure) --------------------------------------------------------

// "Inbound call, answered (4m 45s): Line down", "Outbound email, sent: Re: Invoice",
// "Note on chat: …". Uses only what a vendor agent may see of any interaction.
std::string InteractionSummary(const domain::Interaction& interaction);

// "Case #7 \"Line down\": open → resolved", "Person added: Ann Lee", "Escalation #2 stage
// changed: planning → executing" … `change` is the event's change as the caller may see
// it; `case_subject` the subject of the case a case event concerns, when known.
std::string EventSummary(const domain::Event& event, const boost::json::value& change,
                         std::string_view case_subject);

// ---- the use cases --------------------------------------------------------------------

// {"header": {...}, "items": [...], "next_cursor": "…" | null} for an account: its
// interactions and the events naming it. kNotFound, worded as for a missing account, when
// there is none the caller may see.
// The header's "signals" are the account's live signals from `signals`, as the caller may
// see them.
Result<boost::json::value> AccountTimeline(store::Store& store, const SignalIndex& signals,
                                           const Principal& who, domain::Id account_id,
                                           const TimelineParams& params);

// The same for a person: the interactions of the person, and the events of the person
// record and of the cases the person requested; the header is its account's plus
// "person".
Result<boost::json::value> PersonTimeline(store::Store& store, const SignalIndex& signals,
                                          const Principal& who, domain::Id person_id,
                                          const TimelineParams& params);

}  // namespace rapport::app
