// Random inputs never crash the readers and every line is accounted for. Bounded: 2,000
// inputs of up to 600 bytes drawn from a small alphabet rich in separators, fed in random
// chunk sizes. The seed is fixed so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "ingest/csv.hpp"
#include "ingest/ndjson.hpp"
#include "ingest/queue_log.hpp"

namespace rapport::ingest {
namespace {

constexpr std::string_view kAlphabet =
    "||||,,,,\"\"\"\n\n\n\r;:{}[]0123456789-. TZabcdeENTRQUCOABDPXIWHKLM\xEF\xBB\xBF\x00";

std::string RandomInput(std::mt19937& rng) {
  std::uniform_int_distribution<std::size_t> length(0, 600);
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string out(length(rng), ' ');
  for (char& c : out) c = kAlphabet[pick(rng)];
  // Sometimes start with something that parses, so that deeper paths run too.
  switch (rng() % 4) {
    case 0: out = "channel,direction,arrived_at,queue\nphone,inbound,2024-01-01 10:00,a\n" + out; break;
    case 1: out = "1704103201|c|q|NONE|ENTERQUEUE||1|1\n" + out; break;
    case 2: out = "{\"channel\":\"phone\",\"direction\":\"inbound\",\"arrived_at\":\"2024-01-01T00:00:00Z\"}\n" + out; break;
    default: break;
  }
  return out;
}

std::int64_t PhysicalLines(std::string_view text) {
  std::int64_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

template <class Fn>
void InChunks(std::string_view text, std::mt19937& rng, Fn&& feed) {
  while (!text.empty()) {
    const std::size_t size = std::min<std::size_t>(text.size(), 1 + rng() % 97);
    feed(text.substr(0, size));
    text.remove_prefix(size);
  }
}

TEST(Robustness, RandomInputsAreAccountedForLineByLine) {
  std::mt19937 rng(20240401);
  for (int i = 0; i < 2000; ++i) {
    const std::string input = RandomInput(rng);
    const std::int64_t lines = PhysicalLines(input);
    std::int64_t rows = 0, rejects = 0, last_line = 0;
    const RowSink on_row = [&](InteractionRow row) {
      ++rows;
      EXPECT_GE(row.line, 1);
      EXPECT_LE(row.line, lines);
    };
    const RejectSink on_reject = [&](Reject reject) {
      ++rejects;
      EXPECT_GE(reject.line, 1);
      EXPECT_LE(reject.line, lines);
      last_line = reject.line;
    };

    CsvOptions csv_options;
    csv_options.max_row_bytes = 64 + rng() % 256;
    auto csv = CsvReader::Create(csv_options);
    bool header_failed = false;
    InChunks(input, rng, [&](std::string_view part) {
      if (!header_failed) header_failed = !csv->Feed(part, on_row, on_reject);
    });
    if (!header_failed) header_failed = !csv->Finish(on_row, on_reject);
    if (!header_failed) {
      const ReadCounts& c = csv->counts();
      EXPECT_EQ(c.lines, lines) << i;
      EXPECT_EQ(c.header + c.rows + c.rejects + c.skipped, c.records) << i;
      EXPECT_EQ(c.rows, rows);
      EXPECT_EQ(c.rejects, rejects);
    }

    rows = rejects = 0;
    NdjsonOptions ndjson_options;
    ndjson_options.max_row_bytes = 64 + rng() % 256;
    auto ndjson = NdjsonReader::Create(ndjson_options);
    InChunks(input, rng, [&](std::string_view part) { EXPECT_TRUE(ndjson->Feed(part, on_row, on_reject)); });
    EXPECT_TRUE(ndjson->Finish(on_row, on_reject));
    const ReadCounts& n = ndjson->counts();
    EXPECT_EQ(n.lines, lines) << i;
    EXPECT_EQ(n.records, lines) << i;
    EXPECT_EQ(n.rows + n.rejects + n.skipped, n.records) << i;
    EXPECT_EQ(n.rows, rows);
    EXPECT_EQ(n.rejects, rejects);

    QueueLogOptions queue_options;
    queue_options.max_row_bytes = 64 + rng() % 256;
    auto queue_log = QueueLogReader::Create(queue_options);
    std::int64_t line_rejects = 0;
    const CallSink on_call = [&](QueueCall call) { EXPECT_LE(call.line, lines); };
    const SessionSink on_session = [&](AgentInterval s) { EXPECT_LE(s.line, lines); };
    const RejectSink on_queue_reject = [&](Reject reject) {
      ++line_rejects;
      EXPECT_LE(reject.line, lines);
    };
    InChunks(input, rng, [&](std::string_view part) {
      queue_log->Feed(part, on_call, on_session, on_queue_reject);
    });
    queue_log->Finish(on_call, on_session, on_queue_reject);
    const QueueLogCounts& q = queue_log->counts();
    EXPECT_EQ(q.lines, lines) << i;
    EXPECT_EQ(q.blank + q.applied + q.ignored + q.unknown + q.rejected, q.lines) << i;
    EXPECT_GE(line_rejects, q.rejected);
    // What is left open can be carried to a new reader.
    auto next = QueueLogReader::Create(queue_options);
    for (const auto& [key, text] : queue_log->Unfinished()) {
      EXPECT_TRUE(next->Restore(key, text)) << key << "\n" << text;
    }
  }
}

}  // namespace
}  // namespace rapport::ingest
