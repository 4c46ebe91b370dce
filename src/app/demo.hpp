// The demo company: a deterministic generator of a believable year of customer service
// (outsourcing vendors and their agents, queues, business calendars and SLA policies,
// accounts and their people, agreements, cases with the service clocks of their
// resolution, and interactions) written through the store with one "created" event per
// record, for `make demo`, screenshots and benchmarks.
//
// Deterministic: the same (scale, seed, end) gives the same records, ids and events on
// every platform, because every random figure is computed from raw std::mt19937_64 draws
// by the generator's own arithmetic (std:: distributions differ between standard
// libraries).
//
// Threads: GenerateDemo blocks its caller; it generates on the caller's thread while the
// store's writer thread writes the previous chunk, and calls `progress` on the caller's
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/error.hpp"
#include "core/instant.hpp"
#include "store/store.hpp"

namespace rapport::app {

struct DemoOptions {
  // Multiplies accounts, people, cases and interactions (scale 1: ~300 accounts, ~1,500
  // people, ~500,000 interactions). Vendors, queues, users, calendars and policies stay
  // fixed.
  // REQUIRES: 0 < scale <= 100.
  double scale = 1.0;
  std::uint64_t seed = 42;
  Instant end = Now();  // the generated twelve months end here (exclusive)
  // Optional; told how far the interactions have got, every ~50,000.
  std::function<void(std::string_view)> progress;
};

// How many records of each kind were written (the built-in system user not counted).
struct DemoSummary {
  std::int64_t users = 0;
  std::int64_t vendors = 0;
  std::int64_t queues = 0;
  std::int64_t calendars = 0;
  std::int64_t sla_policies = 0;
  std::int64_t accounts = 0;
  std::int64_t people = 0;
  std::int64_t agreements = 0;
  std::int64_t cases = 0;
  std::int64_t interactions = 0;
  std::int64_t agent_sessions = 0;  // logged-in shifts and their pauses
  std::int64_t escalations = 0;     // one in each stage, on strategic and key accounts
  std::int64_t mitigating_services = 0;
  std::int64_t trials = 0;
};

// The generated administrator ("Demo Admin"), e.g. to grant the demo's token to.
inline constexpr std::string_view kDemoAdminEmail = "admin@demo.rapport";

// Generates a believable company into an empty store: every record passes
// domain::Validate, parents are written before children, and each record gets a
// "created" event (cases also one "status_changed" event per step of their history) by
// kSystemUserId at the record's own instant. Interactions carry source "demo" and
// external ids "demo-<n>"; answered calls and chats carry the agent's wrap-up time.
// Agents' sessions (source "demo", external ids "demo-session-<n>", no queue: an agent
// serves all its team's queues) are shifts inside the team's working hours (its vendor's
// coverage calendar, the premium desk's hours in-house, else around the clock), as many
// logged in each hour as the team's planned staffing (traffic over planned occupancy, at
// least one while open; Tasman Support Co is overstaffed), each with a break or two and a
// lunch pause; contacts go to agents on shift. Resolved and closed cases carry the clocks of their
// resolution, as the server would have recorded them (app::Clocks::Final); open cases'
// clocks are the server's to compute, and their warnings and breaches its to record.
// Fails with kConflict when the store already holds accounts, kInvalid on a bad scale,
// and kInternal if the generator built a record the domain rules refuse (a bug). A
// failure part-way leaves the chunks already committed in the store.
Result<DemoSummary> GenerateDemo(store::Store& store, const DemoOptions& options);

}  // namespace rapport::app
