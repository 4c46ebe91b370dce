// The columnar projection that every service report reads: one row per interaction and
// one per case, holding only what the reports need, in parallel arrays (a column per
// fact) so that a report over ten million contacts streams a few bytes per row.
//
// Pure and not synchronised: the owner (app::Analytics) guards a table with a lock.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {

using domain::Id;

// How a contact counts in the service metrics (docs/service-analytics.md).
enum class Disposition : std::uint8_t {
  kNotOffered,      // outbound, or a note: not offered to a queue
  kAnswered,        // inbound, answered_at present
  kAbandoned,       // inbound, no answer, outcome abandoned, timed_out or voicemail
  kUnanswered,      // inbound, neither answered nor given up (e.g. an email awaiting reply)
  kMissedOffHours,  // inbound, arrived while the queue was closed
};

// One interaction as the projection reads it: the facts of domain::Interaction that the
// reports need, without its texts (a loader fills it straight from the store).
struct ContactFacts {
  Id id = 0;
  domain::Channel channel = domain::Channel::kPhone;
  domain::Direction direction = domain::Direction::kInbound;
  domain::InteractionKind kind = domain::InteractionKind::kContact;
  std::optional<domain::Outcome> outcome;
  Instant arrived;
  std::optional<Instant> answered, ended;
  std::optional<std::int64_t> wrap_up_seconds;
  std::optional<Id> queue, vendor, agent, account, person, case_id;
  std::string category;  // "" for none

  static ContactFacts Of(const domain::Interaction& interaction);
};

Disposition DispositionOf(const ContactFacts& contact);

// A duration column's value when it does not apply (no answer, no end).
inline constexpr std::uint32_t kNoDuration = std::numeric_limits<std::uint32_t>::max();

// Small codes for strings that repeat (categories, segments): 0 is "none".
class Interner {
 public:
  std::uint32_t Code(std::string_view text);  // "" is 0
  std::optional<std::uint32_t> Find(std::string_view text) const;
  std::string_view Name(std::uint32_t code) const { return names_[code]; }
  std::size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::vector<std::string> names_{""};
  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> codes_;
};

class ContactTable {
 public:
  // Rows are grouped in blocks with the range of their arrivals, so that a report over a
  // period skips the blocks outside it.
  static constexpr std::size_t kBlockRows = 1 << 16;
  struct Block {
    Instant first_arrival{std::numeric_limits<std::int64_t>::max()};
    Instant last_arrival{std::numeric_limits<std::int64_t>::min()};
  };

  // Adds the interaction, or replaces the row of its id; its category is coded in
  // `categories`.
  // REQUIRES: 0 < id < 2^32, and every id it names below 2^32.
  void Upsert(const ContactFacts& contact, Interner& categories);
  void Upsert(const domain::Interaction& interaction, Interner& categories) {
    Upsert(ContactFacts::Of(interaction), categories);
  }
  void Reserve(std::size_t rows);

  std::size_t size() const { return id_.size(); }
  const std::vector<Block>& blocks() const { return blocks_; }
  std::optional<std::size_t> RowOf(Id id) const;

  // Columns (index: row). Ids are 0 where absent. Durations are milliseconds, saturating
  // at kNoDuration - 1: `wait` is arrival to answer (answered) or to the end (abandoned);
  // `handle` is answer to end plus wrap-up (answered and ended).
  std::vector<std::uint32_t> id_;
  std::vector<std::int64_t> arrived_;
  std::vector<std::uint32_t> wait_;
  std::vector<std::uint32_t> handle_;
  std::vector<Disposition> disposition_;
  std::vector<std::uint8_t> channel_;  // domain::Channel
  std::vector<std::uint32_t> queue_;
  std::vector<std::uint32_t> vendor_;
  std::vector<std::uint32_t> agent_;
  std::vector<std::uint32_t> account_;
  std::vector<std::uint32_t> person_;
  std::vector<std::uint32_t> case_;
  std::vector<std::uint32_t> category_;  // Interner code
  // The largest id of each kind seen, so that a report can size its groups.
  std::uint32_t max_queue = 0, max_vendor = 0, max_agent = 0;

 private:
  std::vector<Block> blocks_;
  std::vector<std::uint32_t> row_of_id_;  // row + 1; 0: not present
};

// Cases, for first-contact resolution: only what the definition reads.
class CaseTable {
 public:
  // Adds the case, or replaces the row of its id; its category is coded in `categories`.
  void Upsert(const domain::Case& kase, Interner& categories);
  std::size_t size() const { return id_.size(); }

  std::vector<std::uint32_t> id_;
  std::vector<std::uint32_t> account_;
  std::vector<std::uint32_t> requester_;
  std::vector<std::uint32_t> queue_;
  std::vector<std::uint32_t> vendor_;
  std::vector<std::uint32_t> assignee_;
  std::vector<std::uint8_t> channel_;  // domain::Channel; kNoChannel when unknown
  std::vector<std::uint32_t> category_;
  std::vector<std::int64_t> resolved_;  // ms; kNotResolved while open
  std::uint32_t max_id = 0, max_queue = 0, max_vendor = 0, max_agent = 0;

  static constexpr std::uint8_t kNoChannel = 255;
  static constexpr std::int64_t kNotResolved = std::numeric_limits<std::int64_t>::min();

 private:
  std::vector<std::uint32_t> row_of_id_;
};

// What the reports know about accounts: the segment of each, as a code.
class AccountSegments {
 public:
  void Set(Id account, const std::string& segment);
  std::uint32_t Of(std::uint32_t account) const {
    return account < segment_of_.size() ? segment_of_[account] : 0;
  }
  const Interner& names() const { return names_; }

 private:
  std::vector<std::uint32_t> segment_of_;
  Interner names_;
};

// Logged-in time or a pause of one agent, as staffed time counts it.
struct AgentTime {
  std::uint32_t agent = 0;
  std::uint32_t vendor = 0;
  std::uint32_t queue = 0;  // 0: every queue of the agent
  bool paused = false;
  Instant from, to;  // a session still going runs to the end of time
};

// Agent sessions (domain::AgentSession) as staffed time.
class SessionTable {
 public:
  // Adds the session, or replaces the one of its id.
  void Upsert(const domain::AgentSession& session);
  const std::vector<AgentTime>& all() const { return rows_; }

 private:
  std::vector<AgentTime> rows_;
  std::unordered_map<Id, std::size_t> row_of_id_;
};

// Everything the reports read, as one value.
struct Projection {
  ContactTable contacts;
  CaseTable cases;
  AccountSegments segments;
  SessionTable sessions;
  Interner categories;  // shared by contacts and cases, so that codes compare
};

}  // namespace rapport::analytics
