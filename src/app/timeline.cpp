#include "app/timeline.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <map>

#include "app/report_params.hpp"
#include "app/visibility.hpp"
#include "domain/advocacy.hpp"
#include "domain/json_codec.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using domain::Account;
using domain::Case;
using domain::Channel;
using domain::Event;
using domain::Id;
using domain::Interaction;
using store::Session;

// ---- order and cursor -------------------------------------------------------------------

std::string FormatTimelineCursor(const TimelinePosition& last) {
  return std::to_string(last.at.ms) + (last.source == TimelineSource::kInteraction ? 'i' : 'e') +
         std::to_string(last.id);
}

std::optional<TimelinePosition> ParseTimelineCursor(std::string_view text) {
  auto number = [](std::string_view digits) -> std::optional<std::int64_t> {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    return n;
  };
  const auto split = text.find_first_of("ie");
  if (split == std::string_view::npos) return std::nullopt;
  auto at = number(text.substr(0, split));
  auto id = number(text.substr(split + 1));
  if (!at || !id || *id <= 0) return std::nullopt;
  return TimelinePosition{Instant{*at},
                          text[split] == 'i' ? TimelineSource::kInteraction : TimelineSource::kEvent,
                          *id};
}

std::pair<Instant, std::int64_t> StreamBound(TimelineSource source, const TimelinePosition& cursor) {
  if (source == cursor.source) return {cursor.at, cursor.id};
  // Another source's items at the cursor's instant all come after it when that source
  // ranks below the cursor's, and none of them do when it ranks above.
  return {cursor.at, source < cursor.source ? std::numeric_limits<std::int64_t>::max()
                                            : std::numeric_limits<std::int64_t>::min()};
}

MergedPage MergeNewestFirst(std::vector<TimelineEntry> interactions,
                            std::vector<TimelineEntry> events, std::size_t limit) {
  MergedPage page;
  page.entries = std::move(interactions);
  page.entries.reserve(page.entries.size() + events.size());
  std::move(events.begin(), events.end(), std::back_inserter(page.entries));
  std::sort(page.entries.begin(), page.entries.end(),
            [](const TimelineEntry& a, const TimelineEntry& b) { return a.position > b.position; });
  // Each source gave up to limit + 1 of its items: whatever it did not give is older than
  // all it gave, so the first `limit` are right, and one more means another page.
  if (page.entries.size() > limit) {
    page.entries.erase(page.entries.begin() + static_cast<std::ptrdiff_t>(limit),
                       page.entries.end());
    if (!page.entries.empty()) page.next = page.entries.back().position;
  }
  return page;
}

// ---- parameters -------------------------------------------------------------------------

Result<TimelineParams> ParseTimelineParams(
    const std::vector<std::pair<std::string, std::string>>& query) {
  ParamReader reader(query, "timeline");
  TimelineParams params;
  if (auto limit = reader.Integer("limit", 1, kMaxTimelinePageSize)) params.limit = *limit;
  if (auto text = reader.Take("cursor")) {
    params.cursor = ParseTimelineCursor(*text);
    if (!params.cursor) reader.Bad("cursor", "is not a cursor this server gave");
  }
  if (auto text = reader.Take("kinds")) {
    std::set<std::string, std::less<>> kinds;
    std::string_view rest = *text;
    while (true) {
      const auto comma = rest.find(',');
      std::string_view kind = rest.substr(0, comma);
      const bool word = !kind.empty() && kind.size() <= 64 &&
                        std::all_of(kind.begin(), kind.end(),
                                    [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
      if (!word) {
        reader.Bad("kinds", "'" + std::string(kind) +
                                "' is not a kind: interaction, case, agreement, account, "
                                "person or another entity's name, comma-separated");
        break;
      }
      kinds.emplace(kind);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    params.kinds = std::move(kinds);
  }
  if (auto done = reader.Finish(); !done) return std::unexpected(done.error());
  return params;
}

// ---- one-line summaries -----------------------------------------------------------------

namespace {

std::string Words(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string Capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text;
}

// At most `limit` bytes of `text`, cut between UTF-8 characters, with an ellipsis if cut.
std::string Clip(std::string_view text, std::size_t limit = 100) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

std::string Duration(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h " + std::to_string(s / 60 % 60) + "m";
}

std::string_view Noun(Channel channel) {
  switch (channel) {
    case Channel::kPhone:
      return "call";
    case Channel::kEmail:
      return "email";
    case Channel::kChat:
      return "chat";
    case Channel::kWeb:
      return "web form";
    case Channel::kSocial:
      return "social message";
    case Channel::kSms:
      return "SMS";
  }
  return "contact";
}

// A string member of a JSON object, or "".
std::string_view StringAt(const json::object* object, std::string_view key) {
  const json::value* value = object ? object->if_contains(key) : nullptr;
  return value && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

// "segment, priority": the keys of an update's merge patch.
std::string PatchedKeys(const json::object* change) {
  const json::value* patch = change ? change->if_contains("patch") : nullptr;
  std::string out;
  if (!patch || !patch->is_object()) return out;
  for (const auto& [key, value] : patch->get_object()) {
    out += (out.empty() ? "" : ", ") + std::string(key);
  }
  return out;
}

std::string WithDetail(std::string head, std::string_view detail) {
  if (!detail.empty()) head += ": " + std::string(detail);
  return head;
}

}  // namespace

std::string InteractionSummary(const Interaction& interaction) {
  const std::string subject = Clip(interaction.subject.value_or(""));
  if (interaction.kind == domain::InteractionKind::kNote) return WithDetail("Note", subject);
  std::string out = Capitalized(std::string(domain::Name(interaction.direction))) + " " +
                    std::string(Noun(interaction.channel));
  if (interaction.outcome) out += ", " + Words(domain::Name(*interaction.outcome));
  const bool live = interaction.channel == Channel::kPhone || interaction.channel == Channel::kChat;
  if (live && interaction.answered_at && interaction.ended_at) {
    out += " (" + Duration(interaction.ended_at->ms - interaction.answered_at->ms) + ")";
  }
  return WithDetail(std::move(out), subject);
}

std::string EventSummary(const Event& event, const json::value& change,
                         std::string_view case_subject) {
  const json::object* c = change.if_object();
  const std::string id = "#" + std::to_string(event.entity_id);
  const std::string_view action = event.action;
  if (event.entity == "case") {
    std::string_view subject = case_subject.empty() ? StringAt(c, "subject") : case_subject;
    std::string name = "Case " + id + (subject.empty() ? "" : " \"" + Clip(subject) + "\"");
    if (action == "created") return name + " opened";
    if (action == "status_changed") {
      return name + ": " + Words(StringAt(c, "from")) + " → " + Words(StringAt(c, "to"));
    }
    if (action == "sla_warning" || action == "sla_breached") {
      return name + ": " + Words(StringAt(c, "metric")) + " SLA " +
             (action == "sla_warning" ? "warning" : "breached");
    }
    if (action == "updated") return WithDetail(name + " updated", PatchedKeys(c));
  } else if (event.entity == "agreement") {
    if (action == "created") {
      std::string_view kind = StringAt(c, "kind");
      std::string name = Capitalized(kind.empty() ? std::string("agreement")
                                                  : std::string(kind) + " agreement");
      std::string_view start = StringAt(c, "start_date");
      return WithDetail(name + " " + id + " created",
                        start.empty() ? std::string()
                                      : std::string(start) + " to " +
                                            std::string(StringAt(c, "end_date")));
    }
    if (action == "updated") return WithDetail("Agreement " + id + " updated", PatchedKeys(c));
  } else if (event.entity == "account") {
    if (action == "created") return WithDetail("Account created", Clip(StringAt(c, "name")));
    if (action == "updated") return WithDetail("Account updated", PatchedKeys(c));
  } else if (event.entity == "person") {
    if (action == "created") {
      std::string who = Clip(StringAt(c, "name"));
      std::string_view role = StringAt(c, "role");
      if (!role.empty() && role != "end_user") who += " (" + Words(role) + ")";
      return WithDetail("Person added", who);
    }
    if (action == "updated") return WithDetail("Person " + id + " updated", PatchedKeys(c));
  }
  // Anything else — escalation steps, signals, kinds yet to come — generically.
  std::string out = Capitalized(Words(event.entity)) + " " + id + " " + Words(action);
  if (!StringAt(c, "from").empty() || !StringAt(c, "to").empty()) {
    return out + ": " + Words(StringAt(c, "from")) + " → " + Words(StringAt(c, "to"));
  }
  return WithDetail(std::move(out), PatchedKeys(c));
}

// ---- the use cases ----------------------------------------------------------------------

namespace {

std::unexpected<Error> NotFound(std::string_view entity, Id id) {
  return Fail(ErrorCode::kNotFound, std::string(entity) + " " + std::to_string(id) + " not found");
}

// Records read once per request, for visibility and summaries.
template <domain::Entity T>
class Loaded {
 public:
  // The record, or nullptr when there is none.
  Result<const T*> Find(Session& s, Id id) {
    auto it = found_.find(id);
    if (it == found_.end()) {
      auto got = store::Get<T>(s, id);
      if (!got) return std::unexpected(got.error());
      it = found_.emplace(id, std::move(*got)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::map<Id, std::optional<T>> found_;
};

struct Lookups {
  Loaded<Case> cases;
  Loaded<domain::Agreement> agreements;
};

template <domain::Entity T>
Result<bool> Visible(Session& s, Loaded<T>& loaded, const Principal& who, Id id) {
  auto found = loaded.Find(s, id);
  if (!found) return std::unexpected(found.error());
  return *found && CanSee(who, **found);
}

// Whether the caller may see an event of the account (visibility.hpp's rule).
Result<bool> MaySee(Session& s, Lookups& lookups, const Principal& who, const Event& event) {
  return MaySeeAccountEvent(who, event, [&](std::string_view table, Id id) {
    return table == "cases" ? Visible(s, lookups.cases, who, id)
                            : Visible(s, lookups.agreements, who, id);
  });
}

// Drops from an event's change (a record, or {"patch": ...}) the fields of T the caller
// may not see on a record belonging to `owner`.
template <domain::Entity T>
void RedactChange(const Principal& who, std::optional<Id> owner, json::value& change) {
  if (!who.IsVendorAgent()) return;
  auto redact = [&](json::value* value) {
    if (!value || !value->is_object()) return;
    domain::ForEachField<T>([&](const auto& field) {
      if (!DetailVisible(who, field.flags, owner)) value->get_object().erase(field.name);
    });
  };
  redact(&change);
  if (change.is_object()) redact(change.get_object().if_contains("patch"));
}

// Which part of an account's history a timeline shows.
struct Scope {
  Id account_id = 0;
  store::Condition interactions;                     // the interactions: the account's or a person's
  std::vector<std::pair<std::string, Id>> records;  // the events: of these records; empty: all
};

Result<std::vector<TimelineEntry>> ReadInteractions(Session& s, const Scope& scope,
                                                    const TimelineParams& params) {
  std::vector<TimelineEntry> out;
  if (params.kinds && !params.kinds->contains("interaction")) return out;
  store::Query query;
  query.where = {scope.interactions};
  query.limit = params.limit + 1;
  query.newest_by = "arrived_at";
  if (params.cursor) {
    auto [at, id] = StreamBound(TimelineSource::kInteraction, *params.cursor);
    query.before = std::pair{store::SqlValue(at.ms), id};
  }
  auto rows = store::List<Interaction>(s, query);
  if (!rows) return std::unexpected(rows.error());
  out.reserve(rows->size());
  for (Interaction& interaction : *rows) {
    TimelinePosition position{interaction.arrived_at, TimelineSource::kInteraction,
                              interaction.meta.id};
    out.push_back({position, std::move(interaction)});
  }
  return out;
}

Result<std::vector<TimelineEntry>> ReadEvents(Session& s, Lookups& lookups, const Principal& who,
                                              const Scope& scope, const TimelineParams& params) {
  std::vector<TimelineEntry> out;
  store::AccountEventsQuery query{.account_id = scope.account_id,
                                  .records = scope.records,
                                  .limit = params.limit + 1};
  if (params.kinds) {
    for (const std::string& kind : *params.kinds) {
      if (kind != "interaction") query.entities.push_back(kind);
    }
    if (query.entities.empty()) return out;
  }
  if (params.cursor) query.before = StreamBound(TimelineSource::kEvent, *params.cursor);
  const std::size_t wanted = static_cast<std::size_t>(params.limit) + 1;
  while (true) {
    auto events = s.EventsOfAccount(query);
    if (!events) return std::unexpected(events.error());
    if (events->empty()) return out;
    const std::pair last{events->back().at, events->back().sequence};
    const bool exhausted = static_cast<std::int64_t>(events->size()) < query.limit;
    for (Event& event : *events) {
      auto visible = MaySee(s, lookups, who, event);
      if (!visible) return std::unexpected(visible.error());
      if (!*visible) continue;
      TimelinePosition position{event.at, TimelineSource::kEvent, event.sequence};
      out.push_back({position, std::move(event)});
      if (out.size() == wanted) return out;
    }
    if (exhausted) return out;
    // Events the caller may not see were skipped: read on, in larger batches.
    query.before = last;
    query.limit = std::min<std::int64_t>(query.limit * 4, 2000);
  }
}

json::object InteractionItem(const Principal& who, const Interaction& interaction) {
  json::value presented = Present(who, interaction);
  const json::object& shown = presented.as_object();
  const json::value* agent = shown.if_contains("agent_id");
  json::object item{{"kind", "interaction"},
                    {"at", FormatRfc3339(interaction.arrived_at)},
                    {"entity", "interaction"},
                    {"entity_id", interaction.meta.id},
                    {"actor_id", agent ? *agent : json::value(nullptr)},
                    {"summary", InteractionSummary(interaction)}};
  // What a vendor agent may not see of another vendor's interaction is not in `shown`.
  for (std::string_view key : {"channel", "direction", "outcome", "subject", "category",
                               "queue_id", "vendor_id", "case_id", "person_id", "answered_at",
                               "ended_at", "participants", "body", "tags"}) {
    if (const json::value* value = shown.if_contains(key)) item[key] = *value;
  }
  item["interaction_kind"] = shown.at("kind");
  item["visibility"] = shown.contains("visibility") ? "summary" : "full";
  return item;
}

Result<json::object> EventItem(Session& s, Lookups& lookups, const Principal& who,
                               const Event& event) {
  boost::system::error_code ec;
  json::value change = json::parse(event.change, ec);
  if (ec) change = json::string(event.change);
  std::string subject;
  bool vendors_own = false;  // a vendor agent's own vendor's record
  if (event.entity == "case") {
    auto kase = lookups.cases.Find(s, event.entity_id);
    if (!kase) return std::unexpected(kase.error());
    if (*kase) {
      subject = (*kase)->subject;
      vendors_own = who.IsVendorAgent() && (*kase)->vendor_id == who.vendor_id;
      RedactChange<Case>(who, (*kase)->vendor_id, change);
    }
  } else if (event.entity == "account") {
    RedactChange<Account>(who, std::nullopt, change);
  } else if (event.entity == "person") {
    RedactChange<domain::Person>(who, std::nullopt, change);
  } else if (event.entity == "signal" && who.IsVendorAgent() && change.is_object()) {
    change.as_object().erase("related_cases");  // may name other vendors' cases
  }
  // Who changed the account or its people is in-house business; a vendor agent sees the
  // actors of its own vendor's cases' events only.
  const bool actor_shown = !who.IsVendorAgent() || vendors_own;
  json::object item{{"kind", event.entity},
                    {"at", FormatRfc3339(event.at)},
                    {"entity", event.entity},
                    {"entity_id", event.entity_id},
                    {"sequence", event.sequence},
                    {"action", event.action},
                    {"actor_id", actor_shown ? json::value(event.actor_id) : json::value(nullptr)},
                    {"summary", EventSummary(event, change, subject)}};
  item["change"] = std::move(change);
  return item;
}

// ---- the header: what an agent needs at a glance ----------------------------------------

// Each part comes from one function, so that what is still to come is one call each: the
// account's active escalation (escalations) and its live signals (the signal index).
struct HeaderParts {
  json::object account;
  json::value owner = nullptr;
  std::int64_t open_cases = 0;
  std::optional<Instant> last_contact_at;
  json::value active_escalation = nullptr;  // escalations: the open one of the account
  json::array signals;                      // the signal index: the account's live signals
  bool signals_loaded = true;               // … false while it loads after start-up

  json::object Json() && {
    json::object out = std::move(account);
    out["owner"] = std::move(owner);
    out["open_cases"] = open_cases;
    out["last_contact_at"] =
        last_contact_at ? json::value(FormatRfc3339(*last_contact_at)) : json::value(nullptr);
    out["active_escalation"] = std::move(active_escalation);
    out["signals"] = std::move(signals);
    out["signals_loaded"] = signals_loaded;
    return out;
  }
};

// The account's standing as the caller may see it (a vendor agent: without its money).
json::object AtAGlance(const Principal& who, const Account& account) {
  json::value shown = Present(who, account);
  json::object out{{"account_id", account.meta.id}};
  for (std::string_view key : {"name", "segment", "priority", "customer_since", "time_zone",
                               "annual_value_minor", "currency"}) {
    if (const json::value* value = shown.as_object().if_contains(key)) out[key] = *value;
  }
  if (!out.contains("annual_value_minor")) out.erase("currency");
  return out;
}

// {"id", "name"}; the name only when the caller may see that user.
Result<json::value> OwnerOf(Session& s, const Principal& who, std::optional<Id> owner_id) {
  if (!owner_id) return json::value(nullptr);
  json::object owner{{"id", *owner_id}};
  auto user = store::Get<domain::User>(s, *owner_id);
  if (!user) return std::unexpected(user.error());
  if (*user && CanSee(who, **user)) owner["name"] = (*user)->name;
  return json::value(std::move(owner));
}

// Cases of the account not resolved or closed (a vendor agent: of its own vendor).
Result<std::int64_t> OpenCases(Session& s, const Principal& who, Id account_id) {
  std::int64_t count = 0;
  for (auto status : {domain::CaseStatus::kNew, domain::CaseStatus::kOpen,
                      domain::CaseStatus::kPendingCustomer, domain::CaseStatus::kPendingInternal}) {
    std::vector<store::Condition> where = ScopeConditions<Case>(who);
    where.push_back({"account_id", store::Condition::Op::kEq, account_id});
    where.push_back({"status", store::Condition::Op::kEq, std::string(domain::Name(status))});
    auto cases = store::All<Case>(s, std::move(where));
    if (!cases) return std::unexpected(cases.error());
    count += static_cast<std::int64_t>(cases->size());
  }
  return count;
}

// When the account was last in contact with us: its newest contact (not a note).
Result<std::optional<Instant>> LastContact(Session& s, Id account_id) {
  store::Query query;
  query.where = {{"account_id", store::Condition::Op::kEq, account_id},
                 {"kind", store::Condition::Op::kEq,
                  std::string(domain::Name(domain::InteractionKind::kContact))}};
  query.limit = 1;
  query.newest_by = "arrived_at";
  auto newest = store::List<Interaction>(s, query);
  if (!newest) return std::unexpected(newest.error());
  if (newest->empty()) return std::optional<Instant>{};
  return std::optional(newest->front().arrived_at);
}

// The account's escalation still being worked (not closed or reviewed; the newest when
// there are several) as {"id", "title", "stage", "severity", "owner_id"}; null when there
// is none, and for a vendor agent, who never sees escalations.
Result<json::value> ActiveEscalation(Session& s, const Principal& who, Id account_id) {
  if (who.IsVendorAgent()) return json::value(nullptr);
  auto escalations = store::All<domain::Escalation>(
      s, {{"account_id", store::Condition::Op::kEq, account_id}});
  if (!escalations) return std::unexpected(escalations.error());
  for (auto it = escalations->rbegin(); it != escalations->rend(); ++it) {
    if (it->stage == domain::EscalationStage::kClosed || it->stage == domain::EscalationStage::kReviewed) {
      continue;
    }
    return json::value(json::object{{"id", it->meta.id},
                                    {"title", it->title},
                                    {"stage", domain::Name(it->stage)},
                                    {"severity", domain::Name(it->severity)},
                                    {"owner_id", it->owner_id}});
  }
  return json::value(nullptr);
}

Result<json::object> Header(Session& s, const Principal& who, const Account& account,
                            const SignalIndex& signals) {
  HeaderParts parts;
  parts.account = AtAGlance(who, account);
  auto owner = OwnerOf(s, who, account.owner_id);
  if (!owner) return std::unexpected(owner.error());
  parts.owner = std::move(*owner);
  auto open = OpenCases(s, who, account.meta.id);
  if (!open) return std::unexpected(open.error());
  parts.open_cases = *open;
  auto last = LastContact(s, account.meta.id);
  if (!last) return std::unexpected(last.error());
  parts.last_contact_at = *last;
  parts.signals_loaded = signals.loaded();
  for (const signals::Signal& signal :
       signals.Live(who, {account.meta.id, std::nullopt, std::nullopt, std::nullopt})) {
    parts.signals.push_back(SignalJson(signal));
  }
  auto escalation = ActiveEscalation(s, who, account.meta.id);
  if (!escalation) return std::unexpected(escalation.error());
  parts.active_escalation = std::move(*escalation);
  return std::move(parts).Json();
}

// One page: the scope's interactions and events after the cursor, merged and rendered.
Result<json::value> Page(Session& s, const Principal& who, const Scope& scope,
                         const TimelineParams& params, json::object header) {
  Lookups lookups;
  auto interactions = ReadInteractions(s, scope, params);
  if (!interactions) return std::unexpected(interactions.error());
  auto events = ReadEvents(s, lookups, who, scope, params);
  if (!events) return std::unexpected(events.error());
  MergedPage page = MergeNewestFirst(std::move(*interactions), std::move(*events),
                                     static_cast<std::size_t>(params.limit));
  json::array items;
  items.reserve(page.entries.size());
  for (const TimelineEntry& entry : page.entries) {
    if (const auto* interaction = std::get_if<Interaction>(&entry.record)) {
      items.push_back(InteractionItem(who, *interaction));
      continue;
    }
    auto item = EventItem(s, lookups, who, std::get<Event>(entry.record));
    if (!item) return std::unexpected(item.error());
    items.push_back(std::move(*item));
  }
  return json::object{{"header", std::move(header)},
                      {"items", std::move(items)},
                      {"next_cursor", page.next ? json::value(FormatTimelineCursor(*page.next))
                                                : json::value(nullptr)}};
}

// Runs `fn` in one reader snapshot and answers what it produced.
template <class F>
Result<json::value> InSnapshot(store::Store& store, F fn) {
  json::value answer;
  auto read = store.Read([&](Session& s) -> Result<void> {
    auto produced = fn(s);
    if (!produced) return std::unexpected(produced.error());
    answer = std::move(*produced);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return answer;
}

}  // namespace

Result<json::value> AccountTimeline(store::Store& store, const SignalIndex& signals,
                                    const Principal& who, Id account_id,
                                    const TimelineParams& params) {
  return InSnapshot(store, [&](Session& s) -> Result<json::value> {
    auto account = store::Get<Account>(s, account_id);
    if (!account) return std::unexpected(account.error());
    if (!*account || !CanSee(who, **account)) return NotFound("account", account_id);
    auto header = Header(s, who, **account, signals);
    if (!header) return std::unexpected(header.error());
    const Scope scope{account_id, {"account_id", store::Condition::Op::kEq, account_id}, {}};
    return Page(s, who, scope, params, std::move(*header));
  });
}

Result<json::value> PersonTimeline(store::Store& store, const SignalIndex& signals,
                                   const Principal& who, Id person_id,
                                   const TimelineParams& params) {
  return InSnapshot(store, [&](Session& s) -> Result<json::value> {
    auto person = store::Get<domain::Person>(s, person_id);
    if (!person) return std::unexpected(person.error());
    if (!*person || !CanSee(who, **person)) return NotFound("person", person_id);
    auto account = store::Get<Account>(s, (*person)->account_id);
    if (!account) return std::unexpected(account.error());
    if (!*account || !CanSee(who, **account)) return NotFound("person", person_id);
    auto header = Header(s, who, **account, signals);
    if (!header) return std::unexpected(header.error());
    (*header)["person"] = Present(who, **person);

    Scope scope{(*person)->account_id, {"person_id", store::Condition::Op::kEq, person_id}, {}};
    scope.records.emplace_back("person", person_id);
    auto requested = store::All<Case>(
        s, {{"requester_id", store::Condition::Op::kEq, person_id},
            {"account_id", store::Condition::Op::kEq, (*person)->account_id}});
    if (!requested) return std::unexpected(requested.error());
    for (const Case& kase : *requested) scope.records.emplace_back("case", kase.meta.id);
    return Page(s, who, scope, params, std::move(*header));
  });
}

}  // namespace rapport::app
