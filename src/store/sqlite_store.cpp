// SQLite implementation of the Store: WAL, synchronous=FULL, foreign keys on, one writer
// thread with group commit and a pool of reader connections.
#include <sqlite3.h>

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "store/migrations.hpp"
#include "store/records.hpp"
#include "store/store.hpp"
#include "store/wal_coalescing_vfs.hpp"

namespace rapport::store {

namespace detail {
void BadColumn(std::string_view column) {
  throw std::runtime_error("stored column '" + std::string(column) + "' has an unexpected value");
}
}  // namespace detail

namespace {

// Translates a SQLite failure once, for every caller: constraint failures become the
// client's errors (naming the column, never the SQL), the rest are server errors whose
// message is for the log.
Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: {
      // "UNIQUE constraint failed: users.email[, users.other]"
      std::vector<FieldError> fields;
      auto colon = detail.find(": ");
      std::string_view list =
          colon == std::string::npos ? "" : std::string_view(detail).substr(colon + 2);
      while (!list.empty()) {
        auto comma = list.find(", ");
        auto item = list.substr(0, comma);
        auto dot = item.find('.');
        fields.push_back({std::string(dot == std::string_view::npos ? item : item.substr(dot + 1)),
                          "is already used by another record"});
        list = comma == std::string_view::npos ? "" : list.substr(comma + 2);
      }
      return Error{ErrorCode::kConflict, "a record with the same value already exists", fields};
    }
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error{ErrorCode::kInvalid, "a field refers to a record that does not exist", {}};
    default:
      break;
  }
  std::string message = std::string(what) + ": " + detail;
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Error{ErrorCode::kUnavailable, message, {}};
  }
  return Error{ErrorCode::kInternal, message, {}};
}

// One SQLite connection with its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool reader,
                                                  int cache_mib, int checkpoint_pages = 0) {
    static std::once_flag configured;
    std::call_once(configured, [] {
      // SQLite's allocation statistics take a global mutex on every malloc; we never read
      // them. Only possible before SQLite initialises; harmless if it already has.
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    });
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    // A writer's commits reach the WAL in one write each (wal_coalescing_vfs.hpp); were
    // the VFS refused, SQLite's default serves, only slower.
    const sqlite3_vfs* vfs = reader ? nullptr : RegisterWalCoalescingVfs("rapport-wal-coalescing");
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, vfs ? vfs->zName : nullptr);
    auto conn = std::unique_ptr<Connection>(new Connection(db));
    if (rc != SQLITE_OK) return std::unexpected(SqliteError(db, rc, "open " + path));
    sqlite3_extended_result_codes(db, 1);
    // Room for SQLite's many small per-statement allocations inside the connection.
    sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 1200, 1000);
    // A double-quoted name is always a column: SQLite would otherwise read a misspelt one
    // as a string literal and answer quietly wrong.
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    if (auto r = conn->Configure(reader, cache_mib, checkpoint_pages); !r) return std::unexpected(r.error());
    return conn;
  }

  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  sqlite3* db() { return db_; }

  // False once SQLite itself has rolled the open transaction back (disk full, I/O error).
  bool InTransaction() { return sqlite3_get_autocommit(db_) == 0; }

  static constexpr std::size_t kMaxCachedStatements = 256;

  // Runs one statement without parameters through the statement cache: BEGIN, COMMIT and
  // savepoints run on every request, and parsing them each time would show in profiles.
  Result<void> Exec(const char* sql) {
    auto prepared = Prepare(sql);
    if (!prepared) return std::unexpected(prepared.error());
    Stmt stmt(*prepared);
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_DONE) return std::unexpected(SqliteError(db_, rc, sql));
    return {};
  }

  // Runs a script of several statements (a migration), unprepared.
  Result<void> ExecScript(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) return std::unexpected(SqliteError(db_, rc, "script"));
    return {};
  }

  // A cached prepared statement, reset and cleared when the handle goes.
  class Stmt {
   public:
    explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Stmt(const Stmt&) = delete;
    ~Stmt() {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
    sqlite3_stmt* get() { return stmt_; }

   private:
    sqlite3_stmt* stmt_;
  };

  // REQUIRES: no statement of this connection is in use (a Stmt alive): a full cache is
  // emptied here. Lists with many filter combinations would otherwise grow it forever.
  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedStatements) {
      for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
      cache_.clear();
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(SqliteError(db_, rc, "prepare " + sql));
    cache_.emplace(sql, stmt);
    return stmt;
  }

  // The texts of the generic row statements of one table, built once per connection.
  struct TableStatements {
    std::string select_by_id;
    std::string insert;
    std::string update;
  };

  const TableStatements& StatementsFor(const TableSpec& spec) {
    auto it = table_statements_.find(&spec);
    if (it != table_statements_.end()) return it->second;
    std::string table(spec.table), columns, marks, sets;
    for (std::size_t i = 1; i < spec.columns.size(); ++i) {
      std::string quoted = "\"" + std::string(spec.columns[i]) + "\"";
      columns += (i > 1 ? "," : "") + quoted;
      marks += i > 1 ? ",?" : "?";
      sets += (i > 1 ? "," : "") + quoted + "=?";
    }
    TableStatements statements{"SELECT " + spec.column_list + " FROM " + table + " WHERE id=?",
                               "INSERT INTO " + table + "(" + columns + ") VALUES(" + marks + ")",
                               "UPDATE " + table + " SET " + sets + " WHERE id=?"};
    return table_statements_.emplace(&spec, std::move(statements)).first->second;
  }

  Result<std::int64_t> PragmaInt(const char* sql) {
    auto stmt = Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    Stmt s(*stmt);
    if (sqlite3_step(s.get()) != SQLITE_ROW) {
      return Fail(ErrorCode::kInternal, std::string("no answer to ") + sql);
    }
    return sqlite3_column_int64(s.get(), 0);
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Every connection must confirm WAL, synchronous=FULL and foreign keys, or the store
  // refuses to open: durability and referential integrity are not optional.
  Result<void> Configure(bool reader, int cache_mib, int checkpoint_pages) {
    sqlite3_busy_timeout(db_, 10000);
    for (const char* sql :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
      if (auto r = Exec(sql); !r) return r;
    }
    auto stmt = Prepare("PRAGMA journal_mode");
    if (!stmt) return std::unexpected(stmt.error());
    {
      Stmt s(*stmt);
      const char* mode = sqlite3_step(s.get()) == SQLITE_ROW
                             ? reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0))
                             : nullptr;
      if (!mode || std::string_view(mode) != "wal") {
        return Fail(ErrorCode::kInternal, "the database is not in WAL mode");
      }
    }
    auto sync = PragmaInt("PRAGMA synchronous");
    if (!sync || *sync != 2) return Fail(ErrorCode::kInternal, "synchronous=FULL not in force");
    auto fk = PragmaInt("PRAGMA foreign_keys");
    if (!fk || *fk != 1) return Fail(ErrorCode::kInternal, "foreign keys are not enforced");
    // A larger page cache than SQLite's 2 MiB: index pages stay resident as the
    // interaction table grows.
    std::string cache = "PRAGMA cache_size=-" + std::to_string(cache_mib * 1024);
    if (auto r = Exec(cache.c_str()); !r) return r;
    // Each request's savepoint keeps the pages it first touches in a sub-journal; in
    // memory rather than a temporary file, that costs a copy instead of a write(2).
    if (auto r = Exec("PRAGMA temp_store=MEMORY"); !r) return r;
    if (reader) return Exec("PRAGMA query_only=ON");
    if (checkpoint_pages > 0) {
      std::string pages = "PRAGMA wal_autocheckpoint=" + std::to_string(checkpoint_pages);
      if (auto r = Exec(pages.c_str()); !r) return r;
    }
    return {};
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  std::unordered_map<const TableSpec*, TableStatements> table_statements_;
};

void Bind(sqlite3_stmt* stmt, int index, const SqlValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    sqlite3_bind_int64(stmt, index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    sqlite3_bind_double(stmt, index, *d);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    // Static: every caller's values outlive the step and the reset of the statement.
    sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}

SqlValue Column(sqlite3_stmt* stmt, int index) {
  switch (sqlite3_column_type(stmt, index)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, index);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, index);
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, index));
      return std::string(data ? data : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)));
    }
    default:
      return SqlValue{};
  }
}

// The current row of a stepping statement, as a Scan's callback reads it.
class StatementRow final : public ScanRow {
 public:
  explicit StatementRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string_view Text(int column) const override {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string_view();
  }

 private:
  sqlite3_stmt* stmt_;
};

bool HasColumn(const TableSpec& spec, std::string_view column) {
  for (auto c : spec.columns) {
    if (c == column) return true;
  }
  return false;
}

class SqliteSession final : public Session {
 public:
  explicit SqliteSession(Connection& conn) : conn_(conn) {}

  // Events appended through this session since the last TakeEvents().
  std::vector<Event>& events() { return events_; }

  Result<std::optional<Row>> SelectById(const TableSpec& spec, Id id) override {
    auto rows = Run(conn_.StatementsFor(spec).select_by_id, {id}, spec.columns.size());
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<Row>{};
    return std::optional<Row>{std::move(rows->front())};
  }

  // The conditions as SQL joined with AND, their values appended to `params`.
  static std::string WhereOf(const TableSpec& spec, const std::vector<Condition>& conditions, Row& params) {
    std::string where;
    for (const Condition& c : conditions) {
      RAPPORT_CHECK(HasColumn(spec, c.column));
      if (!where.empty()) where += " AND ";
      where += "\"" + std::string(c.column) + "\"";
      if (std::holds_alternative<std::monostate>(c.value)) {
        RAPPORT_CHECK(c.op == Condition::Op::kEq);
        where += " IS NULL";
        continue;
      }
      where += c.op == Condition::Op::kEq ? "=?" : c.op == Condition::Op::kGe ? ">=?" : "<?";
      params.push_back(c.value);
    }
    return where;
  }

  Result<std::vector<Row>> Select(const TableSpec& spec, const Query& query) override {
    std::string sql = "SELECT " + spec.column_list + " FROM " + std::string(spec.table);
    Row params;
    std::string where = WhereOf(spec, query.where, params);
    std::string order = " ORDER BY id";
    if (!query.newest_by.empty()) {
      RAPPORT_CHECK(HasColumn(spec, query.newest_by) && !query.after_id);
      const std::string column = "\"" + std::string(query.newest_by) + "\"";
      if (query.before) {
        if (!where.empty()) where += " AND ";
        where += "(" + column + ",id)<(?,?)";  // a row value: one range of the index
        params.push_back(query.before->first);
        params.push_back(query.before->second);
      }
      order = " ORDER BY " + column + " DESC, id DESC";
    } else if (query.after_id) {
      if (!where.empty()) where += " AND ";
      where += "id>?";
      params.push_back(*query.after_id);
    }
    if (!where.empty()) sql += " WHERE " + where;
    sql += order + " LIMIT ?";
    params.push_back(query.limit);
    return Run(sql, params, spec.columns.size());
  }

  Result<void> Scan(std::string_view table, const std::vector<std::string_view>& columns,
                    Id first_id, Id last_id, const ScanFn& fn) override {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      sql += (i ? ",\"" : "\"") + std::string(columns[i]) + "\"";
    }
    sql += " FROM " + std::string(table) + " WHERE id BETWEEN ? AND ? ORDER BY id";
    auto prepared = conn_.Prepare(sql);
    if (!prepared) return std::unexpected(prepared.error());
    Connection::Stmt stmt(*prepared);
    sqlite3_bind_int64(stmt.get(), 1, first_id);
    sqlite3_bind_int64(stmt.get(), 2, last_id);
    StatementRow row(stmt.get());
    for (;;) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return std::unexpected(SqliteError(conn_.db(), rc, sql));
      fn(row);
    }
  }

  Result<std::vector<std::pair<std::string, std::string>>> ImportState(
      std::string_view source) override {
    auto rows = Run("SELECT key, state FROM import_state WHERE source=? ORDER BY key",
                    {std::string(source)}, 2);
    if (!rows) return std::unexpected(rows.error());
    std::vector<std::pair<std::string, std::string>> out;
    for (Row& row : *rows) {
      out.emplace_back(std::move(std::get<std::string>(row[0])), std::move(std::get<std::string>(row[1])));
    }
    return out;
  }

  Result<void> PutImportState(std::string_view source, std::string_view key,
                              const std::optional<std::string>& state) override {
    if (!state) {
      auto r = Run("DELETE FROM import_state WHERE source=? AND key=?",
                   {std::string(source), std::string(key)}, 0);
      if (!r) return std::unexpected(r.error());
      return {};
    }
    auto r = Run("INSERT INTO import_state(source, key, state) VALUES(?,?,?) "
                 "ON CONFLICT(source, key) DO UPDATE SET state=excluded.state",
                 {std::string(source), std::string(key), *state}, 0);
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Result<Id> MaxId(std::string_view table) override {
    auto rows = Run("SELECT coalesce(max(id), 0) FROM " + std::string(table), {}, 1);
    if (!rows) return std::unexpected(rows.error());
    return std::get<std::int64_t>(rows->front().front());
  }

  Result<bool> Exists(std::string_view table, Id id) override {
    auto rows = Run("SELECT 1 FROM " + std::string(table) + " WHERE id=?", {id}, 1);
    if (!rows) return std::unexpected(rows.error());
    return !rows->empty();
  }

  Result<std::optional<Id>> FindId(std::string_view table,
                                   const std::vector<std::string_view>& columns,
                                   const Row& values) override {
    std::string sql = "SELECT id FROM " + std::string(table) + " WHERE ";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i) sql += " AND ";
      sql += "\"" + std::string(columns[i]) + "\"=?";
    }
    auto rows = Run(sql, values, 1);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<Id>{};
    return std::optional<Id>{std::get<std::int64_t>(rows->front().at(0))};
  }

  Result<Id> Insert(const TableSpec& spec, const Row& row) override {
    if (auto r = Run(conn_.StatementsFor(spec).insert, row.data() + 1, row.size() - 1, 0); !r) {
      return std::unexpected(r.error());
    }
    return sqlite3_last_insert_rowid(conn_.db());
  }

  Result<void> Update(const TableSpec& spec, const Row& row) override {
    Row params(row.begin() + 1, row.end());
    params.push_back(row.at(0));
    if (auto r = Run(conn_.StatementsFor(spec).update, params, 0); !r) {
      return std::unexpected(r.error());
    }
    if (sqlite3_changes(conn_.db()) != 1) {
      return Fail(ErrorCode::kNotFound, std::string(spec.table) + " row is gone");
    }
    return {};
  }

  Result<std::int64_t> Delete(const TableSpec& spec, const std::vector<Condition>& where) override {
    RAPPORT_CHECK(!where.empty());
    Row params;
    const std::string sql = "DELETE FROM " + std::string(spec.table) + " WHERE " + WhereOf(spec, where, params);
    if (auto r = Run(sql, params, 0); !r) return std::unexpected(r.error());
    return static_cast<std::int64_t>(sqlite3_changes(conn_.db()));
  }

  Result<void> AppendEvent(Event& event) override {
    auto r = Run(
        "INSERT INTO events(at,actor_id,entity,entity_id,action,change,account_id) "
        "VALUES(?,?,?,?,?,?,?)",
        {event.at.ms, event.actor_id, event.entity, event.entity_id, event.action, event.change,
         event.account_id ? SqlValue(*event.account_id) : SqlValue()},
        0);
    if (!r) return std::unexpected(r.error());
    event.sequence = sqlite3_last_insert_rowid(conn_.db());
    events_.push_back(event);
    return {};
  }

  Result<std::vector<Event>> EventsAfter(std::int64_t sequence, std::int64_t limit) override {
    return ReadEvents(Run(std::string(kEventColumns) + "FROM events "
                          "WHERE sequence>? ORDER BY sequence LIMIT ?",
                          {sequence, limit}, 8));
  }

  Result<std::vector<Event>> EventsOf(std::string_view entity, Id entity_id) override {
    return ReadEvents(Run(std::string(kEventColumns) + "FROM events "
                          "WHERE entity=? AND entity_id=? ORDER BY sequence",
                          {std::string(entity), entity_id}, 8));
  }

  Result<std::vector<Event>> EventsOfRange(std::string_view entity, Id first_id,
                                           Id last_id) override {
    return ReadEvents(Run(std::string(kEventColumns) + "FROM events "
                          "WHERE entity=? AND entity_id BETWEEN ? AND ? "
                          "ORDER BY entity_id, sequence",
                          {std::string(entity), first_id, last_id}, 8));
  }

  Result<std::vector<Event>> EventsOfAccount(const AccountEventsQuery& query) override {
    // "entity<>'interaction'" as the partial index events_account_timeline states it, so
    // that the planner may use that index (migration 0004).
    std::string sql = std::string(kEventColumns) +
                      "FROM events WHERE account_id=? AND entity<>'interaction'";
    Row params{query.account_id};
    if (query.before) {
      sql += " AND (at,sequence)<(?,?)";
      params.push_back(query.before->first.ms);
      params.push_back(query.before->second);
    }
    if (!query.entities.empty()) {
      sql += " AND entity IN (SELECT value FROM json_each(?))";
      boost::json::array entities;
      for (const auto& entity : query.entities) entities.emplace_back(entity);
      params.push_back(boost::json::serialize(entities));
    }
    if (!query.records.empty()) {
      sql += " AND (entity,entity_id) IN (SELECT json_extract(value,'$[0]'),"
             "json_extract(value,'$[1]') FROM json_each(?))";
      boost::json::array records;
      for (const auto& [entity, id] : query.records) records.push_back({entity, id});
      params.push_back(boost::json::serialize(records));
    }
    sql += " ORDER BY at DESC, sequence DESC LIMIT ?";
    params.push_back(query.limit);
    return ReadEvents(Run(sql, params, 8));
  }

  Result<std::int64_t> LastEventSequence() override {
    auto rows = Run("SELECT coalesce(max(sequence),0) FROM events", {}, 1);
    if (!rows) return std::unexpected(rows.error());
    return std::get<std::int64_t>(rows->front().at(0));
  }

  Result<Id> InsertToken(Id user_id, const std::string& sha256, const std::string& label,
                         Instant at) override {
    auto r = Run("INSERT INTO tokens(user_id,hash,label,created_at) VALUES(?,?,?,?)",
                 {user_id, sha256, label, at.ms}, 0);
    if (!r) return std::unexpected(r.error());
    return sqlite3_last_insert_rowid(conn_.db());
  }

  Result<std::optional<Id>> UserIdForToken(const std::string& sha256) override {
    auto rows = Run("SELECT user_id FROM tokens WHERE hash=?", {sha256}, 1);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<Id>{};
    return std::optional<Id>{std::get<std::int64_t>(rows->front().at(0))};
  }

 private:
  static constexpr std::string_view kEventColumns =
      "SELECT sequence,at,actor_id,entity,entity_id,action,change,account_id ";

  // Events from rows of kEventColumns.
  static Result<std::vector<Event>> ReadEvents(Result<std::vector<Row>> rows) {
    if (!rows) return std::unexpected(rows.error());
    std::vector<Event> out;
    out.reserve(rows->size());
    for (const Row& row : *rows) {
      Event e;
      detail::FromSql(row[0], e.sequence, "sequence");
      detail::FromSql(row[1], e.at, "at");
      detail::FromSql(row[2], e.actor_id, "actor_id");
      detail::FromSql(row[3], e.entity, "entity");
      detail::FromSql(row[4], e.entity_id, "entity_id");
      detail::FromSql(row[5], e.action, "action");
      detail::FromSql(row[6], e.change, "change");
      detail::FromSql(row[7], e.account_id, "account_id");
      out.push_back(std::move(e));
    }
    return out;
  }

  // Runs one statement with `params`, collecting `width` columns of every row.
  Result<std::vector<Row>> Run(const std::string& sql, const Row& params, std::size_t width) {
    return Run(sql, params.data(), params.size(), width);
  }

  Result<std::vector<Row>> Run(const std::string& sql, const SqlValue* params, std::size_t count,
                               std::size_t width) {
    auto prepared = conn_.Prepare(sql);
    if (!prepared) return std::unexpected(prepared.error());
    Connection::Stmt stmt(*prepared);
    for (std::size_t i = 0; i < count; ++i) {
      Bind(stmt.get(), static_cast<int>(i + 1), params[i]);
    }
    std::vector<Row> rows;
    for (;;) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return std::unexpected(SqliteError(conn_.db(), rc, sql));
      Row row;
      row.reserve(width);
      for (std::size_t c = 0; c < width; ++c)
        row.push_back(Column(stmt.get(), static_cast<int>(c)));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Connection& conn_;
  std::vector<Event> events_;
};

Result<void> Migrate(Connection& conn) {
  if (auto r = conn.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations("
                               "name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !r) {
    return r;
  }
  for (const Migration& m : sqlite_migrations()) {
    auto check = conn.Prepare("SELECT 1 FROM schema_migrations WHERE name=?");
    if (!check) return std::unexpected(check.error());
    bool applied = false;
    {
      Connection::Stmt s(*check);
      sqlite3_bind_text(s.get(), 1, m.name.data(), static_cast<int>(m.name.size()), SQLITE_STATIC);
      applied = sqlite3_step(s.get()) == SQLITE_ROW;
    }
    if (applied) continue;
    if (auto r = conn.Exec("BEGIN IMMEDIATE"); !r) return r;
    auto run = conn.ExecScript(std::string(m.sql));
    if (run) {
      run = conn.ExecScript("INSERT INTO schema_migrations VALUES('" + std::string(m.name) + "'," +
                            std::to_string(Now().ms) + ")");
    }
    if (!run) {
      (void)conn.Exec("ROLLBACK");
      return Fail(ErrorCode::kInternal,
                  "migration " + std::string(m.name) + " failed: " + run.error().message);
    }
    if (auto r = conn.Exec("COMMIT"); !r) return r;
  }
  return {};
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {}

  ~SqliteStore() override { Close(); }

  Result<void> Start() {
    auto writer = Connection::Open(options_.path, /*reader=*/false, options_.cache_mib,
                                   options_.checkpoint_pages);
    if (!writer) return std::unexpected(writer.error());
    writer_ = std::move(*writer);
    if (auto r = Migrate(*writer_); !r) return r;
    writer_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "rapport-writer");
      WriterLoop();
    });
    answer_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "rapport-answers");
      AnswerLoop();
    });
    return {};
  }

  Result<void> Read(const std::function<Result<void>(Session&)>& fn) override {
    auto conn = Acquire();
    if (!conn) return std::unexpected(conn.error());
    Result<void> result;
    // One snapshot for the whole read, so that its statements agree with each other.
    if (auto r = (*conn)->Exec("BEGIN"); !r) {
      result = r;
    } else {
      SqliteSession session(**conn);
      try {
        result = fn(session);
      } catch (const std::exception& e) {
        result = Fail(ErrorCode::kInternal, e.what());
      }
      (void)(*conn)->Exec("COMMIT");
    }
    Release(std::move(*conn));
    return result;
  }

  void Write(Work work, Done done) override {
    {
      std::lock_guard lock(mu_);
      if (!closing_) {
        queue_.push_back({std::move(work), std::move(done)});
        work_ready_.notify_one();
        return;
      }
    }
    done(Fail(ErrorCode::kUnavailable, "the store is closing"));
  }

  void SetCommitListener(CommitListener listener) override {
    std::lock_guard lock(mu_);
    listener_ = std::move(listener);
  }

  Result<void> Backup(const std::string& path) override {
    auto source = Acquire();
    if (!source) return std::unexpected(source.error());
    sqlite3* target = nullptr;
    int rc = sqlite3_open(path.c_str(), &target);
    Result<void> result;
    if (rc != SQLITE_OK) {
      result = std::unexpected(SqliteError(target, rc, "open " + path));
    } else {
      sqlite3_backup* backup = sqlite3_backup_init(target, "main", (*source)->db(), "main");
      if (!backup) {
        result = std::unexpected(SqliteError(target, sqlite3_errcode(target), "backup"));
      } else {
        // One step copies every page from one read snapshot: a consistent copy.
        rc = sqlite3_backup_step(backup, -1);
        sqlite3_backup_finish(backup);
        if (rc != SQLITE_DONE) result = std::unexpected(SqliteError(target, rc, "backup"));
      }
    }
    sqlite3_close_v2(target);
    Release(std::move(*source));
    return result;
  }

  StoreStats Stats() override {
    StoreStats stats;
    std::error_code ec;
    for (const std::string& file : {options_.path, options_.path + "-wal"}) {
      auto size = std::filesystem::file_size(file, ec);
      if (!ec) stats.file_bytes += static_cast<std::int64_t>(size);
    }
    return stats;
  }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      if (closing_) return;
      closing_ = true;
      work_ready_.notify_all();
    }
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard lock(answer_mu_);
      answers_closing_ = true;
    }
    answers_ready_.notify_one();
    if (answer_thread_.joinable()) answer_thread_.join();
  }

 private:
  struct Pending {
    Work work;
    Done done;
  };

  Result<std::unique_ptr<Connection>> Acquire() {
    std::unique_lock lock(pool_mu_);
    for (;;) {
      if (!idle_readers_.empty()) {
        auto conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return conn;
      }
      if (open_readers_ < options_.readers) {
        ++open_readers_;
        lock.unlock();
        auto conn = Connection::Open(options_.path, /*reader=*/true, options_.reader_cache_mib);
        if (!conn) {
          std::lock_guard relock(pool_mu_);
          --open_readers_;
          reader_free_.notify_one();
        }
        return conn;
      }
      reader_free_.wait(lock);
    }
  }

  void Release(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
    reader_free_.notify_one();
  }

  void WriterLoop() {
    for (;;) {
      std::vector<Pending> batch;
      CommitListener listener;
      {
        std::unique_lock lock(mu_);
        work_ready_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and everything queued is done
        while (!queue_.empty() && batch.size() < static_cast<std::size_t>(options_.max_batch)) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        listener = listener_;
      }
      RunBatch(batch, listener);
    }
  }

  // One group commit: every request in its own savepoint inside one transaction; the
  // requests are answered only after COMMIT returned (the WAL is synced: FULL).
  void RunBatch(std::vector<Pending>& batch, const CommitListener& listener) {
    std::vector<Result<void>> results(batch.size());
    SqliteSession session(*writer_);
    auto begin = writer_->Exec("BEGIN IMMEDIATE");
    if (!begin) {
      results.assign(batch.size(), std::unexpected(begin.error()));
      return Deliver(batch, std::move(results));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::size_t events_before = session.events().size();
      auto savepoint = writer_->Exec("SAVEPOINT request");
      if (!savepoint) {
        results[i] = savepoint;
        continue;
      }
      try {
        results[i] = batch[i].work(session);
      } catch (const std::exception& e) {
        results[i] = Fail(ErrorCode::kInternal, e.what());
      }
      if (!results[i]) {
        (void)writer_->Exec("ROLLBACK TO request");
        session.events().resize(events_before);
      }
      (void)writer_->Exec("RELEASE request");
      if (!writer_->InTransaction()) {
        // SQLite abandoned the whole transaction: nothing of this batch is stored, and a
        // later SAVEPOINT would silently start (and commit) a transaction of its own.
        Error lost{ErrorCode::kUnavailable, "the store abandoned the transaction", {}};
        results.assign(batch.size(), std::unexpected(lost));
        return Deliver(batch, std::move(results));
      }
    }
    if (auto commit = writer_->Exec("COMMIT"); !commit) {
      (void)writer_->Exec("ROLLBACK");
      for (auto& r : results) {
        if (r) r = std::unexpected(commit.error());
      }
      session.events().clear();
    } else if (listener) {
      try {
        listener(CommittedBatch{batch.size(), std::move(session.events())});
      } catch (const std::exception& e) {
        spdlog::error("commit listener failed: {}", e.what());
      }
    }
    Deliver(batch, std::move(results));
  }

  // Hands a batch's answers to the answer thread: the writer goes on with the next batch
  // while they are delivered (each wakes the connection waiting for it).
  void Deliver(std::vector<Pending>& batch, std::vector<Result<void>> results) {
    Answers answers;
    answers.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      answers.emplace_back(std::move(batch[i].done), std::move(results[i]));
    }
    {
      std::lock_guard lock(answer_mu_);
      answers_.push_back(std::move(answers));
    }
    answers_ready_.notify_one();
  }

  void AnswerLoop() {
    std::unique_lock lock(answer_mu_);
    for (;;) {
      answers_ready_.wait(lock, [&] { return answers_closing_ || !answers_.empty(); });
      if (answers_.empty()) return;  // closing, every answer delivered
      auto taken = std::exchange(answers_, {});
      lock.unlock();
      for (Answers& answers : taken) {
        for (auto& [done, result] : answers) Answer(done, std::move(result));
      }
      lock.lock();
    }
  }

  // A callback that throws must not take the answer thread (and every later answer) down.
  static void Answer(Done& done, Result<void> result) {
    try {
      done(std::move(result));
    } catch (const std::exception& e) {
      spdlog::error("write callback failed: {}", e.what());
    }
  }

  const SqliteOptions options_;
  std::unique_ptr<Connection> writer_;  // used only by writer_thread_ after Start()
  std::thread writer_thread_;

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool closing_ = false;       // guarded by mu_
  CommitListener listener_;    // guarded by mu_

  // The answer thread: batches' answers, in commit order.
  using Answers = std::vector<std::pair<Done, Result<void>>>;
  std::thread answer_thread_;
  std::mutex answer_mu_;
  std::condition_variable answers_ready_;
  std::deque<Answers> answers_;   // guarded by answer_mu_
  bool answers_closing_ = false;  // guarded by answer_mu_

  std::mutex pool_mu_;
  std::condition_variable reader_free_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
  int open_readers_ = 0;                                   // guarded by pool_mu_
};

}  // namespace

Result<void> Store::WriteAndWait(Work work) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<void>> outcome;
  Write(std::move(work), [&](Result<void> r) {
    std::lock_guard lock(mu);
    outcome = std::move(r);
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return outcome.has_value(); });
  return std::move(*outcome);
}

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options) {
  auto store = std::make_unique<SqliteStore>(options);
  if (auto r = store->Start(); !r) return std::unexpected(r.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace rapport::store
