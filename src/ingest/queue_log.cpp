#include "ingest/queue_log.hpp"

#include <algorithm>
#include <charconv>

#include "ingest/cells.hpp"

namespace rapport::ingest {

namespace {

using domain::AgentSessionKind;
using domain::Outcome;
using internal::Quoted;

constexpr int kMaxCallEvents = 1000;
constexpr std::size_t kRecentlyEnded = 4096;
constexpr std::size_t kMaxUnknownNames = 1000;  // distinct names kept; the rest are "(other)"

// "NONE" and an empty field mean no queue or no agent.
bool Absent(std::string_view field) { return field.empty() || field == "NONE"; }

std::string Seconds(std::int64_t s) { return std::to_string(s) + " s"; }

// Milliseconds as "15.0 s".
std::string TenthsOfSeconds(std::int64_t ms) {
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

void Append(std::string& log, std::string_view part) {
  if (!log.empty()) log += "; ";
  log += part;
}

// The data fields of one event, with the event's name for reasons.
class Data {
 public:
  Data(std::string_view event, const std::vector<std::string_view>& fields)
      : event_(event), fields_(fields) {}

  std::string_view Text(std::size_t i) const {
    return 5 + i < fields_.size() ? fields_[5 + i] : std::string_view();
  }
  bool Has(std::size_t i) const { return !Text(i).empty(); }

  // A number at data index i: required ones must be there; any that is there must be a
  // non-negative integer. On failure sets error.
  bool Number(std::size_t i, std::string_view name, bool required, std::optional<std::int64_t>& out) {
    const std::string_view text = Text(i);
    if (text.empty()) {
      if (required) Error(std::string(name) + " (data" + std::to_string(i + 1) + ") is missing");
      return !required;
    }
    std::int64_t value = 0;
    if (!internal::ParseCount(text, value)) {
      Error(std::string(name) + " " + Quoted(text) + " is not a whole number");
      return false;
    }
    out = value;
    return true;
  }

  void Error(std::string reason) {
    if (error_.empty()) error_ = std::string(event_) + ": " + std::move(reason);
  }
  const std::string& error() const { return error_; }

 private:
  std::string_view event_;
  const std::vector<std::string_view>& fields_;
  std::string error_;
};

}  // namespace

InteractionRow ToInteractionRow(const QueueCall& call, std::string_view source) {
  InteractionRow row;
  row.line = call.line;
  domain::Interaction& r = row.record;
  r.source = std::string(source);
  r.external_id = call.callid + "@" + std::to_string(call.entered.ms);
  r.channel = domain::Channel::kPhone;
  r.direction = domain::Direction::kInbound;
  r.kind = domain::InteractionKind::kContact;
  r.arrived_at = call.entered;
  r.answered_at = call.answered;
  r.ended_at = call.ended;
  r.outcome = call.outcome;
  r.subject = call.caller_id ? "Call from " + *call.caller_id : std::string("Call");
  r.body = call.log;
  r.tags = call.tags;
  row.queue_name = call.queue;
  row.agent_name = call.agent;
  return row;
}

QueueLogReader::QueueLogReader(QueueLogOptions options, TimeParser times)
    : options_(std::move(options)), times_(std::move(times)), framer_(options_.max_row_bytes, false) {}

Result<QueueLogReader> QueueLogReader::Create(QueueLogOptions options) {
  if (options.source.empty()) {
    return Fail(ErrorCode::kInvalid, "source must not be empty", {{"source", "must not be empty"}});
  }
  auto times = TimeParser::Create(options.time_zone);
  if (!times) return std::unexpected(times.error());
  return QueueLogReader(std::move(options), std::move(*times));
}

void QueueLogReader::Feed(std::string_view chunk, const CallSink& calls,
                          const SessionSink& sessions, const RejectSink& rejects) {
  const Sinks sinks{calls, sessions, rejects};
  framer_.Feed(
      chunk, [&](std::string_view text, std::int64_t line) { OnLine(text, line, sinks); },
      [&](std::int64_t line) {
        ++counts_.rejected;
        rejects({line, "line is longer than " + std::to_string(options_.max_row_bytes) + " bytes"});
      });
  counts_.lines = framer_.lines();
}

void QueueLogReader::Finish(const CallSink& calls, const SessionSink& sessions,
                            const RejectSink& rejects) {
  const Sinks sinks{calls, sessions, rejects};
  framer_.Finish([&](std::string_view text, std::int64_t line) { OnLine(text, line, sinks); },
                 [&](std::int64_t line) {
                   ++counts_.rejected;
                   rejects({line, "line is longer than " +
                                      std::to_string(options_.max_row_bytes) + " bytes"});
                 });
  counts_.lines = framer_.lines();
}

void QueueLogReader::OnLine(std::string_view text, std::int64_t line, const Sinks& sinks) {
  if (internal::Trim(text).empty()) {
    ++counts_.blank;
    return;
  }
  switch (OnEvent(text, line, sinks)) {
    case LineOutcome::kApplied: ++counts_.applied; break;
    case LineOutcome::kIgnored: ++counts_.ignored; break;
    case LineOutcome::kUnknown: ++counts_.unknown; break;
    case LineOutcome::kRejected: ++counts_.rejected; break;
  }
}

QueueLogReader::LineOutcome QueueLogReader::Ignore(std::string_view event, std::string_view why) {
  ++counts_.ignored_events[std::string(event) + " " + std::string(why)];
  return LineOutcome::kIgnored;
}

QueueLogReader::LineOutcome QueueLogReader::OnEvent(std::string_view text, std::int64_t line,
                                                    const Sinks& sinks) {
  const auto reject = [&](std::string reason) {
    sinks.rejects({line, std::move(reason)});
    return LineOutcome::kRejected;
  };
  fields_.clear();
  for (std::size_t pos = 0;;) {
    const std::size_t bar = text.find('|', pos);
    fields_.push_back(text.substr(pos, bar == std::string_view::npos ? bar : bar - pos));
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  if (fields_.size() < 5) {
    return reject("has " + std::to_string(fields_.size()) +
                  " fields; a queue_log line has at least 5: time|callid|queue|agent|event");
  }
  Instant at;
  if (auto error = times_.Parse(fields_[0], at)) return reject("time: " + *error);
  const std::string_view event = fields_[4];
  static constexpr std::string_view kCallEvents[] = {
      "ENTERQUEUE", "RINGNOANSWER",  "CONNECT",          "COMPLETECALLER",
      "COMPLETEAGENT", "TRANSFER",   "BLINDTRANSFER",    "ATTENDEDTRANSFER",
      "ABANDON",    "EXITWITHTIMEOUT", "EXITEMPTY",      "EXITWITHKEY"};
  static constexpr std::string_view kAgentEvents[] = {
      "AGENTLOGIN", "AGENTLOGOFF", "ADDMEMBER", "REMOVEMEMBER",
      "PAUSE",      "UNPAUSE",     "PAUSEALL",  "UNPAUSEALL"};
  if (std::find(std::begin(kCallEvents), std::end(kCallEvents), event) != std::end(kCallEvents)) {
    return OnCallEvent(event, text, line, at, sinks);
  }
  if (std::find(std::begin(kAgentEvents), std::end(kAgentEvents), event) !=
      std::end(kAgentEvents)) {
    return OnAgentEvent(event, text, line, at, sinks);
  }
  std::string name(event);
  if (counts_.unknown_events.size() >= kMaxUnknownNames && !counts_.unknown_events.contains(name)) {
    name = "(other)";
  }
  ++counts_.unknown_events[name];
  return LineOutcome::kUnknown;
}

QueueLogReader::LineOutcome QueueLogReader::OnCallEvent(std::string_view event,
                                                        std::string_view text, std::int64_t line,
                                                        Instant at, const Sinks& sinks) {
  const auto reject = [&](std::string reason) {
    sinks.rejects({line, std::move(reason)});
    return LineOutcome::kRejected;
  };
  const std::string callid(fields_[1]);
  const std::string_view queue = fields_[2];
  const std::string_view agent = fields_[3];
  Data data(event, fields_);
  const std::string raw = std::to_string(line) + " " + std::string(text) + "\n";
  const std::string clock = times_.FormatTimeOfDay(at);

  if (event == "ENTERQUEUE") {
    if (callid.empty()) return reject("ENTERQUEUE: the callid is empty");
    if (Absent(queue)) return reject("ENTERQUEUE: the queue is missing");
    if (auto found = calls_.find(callid); found != calls_.end()) {
      sinks.rejects({line, "call " + callid + " entered a queue again before it ended; its "
                           "earlier entry is dropped"});
      calls_.erase(found);
    }
    OpenCall open;
    open.call.callid = callid;
    open.call.queue = std::string(queue);
    if (data.Has(1)) open.call.caller_id = std::string(data.Text(1));
    open.call.entered = at;
    open.call.log = clock + " entered queue " + open.call.queue;
    if (open.call.caller_id) open.call.log += " from " + *open.call.caller_id;
    open.raw = raw;
    open.events = 1;
    calls_.emplace(callid, std::move(open));
    return LineOutcome::kApplied;
  }

  auto found = calls_.find(callid);
  if (found == calls_.end()) {
    if (recently_ended_.contains(callid)) return Ignore(event, "after the call ended");
    return reject(std::string(event) + ": call " + callid +
                  " has no ENTERQUEUE before it (if it began in an earlier file, restore it "
                  "from that file's unfinished calls)");
  }
  OpenCall& open = found->second;
  QueueCall& call = open.call;

  // Reads the numbers the event needs before changing anything, so that a malformed line
  // leaves the call as it was.
  std::optional<std::int64_t> hold, talk, wait, ring, position;
  bool ends = true;
  if (event == "RINGNOANSWER") {
    data.Number(0, "ringtime", true, ring);
    ends = false;
  } else if (event == "CONNECT") {
    data.Number(0, "holdtime", true, hold);
    ends = false;
  } else if (event == "COMPLETECALLER" || event == "COMPLETEAGENT") {
    data.Number(0, "holdtime", true, hold);
    data.Number(1, "calltime", true, talk);
  } else if (event == "TRANSFER" || event == "BLINDTRANSFER" || event == "ATTENDEDTRANSFER") {
    data.Number(2, "holdtime", true, hold);
    data.Number(3, "calltime", true, talk);
  } else if (event == "ABANDON") {
    data.Number(0, "position", true, position);
    data.Number(2, "waittime", true, wait);
  } else if (event == "EXITWITHTIMEOUT" || event == "EXITEMPTY") {
    data.Number(0, "position", true, position);
    data.Number(2, "waittime", false, wait);
  } else if (event == "EXITWITHKEY") {
    if (!data.Has(0)) data.Error("key (data1) is missing");
    data.Number(1, "position", true, position);
    data.Number(3, "waittime", false, wait);
  }
  if (!data.error().empty()) return reject(data.error());
  if (++open.events > kMaxCallEvents) {
    calls_.erase(found);
    return reject("call " + callid + " has more than " + std::to_string(kMaxCallEvents) +
                  " events; it is dropped");
  }
  open.raw += raw;

  const bool transfer = event.ends_with("TRANSFER");
  if ((event.starts_with("COMPLETE") || transfer) && !call.answered) {
    calls_.erase(found);
    return reject(std::string(event) + ": call " + callid + " ends answered but has no CONNECT");
  }
  if (event == "RINGNOANSWER") {
    const std::string who = Absent(agent) ? std::string("an agent") : std::string(agent);
    call.unanswered.push_back({Absent(agent) ? std::string() : std::string(agent), *ring});
    Append(call.log, "rang " + who + " " + TenthsOfSeconds(*ring) + ", no answer");
    if (call.unanswered.size() == 1) call.tags.push_back("ring_no_answer");
  } else if (event == "CONNECT") {
    call.answered = at;
    if (!Absent(agent)) call.agent = std::string(agent);
    call.wait_seconds = *hold;
    Append(call.log, clock + " answered by " + (call.agent ? *call.agent : "an agent") +
                         " after " + Seconds(*hold));
  } else if (event.starts_with("COMPLETE")) {
    call.outcome = Outcome::kAnswered;
    const bool caller = event == "COMPLETECALLER";
    call.tags.push_back(caller ? "caller_hung_up" : "agent_hung_up");
    Append(call.log, clock + (caller ? " caller" : " agent") + " hung up after " + Seconds(*talk));
  } else if (transfer) {
    call.outcome = Outcome::kTransferred;
    if (event == "ATTENDEDTRANSFER") {
      call.tags.push_back("attended_transfer");
      Append(call.log, clock + " attended transfer (" + std::string(data.Text(0)) +
                           (data.Has(1) ? " " + std::string(data.Text(1)) : "") + ") after " +
                           Seconds(*talk));
    } else {
      call.tags.push_back(event == "BLINDTRANSFER" ? "blind_transfer" : "transfer");
      Append(call.log, clock + (event == "BLINDTRANSFER" ? " blind transfer" : " transferred") +
                           " to " + std::string(data.Text(0)) + "@" + std::string(data.Text(1)) +
                           " after " + Seconds(*talk));
    }
  } else {
    // Left the queue unanswered.
    if (call.answered) {
      calls_.erase(found);
      return reject(std::string(event) + ": call " + callid +
                    " was already answered; the call is dropped");
    }
    const std::int64_t waited =
        wait ? *wait : std::max<std::int64_t>(0, (at.ms - call.entered.ms) / 1000);
    call.wait_seconds = waited;
    const std::string place = " in queue at position " + std::to_string(*position);
    if (event == "ABANDON") {
      call.outcome = Outcome::kAbandoned;
      Append(call.log, clock + " caller hung up after " + Seconds(waited) + place);
    } else if (event == "EXITWITHKEY") {
      call.outcome = Outcome::kAbandoned;
      call.tags.push_back("exit_key:" + std::string(data.Text(0)));
      Append(call.log, clock + " caller pressed " + std::string(data.Text(0)) + " after " +
                           Seconds(waited) + place);
    } else if (event == "EXITWITHTIMEOUT") {
      call.outcome = Outcome::kTimedOut;
      call.tags.push_back("exit_timeout");
      Append(call.log, clock + " timed out after " + Seconds(waited) + place);
    } else {
      call.outcome = Outcome::kTimedOut;
      call.tags.push_back("exit_empty");
      Append(call.log, clock + " left: no agents available after " + Seconds(waited) + place);
    }
  }
  if (!ends) return LineOutcome::kApplied;
  if (hold) call.wait_seconds = *hold;
  if (transfer || event.starts_with("COMPLETE")) call.talk_seconds = talk;
  call.ended = at;
  OpenCall done = std::move(open);
  calls_.erase(found);
  const std::int64_t before = counts_.calls;
  EndCall(std::move(done), line, sinks);
  return counts_.calls > before ? LineOutcome::kApplied : LineOutcome::kRejected;
}

void QueueLogReader::EndCall(OpenCall open, std::int64_t line, const Sinks& sinks) {
  QueueCall call = std::move(open.call);
  call.line = line;
  if (recently_ended_.insert(call.callid).second) {
    ended_order_.push_back(call.callid);
    if (ended_order_.size() > kRecentlyEnded) {
      recently_ended_.erase(ended_order_.front());
      ended_order_.pop_front();
    }
  }
  FieldErrors errors;
  domain::Validate(ToInteractionRow(call, options_.source).record, errors);
  if (!errors.empty()) {
    std::string reasons;
    internal::AppendReasons(errors, reasons);
    sinks.rejects({line, "call " + call.callid + ": " + reasons});
    return;
  }
  ++counts_.calls;
  sinks.calls(std::move(call));
}

QueueLogReader::LineOutcome QueueLogReader::OnAgentEvent(std::string_view event,
                                                         std::string_view text,
                                                         std::int64_t line, Instant at,
                                                         const Sinks& sinks) {
  const std::string_view agent_field = fields_[3];
  if (Absent(agent_field)) {
    sinks.rejects({line, std::string(event) + ": the agent is missing"});
    return LineOutcome::kRejected;
  }
  const std::string agent(agent_field);
  const std::string_view queue_field = fields_[2];
  Data data(event, fields_);
  std::optional<std::int64_t> login_seconds;
  if (event == "AGENTLOGOFF" && !data.Number(1, "logintime", false, login_seconds)) {
    sinks.rejects({line, data.error()});
    return LineOutcome::kRejected;
  }
  const bool member = event == "ADDMEMBER" || event == "REMOVEMEMBER";
  if (member && Absent(queue_field)) {
    sinks.rejects({line, std::string(event) + ": the queue is missing"});
    return LineOutcome::kRejected;
  }
  // Which slot: the agent's own (every queue) or one queue's.
  const bool per_queue =
      member || ((event == "PAUSE" || event == "UNPAUSE") && !Absent(queue_field));
  AgentState& state = agents_[agent];
  std::string queue;
  Slot* slot = &state.all;
  if (per_queue) {
    queue = std::string(queue_field);
    slot = &state.queues[queue];
  }
  const std::string* queue_name = per_queue ? &queue : nullptr;
  const std::string raw = std::to_string(line) + " " + std::string(text) + "\n";
  // Drops the agent's bookkeeping when nothing is left open, so memory follows open state.
  const auto tidy = [&] {
    if (per_queue && !slot->login && !slot->pause) state.queues.erase(queue);
    if (!state.all.login && !state.all.pause && state.queues.empty()) agents_.erase(agent);
  };
  LineOutcome outcome = LineOutcome::kApplied;
  if (event == "AGENTLOGIN" || event == "ADDMEMBER") {
    if (slot->login) {
      outcome = Ignore(event, "while logged in");
    } else {
      slot->login = OpenInterval{at, std::nullopt, raw};
    }
  } else if (event == "PAUSE" || event == "PAUSEALL") {
    if (slot->pause) {
      outcome = Ignore(event, "while paused");
    } else {
      std::optional<std::string> reason;
      if (data.Has(0)) reason = std::string(data.Text(0));
      slot->pause = OpenInterval{at, std::move(reason), raw};
    }
  } else if (event == "AGENTLOGOFF" || event == "REMOVEMEMBER") {
    if (slot->login) {
      OpenInterval open = std::move(*slot->login);
      slot->login.reset();
      EndInterval(agent, queue_name, AgentSessionKind::kLoggedIn, std::move(open), at, line,
                  sinks);
    } else if (event == "AGENTLOGOFF" && login_seconds && *login_seconds > 0) {
      // Asterisk logs how long the agent was logged in: the login is recovered from it.
      EndInterval(agent, queue_name, AgentSessionKind::kLoggedIn,
                  OpenInterval{Instant{at.ms - *login_seconds * 1000}, std::nullopt, ""}, at,
                  line, sinks);
    } else {
      outcome = Ignore(event, "while not logged in");
    }
  } else if (event == "UNPAUSE" || event == "UNPAUSEALL") {
    if (slot->pause) {
      OpenInterval open = std::move(*slot->pause);
      slot->pause.reset();
      EndInterval(agent, queue_name, AgentSessionKind::kPaused, std::move(open), at, line,
                  sinks);
    } else {
      outcome = Ignore(event, "while not paused");
    }
  }
  tidy();
  return outcome;
}

void QueueLogReader::EndInterval(std::string_view agent, const std::string* queue,
                                 AgentSessionKind kind, OpenInterval open, Instant ended,
                                 std::int64_t line, const Sinks& sinks) {
  AgentInterval out;
  out.line = line;
  out.agent_name = std::string(agent);
  if (queue) out.queue_name = *queue;
  out.kind = kind;
  out.started = open.started;
  out.ended = ended;
  out.reason = std::move(open.reason);
  out.external_id = out.agent_name + "|" + (queue ? *queue : std::string()) + "|" +
                    std::string(domain::Name(kind)) + "|" + std::to_string(open.started.ms);
  domain::AgentSession session;
  session.source = options_.source;
  session.external_id = out.external_id;
  session.kind = kind;
  session.started_at = out.started;
  session.ended_at = out.ended;
  session.reason = out.reason;
  FieldErrors errors;
  domain::Validate(session, errors);
  if (!errors.empty()) {
    std::string reasons;
    internal::AppendReasons(errors, reasons);
    sinks.rejects({line, std::string(domain::Name(kind)) + " interval of " + out.agent_name +
                             ": " + reasons});
    return;
  }
  ++counts_.sessions;
  sinks.sessions(std::move(out));
}

std::vector<std::pair<std::string, std::string>> QueueLogReader::Unfinished() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [callid, open] : calls_) out.emplace_back("call:" + callid, open.raw);
  const auto text = [](const Slot& slot) {
    std::string raw;
    if (slot.login) raw += slot.login->raw;
    if (slot.pause) raw += slot.pause->raw;
    return raw;
  };
  for (const auto& [agent, state] : agents_) {
    if (state.all.login || state.all.pause) out.emplace_back("agent:" + agent, text(state.all));
    for (const auto& [queue, slot] : state.queues) {
      if (slot.login || slot.pause) out.emplace_back("agent:" + agent + "|" + queue, text(slot));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> QueueLogReader::Restore(std::string_view key, std::string_view text) {
  const auto bad = [&](std::string why) {
    return Fail(ErrorCode::kInvalid, "cannot restore '" + std::string(key) + "': " + why);
  };
  if (!key.starts_with("call:") && !key.starts_with("agent:")) return bad("unknown key");
  const QueueLogCounts saved = counts_;
  std::string problem;
  const CallSink calls = [&](QueueCall) { problem = "its events finish a call"; };
  const SessionSink sessions = [&](AgentInterval) { problem = "its events finish an interval"; };
  const RejectSink rejects = [&](Reject r) {
    if (problem.empty()) problem = "line " + std::to_string(r.line) + ": " + r.reason;
  };
  const Sinks sinks{calls, sessions, rejects};
  while (!text.empty() && problem.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view entry = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const std::size_t space = entry.find(' ');
    std::int64_t line = 0;
    if (space == std::string_view::npos || !internal::ParseCount(entry.substr(0, space), line)) {
      problem = "an entry does not start with a line number and a space";
      break;
    }
    if (OnEvent(entry.substr(space + 1), line, sinks) != LineOutcome::kApplied && problem.empty()) {
      problem = "line " + std::to_string(line) + " changes nothing";
    }
  }
  counts_ = saved;
  if (!problem.empty()) return bad(problem);
  bool open = false;
  for (const auto& [k, v] : Unfinished()) open = open || k == key;
  if (!open) return bad("its events do not leave it open");
  return {};
}

}  // namespace rapport::ingest
