// What every importer of the ingest layer produces: rows for the caller to resolve and
// store, and rejects naming the line and the reason. Plain data; no I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "domain/entities.hpp"

namespace rapport::ingest {

// A row (or event) that cannot be imported. `line` is 1-based and is the row's first line
// in the input; `reason` names the column or field and why, e.g.
// "arrived_at: '2024-13-01 10:00' is not a date-time". Several reasons are joined by "; ".
struct Reject {
  std::int64_t line = 0;
  std::string reason;
  friend bool operator==(const Reject&, const Reject&) = default;
};
using RejectSink = std::function<void(Reject)>;

// An interaction read from a file, with the names the caller still has to resolve to ids.
// `record.source` and `record.external_id` are always set, so re-importing the same input
// gives the same (source, external_id) keys. `record` passed domain::Validate.
struct InteractionRow {
  std::int64_t line = 0;                  // the row's first line (queue_log: see queue_log.hpp)
  domain::Interaction record;
  std::optional<std::string> queue_name;  // the input named the queue instead of queue_id
  std::optional<std::string> agent_name;  // the input named the agent (name or email)
};
using RowSink = std::function<void(InteractionRow)>;

// How the lines of one input were accounted for. Every record is exactly one of: the
// header (CSV), a row, a reject or skipped (blank).
struct ReadCounts {
  std::int64_t lines = 0;    // physical lines seen (a last line without newline counts)
  std::int64_t records = 0;  // records framed (a quoted CSV cell may span lines)
  std::int64_t header = 0;   // 1 once a CSV header was read
  std::int64_t rows = 0;
  std::int64_t rejects = 0;
  std::int64_t skipped = 0;  // blank records
};

}  // namespace rapport::ingest
