// The import use case, shared by `rapport import` and POST /api/v1/imports/*: bytes of a
// CSV, NDJSON or Asterisk queue_log file pushed in chunks become interactions (and, from
// queue_log, agent sessions) written through the ledger's write path — the same rules,
// checks, rows and "created" events as POST /api/v1/interactions — in batches of a few
// thousand rows per transaction.
//
// Contracts:
//  - Names: CSV/NDJSON `queue` and `agent` name existing queues (by name) and agents
//    (users with is_agent, by email or name); an unknown or ambiguous name rejects the
//    row. queue_log queue and agent names that match nothing are created (a phone queue,
//    an agent user of `vendor_id`; each with its own "created" event).
//  - Each row is imported, a duplicate (the same (source, external_id) already stored
//    with the same content: skipped) or a reject (line and reason: a bad cell, a broken
//    rule, an unknown id or name, the external id stored with different content). A
//    reject never stops the import nor half-applies a record.
//  - A batch is one transaction: rows and events land together or not at all. An import
//    that dies midway and is run again ends with exactly the right rows (committed batches
//    come back as duplicates).
//  - queue_log: what the file leaves open (calls, logins, pauses) is stored under the
//    source in the same transaction as the last batch and restored at the next import of
//    that source, whose file then completes it.
//  - Memory: the reader's bounded row buffer plus two batches (one being written while the
//    next is read).
// Threads: one Importer is used by one thread at a time; its batches are written on the
// store's writer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/auth.hpp"
#include "app/ledger.hpp"
#include "core/error.hpp"
#include "ingest/rows.hpp"
#include "store/store.hpp"

namespace rapport::app {

enum class ImportKind { kCsv, kNdjson, kQueueLog };

// "csv", "ndjson", "queue-log" (or "queue_log").
std::optional<ImportKind> ImportKindFromName(std::string_view name);

struct ImportOptions {
  ImportKind kind = ImportKind::kCsv;
  std::string source;             // empty: "csv", "ndjson" or "asterisk"
  std::string time_zone = "UTC";  // CSV and queue_log local times
  std::vector<std::pair<std::string, std::string>> column_map;  // CSV: header → column or "-"
  char delimiter = ',';                                         // CSV
  std::optional<Id> vendor_id;  // queue_log: vendor of the queues and agents it creates
  std::size_t batch_rows = 4000;
  // Every reject, on the thread calling Feed/Finish, in the order found (rows rejected by
  // the write come when their batch commits).
  std::function<void(const ingest::Reject&)> on_reject;
};

struct ImportSummary {
  std::int64_t lines = 0;       // lines read
  std::int64_t imported = 0;    // records written (interactions and agent sessions)
  std::int64_t duplicates = 0;  // already stored with the same content: skipped
  std::int64_t rejected = 0;
  // queue_log only.
  std::int64_t calls = 0;           // calls read to their end
  std::int64_t agent_sessions = 0;  // login and pause intervals read to their end
  std::int64_t open_calls = 0;      // calls still open: carried to the next file
  std::int64_t queues_created = 0;
  std::int64_t agents_created = 0;
  std::map<std::string, std::int64_t> unknown_events;  // by event name
};

// The summary as the API answers it (and `rapport import --format json` prints it).
json::object SummaryJson(ImportKind kind, const ImportSummary& summary);

class Importer {
 public:
  // Checks the options (time zone, delimiter, column map, vendor) and, for queue_log,
  // restores what the source's previous file left open. Fails with kInvalid or kNotFound
  // (an unknown vendor) naming the option.
  static Result<std::unique_ptr<Importer>> Start(store::Store& store, const Ledger& ledger,
                                                 Principal who, ImportOptions options);
  // Waits for a batch still being written (its rows are committed or not, whole).
  ~Importer();

  // Reads the next chunk; each full batch is written while the next is read. Fails on a
  // fatal error — a bad CSV header (kInvalid naming the column), a store failure — after
  // which the importer must be dropped: batches already committed stay (re-running the
  // import skips them), the rest is not written.
  Result<void> Feed(std::string_view chunk);

  // The end of the input: writes the last batch (with the queue_log state) and waits for
  // it. REQUIRES: Feed never failed; called once.
  Result<ImportSummary> Finish();

  // Counts so far (rows of batches not yet committed are not counted as imported).
  const ImportSummary& summary() const;

 private:
  struct Impl;
  explicit Importer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport::app
