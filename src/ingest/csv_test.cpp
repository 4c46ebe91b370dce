// CsvReader: RFC 4180 framing, line numbers, header mapping, every time format and the
// DST edge cases, wait/talk alternatives, derived ids and the reason of every bad cell.
#include "ingest/csv.hpp"

#include <gtest/gtest.h>

#include "ingest/test_support.hpp"

#ifndef RAPPORT_INGEST_TESTDATA
#error "RAPPORT_INGEST_TESTDATA must name the directory of the test fixtures"
#endif

namespace rapport::ingest {
namespace {

using testing::FeedInChunks;
using testing::ReadFile;
using testing::Render;

using Output = testing::RowOutput;

Output Read(std::string_view text, CsvOptions options = {}, std::size_t chunk = 0) {
  Output out;
  auto reader = CsvReader::Create(std::move(options));
  EXPECT_TRUE(reader.has_value());
  const RowSink rows = [&](InteractionRow row) { out.rows.push_back(std::move(row)); };
  const RejectSink rejects = [&](Reject reject) { out.rejects.push_back(std::move(reject)); };
  FeedInChunks(text, chunk, [&](std::string_view part) {
    if (out.error) return;
    if (auto fed = reader->Feed(part, rows, rejects); !fed) out.error = fed.error();
  });
  if (!out.error) {
    if (auto done = reader->Finish(rows, rejects); !done) out.error = done.error();
  }
  out.counts = reader->counts();
  return out;
}

std::string Fixture(const char* name) {
  return ReadFile(std::string(RAPPORT_INGEST_TESTDATA) + "/" + name);
}

Instant At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(Csv, ReadsTheFixtureWithQuotesEmbeddedNewlinesAndBom) {
  const Output out = Read(Fixture("interactions.csv"));
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_EQ(out.rows.size(), 5u);
  ASSERT_EQ(out.rejects.size(), 1u);
  EXPECT_EQ(out.rejects[0],
            (Reject{9, "direction: 'sideways' is not one of inbound, outbound"}));

  const auto& c1 = out.rows[0];
  EXPECT_EQ(c1.line, 2);
  EXPECT_EQ(c1.record.source, "csv");
  EXPECT_EQ(c1.record.external_id, "c-1");
  EXPECT_EQ(c1.queue_name, "Sales");
  EXPECT_EQ(c1.agent_name, "ann@example.com");
  EXPECT_EQ(c1.record.arrived_at, At("2024-03-10T09:00:00Z"));
  EXPECT_EQ(c1.record.answered_at, At("2024-03-10T09:00:30Z"));
  EXPECT_EQ(c1.record.ended_at, At("2024-03-10T09:02:30Z"));
  EXPECT_EQ(c1.record.outcome, domain::Outcome::kAnswered);
  EXPECT_EQ(c1.record.body, "He asked \"where is it?\"");
  EXPECT_EQ(c1.record.tags, (std::vector<std::string>{"vip", "order"}));
  ASSERT_EQ(c1.record.participants.size(), 1u);
  EXPECT_EQ(c1.record.participants[0].address, "+15551234");

  const auto& c2 = out.rows[1];
  EXPECT_EQ(c2.line, 3);
  EXPECT_EQ(c2.record.subject, "Line one\nline two\nline three");
  EXPECT_EQ(c2.record.body, "multi\nline");
  EXPECT_FALSE(c2.agent_name);
  ASSERT_EQ(c2.record.participants.size(), 2u);
  EXPECT_EQ(c2.record.participants[1].address, "carol@example.com");

  EXPECT_EQ(out.rows[2].line, 7);
  EXPECT_EQ(out.rows[2].record.arrived_at, At("2024-03-10T09:10:00Z"));
  EXPECT_EQ(out.rows[3].line, 8);
  EXPECT_EQ(out.rows[3].record.arrived_at, At("2024-03-10T09:10:00Z"));  // epoch seconds
  EXPECT_EQ(out.rows[3].record.direction, domain::Direction::kOutbound);

  const auto& derived = out.rows[4];
  EXPECT_EQ(derived.line, 10);
  ASSERT_TRUE(derived.record.external_id);
  EXPECT_TRUE(derived.record.external_id->starts_with("sha256:"));
  EXPECT_EQ(derived.record.external_id->size(), 7u + 64u);
  EXPECT_EQ(derived.record.arrived_at, At("2024-03-10T09:30:00.250Z"));
  EXPECT_EQ(derived.record.ended_at, At("2024-03-10T09:31:05.250Z"));

  EXPECT_EQ(out.counts.lines, 10);
  EXPECT_EQ(out.counts.records, 7);
  EXPECT_EQ(out.counts.header + out.counts.rows + out.counts.rejects + out.counts.skipped,
            out.counts.records);
}

TEST(Csv, CrlfLineEndingsAndALastLineWithoutNewline) {
  const Output out = Read(Fixture("crlf.csv"));
  ASSERT_FALSE(out.error);
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0].line, 2);
  EXPECT_EQ(out.rows[0].queue_name, "Sales");
  EXPECT_EQ(out.rows[1].line, 3);
  EXPECT_EQ(out.rows[1].queue_name, "Sales\r\nEast");  // inside quotes, kept as written
  EXPECT_EQ(out.rows[2].line, 5);
  EXPECT_EQ(out.rows[2].record.arrived_at, At("2024-03-10T09:02:00Z"));
}

TEST(Csv, EveryChunkingGivesTheSameOutput) {
  for (const char* name : {"interactions.csv", "crlf.csv"}) {
    const std::string text = Fixture(name);
    const auto whole = Read(text).Lines();
    for (std::size_t size = 1; size <= text.size(); ++size) {
      ASSERT_EQ(Read(text, {}, size).Lines(), whole) << name << " in chunks of " << size;
    }
  }
}

TEST(Csv, HeaderMappingAndIgnoredColumns) {
  CsvOptions options;
  options.column_map = {{"Start Time", "arrived_at"}, {"Notes", "-"}, {"Media", "channel"}};
  const Output out = Read(
      " Media ,DIRECTION,start time,Notes\n"
      "phone,inbound,2024-01-02 03:04:05,whatever \"it\" says\n",
      options);
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].record.arrived_at, At("2024-01-02T03:04:05Z"));
  EXPECT_FALSE(out.rows[0].record.body);
}

TEST(Csv, BadHeadersFailTheImportNamingTheColumn) {
  const auto error_of = [](std::string_view text, CsvOptions options = {}) {
    const Output out = Read(text, std::move(options));
    EXPECT_TRUE(out.error) << text;
    EXPECT_TRUE(out.rows.empty());
    return out.error ? out.error->message : std::string();
  };
  EXPECT_EQ(error_of("channel,direction,arrived_at,colour\nphone,inbound,1,red\n"),
            "header: colour: unknown column");
  EXPECT_EQ(error_of("channel,direction,arrived_at,Channel\n"),
            "header: channel: appears more than once");
  EXPECT_EQ(error_of("channel,arrived_at\n"), "header: direction: column is missing");
  CsvOptions mapped;
  mapped.column_map = {{"when", "arrived_at"}};
  EXPECT_EQ(error_of("channel,direction,arrived_at,when\n", mapped),
            "header: arrived_at: appears more than once");

  // The error sticks: later calls fail the same way.
  auto reader = CsvReader::Create({});
  const RowSink rows = [](InteractionRow) {};
  const RejectSink rejects = [](Reject) {};
  EXPECT_FALSE(reader->Feed("channel\n", rows, rejects));
  EXPECT_FALSE(reader->Feed("phone\n", rows, rejects));
  EXPECT_FALSE(reader->Finish(rows, rejects));

  CsvOptions bad_map;
  bad_map.column_map = {{"x", "colour"}};
  EXPECT_FALSE(CsvReader::Create(bad_map));
  CsvOptions bad_zone;
  bad_zone.time_zone = "Mars/Olympus";
  EXPECT_FALSE(CsvReader::Create(bad_zone));
}

// One row per time in `zone`; returns arrived_at or the reject's reason.
std::vector<std::string> Times(const char* zone, const std::vector<std::string>& cells) {
  std::string text = "channel,direction,arrived_at\n";
  for (const auto& cell : cells) text += "phone,inbound," + cell + "\n";
  CsvOptions options;
  options.time_zone = zone;
  const Output out = Read(text, options);
  std::vector<std::string> result(cells.size());
  for (const auto& row : out.rows) result[row.line - 2] = FormatRfc3339(row.record.arrived_at);
  for (const auto& reject : out.rejects) result[reject.line - 2] = reject.reason;
  return result;
}

TEST(Csv, EveryTimeFormat) {
  EXPECT_EQ(Times("UTC", {"2024-03-10T12:34:56Z", "2024-03-10T12:34:56.5+05:30",
                          "2024-03-10 12:34:56-0100", "2024-03-10 12:34", "2024-03-10T12:34:56.789",
                          "1710074096", "1710074096.25", "2024-13-01 10:00", "2024-02-30 10:00",
                          "10:00", "2024-03-10 25:00", "yesterday"}),
            (std::vector<std::string>{
                "2024-03-10T12:34:56.000Z", "2024-03-10T07:04:56.500Z",
                "2024-03-10T13:34:56.000Z", "2024-03-10T12:34:00.000Z",
                "2024-03-10T12:34:56.789Z", "2024-03-10T12:34:56.000Z",
                "2024-03-10T12:34:56.250Z",
                "arrived_at: '2024-13-01 10:00' is not a date-time",
                "arrived_at: '2024-02-30 10:00' is not a date-time",
                "arrived_at: '10:00' is not a date-time",
                "arrived_at: '2024-03-10 25:00' is not a date-time",
                "arrived_at: 'yesterday' is not a date-time"}));
}

TEST(Csv, LocalTimesAcrossDaylightSavingChanges) {
  // Europe/Berlin 2021: CET (+1) until 2021-03-28 01:00Z, when 02:00 local jumps to 03:00;
  // CEST (+2) until 2021-10-31 01:00Z, when 03:00 local falls back to 02:00.
  EXPECT_EQ(Times("Europe/Berlin",
                  {"2021-03-28 01:59:59", "2021-03-28 02:30", "2021-03-28 03:00",
                   "2021-10-31 01:59", "2021-10-31 02:30", "2021-10-31 03:00",
                   "2021-07-01 12:00", "2021-10-31T02:30:00+01:00"}),
            (std::vector<std::string>{
                "2021-03-28T00:59:59.000Z",
                "arrived_at: '2021-03-28 02:30' does not exist in Europe/Berlin (skipped by a "
                "daylight-saving change)",
                "2021-03-28T01:00:00.000Z",
                "2021-10-30T23:59:00.000Z",
                "2021-10-31T00:30:00.000Z",  // twice; the earlier (CEST) instant
                "2021-10-31T02:00:00.000Z",
                "2021-07-01T10:00:00.000Z",
                "2021-10-31T01:30:00.000Z"}));  // an explicit offset picks the later one
  // America/New_York 2021: EST (-5) → EDT (-4) at 2021-03-14 02:00 local; back at
  // 2021-11-07 02:00 local, so 01:30 happens twice.
  EXPECT_EQ(Times("America/New_York",
                  {"2021-03-14 01:30", "2021-03-14 02:30", "2021-03-14 03:30",
                   "2021-11-07 01:30", "2021-11-07 02:30"}),
            (std::vector<std::string>{
                "2021-03-14T06:30:00.000Z",
                "arrived_at: '2021-03-14 02:30' does not exist in America/New_York (skipped "
                "by a daylight-saving change)",
                "2021-03-14T07:30:00.000Z", "2021-11-07T05:30:00.000Z",
                "2021-11-07T07:30:00.000Z"}));
}

TEST(Csv, WaitAndTalkSecondsStandInForAnsweredAndEnded) {
  const Output out = Read(
      "channel,direction,arrived_at,answered_at,ended_at,wait_seconds,talk_seconds\n"
      "phone,inbound,2024-01-01 10:00:00,,,30,90\n"
      "phone,inbound,2024-01-01 10:00:00,2024-01-01 10:00:10,,,20\n"
      "phone,inbound,2024-01-01 10:00:00,2024-01-01 10:00:10,,5,\n"
      "phone,inbound,2024-01-01 10:00:00,,2024-01-01 10:01:00,,20\n"
      "phone,inbound,2024-01-01 10:00:00,,2024-01-01 10:01:00,,\n");
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0].record.answered_at, At("2024-01-01T10:00:30Z"));
  EXPECT_EQ(out.rows[0].record.ended_at, At("2024-01-01T10:02:00Z"));
  EXPECT_EQ(out.rows[1].record.ended_at, At("2024-01-01T10:00:30Z"));
  EXPECT_EQ(out.rows[2].line, 6);
  EXPECT_FALSE(out.rows[2].record.answered_at);
  ASSERT_EQ(out.rejects.size(), 2u);
  EXPECT_EQ(out.rejects[0], (Reject{4, "wait_seconds: give either answered_at or wait_seconds"}));
  EXPECT_EQ(out.rejects[1], (Reject{5, "talk_seconds: give either ended_at or talk_seconds"}));
}

TEST(Csv, DerivedIdsAreStableAndFollowContent) {
  const std::string a =
      "channel,direction,arrived_at,subject\nphone,inbound,2024-01-01 10:00,Hello\n";
  const std::string reordered =
      "subject,arrived_at,direction,channel\nHello,2024-01-01 10:00,inbound,phone\n";
  const std::string changed =
      "channel,direction,arrived_at,subject\nphone,inbound,2024-01-01 10:00,Hello!\n";
  const auto id = [](const std::string& text, std::size_t chunk = 0) {
    const Output out = Read(text, {}, chunk);
    EXPECT_EQ(out.rows.size(), 1u);
    return out.rows.empty() ? std::string() : *out.rows[0].record.external_id;
  };
  const std::string first = id(a);
  for (std::size_t chunk = 1; chunk < a.size(); chunk += 7) EXPECT_EQ(id(a, chunk), first);
  EXPECT_EQ(id(reordered), first);
  EXPECT_NE(id(changed), first);
  // The definition in docs/importing.md, computed outside Rapport with
  // printf '%s' '7:channel5:phone9:direction7:inbound10:arrived_at16:2024-01-01 10:007:subject5:Hello' | sha256sum
  EXPECT_EQ(first, "sha256:89c3dfa527eac5f6f9ef0790431ae718ea24d8482705b38f83646e4e7408aed8");
}

TEST(Csv, EveryBadCellIsNamed) {
  const std::string header =
      "external_id,channel,direction,kind,account_id,person_id,case_id,queue_id,agent_id,"
      "arrived_at,answered_at,ended_at,wait_seconds,talk_seconds,wrap_up_seconds,outcome\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {",fax,inbound,,,,,,,2024-01-01 10:00,,,,,,",
       "channel: 'fax' is not one of phone, email, chat, web, social, sms"},
      {",phone,in,,,,,,,2024-01-01 10:00,,,,,,",
       "direction: 'in' is not one of inbound, outbound"},
      {",phone,inbound,memo,,,,,,2024-01-01 10:00,,,,,,",
       "kind: 'memo' is not one of contact, note"},
      {",phone,inbound,,x1,,,,,2024-01-01 10:00,,,,,,",
       "account_id: 'x1' is not an id (a positive integer)"},
      {",phone,inbound,,,0,,,,2024-01-01 10:00,,,,,,",
       "person_id: '0' is not an id (a positive integer)"},
      {",phone,inbound,,,,-4,,,2024-01-01 10:00,,,,,,",
       "case_id: '-4' is not an id (a positive integer)"},
      {",phone,inbound,,,,,1.5,,2024-01-01 10:00,,,,,,",
       "queue_id: '1.5' is not an id (a positive integer)"},
      {",phone,inbound,,,,,,bob,2024-01-01 10:00,,,,,,",
       "agent_id: 'bob' is not an id (a positive integer)"},
      {",phone,inbound,,,,,,,,,,,,,", "arrived_at: is required"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,soon,,,,,",
       "answered_at: 'soon' is not a date-time"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,later,,,,",
       "ended_at: 'later' is not a date-time"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,,-1,,,",
       "wait_seconds: '-1' is not a whole number of seconds"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,,1,2.5,,",
       "talk_seconds: '2.5' is not a whole number of seconds"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,,,,x,",
       "wrap_up_seconds: 'x' is not a whole number of seconds"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,,,,,won",
       "outcome: 'won' is not one of answered, abandoned, timed_out, transferred, voicemail, "
       "missed_off_hours, received, replied, sent"},
      // Domain rules, once every cell parsed.
      {",phone,inbound,,,,,,,2024-01-01 10:00,2024-01-01 09:00,,,,,",
       "answered_at: is before arrived_at"},
      {",phone,inbound,,,,,,,2024-01-01 10:00,,,,,,received",
       "outcome: 'received' is not an outcome of the phone channel"},
      {" ,phone,inbound,,,,,,,2024-01-01 10:00,,,,,,", "external_id: must not be blank"},
      // Several bad cells: all named, in column order.
      {",fax,in,,,,,,,2024-01-01 10:00,,,,,,",
       "channel: 'fax' is not one of phone, email, chat, web, social, sms; direction: 'in' "
       "is not one of inbound, outbound"},
  };
  for (const auto& [row, reason] : cases) {
    const Output out = Read(header + row + "\n");
    ASSERT_EQ(out.rejects.size(), 1u) << row;
    EXPECT_EQ(out.rejects[0].line, 2);
    EXPECT_EQ(out.rejects[0].reason, reason) << row;
  }
}

TEST(Csv, MalformedRowsAreRejectedAndReadingGoesOn) {
  CsvOptions options;
  options.max_row_bytes = 60;
  const Output out = Read(
      "channel,direction,arrived_at\n"
      "phone,inbound\n"
      "\"phone\"x,inbound,2024-01-01 10:00\n"
      "phone,inbound,2024-01-01 10:00," + std::string(100, 'x') + "\n"
      "\n"
      "phone,inbound,2024-01-01 10:00\n"
      "\"phone,inbound,2024-01-01 10:00\n",
      options);
  ASSERT_EQ(out.rows.size(), 1u);
  EXPECT_EQ(out.rows[0].line, 6);
  ASSERT_EQ(out.rejects.size(), 4u);
  EXPECT_EQ(out.rejects[0], (Reject{2, "row has 2 cells, the header has 3"}));
  EXPECT_EQ(out.rejects[1].line, 3);
  EXPECT_TRUE(out.rejects[1].reason.starts_with("malformed quoting")) << out.rejects[1].reason;
  EXPECT_EQ(out.rejects[2], (Reject{4, "row is longer than 60 bytes"}));
  EXPECT_EQ(out.rejects[3].line, 7);  // an unclosed quote runs to the end of the input
  EXPECT_EQ(out.counts.skipped, 1);
}

TEST(Csv, TooLongRowsSpanningChunksResynchroniseAtTheNextLine) {
  CsvOptions options;
  options.max_row_bytes = 50;
  const std::string text = "channel,direction,arrived_at\n\"" + std::string(500, 'q') +
                           "\n\nstill quoted\nphone,inbound,2024-01-01 10:00\n";
  for (std::size_t chunk : {0, 1, 7, 64}) {
    const Output out = Read(text, options, chunk);
    // Framing starts again outside quotes at line 3 (blank); "still quoted" lacks cells.
    EXPECT_EQ(out.rejects, (std::vector<Reject>{{2, "row is longer than 50 bytes"},
                                                {4, "row has 1 cells, the header has 3"}}))
        << chunk;
    ASSERT_EQ(out.rows.size(), 1u) << chunk;
    EXPECT_EQ(out.rows[0].line, 5);
    EXPECT_EQ(out.counts.lines, 5);
  }
}

}  // namespace
}  // namespace rapport::ingest
