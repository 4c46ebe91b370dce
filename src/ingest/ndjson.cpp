#include "ingest/ndjson.hpp"

#include <boost/json.hpp>

#include "domain/json_codec.hpp"
#include "ingest/cells.hpp"
#include "ingest/derived_id.hpp"

namespace rapport::ingest {

namespace json = boost::json;

NdjsonReader::NdjsonReader(NdjsonOptions options)
    : options_(std::move(options)), framer_(options_.max_row_bytes, false) {}

Result<NdjsonReader> NdjsonReader::Create(NdjsonOptions options) {
  if (options.source.empty()) {
    return Fail(ErrorCode::kInvalid, "source must not be empty",
                {{"source", "must not be empty"}});
  }
  return NdjsonReader(std::move(options));
}

Result<void> NdjsonReader::Feed(std::string_view chunk, const RowSink& rows,
                                const RejectSink& rejects) {
  const auto too_long = [&](std::int64_t line) {
    ++counts_.rejects;
    rejects({line, "line is longer than " + std::to_string(options_.max_row_bytes) + " bytes"});
  };
  framer_.Feed(
      chunk, [&](std::string_view text, std::int64_t line) { OnLine(text, line, rows, rejects); },
      too_long);
  counts_.lines = framer_.lines();
  counts_.records = framer_.records();
  return {};
}

Result<void> NdjsonReader::Finish(const RowSink& rows, const RejectSink& rejects) {
  const auto too_long = [&](std::int64_t line) {
    ++counts_.rejects;
    rejects({line, "line is longer than " + std::to_string(options_.max_row_bytes) + " bytes"});
  };
  framer_.Finish(
      [&](std::string_view text, std::int64_t line) { OnLine(text, line, rows, rejects); },
      too_long);
  counts_.lines = framer_.lines();
  counts_.records = framer_.records();
  return {};
}

void NdjsonReader::OnLine(std::string_view text, std::int64_t line, const RowSink& rows,
                          const RejectSink& rejects) {
  if (internal::Trim(text).empty()) {
    ++counts_.skipped;
    return;
  }
  const auto reject = [&](std::string reason) {
    ++counts_.rejects;
    rejects({line, std::move(reason)});
  };
  boost::system::error_code ec;
  json::parse_options parse_options;
  parse_options.max_depth = 32;
  json::value value = json::parse(text, ec, {}, parse_options);
  if (ec) return reject("not JSON: " + ec.message());
  json::object* object = value.if_object();
  if (!object) return reject("body: must be an object");

  InteractionRow row;
  row.line = line;
  std::string reasons;
  for (auto [key, out] : {std::pair{std::string_view("queue"), &row.queue_name},
                          std::pair{std::string_view("agent"), &row.agent_name}}) {
    auto found = object->find(key);
    if (found == object->end()) continue;
    if (const auto* name = found->value().if_string(); name && !name->empty()) {
      *out = std::string(*name);
    } else if (!found->value().is_null()) {
      reasons += (reasons.empty() ? "" : "; ") + std::string(key) + ": must be a non-empty string";
    }
    object->erase(found);
  }
  row.record.source = options_.source;
  FieldErrors errors;
  domain::FromJson(value, row.record, "", errors);
  domain::Interaction& r = row.record;
  if (row.queue_name && r.queue_id) errors.Add("queue", "give either queue or queue_id");
  if (row.agent_name && r.agent_id) errors.Add("agent", "give either agent or agent_id");
  if (errors.empty() && reasons.empty()) {
    if (!r.external_id) {
      DerivedId id;
      id.Add("record", json::serialize(domain::ToJson(r)));
      if (row.queue_name) id.Add("queue", *row.queue_name);
      if (row.agent_name) id.Add("agent", *row.agent_name);
      r.external_id = id.Finish();
    }
    domain::Validate(r, errors);
  }
  internal::AppendReasons(errors, reasons);
  if (!reasons.empty()) return reject(std::move(reasons));
  ++counts_.rows;
  rows(std::move(row));
}

}  // namespace rapport::ingest
