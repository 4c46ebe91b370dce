#include "app/analytics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "analytics/periods.hpp"
#include "analytics/service_level.hpp"
#include "app/ledger.hpp"
#include "app/report_params.hpp"
#include "app/scan.hpp"
#include "domain/json_codec.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using analytics::Dimension;
using domain::Channel;

namespace {


const std::vector<std::string_view> kInteractionColumns = {
    "id",       "channel",   "direction",  "kind",        "account_id",
    "case_id",  "queue_id",  "vendor_id",  "agent_id",    "category",
    "arrived_at", "answered_at", "ended_at", "outcome",   "wrap_up_seconds", "person_id"};
const std::vector<std::string_view> kCaseColumns = {
    "id", "account_id", "queue_id", "vendor_id", "assignee_id", "channel", "category", "status",
    "resolved_at", "requester_id"};
const std::vector<std::string_view> kAccountColumns = {"id", "segment"};
const std::vector<std::string_view> kSessionColumns = {"id",   "agent_id",   "queue_id", "vendor_id",
                                                       "kind", "started_at", "ended_at"};

// An interaction as the projection reads it (kInteractionColumns).
analytics::ContactFacts ContactOf(const store::ScanRow& r) {
  analytics::ContactFacts x;
  x.id = r.Int(0);
  x.channel = EnumOf<Channel>(r, 1);
  x.direction = EnumOf<domain::Direction>(r, 2);
  x.kind = EnumOf<domain::InteractionKind>(r, 3);
  x.account = OptionalId(r, 4);
  x.case_id = OptionalId(r, 5);
  x.queue = OptionalId(r, 6);
  x.vendor = OptionalId(r, 7);
  x.agent = OptionalId(r, 8);
  x.category = r.Text(9);
  x.arrived = Instant{r.Int(10)};
  x.answered = OptionalInstant(r, 11);
  x.ended = OptionalInstant(r, 12);
  if (!r.IsNull(13)) x.outcome = EnumOf<domain::Outcome>(r, 13);
  if (!r.IsNull(14)) x.wrap_up_seconds = r.Int(14);
  x.person = OptionalId(r, 15);
  return x;
}

domain::Case CaseOf(const store::ScanRow& r) {
  domain::Case c;
  c.meta.id = r.Int(0);
  c.account_id = r.Int(1);
  c.queue_id = OptionalId(r, 2);
  c.vendor_id = OptionalId(r, 3);
  c.assignee_id = OptionalId(r, 4);
  if (!r.IsNull(5)) c.channel = EnumOf<Channel>(r, 5);
  c.category = OptionalText(r, 6);
  c.status = EnumOf<domain::CaseStatus>(r, 7);
  c.resolved_at = OptionalInstant(r, 8);
  c.requester_id = OptionalId(r, 9);
  return c;
}

domain::AgentSession SessionOf(const store::ScanRow& r) {
  domain::AgentSession x;
  x.meta.id = r.Int(0);
  x.agent_id = r.Int(1);
  x.queue_id = OptionalId(r, 2);
  x.vendor_id = OptionalId(r, 3);
  x.kind = EnumOf<domain::AgentSessionKind>(r, 4);
  x.started_at = Instant{r.Int(5)};
  x.ended_at = OptionalInstant(r, 6);
  return x;
}

std::vector<std::string> SegmentNames(const analytics::Projection& p) {
  std::vector<std::string> names;
  for (std::uint32_t code = 0; code < p.segments.names().size(); ++code) {
    names.emplace_back(p.segments.names().Name(code));
  }
  return names;
}


}  // namespace

struct Analytics::Changes {
  std::vector<analytics::ContactFacts> interactions;
  std::vector<domain::Case> cases;
  std::vector<std::pair<Id, std::string>> accounts;
  std::vector<domain::AgentSession> sessions;
};

Analytics::Analytics(store::Store& store)
    : store_(store),
      feed_("rapport-analyti", [this](ChangedIds ids) { ReadAndApply(std::move(ids)); }) {}

std::shared_lock<std::shared_mutex> Analytics::Current() const {
  (void)feed_.CatchUp(std::chrono::seconds(2));
  return std::shared_lock(mutex_);
}

std::size_t Analytics::contact_count() const {
  auto lock = Current();
  return projection_.contacts.size();
}

void Analytics::ChangedIds::Merge(ChangedIds other) {
  for (auto [list, more] : {std::pair{&interactions, &other.interactions}, {&cases, &other.cases},
                            {&accounts, &other.accounts}, {&sessions, &other.sessions}}) {
    list->insert(list->end(), more->begin(), more->end());
  }
}

Result<void> Analytics::Load() {
  analytics::Projection projection;
  std::int64_t sequence = 0;
  Id last_interaction = 0;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto last = s.LastEventSequence();
    if (!last) return std::unexpected(last.error());
    sequence = *last;
    auto accounts = s.Scan("accounts", kAccountColumns, 1, kLastId, [&](const store::ScanRow& r) {
      projection.segments.Set(r.Int(0), std::string(r.Text(1)));
    });
    if (!accounts) return accounts;
    auto cases = s.Scan("cases", kCaseColumns, 1, kLastId, [&](const store::ScanRow& r) {
      projection.cases.Upsert(CaseOf(r), projection.categories);
    });
    if (!cases) return cases;
    auto sessions = s.Scan("agent_sessions", kSessionColumns, 1, kLastId, [&](const store::ScanRow& r) {
      projection.sessions.Upsert(SessionOf(r));
    });
    if (!sessions) return sessions;
    auto max = s.MaxId("interactions");
    if (!max) return std::unexpected(max.error());
    last_interaction = *max;
    return {};
  });
  if (!read) return read;
  projection.contacts.Reserve(static_cast<std::size_t>(last_interaction));
  auto contacts = ReadChunked<analytics::ContactFacts>(
      store_, "interactions", kInteractionColumns, last_interaction, ScanThreads(), ContactOf,
      [&](auto& rows) {
        for (const auto& row : rows) projection.contacts.Upsert(row, projection.categories);
        return true;
      });
  if (!contacts) return contacts;
  std::unique_lock lock(mutex_);
  projection_ = std::move(projection);
  loaded_sequence_ = sequence;
  return {};
}

Result<void> Analytics::ReadInto(store::Session& s, Changes& changes, const ChangedIds& ids) const {
  const auto& [interactions, cases, accounts, sessions] = ids;
  if (auto r = ScanIds(s, "agent_sessions", kSessionColumns, sessions,
                       [&](const store::ScanRow& r) { changes.sessions.push_back(SessionOf(r)); });
      !r) {
    return r;
  }
  if (auto r = ScanIds(s, "interactions", kInteractionColumns, interactions,
                       [&](const store::ScanRow& r) { changes.interactions.push_back(ContactOf(r)); });
      !r) {
    return r;
  }
  if (auto r = ScanIds(s, "cases", kCaseColumns, cases,
                       [&](const store::ScanRow& r) { changes.cases.push_back(CaseOf(r)); });
      !r) {
    return r;
  }
  return ScanIds(s, "accounts", kAccountColumns, accounts, [&](const store::ScanRow& r) {
    changes.accounts.emplace_back(r.Int(0), std::string(r.Text(1)));
  });
}

void Analytics::Apply(Changes& changes) {
  std::unique_lock lock(mutex_);
  for (const auto& [id, segment] : changes.accounts) projection_.segments.Set(id, segment);
  for (const auto& x : changes.sessions) projection_.sessions.Upsert(x);
  for (const auto& c : changes.cases) projection_.cases.Upsert(c, projection_.categories);
  for (const auto& x : changes.interactions) projection_.contacts.Upsert(x, projection_.categories);
}

void Analytics::OnCommitted(const store::CommittedBatch& batch) {
  ChangedIds ids;
  for (const domain::Event& event : batch.events) {
    if (event.sequence <= loaded_sequence_) continue;
    // An import's batch names its first and last new id in one event.
    const auto [first, last] = IdsOf(event);
    if (event.entity == "interaction") {
      for (Id id = first; id <= last; ++id) ids.interactions.push_back(id);
    }
    if (event.entity == "case" && event.action != "sla_warning" && event.action != "sla_breached") {
      ids.cases.push_back(event.entity_id);
    }
    if (event.entity == "account") ids.accounts.push_back(event.entity_id);
    if (event.entity == "agent_session") {
      for (Id id = first; id <= last; ++id) ids.sessions.push_back(id);
    }
  }
  if (ids.interactions.empty() && ids.cases.empty() && ids.accounts.empty() && ids.sessions.empty()) {
    return;
  }
  feed_.Note(batch.events.back().sequence, std::move(ids));
}

void Analytics::ReadAndApply(ChangedIds ids) {
  for (auto* list : {&ids.interactions, &ids.cases, &ids.accounts, &ids.sessions}) {
    *list = SortedUnique(std::move(*list));
  }
  Changes changes;
  auto read = store_.Read([&](store::Session& s) { return ReadInto(s, changes, ids); });
  // The batch is committed; a failed read cannot undo it. It leaves the projection behind
  // until the next start, which the log says.
  if (!read) {
    spdlog::error("analytics: reading a committed batch failed: {}", read.error().message);
    return;
  }
  Apply(changes);
}

Result<json::value> Analytics::ServiceLevel(const Principal& who, const ReportParams& params,
                                            Instant now) const {
  ParamReader reader(params);
  auto common = reader.Common(who, now, {"vendor,channel,period"});
  const auto definitions = reader.Definitions();
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
  RAPPORT_CHECK(common.has_value());

  analytics::ReportRequest request;
  request.scope = common->scope;
  request.by = common->by;
  request.definitions = definitions;
  request.periods = &common->periods;
  request.threads = ScanThreads();
  Result<analytics::Report> report;
  std::vector<std::string> segment_names;
  {
    auto lock = Current();
    report = analytics::Aggregate(projection_, request);
    segment_names = SegmentNames(projection_);
  }
  if (!report) return std::unexpected(report.error());
  auto names = Names::Read(store_, report->by);
  if (!names) return std::unexpected(names.error());

  json::array groups;
  for (const analytics::Group& g : report->groups) {
    json::object group = names->Key(report->by, g.key, common->periods, segment_names);
    group["metrics"] = MetricsJson(g.tally);
    groups.push_back(std::move(group));
  }
  return json::object{{"report", "service_level"},
                      {"parameters", common->Json(definitions)},
                      {"groups", std::move(groups)},
                      {"total", MetricsJson(report->total)}};
}

}  // namespace rapport::app
