// QueueLogReader over fixtures written from Asterisk's Queue Logs documentation: every
// event, calls that abandon short and late, time out, exit empty or with a key, are
// transferred three ways, ring unanswered then answered, and span two files; agent
// logins and pauses; unknown events; malformed and truncated lines.
#include "ingest/queue_log.hpp"

#include <gtest/gtest.h>

#include "ingest/test_support.hpp"

#ifndef RAPPORT_INGEST_TESTDATA
#error "RAPPORT_INGEST_TESTDATA must name the directory of the test fixtures"
#endif

namespace rapport::ingest {
namespace {

using domain::AgentSessionKind;
using domain::Outcome;
using testing::FeedInChunks;

struct Output {
  std::vector<QueueCall> calls;
  std::vector<AgentInterval> sessions;
  std::vector<Reject> rejects;

  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      out.push_back(testing::Render(ToInteractionRow(c, "asterisk")) + " wait=" +
                    std::to_string(c.wait_seconds) + " talk=" +
                    std::to_string(c.talk_seconds.value_or(-1)));
    }
    for (const auto& s : sessions) out.push_back(std::to_string(s.line) + " " + s.external_id);
    for (const auto& r : rejects) out.push_back(testing::Render(r));
    return out;
  }
};

std::string Fixture(const char* name) {
  return testing::ReadFile(std::string(RAPPORT_INGEST_TESTDATA) + "/queue_log/" + name);
}

Output Read(QueueLogReader& reader, std::string_view text, std::size_t chunk = 0) {
  Output out;
  const CallSink calls = [&](QueueCall c) { out.calls.push_back(std::move(c)); };
  const SessionSink sessions = [&](AgentInterval s) { out.sessions.push_back(std::move(s)); };
  const RejectSink rejects = [&](Reject r) { out.rejects.push_back(std::move(r)); };
  FeedInChunks(text, chunk, [&](std::string_view part) { reader.Feed(part, calls, sessions, rejects); });
  reader.Finish(calls, sessions, rejects);
  return out;
}

QueueLogReader NewReader(const char* zone = "UTC") {
  QueueLogOptions options;
  options.time_zone = zone;
  auto reader = QueueLogReader::Create(options);
  EXPECT_TRUE(reader.has_value());
  return std::move(*reader);
}

Instant T(std::int64_t epoch_seconds) { return Instant{epoch_seconds * 1000}; }

const QueueCall& Call(const Output& out, std::string_view callid) {
  for (const auto& c : out.calls) {
    if (c.callid == callid) return c;
  }
  ADD_FAILURE() << "no call " << callid;
  static const QueueCall none;
  return none;
}

TEST(QueueLog, EveryCallEventOfTheFirstFile) {
  QueueLogReader reader = NewReader();
  const Output out = Read(reader, Fixture("day1.log"));

  std::vector<std::string> ids;
  for (const auto& c : out.calls) ids.push_back(c.callid);
  EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9",
                                           "c10", "c13"}));

  // Rang unanswered, then answered by another agent; the caller hung up.
  const QueueCall& c1 = Call(out, "c1");
  EXPECT_EQ(c1.line, 7);
  EXPECT_EQ(c1.queue, "sales");
  EXPECT_EQ(c1.agent, "Agent/1002");
  EXPECT_EQ(c1.caller_id, "5551234");
  EXPECT_EQ(c1.entered, T(1704103201));
  EXPECT_EQ(c1.answered, T(1704103231));
  EXPECT_EQ(c1.ended, T(1704103442));
  EXPECT_EQ(c1.wait_seconds, 30);
  EXPECT_EQ(c1.talk_seconds, 211);
  EXPECT_EQ(c1.outcome, Outcome::kAnswered);
  EXPECT_EQ(c1.unanswered, (std::vector<RingAttempt>{{"Agent/1001", 15000}}));
  EXPECT_EQ(c1.tags, (std::vector<std::string>{"ring_no_answer", "caller_hung_up"}));
  EXPECT_EQ(c1.log,
            "10:00:01 entered queue sales from 5551234; rang Agent/1001 15.0 s, no answer; "
            "10:00:31 answered by Agent/1002 after 30 s; 10:04:02 caller hung up after 211 s");

  const InteractionRow row = ToInteractionRow(c1, "asterisk");
  EXPECT_EQ(row.line, 7);
  EXPECT_EQ(row.record.source, "asterisk");
  EXPECT_EQ(row.record.external_id, "c1@1704103201000");
  EXPECT_EQ(row.record.channel, domain::Channel::kPhone);
  EXPECT_EQ(row.record.direction, domain::Direction::kInbound);
  EXPECT_EQ(row.record.kind, domain::InteractionKind::kContact);
  EXPECT_EQ(row.record.arrived_at, T(1704103201));
  EXPECT_EQ(row.record.answered_at, T(1704103231));
  EXPECT_EQ(row.record.ended_at, T(1704103442));
  EXPECT_EQ(row.record.outcome, Outcome::kAnswered);
  EXPECT_EQ(row.record.subject, "Call from 5551234");
  EXPECT_EQ(row.record.body, c1.log);
  EXPECT_EQ(row.queue_name, "sales");
  EXPECT_EQ(row.agent_name, "Agent/1002");

  // Short (2 s) and late (90 s) abandons.
  const QueueCall& c2 = Call(out, "c2");
  EXPECT_EQ(c2.outcome, Outcome::kAbandoned);
  EXPECT_EQ(c2.wait_seconds, 2);
  EXPECT_FALSE(c2.answered);
  EXPECT_FALSE(c2.talk_seconds);
  EXPECT_EQ(c2.log, "10:01:40 entered queue sales from 5550002; 10:01:42 caller hung up after "
                    "2 s in queue at position 1");
  EXPECT_EQ(Call(out, "c3").outcome, Outcome::kAbandoned);
  EXPECT_EQ(Call(out, "c3").wait_seconds, 90);
  EXPECT_EQ(Call(out, "c3").ended, T(1704103490));

  EXPECT_EQ(Call(out, "c4").outcome, Outcome::kTimedOut);
  EXPECT_EQ(Call(out, "c4").tags, (std::vector<std::string>{"exit_timeout"}));
  EXPECT_EQ(Call(out, "c4").wait_seconds, 60);
  EXPECT_EQ(Call(out, "c5").outcome, Outcome::kTimedOut);
  EXPECT_EQ(Call(out, "c5").tags, (std::vector<std::string>{"exit_empty"}));
  EXPECT_EQ(Call(out, "c6").outcome, Outcome::kAbandoned);
  EXPECT_EQ(Call(out, "c6").tags, (std::vector<std::string>{"exit_key:5"}));
  EXPECT_EQ(Call(out, "c6").wait_seconds, 12);
  EXPECT_EQ(Call(out, "c6").log, "10:08:20 entered queue support from 5550006; 10:08:32 caller "
                                 "pressed 5 after 12 s in queue at position 1");

  // Three kinds of transfer.
  const QueueCall& c7 = Call(out, "c7");
  EXPECT_EQ(c7.outcome, Outcome::kTransferred);
  EXPECT_EQ(c7.agent, "Agent/1001");
  EXPECT_EQ(c7.wait_seconds, 10);
  EXPECT_EQ(c7.talk_seconds, 90);
  EXPECT_EQ(c7.tags, (std::vector<std::string>{"transfer"}));
  EXPECT_EQ(c7.log, "10:10:00 entered queue sales from 5550007; 10:10:10 answered by "
                    "Agent/1001 after 10 s; 10:11:40 transferred to 2000@default after 90 s");
  EXPECT_EQ(Call(out, "c8").outcome, Outcome::kTransferred);
  EXPECT_EQ(Call(out, "c8").tags, (std::vector<std::string>{"blind_transfer"}));
  EXPECT_EQ(Call(out, "c8").talk_seconds, 60);
  EXPECT_EQ(Call(out, "c9").outcome, Outcome::kTransferred);
  EXPECT_EQ(Call(out, "c9").tags, (std::vector<std::string>{"attended_transfer"}));
  EXPECT_TRUE(Call(out, "c9").log.ends_with("10:16:46 attended transfer (BRIDGE c9.5) after 100 s"));

  const QueueCall& c10 = Call(out, "c10");
  EXPECT_EQ(c10.unanswered, (std::vector<RingAttempt>{{"Agent/1001", 2000}}));
  EXPECT_EQ(c10.agent, "Agent/1002");
  EXPECT_EQ(c10.tags, (std::vector<std::string>{"ring_no_answer", "agent_hung_up"}));

  // c13's CONNECT was malformed (rejected, not applied), so it ends as an abandon.
  EXPECT_EQ(Call(out, "c13").outcome, Outcome::kAbandoned);
  EXPECT_EQ(Call(out, "c13").wait_seconds, 98);

  EXPECT_EQ(out.rejects,
            (std::vector<Reject>{
                {39, "CONNECT: call c99 has no ENTERQUEUE before it (if it began in an earlier "
                     "file, restore it from that file's unfinished calls)"},
                {40, "has 3 fields; a queue_log line has at least 5: "
                     "time|callid|queue|agent|event"},
                {41, "time: 'notatime' is not a date-time"},
                {43, "CONNECT: holdtime 'abc' is not a whole number"},
                {46, "has 3 fields; a queue_log line has at least 5: "
                     "time|callid|queue|agent|event"}}));

  const QueueLogCounts& counts = reader.counts();
  EXPECT_EQ(counts.lines, 46);
  EXPECT_EQ(counts.unknown_events,
            (std::map<std::string, std::int64_t>{{"CONFIGRELOAD", 1}, {"QUEUESTART", 1}}));
  EXPECT_EQ(counts.calls, 11);
  EXPECT_EQ(counts.sessions, 3);
  EXPECT_EQ(counts.rejected, 5);
  EXPECT_EQ(counts.blank + counts.applied + counts.ignored + counts.unknown + counts.rejected,
            counts.lines);
}

TEST(QueueLog, AgentSessionsOfTheFirstFile) {
  QueueLogReader reader = NewReader();
  const Output out = Read(reader, Fixture("day1.log"));
  ASSERT_EQ(out.sessions.size(), 3u);
  EXPECT_EQ(out.sessions[0],
            (AgentInterval{32, "Agent/1001", "sales", AgentSessionKind::kPaused, T(1704104400),
                           T(1704104500), "lunch", "Agent/1001|sales|paused|1704104400000"}));
  EXPECT_EQ(out.sessions[1],
            (AgentInterval{35, "SIP/2001", "support", AgentSessionKind::kLoggedIn,
                           T(1704104610), T(1704104700), std::nullopt,
                           "SIP/2001|support|logged_in|1704104610000"}));
  EXPECT_EQ(out.sessions[2],
            (AgentInterval{44, "Agent/1001", std::nullopt, AgentSessionKind::kLoggedIn,
                           T(1704103200), T(1704105000), std::nullopt,
                           "Agent/1001||logged_in|1704103200000"}));
}

TEST(QueueLog, CallsAndSessionsSpanningTwoFiles) {
  QueueLogReader first = NewReader();
  Read(first, Fixture("day1.log"));
  const auto unfinished = first.Unfinished();
  EXPECT_EQ(unfinished,
            (std::vector<std::pair<std::string, std::string>>{
                {"agent:Agent/1002",
                 "3 1704103200|NONE|NONE|Agent/1002|AGENTLOGIN|SIP/1002\n"
                 "33 1704104600|NONE|NONE|Agent/1002|PAUSEALL|break\n"},
                {"call:c11",
                 "36 1704104800|c11|sales|NONE|ENTERQUEUE||5550011|1\n"
                 "37 1704104810|c11|sales|Agent/1001|CONNECT|10|c11.2|1\n"}}));

  QueueLogReader second = NewReader();
  for (const auto& [key, text] : unfinished) ASSERT_TRUE(second.Restore(key, text)) << key;
  EXPECT_EQ(second.Unfinished(), unfinished);
  const Output out = Read(second, Fixture("day2.log"));
  EXPECT_TRUE(out.rejects.empty());
  ASSERT_EQ(out.calls.size(), 1u);
  const QueueCall& c11 = out.calls[0];
  EXPECT_EQ(c11.line, 1);
  EXPECT_EQ(c11.entered, T(1704104800));
  EXPECT_EQ(c11.answered, T(1704104810));
  EXPECT_EQ(c11.ended, T(1704106000));
  EXPECT_EQ(c11.talk_seconds, 1190);
  EXPECT_EQ(c11.outcome, Outcome::kAnswered);
  ASSERT_EQ(out.sessions.size(), 2u);
  EXPECT_EQ(out.sessions[0],
            (AgentInterval{2, "Agent/1002", std::nullopt, AgentSessionKind::kPaused,
                           T(1704104600), T(1704106100), "break",
                           "Agent/1002||paused|1704104600000"}));
  EXPECT_EQ(out.sessions[1],
            (AgentInterval{3, "Agent/1002", std::nullopt, AgentSessionKind::kLoggedIn,
                           T(1704103200), T(1704106200), std::nullopt,
                           "Agent/1002||logged_in|1704103200000"}));
  EXPECT_TRUE(second.Unfinished().empty());

  // Without the restore, the second file's call end has no beginning; the logoff carries
  // its login time, so the session is still recovered.
  QueueLogReader cold = NewReader();
  const Output alone = Read(cold, Fixture("day2.log"));
  EXPECT_TRUE(alone.calls.empty());
  ASSERT_EQ(alone.rejects.size(), 1u);
  EXPECT_EQ(alone.rejects[0].line, 1);
  ASSERT_EQ(alone.sessions.size(), 1u);
  EXPECT_EQ(alone.sessions[0].started, T(1704106200 - 3000));
  EXPECT_EQ(cold.counts().ignored_events,
            (std::map<std::string, std::int64_t>{{"UNPAUSEALL while not paused", 1}}));
}

TEST(QueueLog, RestoreRefusesBadText) {
  QueueLogReader reader = NewReader();
  EXPECT_FALSE(reader.Restore("call:c1", "no number\n"));
  EXPECT_FALSE(reader.Restore("call:c1", "5 1704103201|c2|sales|NONE|ENTERQUEUE||1|1\n"));
  EXPECT_FALSE(reader.Restore("shoe:c1", ""));
  EXPECT_FALSE(reader.Restore("call:c3",
                              "1 1704103201|c3|sales|NONE|ENTERQUEUE||1|1\n"
                              "2 1704103202|c3|sales|NONE|ABANDON|1|1|1\n"));
}

TEST(QueueLog, EveryChunkingGivesTheSameOutput) {
  const std::string text = Fixture("day1.log");
  QueueLogReader whole_reader = NewReader();
  const auto whole = Read(whole_reader, text).Lines();
  const auto unfinished = whole_reader.Unfinished();
  for (std::size_t size = 1; size <= text.size(); size += (size < 64 ? 1 : 37)) {
    QueueLogReader reader = NewReader();
    ASSERT_EQ(Read(reader, text, size).Lines(), whole) << "chunks of " << size;
    ASSERT_EQ(reader.Unfinished(), unfinished) << "chunks of " << size;
  }
}

TEST(QueueLog, LocalTimesFractionsAndOrder) {
  QueueLogReader reader = NewReader("Europe/Berlin");
  const Output out = Read(reader,
                          "2021-10-31 02:30:00.123456|a|q|NONE|ENTERQUEUE||77|1\n"
                          "2021-10-31 02:30:05.5|a|q|NONE|ABANDON|1|1|5\n"
                          "1635640000.25|b|q|NONE|ENTERQUEUE||78|1\n"
                          "1635639990|b|q|SIP/1|CONNECT|0|x|1\n"
                          "1635640100|b|q|SIP/1|COMPLETECALLER|0|100|1\n"
                          "2021-03-28 02:30:00|c|q|NONE|ENTERQUEUE||79|1\n");
  ASSERT_EQ(out.calls.size(), 1u);
  // 02:30 happens twice that night; the earlier (CEST, +2) instant is taken.
  EXPECT_EQ(out.calls[0].entered, Instant{1635640200123});
  EXPECT_EQ(out.calls[0].ended, Instant{1635640205500});
  EXPECT_TRUE(out.calls[0].log.starts_with("02:30:00 entered queue q from 77")) << out.calls[0].log;
  ASSERT_EQ(out.rejects.size(), 2u);
  // Events are applied in file order: an answer before the entry rejects the call.
  EXPECT_EQ(out.rejects[0], (Reject{5, "call b: answered_at: is before arrived_at"}));
  EXPECT_EQ(out.rejects[1],
            (Reject{6, "time: '2021-03-28 02:30:00' does not exist in Europe/Berlin (skipped "
                       "by a daylight-saving change)"}));
}

TEST(QueueLog, AgentEdgeCasesAreCountedNotFatal) {
  QueueLogReader reader = NewReader();
  const Output out = Read(reader,
                          "100|NONE|NONE|Agent/1|AGENTLOGIN|SIP/1\n"
                          "101|NONE|NONE|Agent/1|AGENTLOGIN|SIP/1\n"
                          "102|NONE|q1|Agent/1|PAUSE|\n"
                          "103|NONE|q1|Agent/1|PAUSE|again\n"
                          "104|NONE|q1|Agent/1|UNPAUSE|\n"
                          "105|NONE|q1|Agent/1|UNPAUSE|\n"
                          "106|MANAGER|q1|SIP/9|REMOVEMEMBER|\n"
                          "107|NONE|NONE|NONE|PAUSEALL|\n"
                          "108|NONE|NONE|Agent/1|AGENTLOGOFF|SIP/1|x\n"
                          "109|c|q|NONE|ENTERQUEUE||1|1\n"
                          "110|c|q|NONE|ABANDON|1|1|1\n"
                          "111|c|q|NONE|ABANDON|1|1|2\n"
                          "\n");
  ASSERT_EQ(out.sessions.size(), 1u);
  EXPECT_EQ(out.sessions[0].reason, std::nullopt);
  EXPECT_EQ(out.calls.size(), 1u);
  EXPECT_EQ(reader.counts().ignored_events,
            (std::map<std::string, std::int64_t>{{"ABANDON after the call ended", 1},
                                                 {"AGENTLOGIN while logged in", 1},
                                                 {"PAUSE while paused", 1},
                                                 {"REMOVEMEMBER while not logged in", 1},
                                                 {"UNPAUSE while not paused", 1}}));
  EXPECT_EQ(out.rejects, (std::vector<Reject>{{8, "PAUSEALL: the agent is missing"},
                                              {9, "AGENTLOGOFF: logintime 'x' is not a whole number"}}));
  EXPECT_EQ(reader.counts().blank, 1);
}

}  // namespace
}  // namespace rapport::ingest
