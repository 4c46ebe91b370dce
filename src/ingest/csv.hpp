// CSV interactions (RFC 4180) read from bytes pushed in chunks, one InteractionRow or
// Reject per record. Columns and formats are documented in docs/importing.md.
//
// Contracts:
//  - Chunks may be of any size; a record may span chunks. Output does not depend on how
//    the input is cut.
//  - Memory is bounded by max_row_bytes (plus the record being built): a longer record is
//    rejected ("row is longer than N bytes") and reading resumes at the next line.
//  - Cells are separated by `delimiter`; a cell that starts with '"' is quoted (doubled
//    quotes inside, newlines allowed). Records end with LF or CRLF. A UTF-8 byte order
//    mark at the start is skipped; blank records are skipped.
//  - The first record is the header. Column names are matched without surrounding spaces
//    and without regard to ASCII case, after `column_map`.
//  - A row is rejected with every bad cell named ("arrived_at: '…' is not a date-time",
//    joined by "; "); when every cell parsed, with every domain rule it breaks
//    (domain::Validate). Other rows are unaffected.
// Not thread-safe; one reader per input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ingest/framer.hpp"
#include "ingest/rows.hpp"
#include "ingest/time_parser.hpp"

namespace rapport::ingest {

struct CsvOptions {
  std::string source = "csv";        // record.source of every row
  std::string time_zone = "UTC";     // IANA zone of local date-times
  char delimiter = ',';              // must not be '"', '\r' or '\n'
  // Header name → field name (a documented column), or "-" to ignore the column.
  // Names are matched like header names.
  std::vector<std::pair<std::string, std::string>> column_map;
  std::size_t max_row_bytes = 1 << 20;
};

class CsvReader {
 public:
  // Fails (kInvalid) on an unknown time zone, a bad delimiter, or a column_map entry
  // whose target is not a documented column.
  static Result<CsvReader> Create(CsvOptions options);

  // Reads the next chunk. Rows and rejects go to the sinks as their records complete.
  // Fails (kInvalid, naming the column) when the header has an unknown column, a column
  // twice, or lacks channel, direction or arrived_at; the import should then stop, and
  // every later call fails the same way.
  Result<void> Feed(std::string_view chunk, const RowSink& rows, const RejectSink& rejects);
  // The end of the input: reads a last record without newline (a header-only or empty
  // input is no error; a file with no header at all reads nothing).
  Result<void> Finish(const RowSink& rows, const RejectSink& rejects);

  const ReadCounts& counts() const { return counts_; }
  std::int64_t lines_read() const { return framer_.lines(); }

  // The documented columns, in the order their values feed derived external ids.
  static const std::vector<std::string_view>& Columns();

 private:
  explicit CsvReader(CsvOptions options, TimeParser times);
  void OnRecord(std::string_view record, std::int64_t line, const RowSink& rows,
                const RejectSink& rejects);
  void ReadHeader(std::string_view record);
  void TooLong(std::int64_t line, const RejectSink& rejects);
  // Splits `record` into cells_; false when its quoting is malformed.
  bool SplitCells(std::string_view record);

  CsvOptions options_;
  TimeParser times_;
  internal::Framer framer_;
  ReadCounts counts_;
  bool have_header_ = false;
  std::optional<Error> header_error_;
  std::vector<int> column_fields_;  // per column: field index, or -1 to ignore
  std::vector<std::string_view> cells_;
  std::string unescaped_;  // cells with doubled quotes, unescaped; views point into it
};

}  // namespace rapport::ingest
