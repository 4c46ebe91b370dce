// NdjsonReader: the API's interaction shape per line, names, bad JSON, unknown keys,
// derived ids and chunking.
#include "ingest/ndjson.hpp"

#include <gtest/gtest.h>

#include "ingest/test_support.hpp"

namespace rapport::ingest {
namespace {

using testing::FeedInChunks;
using testing::Render;

using Output = testing::RowOutput;

Output Read(std::string_view text, std::size_t chunk = 0, NdjsonOptions options = {}) {
  Output out;
  auto reader = NdjsonReader::Create(std::move(options));
  const RowSink rows = [&](InteractionRow row) { out.rows.push_back(std::move(row)); };
  const RejectSink rejects = [&](Reject reject) { out.rejects.push_back(std::move(reject)); };
  FeedInChunks(text, chunk, [&](std::string_view part) { EXPECT_TRUE(reader->Feed(part, rows, rejects)); });
  EXPECT_TRUE(reader->Finish(rows, rejects));
  out.counts = reader->counts();
  return out;
}

const char* const kInput =
    R"({"external_id":"e-1","channel":"email","direction":"inbound","arrived_at":"2024-03-10T09:00:00Z","queue":"Support","agent":"ann@example.com","subject":"Hi","outcome":"received"})"
    "\n"
    "   \n"
    R"({"channel":"phone","direction":"inbound","arrived_at":"2024-03-10T09:00:00Z"})"
    "\r\n"
    R"({"channel":"phone","direction":"inbound",)"
    "\n"
    R"({"channel":"phone","direction":"up","arrived_at":"2024-03-10T09:00:00Z","colour":"red"})"
    "\n"
    R"({"channel":"phone","direction":"inbound","arrived_at":"2024-03-10T09:00:00Z","queue":"A","queue_id":4})"
    "\n"
    R"({"source":"crm","channel":"phone","direction":"inbound","arrived_at":"2024-03-10T09:00:00Z","answered_at":"2024-03-10T08:00:00Z"})"
    "\n"
    R"([1,2])"
    "\n"
    R"({"source":"crm","external_id":"x","channel":"chat","direction":"outbound","arrived_at":"2024-03-10T09:00:00Z","agent":7})";

TEST(Ndjson, ReadsRowsNamesAndRejects) {
  const Output out = Read(kInput);
  ASSERT_EQ(out.rows.size(), 2u);
  EXPECT_EQ(out.rows[0].line, 1);
  EXPECT_EQ(out.rows[0].record.source, "ndjson");
  EXPECT_EQ(out.rows[0].record.external_id, "e-1");
  EXPECT_EQ(out.rows[0].queue_name, "Support");
  EXPECT_EQ(out.rows[0].agent_name, "ann@example.com");
  EXPECT_EQ(out.rows[1].line, 3);
  ASSERT_TRUE(out.rows[1].record.external_id);
  EXPECT_TRUE(out.rows[1].record.external_id->starts_with("sha256:"));

  ASSERT_EQ(out.rejects.size(), 6u);
  EXPECT_EQ(out.rejects[0].line, 4);
  EXPECT_TRUE(out.rejects[0].reason.starts_with("not JSON: ")) << out.rejects[0].reason;
  EXPECT_EQ(out.rejects[1], (Reject{5, "colour: unknown field; "
                                       "direction: must be one of: inbound, outbound"}));
  EXPECT_EQ(out.rejects[2], (Reject{6, "queue: give either queue or queue_id"}));
  EXPECT_EQ(out.rejects[3], (Reject{7, "answered_at: is before arrived_at"}));
  EXPECT_EQ(out.rejects[4], (Reject{8, "body: must be an object"}));
  EXPECT_EQ(out.rejects[5], (Reject{9, "agent: must be a non-empty string"}));
  EXPECT_EQ(out.counts.skipped, 1);
  EXPECT_EQ(out.counts.lines, 9);
  EXPECT_EQ(out.counts.rows + out.counts.rejects + out.counts.skipped, out.counts.records);
}

TEST(Ndjson, DerivedIdsIgnoreKeyOrderAndSpacing) {
  const Output a = Read(R"({"channel":"phone","direction":"inbound","arrived_at":"2024-03-10T09:00:00Z"})");
  const Output b = Read(R"({ "arrived_at" : "2024-03-10T09:00:00Z", "direction":"inbound", "channel":"phone" })");
  const Output c = Read(R"({"channel":"phone","direction":"inbound","arrived_at":"2024-03-10T09:00:01Z"})");
  ASSERT_EQ(a.rows.size(), 1u);
  ASSERT_EQ(b.rows.size(), 1u);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(a.rows[0].record.external_id, b.rows[0].record.external_id);
  EXPECT_NE(a.rows[0].record.external_id, c.rows[0].record.external_id);
}

TEST(Ndjson, EveryChunkingGivesTheSameOutput) {
  const std::string text = kInput;
  const auto whole = Read(text).Lines();
  for (std::size_t size = 1; size <= text.size(); ++size) {
    ASSERT_EQ(Read(text, size).Lines(), whole) << "chunks of " << size;
  }
}

TEST(Ndjson, LongLinesAreRejected) {
  NdjsonOptions options;
  options.max_row_bytes = 40;
  const Output out = Read(std::string(100, ' ') + "\n{}\n", 0, options);
  ASSERT_EQ(out.rejects.size(), 2u);
  EXPECT_EQ(out.rejects[0], (Reject{1, "line is longer than 40 bytes"}));
  EXPECT_EQ(out.rejects[1].line, 2);
}

}  // namespace
}  // namespace rapport::ingest
