#include "app/importer.hpp"

#include <future>
#include <set>
#include <unordered_map>
#include <variant>

#include "ingest/csv.hpp"
#include "ingest/ndjson.hpp"
#include "ingest/queue_log.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {

using domain::AgentSession;
using domain::Interaction;
using ingest::Reject;
using store::Condition;
using store::Session;

// A Session that remembers the rows it read by id, and ids found to exist, for the
// duration of one reader snapshot: a batch of rows names the same few queues, agents,
// accounts and cases again and again. Records are never deleted and a snapshot does not
// change, so within it a remembered row is the stored row.
class CachingSession final : public Session {
 public:
  explicit CachingSession(Session& inner) : inner_(inner) {}

  Result<std::optional<store::Row>> SelectById(const store::TableSpec& spec, Id id) override {
    auto key = std::make_pair(spec.table, id);
    if (auto it = rows_.find(key); it != rows_.end()) return it->second;
    auto row = inner_.SelectById(spec, id);
    if (row) rows_.emplace(key, *row);
    return row;
  }
  Result<std::vector<store::Row>> Select(const store::TableSpec& spec,
                                         const store::Query& query) override {
    return inner_.Select(spec, query);
  }
  Result<void> Scan(std::string_view table, const std::vector<std::string_view>& columns,
                    Id first_id, Id last_id, const store::ScanFn& fn) override {
    return inner_.Scan(table, columns, first_id, last_id, fn);
  }
  Result<Id> MaxId(std::string_view table) override { return inner_.MaxId(table); }
  Result<bool> Exists(std::string_view table, Id id) override {
    auto key = std::make_pair(table, id);
    if (auto it = exists_.find(key); it != exists_.end()) return it->second;
    auto found = inner_.Exists(table, id);
    if (found) exists_.emplace(key, *found);
    return found;
  }
  Result<std::optional<Id>> FindId(std::string_view table,
                                   const std::vector<std::string_view>& columns,
                                   const store::Row& values) override {
    return inner_.FindId(table, columns, values);
  }
  Result<Id> Insert(const store::TableSpec& spec, const store::Row& row) override {
    return inner_.Insert(spec, row);
  }
  Result<void> Update(const store::TableSpec& spec, const store::Row& row) override {
    return inner_.Update(spec, row);
  }
  Result<std::int64_t> Delete(const store::TableSpec& spec,
                              const std::vector<store::Condition>& where) override {
    return inner_.Delete(spec, where);
  }
  Result<void> AppendEvent(domain::Event& event) override { return inner_.AppendEvent(event); }
  Result<std::vector<domain::Event>> EventsAfter(std::int64_t sequence,
                                                 std::int64_t limit) override {
    return inner_.EventsAfter(sequence, limit);
  }
  Result<std::vector<domain::Event>> EventsOf(std::string_view entity, Id entity_id) override {
    return inner_.EventsOf(entity, entity_id);
  }
  Result<std::vector<domain::Event>> EventsOfRange(std::string_view entity, Id first_id,
                                                   Id last_id) override {
    return inner_.EventsOfRange(entity, first_id, last_id);
  }
  Result<std::vector<domain::Event>> EventsOfAccount(
      const store::AccountEventsQuery& query) override {
    return inner_.EventsOfAccount(query);
  }
  Result<std::int64_t> LastEventSequence() override { return inner_.LastEventSequence(); }
  Result<std::vector<std::pair<std::string, std::string>>> ImportState(
      std::string_view source) override {
    return inner_.ImportState(source);
  }
  Result<void> PutImportState(std::string_view source, std::string_view key,
                              const std::optional<std::string>& state) override {
    return inner_.PutImportState(source, key, state);
  }
  Result<Id> InsertToken(Id user_id, const std::string& sha256, const std::string& label,
                         Instant at) override {
    return inner_.InsertToken(user_id, sha256, label, at);
  }
  Result<std::optional<Id>> UserIdForToken(const std::string& sha256) override {
    return inner_.UserIdForToken(sha256);
  }

 private:
  struct KeyHash {
    std::size_t operator()(const std::pair<std::string_view, Id>& k) const {
      return std::hash<std::string_view>()(k.first) * 31 + std::hash<Id>()(k.second);
    }
  };
  Session& inner_;
  std::unordered_map<std::pair<std::string_view, Id>, std::optional<store::Row>, KeyHash> rows_;
  std::unordered_map<std::pair<std::string_view, Id>, bool, KeyHash> exists_;
};

// "field: message; field: message", or the message when no field is named.
std::string Reason(const Error& error) {
  if (error.code == ErrorCode::kConflict || error.fields.empty()) {
    return error.message;
  }
  std::string out;
  for (const auto& f : error.fields) {
    if (!out.empty()) out += "; ";
    out += f.field.empty() ? f.message : f.field + ": " + f.message;
  }
  return out;
}

// Whether an error belongs to one row (reported as its reject) rather than to the import.
bool IsRowError(const Error& error) {
  return error.code == ErrorCode::kInvalid || error.code == ErrorCode::kConflict ||
         error.code == ErrorCode::kNotFound;
}

// The email of an agent created from a queue_log name: a readable slug plus a hash of the
// exact name (two names with the same slug stay apart). ".invalid" cannot receive mail.
std::string AgentEmail(std::string_view name) {
  std::string slug;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      slug.push_back(static_cast<char>(std::tolower(u)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "agent";
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return slug + "-" + hex + "@queue-log.invalid";
}

// A row read and not yet checked.
struct Pending {
  std::int64_t line = 0;
  std::variant<ingest::InteractionRow, ingest::AgentInterval> row;
};

// A row checked and rendered, for the writer.
struct Item {
  std::int64_t line = 0;
  std::variant<PreparedCreate<Interaction>, PreparedCreate<AgentSession>> prepared;
};

// One transaction's worth of rows, and what the writer made of them.
struct Batch {
  std::vector<Item> items;
  std::string source;
  std::vector<std::pair<std::string, std::optional<std::string>>> state;  // last batch
  std::int64_t imported = 0;
  std::int64_t duplicates = 0;
  std::vector<Reject> rejects;
  std::promise<Result<void>> done;
};

}  // namespace

std::optional<ImportKind> ImportKindFromName(std::string_view name) {
  if (name == "csv") return ImportKind::kCsv;
  if (name == "ndjson") return ImportKind::kNdjson;
  if (name == "queue-log" || name == "queue_log") return ImportKind::kQueueLog;
  return std::nullopt;
}

json::object SummaryJson(ImportKind kind, const ImportSummary& s) {
  json::object out{{"lines", s.lines},
                   {"imported", s.imported},
                   {"duplicates", s.duplicates},
                   {"rejected", s.rejected}};
  if (kind == ImportKind::kQueueLog) {
    out["calls"] = s.calls;
    out["agent_sessions"] = s.agent_sessions;
    out["open_calls"] = s.open_calls;
    out["queues_created"] = s.queues_created;
    out["agents_created"] = s.agents_created;
    json::object unknown;
    for (const auto& [name, count] : s.unknown_events) unknown[name] = count;
    out["unknown_events"] = std::move(unknown);
  }
  return out;
}

struct Importer::Impl {
  store::Store& store;
  const Ledger& ledger;
  Principal who;
  ImportOptions options;
  std::optional<ingest::CsvReader> csv;
  std::optional<ingest::NdjsonReader> ndjson;
  std::optional<ingest::QueueLogReader> queue_log;
  std::set<std::string> restored_keys;  // queue_log state keys as the import found them

  ImportSummary summary;
  std::int64_t parse_rejects = 0;
  std::vector<Pending> pending;
  std::shared_ptr<Batch> in_flight;
  std::optional<Error> failure;  // fatal: every later call fails with it

  // Names resolved so far (positive answers only: a name may appear while we import).
  std::unordered_map<std::string, Id> queue_ids;
  std::unordered_map<std::string, Id> agent_ids;

  Impl(store::Store& s, const Ledger& l, Principal w, ImportOptions o)
      : store(s), ledger(l), who(w), options(std::move(o)) {}

  void RejectRow(Reject reject) {
    ++summary.rejected;
    if (options.on_reject) options.on_reject(reject);
  }

  // ---- names ------------------------------------------------------------------------

  // The one queue named `name`; kNotFound/kInvalid name the problem for the row.
  static Result<std::optional<Id>> FindQueue(Session& s, const std::string& name) {
    auto found = store::List<domain::Queue>(
        s, store::Query{{Condition{"name", Condition::Op::kEq, name}}, std::nullopt, 2});
    if (!found) return std::unexpected(found.error());
    if (found->empty()) return std::optional<Id>{};
    if (found->size() > 1) {
      return Fail(ErrorCode::kInvalid, "ambiguous queue name",
                  {{"queue", "'" + name + "' names more than one queue; give queue_id"}});
    }
    return std::optional<Id>{found->front().meta.id};
  }

  // The agent whose email or name is `name`.
  static Result<std::optional<Id>> FindAgent(Session& s, const std::string& name) {
    for (std::string_view column : {"email", "name"}) {
      auto found = store::List<domain::User>(
          s, store::Query{{Condition{column, Condition::Op::kEq, name},
                           Condition{"is_agent", Condition::Op::kEq, std::int64_t{1}}},
                          std::nullopt,
                          2});
      if (!found) return std::unexpected(found.error());
      if (found->size() > 1) {
        return Fail(ErrorCode::kInvalid, "ambiguous agent name",
                    {{"agent", "'" + name + "' names more than one agent; give agent_id"}});
      }
      if (!found->empty()) return std::optional<Id>{found->front().meta.id};
    }
    return std::optional<Id>{};
  }

  Result<std::optional<Id>> ResolveQueue(Session& s, const std::string& name) {
    if (auto it = queue_ids.find(name); it != queue_ids.end()) return std::optional(it->second);
    auto id = FindQueue(s, name);
    if (id && *id) queue_ids.emplace(name, **id);
    return id;
  }

  Result<std::optional<Id>> ResolveAgent(Session& s, const std::string& name) {
    if (auto it = agent_ids.find(name); it != agent_ids.end()) return std::optional(it->second);
    auto id = FindAgent(s, name);
    if (id && *id) agent_ids.emplace(name, **id);
    return id;
  }

  // queue_log: the queue or agent named `name`, created when there is none — through the
  // ledger's write path, with its event. Looked up again inside the write, so that two
  // imports never create the same name twice.
  Result<void> EnsureQueueLogNames(const std::vector<std::string>& queues,
                                   const std::vector<std::string>& agents) {
    if (queues.empty() && agents.empty()) return {};
    std::int64_t queues_made = 0, agents_made = 0;
    std::vector<std::pair<std::string, Id>> queue_found, agent_found;
    auto written = store.WriteAndWait([&](Session& s) -> Result<void> {
      queues_made = agents_made = 0;
      queue_found.clear();
      agent_found.clear();
      const Instant now = Now();
      for (const auto& name : queues) {
        auto id = FindQueue(s, name);
        if (!id) return std::unexpected(id.error());
        if (!*id) {
          domain::Queue queue;
          queue.name = name;
          queue.channel = domain::Channel::kPhone;
          queue.vendor_id = options.vendor_id;
          auto prepared = ledger.PrepareCreate(s, who, std::move(queue), now, CreateMode::kRecord);
          if (!prepared) return std::unexpected(prepared.error());
          auto created = ledger.CreateIn(s, who, *prepared);
          if (!created) return std::unexpected(created.error());
          *id = prepared->record.meta.id;
          ++queues_made;
        }
        queue_found.emplace_back(name, **id);
      }
      for (const auto& name : agents) {
        auto id = FindAgent(s, name);
        if (!id) return std::unexpected(id.error());
        const std::string email = AgentEmail(name);
        if (!*id) {
          id = FindAgent(s, email);
          if (!id) return std::unexpected(id.error());
        }
        if (!*id) {
          domain::User user;
          user.name = name;
          user.email = email;
          user.is_agent = true;
          user.role = options.vendor_id ? domain::Role::kVendorAgent : domain::Role::kAgent;
          user.vendor_id = options.vendor_id;
          auto prepared = ledger.PrepareCreate(s, who, std::move(user), now, CreateMode::kRecord);
          if (!prepared) return std::unexpected(prepared.error());
          auto created = ledger.CreateIn(s, who, *prepared);
          if (!created) return std::unexpected(created.error());
          *id = prepared->record.meta.id;
          ++agents_made;
        }
        agent_found.emplace_back(name, **id);
      }
      return {};
    });
    if (!written) return written;
    for (auto& [name, id] : queue_found) queue_ids.emplace(name, id);
    for (auto& [name, id] : agent_found) agent_ids.emplace(name, id);
    summary.queues_created += queues_made;
    summary.agents_created += agents_made;
    return {};
  }

  // ---- batches ----------------------------------------------------------------------

  // Resolves names and checks the first `count` pending rows in one reader snapshot.
  Result<std::shared_ptr<Batch>> PrepareBatch(std::size_t count) {
    std::vector<Pending> rest;
    if (count < pending.size()) {
      rest.assign(std::make_move_iterator(pending.begin() + static_cast<std::ptrdiff_t>(count)),
                  std::make_move_iterator(pending.end()));
      pending.resize(count);
    }
    auto batch = PrepareRows();
    pending = std::move(rest);
    return batch;
  }

  Result<std::shared_ptr<Batch>> PrepareRows() {
    auto batch = std::make_shared<Batch>();
    batch->source = options.source;
    batch->items.reserve(pending.size());
    if (options.kind == ImportKind::kQueueLog) {
      std::set<std::string> queues, agents;
      for (const auto& p : pending) {
        if (const auto* row = std::get_if<ingest::InteractionRow>(&p.row)) {
          if (row->queue_name && !queue_ids.contains(*row->queue_name)) queues.insert(*row->queue_name);
          if (row->agent_name && !agent_ids.contains(*row->agent_name)) agents.insert(*row->agent_name);
        } else {
          const auto& interval = std::get<ingest::AgentInterval>(p.row);
          if (interval.queue_name && !queue_ids.contains(*interval.queue_name)) {
            queues.insert(*interval.queue_name);
          }
          if (!agent_ids.contains(interval.agent_name)) agents.insert(interval.agent_name);
        }
      }
      if (auto r = EnsureQueueLogNames({queues.begin(), queues.end()}, {agents.begin(), agents.end()});
          !r) {
        return std::unexpected(r.error());
      }
    }
    std::vector<Reject> rejects;
    const Instant now = Now();
    auto read = store.Read([&](Session& raw) -> Result<void> {
      CachingSession s(raw);
      for (auto& p : pending) {
        auto item = PrepareRow(s, p, now);
        if (item) {
          batch->items.push_back(std::move(*item));
        } else if (IsRowError(item.error())) {
          rejects.push_back({p.line, Reason(item.error())});
        } else {
          return std::unexpected(item.error());
        }
      }
      return {};
    });
    if (!read) return std::unexpected(read.error());
    pending.clear();
    for (auto& r : rejects) RejectRow(std::move(r));
    return batch;
  }

  Result<Item> PrepareRow(Session& s, Pending& p, Instant now) {
    if (auto* row = std::get_if<ingest::InteractionRow>(&p.row)) {
      Interaction record = std::move(row->record);
      FieldErrors errors;
      if (row->queue_name) {
        auto id = ResolveQueue(s, *row->queue_name);
        if (!id) return std::unexpected(id.error());
        if (*id) {
          record.queue_id = *id;
        } else {
          errors.Add("queue", "no queue is named '" + *row->queue_name + "'");
        }
      }
      if (row->agent_name) {
        auto id = ResolveAgent(s, *row->agent_name);
        if (!id) return std::unexpected(id.error());
        if (*id) {
          record.agent_id = *id;
        } else {
          errors.Add("agent", "no agent has the name or email '" + *row->agent_name + "'");
        }
      }
      if (!errors.empty()) return std::unexpected(errors.ToError());
      auto prepared = ledger.PrepareCreate(s, who, std::move(record), now, CreateMode::kBulk);
      if (!prepared) return std::unexpected(prepared.error());
      return Item{p.line, std::move(*prepared)};
    }
    auto& interval = std::get<ingest::AgentInterval>(p.row);
    AgentSession session;
    session.source = options.source;
    session.external_id = interval.external_id;
    session.kind = interval.kind;
    session.started_at = interval.started;
    session.ended_at = interval.ended;
    session.reason = interval.reason;
    auto agent = ResolveAgent(s, interval.agent_name);
    if (!agent) return std::unexpected(agent.error());
    if (!*agent) {
      return Fail(ErrorCode::kInvalid, "unknown agent",
                  {{"agent", "no agent has the name '" + interval.agent_name + "'"}});
    }
    session.agent_id = **agent;
    if (interval.queue_name) {
      auto queue = ResolveQueue(s, *interval.queue_name);
      if (!queue) return std::unexpected(queue.error());
      if (!*queue) {
        return Fail(ErrorCode::kInvalid, "unknown queue",
                    {{"queue", "no queue is named '" + *interval.queue_name + "'"}});
      }
      session.queue_id = *queue;
    }
    auto prepared = ledger.PrepareCreate(s, who, std::move(session), now, CreateMode::kBulk);
    if (!prepared) return std::unexpected(prepared.error());
    return Item{p.line, std::move(*prepared)};
  }

  // Waits for the batch being written and takes in what became of its rows.
  Result<void> Collect() {
    if (!in_flight) return {};
    auto batch = std::move(in_flight);
    in_flight.reset();
    auto result = batch->done.get_future().get();
    if (!result) return result;
    summary.imported += batch->imported;
    summary.duplicates += batch->duplicates;
    for (auto& r : batch->rejects) RejectRow(std::move(r));
    return {};
  }

  // Hands `batch` to the store's writer; returns at once (the write overlaps reading).
  void Submit(std::shared_ptr<Batch> batch) {
    in_flight = batch;
    const Ledger* l = &ledger;
    Principal w = who;
    store.Write(
        [l, w, batch](Session& s) -> Result<void> {
          batch->imported = batch->duplicates = 0;
          batch->rejects.clear();
          // The new rows of each entity: one writer inserts them in turn, so their ids
          // run without gaps from the first to the last.
          ImportedIds interactions{.source = batch->source}, sessions{.source = batch->source};
          for (auto& item : batch->items) {
            ImportedIds* ids = nullptr;
            auto created = std::visit(
                [&](auto& prepared) {
                  ids = std::is_same_v<std::decay_t<decltype(prepared)>, PreparedCreate<Interaction>>
                            ? &interactions
                            : &sessions;
                  auto result = l->CreateIn(s, w, prepared);
                  if (result && !result->already_existed) {
                    if (ids->count++ == 0) {
                      ids->first_id = prepared.record.meta.id;
                      ids->first_line = item.line;
                    }
                    ids->last_id = prepared.record.meta.id;
                    ids->last_line = item.line;
                  }
                  return result;
                },
                item.prepared);
            if (created) {
              ++(created->already_existed ? batch->duplicates : batch->imported);
            } else if (IsRowError(created.error())) {
              batch->rejects.push_back({item.line, Reason(created.error())});
            } else {
              return std::unexpected(created.error());
            }
          }
          const Instant at = Now();
          for (const auto& [entity, ids] : {std::pair{"interaction", &interactions},
                                            std::pair{"agent_session", &sessions}}) {
            if (ids->count == 0) continue;
            RAPPORT_CHECK(ids->last_id - ids->first_id + 1 == ids->count);
            domain::Event event = ImportedEvent(entity, *ids, w.user_id, at);
            if (auto r = s.AppendEvent(event); !r) return r;
          }
          for (const auto& [key, text] : batch->state) {
            if (auto r = s.PutImportState(batch->source, key, text); !r) return r;
          }
          return {};
        },
        [batch](Result<void> r) { batch->done.set_value(std::move(r)); });
  }

  Result<void> Flush(bool last) {
    auto batch = PrepareBatch(last ? pending.size() : options.batch_rows);
    if (!batch) return std::unexpected(batch.error());
    if (last && queue_log) {
      std::set<std::string> open;
      summary.open_calls = 0;
      for (auto& [key, text] : queue_log->Unfinished()) {
        if (key.starts_with("call:")) ++summary.open_calls;
        open.insert(key);
        (*batch)->state.emplace_back(key, std::move(text));
      }
      for (const auto& key : restored_keys) {
        if (!open.contains(key)) (*batch)->state.emplace_back(key, std::nullopt);
      }
    }
    if (auto r = Collect(); !r) return r;
    Submit(std::move(*batch));
    if (last) return Collect();
    return {};
  }

  // ---- reading ----------------------------------------------------------------------

  void Count() {
    if (csv) {
      summary.lines = csv->lines_read();
    } else if (ndjson) {
      summary.lines = ndjson->lines_read();
    } else {
      const auto& c = queue_log->counts();
      summary.lines = c.lines;
      summary.calls = c.calls;
      summary.agent_sessions = c.sessions;
      summary.unknown_events = c.unknown_events;
    }
  }

  Result<void> Read(std::string_view chunk, bool end) {
    auto on_row = [this](ingest::InteractionRow row) {
      std::int64_t line = row.line;
      pending.push_back({line, std::move(row)});
    };
    auto on_reject = [this](Reject reject) { RejectRow(std::move(reject)); };
    Result<void> read;
    if (csv) {
      read = end ? csv->Finish(on_row, on_reject) : csv->Feed(chunk, on_row, on_reject);
    } else if (ndjson) {
      read = end ? ndjson->Finish(on_row, on_reject) : ndjson->Feed(chunk, on_row, on_reject);
    } else {
      auto on_call = [this](ingest::QueueCall call) {
        pending.push_back({call.line, ingest::ToInteractionRow(call, options.source)});
      };
      auto on_session = [this](ingest::AgentInterval interval) {
        std::int64_t line = interval.line;
        pending.push_back({line, std::move(interval)});
      };
      if (end) {
        queue_log->Finish(on_call, on_session, on_reject);
      } else {
        queue_log->Feed(chunk, on_call, on_session, on_reject);
      }
    }
    Count();
    return read;
  }
};

Importer::Importer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Importer::~Importer() {
  if (impl_ && impl_->in_flight) (void)impl_->Collect();
}

Result<std::unique_ptr<Importer>> Importer::Start(store::Store& store, const Ledger& ledger,
                                                  Principal who, ImportOptions options) {
  if (options.source.empty()) {
    options.source = options.kind == ImportKind::kCsv      ? "csv"
                     : options.kind == ImportKind::kNdjson ? "ndjson"
                                                           : "asterisk";
  }
  if (options.batch_rows == 0) options.batch_rows = 1;
  auto impl = std::make_unique<Impl>(store, ledger, who, options);
  switch (options.kind) {
    case ImportKind::kCsv: {
      ingest::CsvOptions o;
      o.source = options.source;
      o.time_zone = options.time_zone;
      o.delimiter = options.delimiter;
      o.column_map = options.column_map;
      auto reader = ingest::CsvReader::Create(std::move(o));
      if (!reader) return std::unexpected(reader.error());
      impl->csv.emplace(std::move(*reader));
      break;
    }
    case ImportKind::kNdjson: {
      ingest::NdjsonOptions o;
      o.source = options.source;
      auto reader = ingest::NdjsonReader::Create(std::move(o));
      if (!reader) return std::unexpected(reader.error());
      impl->ndjson.emplace(std::move(*reader));
      break;
    }
    case ImportKind::kQueueLog: {
      ingest::QueueLogOptions o;
      o.source = options.source;
      o.time_zone = options.time_zone;
      auto reader = ingest::QueueLogReader::Create(std::move(o));
      if (!reader) return std::unexpected(reader.error());
      impl->queue_log.emplace(std::move(*reader));
      break;
    }
  }
  auto checked = store.Read([&](Session& s) -> Result<void> {
    if (options.vendor_id) {
      auto exists = s.Exists("vendors", *options.vendor_id);
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) {
        return Fail(ErrorCode::kNotFound,
                    "vendor " + std::to_string(*options.vendor_id) + " does not exist",
                    {{"vendor", "no vendor has id " + std::to_string(*options.vendor_id)}});
      }
    }
    if (!impl->queue_log) return {};
    auto state = s.ImportState(options.source);
    if (!state) return std::unexpected(state.error());
    for (const auto& [key, text] : *state) {
      if (auto r = impl->queue_log->Restore(key, text); !r) {
        return Fail(ErrorCode::kInternal, "the saved state of source '" + options.source +
                                              "' is damaged at " + key + ": " + r.error().message);
      }
      impl->restored_keys.insert(key);
    }
    return {};
  });
  if (!checked) return std::unexpected(checked.error());
  return std::unique_ptr<Importer>(new Importer(std::move(impl)));
}

Result<void> Importer::Feed(std::string_view chunk) {
  Impl& m = *impl_;
  if (m.failure) return std::unexpected(*m.failure);
  auto r = m.Read(chunk, false);
  while (r && m.pending.size() >= m.options.batch_rows) r = m.Flush(false);
  if (!r) m.failure = r.error();
  return r;
}

Result<ImportSummary> Importer::Finish() {
  Impl& m = *impl_;
  if (m.failure) return std::unexpected(*m.failure);
  auto r = m.Read({}, true);
  if (r) r = m.Flush(true);
  if (!r) {
    m.failure = r.error();
    return std::unexpected(r.error());
  }
  return m.summary;
}

const ImportSummary& Importer::summary() const { return impl_->summary; }

}  // namespace rapport::app
