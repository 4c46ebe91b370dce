// NDJSON interactions: one JSON object per line in the API's interaction shape, read from
// bytes pushed in chunks, one InteractionRow or Reject per line.
//
// Contracts:
//  - Chunks may be of any size; output does not depend on how the input is cut. Lines end
//    with LF or CRLF; blank lines (only spaces/tabs) are skipped; a UTF-8 byte order mark
//    at the start is skipped.
//  - Memory is bounded by max_row_bytes: a longer line is rejected and skipped.
//  - A line is the API's interaction object (domain::FromJson: unknown keys, read-only
//    keys, wrong types and missing required fields are each named) plus two optional
//    string keys, "queue" and "agent", naming the queue and the agent instead of their
//    ids (giving both a name and the id is a reject). "source" defaults to
//    options.source; "external_id", when absent, is derived: "sha256:" + hex SHA-256 of
//    the record's canonical JSON (fields in schema order) and the names, so the same
//    object gives the same id whatever its key order or spacing.
//  - Bad JSON is rejected with Boost.JSON's message; records that parse are checked with
//    domain::Validate and every broken rule is named.
// Not thread-safe; one reader per input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "ingest/framer.hpp"
#include "ingest/rows.hpp"

namespace rapport::ingest {

struct NdjsonOptions {
  std::string source = "ndjson";
  std::size_t max_row_bytes = 1 << 20;
};

class NdjsonReader {
 public:
  static Result<NdjsonReader> Create(NdjsonOptions options);

  // Never fails today; Result keeps the shape of CsvReader::Feed.
  Result<void> Feed(std::string_view chunk, const RowSink& rows, const RejectSink& rejects);
  Result<void> Finish(const RowSink& rows, const RejectSink& rejects);

  const ReadCounts& counts() const { return counts_; }
  std::int64_t lines_read() const { return framer_.lines(); }

 private:
  explicit NdjsonReader(NdjsonOptions options);
  void OnLine(std::string_view line_text, std::int64_t line, const RowSink& rows,
              const RejectSink& rejects);

  NdjsonOptions options_;
  internal::Framer framer_;
  ReadCounts counts_;
};

}  // namespace rapport::ingest
