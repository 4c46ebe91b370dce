// The ledger's use cases: create, read, list and update every entity, the idempotent
// interaction ingest (single and atomic batch), and the event log — each applying the
// visibility rules of the caller (visibility.hpp) and the write path:
//   validate → one savepoint in the group-commit transaction: rows + event → commit →
//   answer.
// Threads: all methods are safe to call concurrently. Write callbacks run on the store's
// answer thread once the write is durable (or with its error); keep them short.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/auth.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

namespace json = boost::json;

// One record as the caller may see it.
struct Record {
  Id id = 0;
  json::value body;  // the record as the caller may see it, unless `text` is set
  std::int64_t version = 0;
  bool already_existed = false;  // an idempotent repeat of an earlier create
  // Set instead of `body` when the answer is already serialised: a remembered record, or
  // a new one whose event text is the caller's answer.
  std::shared_ptr<const std::string> text;
};

struct Page {
  json::array items;
  std::optional<Id> next_cursor;  // absent on the last page
};

// Query parameters of a list: equality filters on fields ("channel=phone",
// "account_id=7"), `from`/`to` on the collection's time field, a cursor and a limit.
struct ListParams {
  std::vector<std::pair<std::string, std::string>> filters;
  std::optional<Id> cursor;
  std::int64_t limit = 50;
};

inline constexpr std::int64_t kMaxPageSize = 500;
inline constexpr std::size_t kMaxBatchItems = 1000;

template <class T>
using Callback = std::function<void(Result<T>)>;

// The use cases of one entity type, e.g. "cases".
class Collection {
 public:
  virtual ~Collection() = default;
  virtual std::string_view name() const = 0;        // plural, as in the URL: "cases"
  virtual std::string_view entity() const = 0;      // singular, as in events: "case"
  virtual std::string_view time_field() const = 0;  // what from/to filter on
  // Field names a list may filter on with equality.
  virtual std::vector<std::string_view> filter_fields() const = 0;
  // The JSON Schema of a record, for the OpenAPI document.
  virtual json::object json_schema() const = 0;

  virtual Result<Page> List(const Principal& who, const ListParams& params) = 0;
  virtual Result<Record> Get(const Principal& who, Id id) = 0;
  virtual void Create(const Principal& who, json::value body, Callback<Record> done) = 0;
  // REQUIRES: `expected_version` is the version named by the caller's If-Match.
  virtual void Update(const Principal& who, Id id, std::int64_t expected_version, json::value patch,
                      Callback<Record> done) = 0;

  // Drops any remembered copy of record `id` (called from the change feed).
  virtual void Forget(Id id) = 0;
};

// How many records per collection Get() remembers.
inline constexpr std::size_t kCachedRecordsPerCollection = 50'000;

class Clocks;

// How a create is recorded: with its own "created" event (the record's JSON) and an
// answer, or — in a bulk import — with neither: the importer writes one "imported" event
// for the batch's records (ImportedEvent below).
enum class CreateMode { kRecord, kBulk };

// A new record checked and rendered before it reaches the store's writer: what
// Ledger::CreateIn still has to write.
template <class T>
struct PreparedCreate {
  T record;
  CreateMode mode = CreateMode::kRecord;
  std::string event_text;  // kRecord: the record as JSON with id 0, the event's change
  // kRecord: the part of the record a vendor agent may see, id 0; null for the other
  // roles, who see all of it: their answer is the event's text.
  json::value answer;
};

// The ids a bulk import's batch created of one entity, as its "imported" event names them
// (entity "interaction" or "agent_session", entity_id the first id): every id from
// first_id to last_id, `count` of them, from lines first_line … last_line of `source`.
struct ImportedIds {
  Id first_id = 0, last_id = 0;
  std::int64_t count = 0;
  std::int64_t first_line = 0, last_line = 0;
  std::string source;
};
domain::Event ImportedEvent(std::string_view entity, const ImportedIds& ids, Id actor, Instant at);
// The ids an event names: those of an "imported" event, or the one of any other event.
std::pair<Id, Id> IdsOf(const domain::Event& event);

// An event as the event log's readers see it (GET /api/v1/events): every column, the
// change as JSON.
json::object EventJson(const domain::Event& event);

class Ledger {
 public:
  // With `clocks`, cases are answered with their live clocks and keep the clocks of their
  // resolution; without, they have none (tools that never change cases).
  explicit Ledger(store::Store& store, const Clocks* clocks = nullptr);
  ~Ledger();

  // Every collection, in a stable order: users, vendors, queues, accounts, people,
  // agreements, cases, interactions, calendars, sla_policies, agent_sessions, escalations,
  // root_cause_categories, mitigating_services, trials.
  const std::vector<std::unique_ptr<Collection>>& collections() const { return collections_; }
  Collection* Find(std::string_view name) const;

  // Atomic ingest of {"items": [interaction, ...]}: all land or none, with every bad
  // item's fields named "items[i].field".
  void CreateInteractions(const Principal& who, json::value body,
                          Callback<std::vector<Record>> done);

  // The create path of one record in its two halves, for bulk writers (app/importer.cpp)
  // that check many records in one reader snapshot and write them in one transaction —
  // the same rules, checks and row as Collection::Create, and its "created" event unless
  // the mode is kBulk (the caller then writes an ImportedEvent for the batch):
  //  - PrepareCreate: the entity's rules (derived vendor_id, account), Validate, foreign
  //    ids as `who` may see them, read through `s`; kInvalid names every bad field.
  //  - CreateIn: inside a Store::Write: the queue's vendor checked again, idempotency on
  //    (source, external_id) (a repeat answers the stored record with already_existed;
  //    different content is kConflict), the row and, in kRecord mode, its event.
  // T: domain::User, Queue, Interaction or AgentSession.
  template <domain::Entity T>
  Result<PreparedCreate<T>> PrepareCreate(store::Session& s, const Principal& who, T record,
                                          Instant now, CreateMode mode) const;
  template <domain::Entity T>
  Result<Record> CreateIn(store::Session& s, const Principal& who,
                          PreparedCreate<T>& prepared) const;

  // The event log after `after_sequence`, oldest first.
  Result<json::array> Events(std::int64_t after_sequence, std::int64_t limit);

  // The caller's own user record.
  Result<Record> Me(const Principal& who);

  // The change feed: forgets remembered copies of every record the batch changed.
  // REQUIRES: called for every committed batch, before its writers are answered.
  void OnCommitted(const store::CommittedBatch& batch);

 private:
  store::Store& store_;
  std::vector<std::unique_ptr<Collection>> collections_;
};

// The built-in user that acts for the command line (demo data, token grants). It is
// inactive, so it can never sign in.
inline constexpr Id kSystemUserId = 1;

}  // namespace rapport::app
