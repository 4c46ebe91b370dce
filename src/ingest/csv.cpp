#include "ingest/csv.hpp"

#include <algorithm>
#include <cctype>

#include "ingest/cells.hpp"
#include "ingest/derived_id.hpp"

namespace rapport::ingest {

namespace {

using domain::Channel;
using domain::Direction;
using domain::Interaction;
using domain::InteractionKind;
using domain::Outcome;
using domain::Participant;
using domain::ParticipantRole;
using internal::Quoted;

// The documented columns; the order is part of the derived external id's definition.
enum Col : int {
  kExternalId, kChannel, kDirection, kKind, kAccountId, kPersonId, kCaseId, kQueueId,
  kQueue, kAgentId, kAgent, kCategory, kArrivedAt, kAnsweredAt, kEndedAt, kWaitSeconds,
  kTalkSeconds, kWrapUpSeconds, kOutcome, kSubject, kBody, kTags, kFrom, kTo, kCc,
  kMessageId, kInReplyTo, kColumnCount
};

constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "external_id", "channel",     "direction",    "kind",        "account_id",
    "person_id",   "case_id",     "queue_id",     "queue",       "agent_id",
    "agent",       "category",    "arrived_at",   "answered_at", "ended_at",
    "wait_seconds", "talk_seconds", "wrap_up_seconds", "outcome", "subject",
    "body",        "tags",        "from",         "to",          "cc",
    "message_id",  "in_reply_to"};

std::string Normalise(std::string_view name) {
  std::string out(internal::Trim(name));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int ColumnIndex(std::string_view name) {
  for (int i = 0; i < kColumnCount; ++i) {
    if (kColumnNames[i] == name) return i;
  }
  return -1;
}

// Collects "column: reason" texts for one row.
class Reasons {
 public:
  void Add(int column, std::string_view reason) {
    if (!text_.empty()) text_ += "; ";
    text_ += kColumnNames[column];
    text_ += ": ";
    text_ += reason;
  }
  bool empty() const { return text_.empty(); }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

void ParseId(std::string_view cell, int column, std::optional<domain::Id>& out,
             Reasons& reasons) {
  if (cell.empty()) return;
  std::int64_t id = 0;
  if (!internal::ParseCount(cell, id) || id <= 0) {
    reasons.Add(column, Quoted(cell) + " is not an id (a positive integer)");
    return;
  }
  out = id;
}

bool ParseSeconds(std::string_view cell, int column, std::int64_t& out, Reasons& reasons) {
  if (!internal::ParseCount(cell, out) || out > (std::int64_t{1} << 40)) {
    reasons.Add(column, Quoted(cell) + " is not a whole number of seconds");
    return false;
  }
  return true;
}

std::optional<std::string> Text(std::string_view cell) {
  if (cell.empty()) return std::nullopt;
  return std::string(cell);
}

}  // namespace

const std::vector<std::string_view>& CsvReader::Columns() {
  static const std::vector<std::string_view> columns(kColumnNames.begin(), kColumnNames.end());
  return columns;
}

CsvReader::CsvReader(CsvOptions options, TimeParser times)
    : options_(std::move(options)),
      times_(std::move(times)),
      framer_(options_.max_row_bytes, true, options_.delimiter) {}

Result<CsvReader> CsvReader::Create(CsvOptions options) {
  auto times = TimeParser::Create(options.time_zone);
  if (!times) return std::unexpected(times.error());
  if (options.delimiter == '"' || options.delimiter == '\r' || options.delimiter == '\n') {
    return Fail(ErrorCode::kInvalid, "the delimiter must not be a quote or a line break",
                {{"delimiter", "must not be a quote or a line break"}});
  }
  for (auto& [from, to] : options.column_map) {
    from = Normalise(from);
    to = Normalise(to);
    if (to != "-" && ColumnIndex(to) < 0) {
      return Fail(ErrorCode::kInvalid,
                  "column map: '" + to + "' is not a documented column",
                  {{"column_map", "'" + to + "' is not a documented column"}});
    }
  }
  return CsvReader(std::move(options), std::move(*times));
}

Result<void> CsvReader::Feed(std::string_view chunk, const RowSink& rows,
                             const RejectSink& rejects) {
  if (header_error_) return std::unexpected(*header_error_);
  framer_.Feed(
      chunk, [&](std::string_view record, std::int64_t line) { OnRecord(record, line, rows, rejects); },
      [&](std::int64_t line) { TooLong(line, rejects); });
  counts_.lines = framer_.lines();
  counts_.records = framer_.records();
  if (header_error_) return std::unexpected(*header_error_);
  return {};
}

Result<void> CsvReader::Finish(const RowSink& rows, const RejectSink& rejects) {
  if (header_error_) return std::unexpected(*header_error_);
  framer_.Finish(
      [&](std::string_view record, std::int64_t line) { OnRecord(record, line, rows, rejects); },
      [&](std::int64_t line) { TooLong(line, rejects); });
  counts_.lines = framer_.lines();
  counts_.records = framer_.records();
  if (header_error_) return std::unexpected(*header_error_);
  return {};
}

void CsvReader::TooLong(std::int64_t line, const RejectSink& rejects) {
  const std::string reason =
      "row is longer than " + std::to_string(options_.max_row_bytes) + " bytes";
  if (!have_header_) {
    header_error_ = Error{ErrorCode::kInvalid, "header: " + reason, {{"header", reason}}};
    return;
  }
  if (header_error_) return;
  ++counts_.rejects;
  rejects({line, reason});
}

bool CsvReader::SplitCells(std::string_view record) {
  cells_.clear();
  // Reserve once so views into unescaped_ stay valid while it grows.
  unescaped_.clear();
  unescaped_.reserve(record.size());
  const char delimiter = options_.delimiter;
  std::size_t pos = 0;
  while (true) {
    if (pos < record.size() && record[pos] == '"') {
      // Quoted cell: up to the lone closing quote, then a delimiter or the end.
      std::size_t start = ++pos;
      bool doubled = false;
      while (true) {
        const std::size_t quote = record.find('"', pos);
        if (quote == std::string_view::npos) return false;
        if (quote + 1 < record.size() && record[quote + 1] == '"') {
          doubled = true;
          pos = quote + 2;
          continue;
        }
        pos = quote;
        break;
      }
      std::string_view inner = record.substr(start, pos - start);
      if (doubled) {
        const std::size_t from = unescaped_.size();
        for (std::size_t i = 0; i < inner.size(); ++i) {
          unescaped_.push_back(inner[i]);
          if (inner[i] == '"') ++i;
        }
        inner = std::string_view(unescaped_).substr(from);
      }
      cells_.push_back(inner);
      ++pos;  // the closing quote
      if (pos == record.size()) return true;
      if (record[pos] != delimiter) return false;
      ++pos;
      continue;
    }
    const std::size_t end = record.find(delimiter, pos);
    cells_.push_back(record.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (end == std::string_view::npos) return true;
    pos = end + 1;
  }
}

void CsvReader::ReadHeader(std::string_view record) {
  have_header_ = true;
  counts_.header = 1;
  const auto fail = [&](std::string column, std::string message) {
    header_error_ = Error{ErrorCode::kInvalid, "header: " + column + ": " + message,
                          {{"header." + column, message}}};
  };
  if (!SplitCells(record)) return fail("(quoting)", "malformed quoting in the header");
  std::array<bool, kColumnCount> seen{};
  column_fields_.clear();
  for (std::string_view cell : cells_) {
    std::string name = Normalise(cell);
    for (const auto& [from, to] : options_.column_map) {
      if (from == name) {
        name = to;
        break;
      }
    }
    if (name == "-") {
      column_fields_.push_back(-1);
      continue;
    }
    const int index = ColumnIndex(name);
    if (index < 0) return fail(std::string(internal::Trim(cell)), "unknown column");
    if (seen[index]) return fail(name, "appears more than once");
    seen[index] = true;
    column_fields_.push_back(index);
  }
  for (int required : {kChannel, kDirection, kArrivedAt}) {
    if (!seen[required]) return fail(std::string(kColumnNames[required]), "column is missing");
  }
}

void CsvReader::OnRecord(std::string_view record, std::int64_t line, const RowSink& rows,
                         const RejectSink& rejects) {
  if (header_error_) return;
  if (record.empty()) {
    ++counts_.skipped;
    return;
  }
  if (!have_header_) return ReadHeader(record);
  const auto reject = [&](std::string reason) {
    ++counts_.rejects;
    rejects({line, std::move(reason)});
  };
  if (!SplitCells(record)) return reject("malformed quoting (a quoted cell must end with a quote followed by a delimiter or the end of the row)");
  if (cells_.size() != column_fields_.size()) {
    return reject("row has " + std::to_string(cells_.size()) + " cells, the header has " +
                  std::to_string(column_fields_.size()));
  }
  std::array<std::string_view, kColumnCount> v{};
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    if (column_fields_[i] >= 0) v[column_fields_[i]] = cells_[i];
  }

  InteractionRow row;
  row.line = line;
  Interaction& r = row.record;
  r.source = options_.source;
  Reasons reasons;
  const auto required_enum = [&](int column, auto& out) {
    if (v[column].empty()) return reasons.Add(column, "is required");
    if (auto error = internal::ParseEnum(v[column], out)) reasons.Add(column, *error);
  };
  required_enum(kChannel, r.channel);
  required_enum(kDirection, r.direction);
  if (!v[kKind].empty()) {
    if (auto error = internal::ParseEnum(v[kKind], r.kind)) reasons.Add(kKind, *error);
  }
  ParseId(v[kAccountId], kAccountId, r.account_id, reasons);
  ParseId(v[kPersonId], kPersonId, r.person_id, reasons);
  ParseId(v[kCaseId], kCaseId, r.case_id, reasons);
  ParseId(v[kQueueId], kQueueId, r.queue_id, reasons);
  ParseId(v[kAgentId], kAgentId, r.agent_id, reasons);
  if (!v[kQueue].empty()) {
    if (!v[kQueueId].empty()) reasons.Add(kQueue, "give either queue or queue_id");
    row.queue_name = std::string(v[kQueue]);
  }
  if (!v[kAgent].empty()) {
    if (!v[kAgentId].empty()) reasons.Add(kAgent, "give either agent or agent_id");
    row.agent_name = std::string(v[kAgent]);
  }
  r.category = Text(v[kCategory]);

  bool arrived_ok = false;
  if (v[kArrivedAt].empty()) {
    reasons.Add(kArrivedAt, "is required");
  } else if (auto error = times_.Parse(v[kArrivedAt], r.arrived_at)) {
    reasons.Add(kArrivedAt, *error);
  } else {
    arrived_ok = true;
  }
  const auto optional_time = [&](int column, std::optional<Instant>& out) {
    if (v[column].empty()) return;
    Instant at;
    if (auto error = times_.Parse(v[column], at)) return reasons.Add(column, *error);
    out = at;
  };
  optional_time(kAnsweredAt, r.answered_at);
  optional_time(kEndedAt, r.ended_at);
  std::int64_t seconds = 0;
  if (!v[kWaitSeconds].empty() && ParseSeconds(v[kWaitSeconds], kWaitSeconds, seconds, reasons)) {
    if (!v[kAnsweredAt].empty()) {
      reasons.Add(kWaitSeconds, "give either answered_at or wait_seconds");
    } else if (arrived_ok) {
      r.answered_at = Instant{r.arrived_at.ms + seconds * 1000};
    }
  }
  if (!v[kTalkSeconds].empty() && ParseSeconds(v[kTalkSeconds], kTalkSeconds, seconds, reasons)) {
    if (!v[kEndedAt].empty()) {
      reasons.Add(kTalkSeconds, "give either ended_at or talk_seconds");
    } else if (v[kAnsweredAt].empty() && v[kWaitSeconds].empty()) {
      reasons.Add(kTalkSeconds, "needs answered_at or wait_seconds");
    } else if (r.answered_at) {
      r.ended_at = Instant{r.answered_at->ms + seconds * 1000};
    }
  }
  if (!v[kWrapUpSeconds].empty() &&
      ParseSeconds(v[kWrapUpSeconds], kWrapUpSeconds, seconds, reasons)) {
    r.wrap_up_seconds = seconds;
  }
  if (!v[kOutcome].empty()) {
    Outcome outcome;
    if (auto error = internal::ParseEnum(v[kOutcome], outcome)) {
      reasons.Add(kOutcome, *error);
    } else {
      r.outcome = outcome;
    }
  }
  r.subject = Text(v[kSubject]);
  r.body = Text(v[kBody]);
  if (!v[kTags].empty()) r.tags = internal::SplitList(v[kTags]);
  for (auto [column, role] : {std::pair{kFrom, ParticipantRole::kFrom},
                              std::pair{kTo, ParticipantRole::kTo},
                              std::pair{kCc, ParticipantRole::kCc}}) {
    if (v[column].empty()) continue;
    for (auto& address : internal::SplitList(v[column])) {
      r.participants.push_back(Participant{role, std::nullopt, std::move(address)});
    }
  }
  r.message_id = Text(v[kMessageId]);
  r.in_reply_to = Text(v[kInReplyTo]);
  if (!v[kExternalId].empty()) {
    r.external_id = std::string(v[kExternalId]);
  } else {
    DerivedId id;
    for (int column = kExternalId + 1; column < kColumnCount; ++column) {
      if (!v[column].empty()) id.Add(kColumnNames[column], v[column]);
    }
    r.external_id = id.Finish();
  }
  if (reasons.empty()) {
    FieldErrors errors;
    domain::Validate(r, errors);
    internal::AppendReasons(errors, reasons.text());
  }
  if (!reasons.empty()) return reject(std::move(reasons.text()));
  ++counts_.rows;
  rows(std::move(row));
}

}  // namespace rapport::ingest
