#include "analytics/contacts.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace rapport::analytics {

using domain::Outcome;

ContactFacts ContactFacts::Of(const domain::Interaction& x) {
  return {x.meta.id,  x.channel,  x.direction,   x.kind,     x.outcome,    x.arrived_at,
          x.answered_at, x.ended_at, x.wrap_up_seconds, x.queue_id, x.vendor_id, x.agent_id,
          x.account_id, x.person_id, x.case_id, x.category.value_or("")};
}

Disposition DispositionOf(const ContactFacts& contact) {
  if (contact.kind != domain::InteractionKind::kContact ||
      contact.direction != domain::Direction::kInbound) {
    return Disposition::kNotOffered;
  }
  if (contact.answered) return Disposition::kAnswered;
  if (!contact.outcome) return Disposition::kUnanswered;
  switch (*contact.outcome) {
    case Outcome::kAbandoned:
    case Outcome::kTimedOut:
    case Outcome::kVoicemail:
      return Disposition::kAbandoned;
    case Outcome::kMissedOffHours:
      return Disposition::kMissedOffHours;
    default:
      return Disposition::kUnanswered;
  }
}

std::uint32_t Interner::Code(std::string_view text) {
  if (text.empty()) return 0;
  if (auto it = codes_.find(text); it != codes_.end()) return it->second;
  const auto code = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(text);
  codes_.emplace(names_.back(), code);
  return code;
}

std::optional<std::uint32_t> Interner::Find(std::string_view text) const {
  auto it = codes_.find(text);
  if (it == codes_.end()) return std::nullopt;
  return it->second;
}

namespace {

std::uint32_t Small(std::optional<Id> id) {
  if (!id) return 0;
  RAPPORT_CHECK(*id > 0 && *id < (Id{1} << 32));
  return static_cast<std::uint32_t>(*id);
}

std::uint32_t Millis(Instant from, std::optional<Instant> to) {
  if (!to) return kNoDuration;
  std::int64_t ms = std::max<std::int64_t>(0, to->ms - from.ms);
  return static_cast<std::uint32_t>(std::min<std::int64_t>(ms, kNoDuration - 1));
}

// Row `row` of `ids` (stored row + 1), growing the index as needed.
std::uint32_t& Slot(std::vector<std::uint32_t>& row_of_id, std::uint32_t id) {
  if (id >= row_of_id.size()) row_of_id.resize(std::max<std::size_t>(id + 1, row_of_id.size() * 2));
  return row_of_id[id];
}

template <class... Columns>
void Grow(std::size_t row, Columns&... columns) {
  if (row < std::get<0>(std::tie(columns...)).size()) return;
  (columns.emplace_back(), ...);
}

}  // namespace

void ContactTable::Reserve(std::size_t rows) {
  for (auto* c : {&id_, &wait_, &handle_, &queue_, &vendor_, &agent_, &account_, &person_, &case_,
                  &category_}) {
    c->reserve(rows);
  }
  arrived_.reserve(rows);
  disposition_.reserve(rows);
  channel_.reserve(rows);
}

std::optional<std::size_t> ContactTable::RowOf(Id id) const {
  if (id <= 0 || static_cast<std::uint64_t>(id) >= row_of_id_.size() || row_of_id_[id] == 0) {
    return std::nullopt;
  }
  return row_of_id_[id] - 1;
}

void ContactTable::Upsert(const ContactFacts& contact, Interner& categories) {
  std::uint32_t id = Small(contact.id);
  RAPPORT_CHECK(id != 0);
  std::uint32_t& slot = Slot(row_of_id_, id);
  if (slot == 0) slot = static_cast<std::uint32_t>(id_.size()) + 1;
  std::size_t row = slot - 1;
  Grow(row, id_, arrived_, wait_, handle_, disposition_, channel_, queue_, vendor_, agent_,
       account_, person_, case_, category_);

  Disposition disposition = DispositionOf(contact);
  id_[row] = id;
  arrived_[row] = contact.arrived.ms;
  disposition_[row] = disposition;
  wait_[row] = disposition == Disposition::kAnswered    ? Millis(contact.arrived, contact.answered)
               : disposition == Disposition::kAbandoned ? Millis(contact.arrived, contact.ended)
                                                        : kNoDuration;
  handle_[row] = kNoDuration;
  if (contact.answered && contact.ended) {
    std::int64_t ms = std::max<std::int64_t>(0, contact.ended->ms - contact.answered->ms) +
                      contact.wrap_up_seconds.value_or(0) * 1000;
    handle_[row] = static_cast<std::uint32_t>(std::min<std::int64_t>(ms, kNoDuration - 1));
  }
  channel_[row] = static_cast<std::uint8_t>(contact.channel);
  queue_[row] = Small(contact.queue);
  vendor_[row] = Small(contact.vendor);
  agent_[row] = Small(contact.agent);
  account_[row] = Small(contact.account);
  person_[row] = Small(contact.person);
  case_[row] = Small(contact.case_id);
  category_[row] = categories.Code(std::string_view(contact.category));
  max_queue = std::max(max_queue, queue_[row]);
  max_vendor = std::max(max_vendor, vendor_[row]);
  max_agent = std::max(max_agent, agent_[row]);

  std::size_t block = row / kBlockRows;
  if (block >= blocks_.size()) blocks_.resize(block + 1);
  blocks_[block].first_arrival = std::min(blocks_[block].first_arrival, contact.arrived);
  blocks_[block].last_arrival = std::max(blocks_[block].last_arrival, contact.arrived);
}

void CaseTable::Upsert(const domain::Case& kase, Interner& categories) {
  std::uint32_t id = Small(kase.meta.id);
  RAPPORT_CHECK(id != 0);
  std::uint32_t& slot = Slot(row_of_id_, id);
  if (slot == 0) slot = static_cast<std::uint32_t>(id_.size()) + 1;
  std::size_t row = slot - 1;
  Grow(row, id_, account_, requester_, queue_, vendor_, assignee_, channel_, category_, resolved_);

  id_[row] = id;
  account_[row] = Small(kase.account_id);
  requester_[row] = Small(kase.requester_id);
  queue_[row] = Small(kase.queue_id);
  vendor_[row] = Small(kase.vendor_id);
  assignee_[row] = Small(kase.assignee_id);
  channel_[row] = kase.channel ? static_cast<std::uint8_t>(*kase.channel) : kNoChannel;
  category_[row] = categories.Code(kase.category ? std::string_view(*kase.category) : std::string_view());
  bool resolved = kase.status == domain::CaseStatus::kResolved ||
                  kase.status == domain::CaseStatus::kClosed;
  resolved_[row] = resolved && kase.resolved_at ? kase.resolved_at->ms : kNotResolved;
  max_id = std::max(max_id, id);
  max_queue = std::max(max_queue, queue_[row]);
  max_vendor = std::max(max_vendor, vendor_[row]);
  max_agent = std::max(max_agent, assignee_[row]);
}

void SessionTable::Upsert(const domain::AgentSession& session) {
  auto [it, added] = row_of_id_.try_emplace(session.meta.id, rows_.size());
  if (added) rows_.emplace_back();
  AgentTime& row = rows_[it->second];
  row.agent = Small(session.agent_id);
  row.vendor = Small(session.vendor_id);
  row.queue = Small(session.queue_id);
  row.paused = session.kind == domain::AgentSessionKind::kPaused;
  row.from = session.started_at;
  row.to = session.ended_at.value_or(Instant{std::numeric_limits<std::int64_t>::max()});
}

void AccountSegments::Set(Id account, const std::string& segment) {
  std::uint32_t id = Small(account);
  if (id >= segment_of_.size()) segment_of_.resize(id + 1, 0);
  segment_of_[id] = names_.Code(segment);
}

}  // namespace rapport::analytics
