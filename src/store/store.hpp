// The Store: Rapport's source of truth. Other layers see this interface and OpenSqlite();
// the SQLite implementation lives in sqlite_store.cpp (a PostgreSQL one will sit beside it).
//
// Threads: Read() may be called from any thread; each lease is one connection, used by one
// thread at a time. Write() may be called from any thread; every write runs on the store's
// single writer thread, in commit order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::store {

using domain::Event;
using domain::Id;

// A SQL value: NULL, integer, real or text.
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;
using Row = std::vector<SqlValue>;  // in the column order of its TableSpec

// A table as the generic row operations see it: Meta columns (id, version, created_at,
// updated_at) first, then the entity's fields in Schema order.
struct TableSpec {
  std::string_view table;
  std::vector<std::string_view> columns;
  std::string column_list;  // the columns quoted and comma-separated, for SELECT
};

struct Condition {
  enum class Op { kEq, kGe, kLt };
  std::string_view column;  // must be one of the table's columns
  Op op = Op::kEq;
  SqlValue value;
};

struct Query {
  std::vector<Condition> where;  // joined with AND
  std::optional<Id> after_id;    // cursor: rows with a greater id
  std::int64_t limit = 100;
  // Set: the rows newest first by (newest_by, id) instead of by ascending id, and only
  // those after `before` in that order; after_id must then be unset. A timeline's pages.
  std::string_view newest_by = {};  // must be one of the table's columns
  std::optional<std::pair<SqlValue, Id>> before = {};
};

// Which events of an account its timeline reads (Session::EventsOfAccount): newest first
// by (at, sequence), those before `before` in that order.
struct AccountEventsQuery {
  Id account_id = 0;
  std::optional<std::pair<Instant, std::int64_t>> before = {};  // (at, sequence); none: newest
  std::vector<std::string> entities = {};  // only events of these entities; empty: of any
  std::vector<std::pair<std::string, Id>> records = {};  // only these records'; empty: any
  std::int64_t limit = 50;
};

// One row of a Scan, valid only inside its callback: typed access without copies.
// Columns are numbered in the order the scan named them.
class ScanRow {
 public:
  virtual ~ScanRow() = default;
  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual std::string_view Text(int column) const = 0;  // "" for NULL
};
using ScanFn = std::function<void(const ScanRow&)>;

// One connection's view of the store. In Write() it is inside the batch's transaction and
// the request's savepoint; in Read() it sees one consistent snapshot per statement.
class Session {
 public:
  virtual ~Session() = default;

  virtual Result<std::optional<Row>> SelectById(const TableSpec& spec, Id id) = 0;
  // Rows matching `query`, by ascending id, at most query.limit.
  virtual Result<std::vector<Row>> Select(const TableSpec& spec, const Query& query) = 0;
  // Streams `columns` of the rows of `table` with first_id <= id <= last_id, by ascending
  // id, without building a Row for each: for projections that load millions of rows.
  virtual Result<void> Scan(std::string_view table, const std::vector<std::string_view>& columns,
                            Id first_id, Id last_id, const ScanFn& fn) = 0;
  virtual Result<bool> Exists(std::string_view table, Id id) = 0;
  // The largest id of `table`'s rows; 0 when it has none.
  virtual Result<Id> MaxId(std::string_view table) = 0;
  // The id of the row whose `columns` equal `values`, if any.
  virtual Result<std::optional<Id>> FindId(std::string_view table,
                                           const std::vector<std::string_view>& columns,
                                           const Row& values) = 0;

  // Writes (only inside Write()). Insert ignores row[0] (the id) and returns the new id.
  virtual Result<Id> Insert(const TableSpec& spec, const Row& row) = 0;
  // Replaces the row whose id is row[0]; kNotFound when it is gone.
  virtual Result<void> Update(const TableSpec& spec, const Row& row) = 0;
  // Deletes the rows matching every condition (at least one) and answers how many. Only
  // for rows that are no record's history, such as sign-in sessions past their expiry:
  // entities are never deleted.
  virtual Result<std::int64_t> Delete(const TableSpec& spec, const std::vector<Condition>& where) = 0;

  // The event log. AppendEvent fills in event.sequence.
  virtual Result<void> AppendEvent(Event& event) = 0;
  virtual Result<std::vector<Event>> EventsAfter(std::int64_t sequence, std::int64_t limit) = 0;
  // The events of one record ("case", 7), oldest first.
  virtual Result<std::vector<Event>> EventsOf(std::string_view entity, Id entity_id) = 0;
  // The events of the records of one entity with first_id <= entity_id <= last_id, by
  // (entity_id, sequence): a projection's start-up reads the histories of many records.
  virtual Result<std::vector<Event>> EventsOfRange(std::string_view entity, Id first_id,
                                                   Id last_id) = 0;
  // The events naming query.account_id, except those of interactions (an account's
  // interactions are their rows: the timeline reads the table), newest first by instant
  // then sequence — not by sequence alone: demo data and imports record past instants.
  virtual Result<std::vector<Event>> EventsOfAccount(const AccountEventsQuery& query) = 0;
  virtual Result<std::int64_t> LastEventSequence() = 0;

  // What an importer keeps between files of one source (e.g. calls a queue_log file left
  // unfinished): text by key. Putting nullopt removes the key.
  virtual Result<std::vector<std::pair<std::string, std::string>>> ImportState(
      std::string_view source) = 0;
  virtual Result<void> PutImportState(std::string_view source, std::string_view key,
                                      const std::optional<std::string>& state) = 0;

  // API tokens: only the SHA-256 of a token is stored.
  virtual Result<Id> InsertToken(Id user_id, const std::string& sha256, const std::string& label,
                                 Instant at) = 0;
  virtual Result<std::optional<Id>> UserIdForToken(const std::string& sha256) = 0;
};

struct StoreStats {
  std::int64_t file_bytes = 0;  // main database file plus its WAL
};

// What one group commit made durable: how many requests it carried and their events in
// sequence order (the in-process change feed).
struct CommittedBatch {
  std::size_t requests = 0;
  std::vector<Event> events;
};

// Called on the writer thread after each batch is durable, before the requests' Done.
using CommitListener = std::function<void(const CommittedBatch&)>;

class Store {
 public:
  using Work = std::function<Result<void>(Session&)>;
  using Done = std::function<void(Result<void>)>;

  virtual ~Store() = default;

  // Runs `fn` with a reader connection leased for its duration.
  virtual Result<void> Read(const std::function<Result<void>(Session&)>& fn) = 0;

  // Queues `work` for the writer. Concurrent writes are batched into one transaction
  // (group commit), each in its own savepoint so that one failing request is rolled back
  // alone. `done` runs on the store's answer thread once the batch is durable (or with the
  // request's error), never before, and after the commit listener has seen the batch;
  // answers come in commit order. The writer goes on meanwhile.
  virtual void Write(Work work, Done done) = 0;

  // Write() and wait for its outcome.
  Result<void> WriteAndWait(Work work);

  // REQUIRES: called before the first Write().
  virtual void SetCommitListener(CommitListener listener) = 0;

  // A consistent copy of the whole store into `path` while it serves.
  virtual Result<void> Backup(const std::string& path) = 0;

  virtual StoreStats Stats() = 0;

  // Writes queued so far are committed; later Write() calls fail with kUnavailable.
  virtual void Close() = 0;
};

struct SqliteOptions {
  std::string path;     // database file; created with its schema when missing
  int readers = 4;      // size of the reader connection pool
  int max_batch = 512;  // most requests in one group-commit transaction
  int cache_mib = 64;   // the writer's page cache, MiB (its indexes stay resident); bulk loads want more
  // Each reader's page cache, MiB. Readers scan (start-up reads every row) and look up by
  // index; the operating system's page cache holds the file for all of them, so a large
  // cache each would mostly hold copies: 4 readers at 64 MiB cost 256 MiB of resident
  // memory at 10,000,000 interactions, for reads no faster.
  int reader_cache_mib = 16;
  // WAL pages after which a commit checkpoints (0: SQLite's 1,000). Bulk loads checkpoint
  // less often: fewer syncs of the database file, at the cost of a larger WAL meanwhile.
  int checkpoint_pages = 0;
};

// Opens (creating and migrating as needed) a SQLite store. Fails when the file cannot be
// opened or when WAL, synchronous=FULL or foreign keys cannot be confirmed.
Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);

}  // namespace rapport::store
