// Asterisk's queue_log (the pipe format `time|callid|queue|agent|EVENT|data1|data2|…` of
// Asterisk's Queue Logs documentation) read from bytes pushed in chunks: each queued call
// becomes one QueueCall, agent login and pause intervals become AgentIntervals. What each
// event means here is documented in docs/importing.md ("Asterisk queue_log").
//
// Contracts:
//  - Chunks may be of any size; output does not depend on how the input is cut. Lines end
//    with LF or CRLF; blank lines are skipped; a line longer than max_row_bytes is rejected
//    and skipped.
//  - Events are applied in file order. Every line is exactly one of: blank, an event
//    applied, an event ignored (counted by reason: e.g. a second PAUSE while paused), an
//    unknown event (counted by name) or a reject (malformed: fewer than 5 fields, a bad
//    time, a missing or non-numeric number the event needs; or a call event with no
//    ENTERQUEUE before it). Nothing is fatal.
//  - A call is emitted when its ending event (COMPLETECALLER, COMPLETEAGENT, TRANSFER,
//    BLINDTRANSFER, ATTENDEDTRANSFER, ABANDON, EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY) is
//    read, after domain::Validate of its interaction: a call whose answer or end is
//    before its ENTERQUEUE is rejected (line of the ending event).
//  - Calls and intervals still open at the end of an input are not emitted: Unfinished()
//    returns them so that the caller can keep them and Restore() them into the reader of
//    the next file, which then completes them.
//  - Memory: one buffered line, plus the calls and intervals open at a time (a call keeps
//    at most 1,000 events; beyond that it is rejected and dropped), plus the ids of the
//    last 4,096 finished calls (to ignore events Asterisk logs after a call's end).
// Not thread-safe; one reader per input file.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"
#include "ingest/framer.hpp"
#include "ingest/rows.hpp"
#include "ingest/time_parser.hpp"

namespace rapport::ingest {

struct QueueLogOptions {
  std::string source = "asterisk";  // source of the interactions and sessions
  std::string time_zone = "UTC";    // of "YYYY-MM-DD HH:MM:SS[.ffffff]" times and call logs
  std::size_t max_row_bytes = 1 << 20;
};

// A queue member rung without answer (RINGNOANSWER).
struct RingAttempt {
  std::string agent;
  std::int64_t ring_ms = 0;
  friend bool operator==(const RingAttempt&, const RingAttempt&) = default;
};

// One finished queued call.
struct QueueCall {
  std::string callid;
  std::int64_t line = 0;  // the line of its ending event, in the input being read
  std::string queue;
  std::optional<std::string> agent;      // who answered (the CONNECT's agent)
  std::optional<std::string> caller_id;  // ENTERQUEUE's callerid, when not empty
  Instant entered;                       // ENTERQUEUE's time
  std::optional<Instant> answered;       // CONNECT's time
  Instant ended;                         // the ending event's time
  std::int64_t wait_seconds = 0;  // CONNECT's holdtime; else the ending event's waittime
                                  // (EXIT*/ABANDON), else ended − entered
  std::optional<std::int64_t> talk_seconds;  // the ending event's calltime, when answered
  domain::Outcome outcome = domain::Outcome::kAnswered;
  std::vector<RingAttempt> unanswered;
  std::vector<std::string> tags;  // how it ended, e.g. "caller_hung_up", "exit_key:5"
  std::string log;                // e.g. "10:00:01 entered queue sales from 5551234; …"
};
using CallSink = std::function<void(QueueCall)>;

// A logged-in interval or a pause, closed.
struct AgentInterval {
  std::int64_t line = 0;  // the line of its closing event, in the input being read
  std::string agent_name;
  std::optional<std::string> queue_name;  // absent: every queue (AGENTLOGIN, PAUSEALL, …)
  domain::AgentSessionKind kind = domain::AgentSessionKind::kLoggedIn;
  Instant started;
  Instant ended;
  std::optional<std::string> reason;  // of a pause, when logged
  std::string external_id;            // "<agent>|<queue or empty>|<kind>|<start epoch ms>"
  friend bool operator==(const AgentInterval&, const AgentInterval&) = default;
};
using SessionSink = std::function<void(AgentInterval)>;

// The interaction of a finished call: channel phone, direction inbound, kind contact,
// external_id "<callid>@<entered epoch ms>" (a caller re-entering a queue under the same
// callid gives a second interaction), queue_name, agent_name, arrived/answered/ended,
// outcome, subject "Call from <caller id>" (or "Call" without one), body = the call log,
// tags; line = call.line.
InteractionRow ToInteractionRow(const QueueCall& call, std::string_view source);

struct QueueLogCounts {
  std::int64_t lines = 0;
  std::int64_t blank = 0;
  std::int64_t applied = 0;   // lines whose event changed a call or an agent's state
  std::int64_t ignored = 0;   // lines of known events that changed nothing (see below)
  std::int64_t unknown = 0;   // lines of events this reader does not interpret
  std::int64_t rejected = 0;  // lines rejected
  std::int64_t calls = 0;     // calls emitted
  std::int64_t sessions = 0;  // intervals emitted
  std::map<std::string, std::int64_t> unknown_events;  // by event name
  std::map<std::string, std::int64_t> ignored_events;  // by "<EVENT> <why>"
};

class QueueLogReader {
 public:
  // Fails (kInvalid) on an unknown time zone or an empty source.
  static Result<QueueLogReader> Create(QueueLogOptions options);

  // Reads the next chunk; finished calls, intervals and rejects go to the sinks.
  void Feed(std::string_view chunk, const CallSink& calls, const SessionSink& sessions,
            const RejectSink& rejects);
  // The end of the input: reads a last line without newline. Open calls and intervals
  // stay open (see Unfinished).
  void Finish(const CallSink& calls, const SessionSink& sessions, const RejectSink& rejects);

  // What is still open, sorted by key: ("call:<callid>", text) for each open call and
  // ("agent:<agent>" or "agent:<agent>|<queue>", text) for each agent (and queue) with an
  // open login or pause. The text holds the events read so far, one per line, each as
  // "<line number> <the queue_log line as read>\n" (line numbers of the file each came
  // from).
  std::vector<std::pair<std::string, std::string>> Unfinished() const;

  // Puts back what Unfinished() returned for the previous file, before this file is fed.
  // Fails (kInvalid) when the text is malformed or does not leave `key` open.
  Result<void> Restore(std::string_view key, std::string_view text);

  const QueueLogCounts& counts() const { return counts_; }

 private:
  struct OpenCall {
    QueueCall call;
    std::string raw;
    int events = 0;
  };
  struct OpenInterval {
    Instant started;
    std::optional<std::string> reason;
    std::string raw;
  };
  struct Slot {
    std::optional<OpenInterval> login;
    std::optional<OpenInterval> pause;
  };
  struct AgentState {
    Slot all;                            // AGENTLOGIN, PAUSEALL and PAUSE without a queue
    std::map<std::string, Slot> queues;  // ADDMEMBER, PAUSE of one queue
  };
  enum class LineOutcome { kApplied, kIgnored, kUnknown, kRejected };
  struct Sinks {
    const CallSink& calls;
    const SessionSink& sessions;
    const RejectSink& rejects;
  };

  QueueLogReader(QueueLogOptions options, TimeParser times);
  void OnLine(std::string_view text, std::int64_t line, const Sinks& sinks);
  LineOutcome OnEvent(std::string_view text, std::int64_t line, const Sinks& sinks);
  LineOutcome OnCallEvent(std::string_view event, std::string_view text, std::int64_t line,
                          Instant at, const Sinks& sinks);
  LineOutcome OnAgentEvent(std::string_view event, std::string_view text, std::int64_t line,
                           Instant at, const Sinks& sinks);
  void EndCall(OpenCall open, std::int64_t line, const Sinks& sinks);
  void EndInterval(std::string_view agent, const std::string* queue,
                   domain::AgentSessionKind kind, OpenInterval open, Instant ended,
                   std::int64_t line, const Sinks& sinks);
  LineOutcome Ignore(std::string_view event, std::string_view why);

  QueueLogOptions options_;
  TimeParser times_;
  internal::Framer framer_;
  QueueLogCounts counts_;
  std::vector<std::string_view> fields_;
  std::unordered_map<std::string, OpenCall> calls_;
  std::unordered_map<std::string, AgentState> agents_;
  std::unordered_set<std::string> recently_ended_;
  std::deque<std::string> ended_order_;
};

}  // namespace rapport::ingest
