// File-driven cases of the business calendars and the service clocks.
//
// Every *.cases file in RAPPORT_SLA_TESTDATA is parsed, and each case in it runs as its
// own test, named <file stem>_<case name>. A mismatch fails with the file, the line of the
// expectation and the case's name; a malformed file fails with file:line and why (it is
// never skipped). The format is described in testdata/FORMAT.md; in short:
//
//   case <name>                              # starts a case
//   zone <IANA name>                         # calendar; no zone line: 24×7
//   hours <days> <HH:MM>-<HH:MM>             # days: monday | monday,friday | monday-friday
//   holiday <YYYY-MM-DD> [yearly] [<HH:MM>-<HH:MM>]
//   short_day <YYYY-MM-DD> [yearly] <HH:MM>-<HH:MM>
//   policy <name> [position=N] [priorities=..] [segments=..] [channels=..] [queues=..]
//                 [active=false]
//   target <metric> <duration> business|calendar [warning=<duration>] [paused_by=..|none]
//   opened <instant> | status <instant> <status> | customer <instant> | response <instant>
//   between <from> <to> = <duration>
//   add <from> <duration> = <instant>
//   next_business <at> = <instant>
//   check <metric> at <now> [priority=..] [segment=..] [channel=..] [queue=..]
//         [deactivate=<policy>]
//     matched <policy>|none   state ..   started ..   elapsed ..   remaining ..
//     due ..   warned ..   breached ..   met ..   pauses ..   cycles ..   breaches ..
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"
#include "sla/calendar.hpp"
#include "sla/clock.hpp"

#ifndef RAPPORT_SLA_TESTDATA
#error "RAPPORT_SLA_TESTDATA must name the directory that holds the *.cases files"
#endif

namespace rapport::sla {
namespace {

using domain::CaseStatus;
using domain::ClockMetric;
using domain::ClockState;

// ---- the parsed form of a case file --------------------------------------------------

// An expected value and the line that states it (0: not stated).
template <class T>
struct Stated {
  T value{};
  int line = 0;
  bool given() const { return line != 0; }
};

enum class CalendarQuestion { kBetween, kAdd, kNextBusiness };

// between / add / next_business: one question to the compiled calendar.
struct CalendarCheck {
  int line = 0;
  CalendarQuestion question = CalendarQuestion::kBetween;
  Instant from;
  Instant to;           // between
  Millis amount = 0;    // add: the amount added; between: the expected answer
  Instant expected_at;  // add, next_business: the expected answer
};

// check: one clock of the case as of `now`, under the policy the facts match.
struct ClockCheck {
  int line = 0;
  ClockMetric metric = ClockMetric::kResolution;
  Instant now;
  CaseFacts facts;
  std::vector<std::string> deactivated;  // policies switched off for this check

  Stated<std::string> matched;              // "none": no policy matches
  Stated<std::optional<ClockState>> state;  // nullopt: no clock (next response not started)
  Stated<Instant> started;
  Stated<Millis> elapsed;
  Stated<Millis> remaining;
  Stated<std::optional<Instant>> due;
  Stated<std::optional<Instant>> warned;
  Stated<std::optional<Instant>> breached;
  Stated<std::optional<Instant>> met;
  Stated<std::vector<domain::ClockPause>> pauses;
  Stated<std::int64_t> cycles;
  Stated<std::int64_t> breaches;
};

struct TestCase {
  std::string file;  // path of the case file
  std::string name;
  int line = 0;                              // of the "case" line
  std::optional<domain::Calendar> calendar;  // nullopt: 24×7
  bool declares_policies = false;            // else `policies` holds one implicit policy
  std::vector<domain::SlaPolicy> policies;   // ids 1, 2, ... in the order of the file
  std::optional<Instant> opened;
  CaseHistory history;
  std::vector<CalendarCheck> calendar_checks;
  std::vector<ClockCheck> clock_checks;
};

struct ParseError {
  std::string file;
  int line = 0;
  std::string why;
};

struct ParsedFile {
  std::vector<std::shared_ptr<const TestCase>> cases;  // those before any error
  std::optional<ParseError> error;
};

// ---- values --------------------------------------------------------------------------

// Splits a line into whitespace-separated words, dropping a '#' comment.
std::vector<std::string_view> Words(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) {
    line = line.substr(0, hash);
  }
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    const std::size_t begin = pos;
    while (pos < line.size() && !std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    if (pos > begin) out.push_back(line.substr(begin, pos - begin));
  }
  return out;
}

std::vector<std::string_view> SplitList(std::string_view text, char separator = ',') {
  std::vector<std::string_view> out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    out.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return out;
    begin = end + 1;
  }
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "90m", "-150m", "45s", "2h30m", "1h0m30s": hours, minutes and seconds, optionally
// negative. At least one part; each part is digits and a unit.
std::optional<Millis> ParseDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  Millis total = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == 0 || digits == text.size()) return std::nullopt;
    const auto number = ParseInteger(text.substr(0, digits));
    if (!number) return std::nullopt;
    switch (text[digits]) {
      case 'h':
        total += *number * 60 * kMillisPerMinute;
        break;
      case 'm':
        total += *number * kMillisPerMinute;
        break;
      case 's':
        total += *number * 1000;
        break;
      default:
        return std::nullopt;
    }
    text.remove_prefix(digits + 1);
  }
  return negative ? -total : total;
}

std::string FormatDuration(Millis amount) {
  std::string out = amount < 0 ? "-" : "";
  const Millis magnitude = amount < 0 ? -amount : amount;
  out += std::to_string(magnitude / kMillisPerMinute) + "m";
  const Millis rest = magnitude % kMillisPerMinute;
  if (rest % 1000 == 0) {
    if (rest != 0) out += std::to_string(rest / 1000) + "s";
  } else {
    out += " " + std::to_string(rest) + "ms";
  }
  return out;
}

std::string FormatOptional(const std::optional<Instant>& at) {
  return at ? FormatRfc3339(*at) : "none";
}

std::string FormatPauses(const std::vector<domain::ClockPause>& pauses) {
  if (pauses.empty()) return "none";
  std::string out;
  for (const auto& pause : pauses) {
    if (!out.empty()) out += " ";
    out += FormatRfc3339(pause.from) + "/" + (pause.to ? FormatRfc3339(*pause.to) : "-");
  }
  return out;
}

// "09:00-17:00"
std::optional<std::pair<TimeOfDay, TimeOfDay>> ParseSpan(std::string_view text) {
  const auto parts = SplitList(text, '-');
  if (parts.size() != 2) return std::nullopt;
  const auto start = ParseTimeOfDay(parts[0]);
  const auto end = ParseTimeOfDay(parts[1]);
  if (!start || !end) return std::nullopt;
  return std::pair{*start, *end};
}

// "monday", "monday,thursday", "monday-friday" (a range runs forward within one week).
std::optional<std::vector<domain::Weekday>> ParseDays(std::string_view text) {
  std::vector<domain::Weekday> out;
  for (std::string_view item : SplitList(text)) {
    const auto range = SplitList(item, '-');
    if (range.size() > 2) return std::nullopt;
    const auto first = domain::EnumFromName<domain::Weekday>(range.front());
    const auto last = domain::EnumFromName<domain::Weekday>(range.back());
    if (!first || !last || *last < *first) return std::nullopt;
    for (int day = static_cast<int>(*first); day <= static_cast<int>(*last); ++day) {
      out.push_back(static_cast<domain::Weekday>(day));
    }
  }
  return out;
}

bool IsName(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// ---- the parser ----------------------------------------------------------------------

// Reads a case file line by line. Every handler returns false after Fail(), which keeps
// the first error; parsing stops there, so that one mistake does not cascade.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  ParsedFile Parse(std::string_view text) {
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      ++line_;
      const auto words = Words(text.substr(pos, end - pos));
      if (!words.empty() && !Handle(words)) return std::move(out_);
      pos = end + 1;
    }
    if (!FinishCase()) return std::move(out_);
    if (out_.cases.empty()) Fail("the file holds no case");
    return std::move(out_);
  }

 private:
  using WordList = std::vector<std::string_view>;

  bool Fail(std::string why) {
    if (!out_.error) out_.error = ParseError{file_, line_, std::move(why)};
    return false;
  }

  bool Handle(const WordList& w) {
    const std::string_view key = w[0];
    if (key == "case") return StartCase(w);
    if (!case_) return Fail("'" + std::string(key) + "' before the first 'case' line");
    if (IsExpectation(key)) {
      if (!check_) return Fail("'" + std::string(key) + "' outside a 'check' block");
      return Expect(w);
    }
    if (check_ && !CloseCheck()) return false;
    if (key == "between" || key == "add" || key == "next_business") return CalendarLine(w);
    if (key == "check") return CheckLine(w);
    if (clocks_checked_) {
      return Fail("'" + std::string(key) +
                  "' after the checks: a case gives its calendar, policies and history first");
    }
    if (key == "zone" || key == "hours" || key == "holiday" || key == "short_day") {
      if (questions_asked_) {
        return Fail("'" + std::string(key) +
                    "' after a calendar question: give the calendar first");
      }
      if (key == "zone") return ZoneLine(w);
      if (key == "hours") return HoursLine(w);
      if (key == "holiday") return HolidayLine(w);
      return ShortDayLine(w);
    }
    if (key == "policy") return PolicyLine(w);
    if (key == "target") return TargetLine(w);
    if (key == "opened" || key == "status" || key == "customer" || key == "response") {
      return HistoryLine(w);
    }
    return Fail("unknown keyword '" + std::string(key) + "'");
  }

  static bool IsExpectation(std::string_view key) {
    static const std::set<std::string_view> kKeys = {"matched",   "state",  "started", "elapsed",
                                                     "remaining", "due",    "warned",  "breached",
                                                     "met",       "pauses", "cycles",  "breaches"};
    return kKeys.contains(key);
  }

  bool Arity(const WordList& w, std::size_t min, std::size_t max, std::string_view usage) {
    if (w.size() < min || w.size() > max) return Fail("expected '" + std::string(usage) + "'");
    return true;
  }

  template <class T>
  bool Value(std::optional<T> parsed, T& out, std::string_view what, std::string_view text) {
    if (!parsed) return Fail("bad " + std::string(what) + " '" + std::string(text) + "'");
    out = std::move(*parsed);
    return true;
  }

  bool InstantValue(std::string_view text, Instant& out) {
    return Value(ParseRfc3339(text), out, "RFC 3339 instant", text);
  }
  bool DurationValue(std::string_view text, Millis& out) {
    return Value(ParseDuration(text), out, "duration (like 90m, -2h30m, 45s)", text);
  }
  bool OptionalInstantValue(std::string_view text, std::optional<Instant>& out) {
    if (text == "none") {
      out.reset();
      return true;
    }
    Instant at;
    if (!InstantValue(text, at)) return false;
    out = at;
    return true;
  }
  template <class E>
  bool EnumValue(std::string_view text, E& out, std::string_view what) {
    return Value(domain::EnumFromName<E>(text), out, what, text);
  }

  // ---- case structure

  bool StartCase(const WordList& w) {
    if (!FinishCase()) return false;
    if (!Arity(w, 2, 2, "case <name>")) return false;
    if (!IsName(w[1])) {
      return Fail("a case name is letters, digits and '_': '" + std::string(w[1]) + "'");
    }
    if (!names_.insert(std::string(w[1])).second) {
      return Fail("case '" + std::string(w[1]) + "' is already defined in this file");
    }
    case_ = std::make_shared<TestCase>();
    case_->file = file_;
    case_->name = std::string(w[1]);
    case_->line = line_;
    questions_asked_ = false;
    clocks_checked_ = false;
    zone_given_ = false;
    last_event_ = Instant{std::numeric_limits<std::int64_t>::min()};
    return true;
  }

  // Validates the finished case the way the server would before using it.
  bool FinishCase() {
    if (check_ && !CloseCheck()) return false;
    if (!case_) return true;
    const int saved = line_;
    line_ = case_->line;  // errors of the whole case point at its "case" line
    if (!ValidateCase()) return false;
    line_ = saved;
    SortHistory(case_->history);
    out_.cases.push_back(std::move(case_));
    case_.reset();
    return true;
  }

  bool ValidateCase() {
    TestCase& c = *case_;
    if (c.calendar_checks.empty() && c.clock_checks.empty()) {
      return Fail("case '" + c.name + "' checks nothing");
    }
    if (c.calendar) {
      FieldErrors errors;
      domain::Validate(*c.calendar, errors);
      if (!errors.empty()) return Fail("invalid calendar: " + Describe(errors));
    } else if (!c.calendar_checks.empty()) {
      return Fail("case '" + c.name + "' asks calendar questions but has no 'zone'");
    }
    for (const auto& policy : c.policies) {
      FieldErrors errors;
      domain::Validate(policy, errors);
      if (!errors.empty()) return Fail("invalid policy '" + policy.name + "': " + Describe(errors));
    }
    if (!c.clock_checks.empty() && !c.opened) return Fail("case '" + c.name + "' has no 'opened'");
    for (const ClockCheck& check : c.clock_checks) {
      if (!c.declares_policies && !HasTarget(c.policies, check.metric)) {
        line_ = check.line;
        return Fail("no target for " + std::string(domain::Name(check.metric)));
      }
    }
    return true;
  }

  static bool HasTarget(const std::vector<domain::SlaPolicy>& policies, ClockMetric metric) {
    return !policies.empty() &&
           std::any_of(policies.front().targets.begin(), policies.front().targets.end(),
                       [&](const domain::ClockTarget& t) { return t.metric == metric; });
  }

  static std::string Describe(const FieldErrors& errors) {
    std::string out;
    for (const auto& e : errors.list()) {
      out += (out.empty() ? "" : "; ") + e.field + " " + e.message;
    }
    return out;
  }

  // ---- calendar

  domain::Calendar& Calendar() {
    if (!case_->calendar) {
      case_->calendar.emplace();
      case_->calendar->name = case_->name;
    }
    return *case_->calendar;
  }

  bool ZoneLine(const WordList& w) {
    if (!Arity(w, 2, 2, "zone <IANA name>")) return false;
    if (zone_given_) return Fail("a second 'zone' line");
    Calendar().time_zone = std::string(w[1]);
    zone_given_ = true;
    return true;
  }

  bool NeedsZone() {
    if (!zone_given_) return Fail("give the 'zone' line before the hours, holidays and short days");
    return true;
  }

  bool HoursLine(const WordList& w) {
    if (!Arity(w, 3, 3, "hours <days> <HH:MM>-<HH:MM>") || !NeedsZone()) return false;
    std::vector<domain::Weekday> days;
    std::pair<TimeOfDay, TimeOfDay> span;
    if (!Value(ParseDays(w[1]), days, "days (monday | monday,friday | monday-friday)", w[1]) ||
        !Value(ParseSpan(w[2]), span, "span (HH:MM-HH:MM)", w[2])) {
      return false;
    }
    for (auto day : days) Calendar().hours.push_back({day, span.first, span.second});
    return true;
  }

  bool HolidayLine(const WordList& w) {
    if (!Arity(w, 2, 4, "holiday <YYYY-MM-DD> [yearly] [<HH:MM>-<HH:MM>]") || !NeedsZone()) {
      return false;
    }
    domain::Holiday holiday;
    holiday.name = "holiday";
    if (!Value(ParseDate(w[1]), holiday.date, "date", w[1])) return false;
    for (std::size_t i = 2; i < w.size(); ++i) {
      if (holiday.start) return Fail("unexpected '" + std::string(w[i]) + "' after the span");
      if (w[i] == "yearly") {
        if (holiday.yearly) return Fail("'yearly' twice");
        holiday.yearly = true;
        continue;
      }
      std::pair<TimeOfDay, TimeOfDay> span;
      if (!Value(ParseSpan(w[i]), span, "holiday word (yearly or HH:MM-HH:MM)", w[i])) return false;
      holiday.start = span.first;
      holiday.end = span.second;
    }
    Calendar().holidays.push_back(holiday);
    return true;
  }

  bool ShortDayLine(const WordList& w) {
    if (!Arity(w, 3, 4, "short_day <YYYY-MM-DD> [yearly] <HH:MM>-<HH:MM>") || !NeedsZone()) {
      return false;
    }
    domain::ShortDay day;
    if (!Value(ParseDate(w[1]), day.date, "date", w[1])) return false;
    if (w.size() == 4) {
      if (w[2] != "yearly") return Fail("expected 'yearly', got '" + std::string(w[2]) + "'");
      day.yearly = true;
    }
    std::pair<TimeOfDay, TimeOfDay> span;
    if (!Value(ParseSpan(w.back()), span, "span (HH:MM-HH:MM)", w.back())) return false;
    day.start = span.first;
    day.end = span.second;
    Calendar().short_days.push_back(day);
    return true;
  }

  // ---- policies and targets

  bool PolicyLine(const WordList& w) {
    if (w.size() < 2 || !IsName(w[1])) return Fail("expected 'policy <name> [key=value ...]'");
    if (!case_->policies.empty() && !case_->declares_policies) {
      return Fail("'policy' after targets of the implicit policy: give every target a policy");
    }
    for (const auto& p : case_->policies) {
      if (p.name == w[1]) return Fail("policy '" + std::string(w[1]) + "' is already defined");
    }
    case_->declares_policies = true;
    domain::SlaPolicy policy;
    policy.meta.id = static_cast<Id>(case_->policies.size() + 1);
    policy.name = std::string(w[1]);
    for (std::size_t i = 2; i < w.size(); ++i) {
      if (!PolicyOption(w[i], policy)) return false;
    }
    case_->policies.push_back(std::move(policy));
    return true;
  }

  bool PolicyOption(std::string_view word, domain::SlaPolicy& policy) {
    const auto eq = word.find('=');
    if (eq == std::string_view::npos) {
      return Fail("expected key=value, got '" + std::string(word) + "'");
    }
    const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "position") return Value(ParseInteger(value), policy.position, "position", value);
    if (key == "active") {
      if (value != "true" && value != "false") return Fail("active is true or false");
      policy.active = value == "true";
      return true;
    }
    for (std::string_view item : SplitList(value)) {
      if (key == "priorities") {
        domain::Priority p;
        if (!EnumValue(item, p, "priority")) return false;
        policy.priorities.push_back(p);
      } else if (key == "channels") {
        domain::Channel c;
        if (!EnumValue(item, c, "channel")) return false;
        policy.channels.push_back(c);
      } else if (key == "segments") {
        if (item.empty()) return Fail("empty segment");
        policy.segments.emplace_back(item);
      } else if (key == "queues") {
        Id id = 0;
        if (!Value(ParseInteger(item), id, "queue id", item)) return false;
        policy.queue_ids.push_back(id);
      } else {
        return Fail("unknown policy option '" + std::string(key) + "'");
      }
    }
    return true;
  }

  bool TargetLine(const WordList& w) {
    if (!Arity(w, 4, 6,
               "target <metric> <duration> business|calendar [warning=..] [paused_by=..]")) {
      return false;
    }
    domain::ClockTarget target;
    Millis amount = 0;
    if (!EnumValue(w[1], target.metric, "metric") || !DurationValue(w[2], amount)) return false;
    if (amount % kMillisPerMinute != 0) return Fail("a target is whole minutes");
    target.minutes = amount / kMillisPerMinute;
    if (w[3] != "business" && w[3] != "calendar") return Fail("expected business or calendar");
    target.business_time = w[3] == "business";
    for (std::size_t i = 4; i < w.size(); ++i) {
      if (!TargetOption(w[i], target)) return false;
    }
    if (case_->policies.empty()) {
      domain::SlaPolicy implicit;
      implicit.meta.id = 1;
      implicit.name = "implicit";
      case_->policies.push_back(implicit);
    }
    case_->policies.back().targets.push_back(target);
    return true;
  }

  bool TargetOption(std::string_view word, domain::ClockTarget& target) {
    if (word.starts_with("warning=")) {
      Millis amount = 0;
      if (!DurationValue(word.substr(8), amount)) return false;
      if (amount % kMillisPerMinute != 0) return Fail("a warning is whole minutes");
      target.warning_minutes = amount / kMillisPerMinute;
      return true;
    }
    if (word.starts_with("paused_by=")) {
      target.paused_by.emplace();
      if (word.substr(10) == "none") return true;  // nothing pauses this clock
      for (std::string_view item : SplitList(word.substr(10))) {
        CaseStatus status;
        if (!EnumValue(item, status, "status")) return false;
        target.paused_by->push_back(status);
      }
      return true;
    }
    return Fail("unknown target option '" + std::string(word) + "'");
  }

  // ---- history

  bool HistoryLine(const WordList& w) {
    const bool status = w[0] == "status";
    if (!Arity(w, status ? 3 : 2, status ? 3 : 2,
               status ? "status <instant> <status>" : std::string(w[0]) + " <instant>")) {
      return false;
    }
    Instant at;
    if (!InstantValue(w[1], at)) return false;
    if (w[0] == "opened") {
      if (case_->opened) return Fail("a second 'opened' line");
      case_->opened = at;
      case_->history.opened = at;
    } else if (!case_->opened) {
      return Fail("give 'opened' before the rest of the history");
    } else if (status) {
      CaseStatus to;
      if (!EnumValue(w[2], to, "status")) return false;
      case_->history.changes.push_back({at, to});
    } else {
      case_->history.messages.push_back({at, w[0] == "customer"});
    }
    if (at < last_event_) return Fail("history out of order: list events by instant");
    last_event_ = at;
    return true;
  }

  // ---- checks

  bool CalendarLine(const WordList& w) {
    questions_asked_ = true;
    CalendarCheck check;
    check.line = line_;
    if (w[0] == "between") {
      if (!Arity(w, 5, 5, "between <from> <to> = <duration>") || w[3] != "=") {
        return Fail("expected 'between <from> <to> = <duration>'");
      }
      check.question = CalendarQuestion::kBetween;
      if (!InstantValue(w[1], check.from) || !InstantValue(w[2], check.to) ||
          !DurationValue(w[4], check.amount)) {
        return false;
      }
    } else if (w[0] == "add") {
      if (!Arity(w, 5, 5, "add <from> <duration> = <instant>") || w[3] != "=") {
        return Fail("expected 'add <from> <duration> = <instant>'");
      }
      check.question = CalendarQuestion::kAdd;
      if (!InstantValue(w[1], check.from) || !DurationValue(w[2], check.amount) ||
          !InstantValue(w[4], check.expected_at)) {
        return false;
      }
      if (check.amount < 0) return Fail("add needs an amount of at least 0");
    } else {
      if (!Arity(w, 4, 4, "next_business <at> = <instant>") || w[2] != "=") {
        return Fail("expected 'next_business <at> = <instant>'");
      }
      check.question = CalendarQuestion::kNextBusiness;
      if (!InstantValue(w[1], check.from) || !InstantValue(w[3], check.expected_at)) return false;
    }
    case_->calendar_checks.push_back(check);
    return true;
  }

  bool CheckLine(const WordList& w) {
    clocks_checked_ = true;
    if (w.size() < 4 || w[2] != "at") return Fail("expected 'check <metric> at <now> [facts]'");
    check_.emplace();
    check_->line = line_;
    if (!EnumValue(w[1], check_->metric, "metric") || !InstantValue(w[3], check_->now)) {
      return false;
    }
    for (std::size_t i = 4; i < w.size(); ++i) {
      if (!case_->declares_policies) {
        return Fail("facts and deactivate= need policies; this case has none");
      }
      if (!FactOption(w[i])) return false;
    }
    return true;
  }

  bool FactOption(std::string_view word) {
    const auto eq = word.find('=');
    if (eq == std::string_view::npos) {
      return Fail("expected key=value, got '" + std::string(word) + "'");
    }
    const std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    CaseFacts& facts = check_->facts;
    if (key == "priority") return EnumValue(value, facts.priority, "priority");
    if (key == "segment") {
      facts.segment = std::string(value);
      return true;
    }
    if (key == "channel") {
      domain::Channel channel;
      if (!EnumValue(value, channel, "channel")) return false;
      facts.channel = channel;
      return true;
    }
    if (key == "queue") {
      Id id = 0;
      if (!Value(ParseInteger(value), id, "queue id", value)) return false;
      facts.queue_id = id;
      return true;
    }
    if (key == "deactivate") {
      const bool known = std::any_of(case_->policies.begin(), case_->policies.end(),
                                     [&](const domain::SlaPolicy& p) { return p.name == value; });
      if (!known) return Fail("deactivate names no policy: '" + std::string(value) + "'");
      check_->deactivated.emplace_back(value);
      return true;
    }
    return Fail("unknown fact '" + std::string(key) + "'");
  }

  template <class T>
  bool Once(Stated<T>& slot, std::string_view key) {
    if (slot.given()) return Fail("'" + std::string(key) + "' is stated twice in this check");
    slot.line = line_;
    return true;
  }

  bool Expect(const WordList& w) {
    const std::string_view key = w[0];
    ClockCheck& c = *check_;
    if (key == "pauses") {
      if (!Once(c.pauses, key)) return false;
      return PausesValue(w);
    }
    if (!Arity(w, 2, 2, std::string(key) + " <value>")) return false;
    const std::string_view v = w[1];
    if (key == "matched") {
      if (!Once(c.matched, key)) return false;
      c.matched.value = std::string(v);
      return true;
    }
    if (key == "state") {
      if (!Once(c.state, key)) return false;
      if (v == "none") return true;
      ClockState state;
      if (!EnumValue(v, state, "clock state")) return false;
      c.state.value = state;
      return true;
    }
    if (key == "started") return Once(c.started, key) && InstantValue(v, c.started.value);
    if (key == "elapsed") return Once(c.elapsed, key) && SecondsValue(v, c.elapsed.value);
    if (key == "remaining") return Once(c.remaining, key) && SecondsValue(v, c.remaining.value);
    if (key == "due") return Once(c.due, key) && OptionalInstantValue(v, c.due.value);
    if (key == "warned") return Once(c.warned, key) && OptionalInstantValue(v, c.warned.value);
    if (key == "breached") {
      return Once(c.breached, key) && OptionalInstantValue(v, c.breached.value);
    }
    if (key == "met") return Once(c.met, key) && OptionalInstantValue(v, c.met.value);
    if (key == "cycles") {
      return Once(c.cycles, key) && Value(ParseInteger(v), c.cycles.value, "count", v);
    }
    return Once(c.breaches, key) && Value(ParseInteger(v), c.breaches.value, "count", v);
  }

  // Clocks report whole seconds.
  bool SecondsValue(std::string_view text, Millis& out) {
    if (!DurationValue(text, out)) return false;
    if (out % 1000 != 0) return Fail("clocks report whole seconds: '" + std::string(text) + "'");
    return true;
  }

  // pauses none | <from>/<to> ... where <to> is '-' for a pause still running
  bool PausesValue(const WordList& w) {
    if (w.size() == 2 && w[1] == "none") return true;
    if (w.size() < 2) return Fail("expected 'pauses none' or 'pauses <from>/<to|-> ...'");
    for (std::size_t i = 1; i < w.size(); ++i) {
      const auto parts = SplitList(w[i], '/');
      if (parts.size() != 2) {
        return Fail("a pause is <from>/<to> or <from>/-: '" + std::string(w[i]) + "'");
      }
      domain::ClockPause pause;
      if (!InstantValue(parts[0], pause.from)) return false;
      if (parts[1] != "-") {
        Instant to;
        if (!InstantValue(parts[1], to)) return false;
        pause.to = to;
      }
      check_->pauses.value.push_back(pause);
    }
    return true;
  }

  // A check states every field of the clock, so that nothing goes unchecked by omission;
  // cycles, breaches and started are optional. An absent clock states nothing else.
  bool CloseCheck() {
    ClockCheck& c = *check_;
    const int saved = line_;
    line_ = c.line;
    if (!c.state.given()) return Fail("the check does not state 'state'");
    if (case_->declares_policies != c.matched.given()) {
      return Fail(case_->declares_policies ? "a case with policies states 'matched' in every check"
                                           : "'matched' needs policies; this case has none");
    }
    const bool absent = !c.state.value || c.matched.value == "none";
    const std::vector<std::pair<std::string_view, bool>> fields = {
        {"elapsed", c.elapsed.given()}, {"remaining", c.remaining.given()}, {"due", c.due.given()},
        {"warned", c.warned.given()},   {"breached", c.breached.given()},   {"met", c.met.given()},
        {"pauses", c.pauses.given()}};
    for (const auto& [name, given] : fields) {
      if (!absent && !given) return Fail("the check does not state '" + std::string(name) + "'");
      if (absent && given) return Fail("'" + std::string(name) + "' stated for an absent clock");
    }
    if (absent && (c.started.given() || c.cycles.given() || c.breaches.given())) {
      return Fail("'started', 'cycles' and 'breaches' stated for an absent clock");
    }
    if (c.matched.value == "none" && c.state.value) return Fail("no policy matched: state is none");
    line_ = saved;
    case_->clock_checks.push_back(std::move(c));
    check_.reset();
    return true;
  }

  std::string file_;
  int line_ = 0;
  ParsedFile out_;
  std::set<std::string> names_;
  std::shared_ptr<TestCase> case_;
  std::optional<ClockCheck> check_;
  bool questions_asked_ = false;  // calendar questions come after the whole calendar
  bool clocks_checked_ = false;   // clock checks come after everything they depend on
  bool zone_given_ = false;
  Instant last_event_{std::numeric_limits<std::int64_t>::min()};
};

ParsedFile ParseCases(std::string_view text, const std::string& file) {
  return Parser(file).Parse(text);
}

// ---- running a case ------------------------------------------------------------------

// Runs the checks of one case and reports every mismatch at the line that states the
// expectation, so that a supervisor can go straight to the hand derivation beside it.
class CaseRunner {
 public:
  explicit CaseRunner(const TestCase& test_case) : case_(test_case) {}

  void Run() {
    if (case_.calendar) {
      auto compiled = BusinessCalendar::Compile(*case_.calendar);
      if (!compiled) {
        Report(case_.line, "the calendar does not compile: " + compiled.error().message);
        return;
      }
      calendar_ = std::move(*compiled);
    }
    for (const CalendarCheck& check : case_.calendar_checks) RunCalendarCheck(check);
    for (const ClockCheck& check : case_.clock_checks) RunClockCheck(check);
  }

 private:
  void Report(int line, const std::string& message) {
    ADD_FAILURE_AT(case_.file.c_str(), line)
        << case_.file << ":" << line << ": case '" << case_.name << "': " << message;
  }

  void Compare(int line, const std::string& what, const std::string& expected,
               const std::string& got) {
    if (line == 0 || expected == got) return;
    ++mismatches_;
    Report(line, what + ": expected " + expected + ", got " + got);
  }

  void RunCalendarCheck(const CalendarCheck& c) {
    switch (c.question) {
      case CalendarQuestion::kBetween:
        Compare(c.line, "Between(" + FormatRfc3339(c.from) + ", " + FormatRfc3339(c.to) + ")",
                FormatDuration(c.amount), FormatDuration(calendar_.Between(c.from, c.to)));
        break;
      case CalendarQuestion::kAdd:
        Compare(c.line, "Add(" + FormatRfc3339(c.from) + ", " + FormatDuration(c.amount) + ")",
                FormatRfc3339(c.expected_at), FormatRfc3339(calendar_.Add(c.from, c.amount)));
        break;
      case CalendarQuestion::kNextBusiness:
        Compare(c.line, "NextBusiness(" + FormatRfc3339(c.from) + ")", FormatRfc3339(c.expected_at),
                FormatRfc3339(calendar_.NextBusiness(c.from)));
        break;
    }
  }

  // The policy that sets the case's targets for this check: the implicit one, or the
  // first active one (after this check's deactivations) that the facts match.
  std::optional<domain::SlaPolicy> PolicyFor(const ClockCheck& c) const {
    if (!case_.declares_policies) return case_.policies.front();
    std::vector<domain::SlaPolicy> policies = case_.policies;
    for (auto& policy : policies) {
      if (std::find(c.deactivated.begin(), c.deactivated.end(), policy.name) !=
          c.deactivated.end()) {
        policy.active = false;
      }
    }
    // MatchPolicy requires the order the server keeps: by position, then id.
    std::sort(policies.begin(), policies.end(), [](const auto& a, const auto& b) {
      return std::pair{a.position, a.meta.id} < std::pair{b.position, b.meta.id};
    });
    const domain::SlaPolicy* match = MatchPolicy(policies, c.facts);
    if (!match) return std::nullopt;
    return *match;
  }

  void RunClockCheck(const ClockCheck& c) {
    mismatches_ = 0;
    const std::string label = std::string(domain::Name(c.metric)) + " at " + FormatRfc3339(c.now);
    const std::optional<domain::SlaPolicy> policy = PolicyFor(c);
    Compare(c.matched.line, label + ": matched policy", c.matched.value,
            policy ? policy->name : "none");
    if (!policy) return;
    const auto target = std::find_if(policy->targets.begin(), policy->targets.end(),
                                     [&](const auto& t) { return t.metric == c.metric; });
    if (target == policy->targets.end()) {
      Report(c.line, label + ": policy '" + policy->name + "' has no target for this metric");
      return;
    }
    const ClockSpec spec{*target, policy->meta.id,
                         case_.calendar ? std::optional<Id>(1) : std::nullopt, &calendar_};
    std::vector<TraceStep> trace;
    const auto clock = ComputeClock(spec, case_.history, c.now, &trace);
    CompareClock(c, label, spec, clock);
    if (mismatches_ > 0) PrintTrace(c, trace);
  }

  void CompareClock(const ClockCheck& c, const std::string& label, const ClockSpec& spec,
                    const std::optional<domain::ClockRecord>& got) {
    Compare(c.state.line, label + ": state",
            c.state.value ? std::string(domain::Name(*c.state.value)) : "none",
            got ? std::string(domain::Name(got->state)) : "none");
    if (!got || !c.state.value) return;
    // What the record says about its own target, whatever the case file states.
    Compare(c.line, label + ": metric", std::string(domain::Name(c.metric)),
            std::string(domain::Name(got->metric)));
    Compare(c.line, label + ": policy_id", std::to_string(spec.policy_id),
            std::to_string(got->policy_id));
    Compare(c.line, label + ": target_minutes", std::to_string(spec.target.minutes),
            std::to_string(got->target_minutes));
    Compare(c.line, label + ": business_time", spec.target.business_time ? "true" : "false",
            got->business_time ? "true" : "false");
    Compare(c.started.line, label + ": started", FormatRfc3339(c.started.value),
            FormatRfc3339(got->started_at));
    Compare(c.elapsed.line, label + ": elapsed", FormatDuration(c.elapsed.value),
            FormatDuration(got->elapsed_seconds * 1000));
    Compare(c.remaining.line, label + ": remaining", FormatDuration(c.remaining.value),
            FormatDuration(got->remaining_seconds * 1000));
    Compare(c.due.line, label + ": due", FormatOptional(c.due.value), FormatOptional(got->due_at));
    Compare(c.warned.line, label + ": warned", FormatOptional(c.warned.value),
            FormatOptional(got->warned_at));
    Compare(c.breached.line, label + ": breached", FormatOptional(c.breached.value),
            FormatOptional(got->breached_at));
    Compare(c.met.line, label + ": met", FormatOptional(c.met.value), FormatOptional(got->met_at));
    Compare(c.pauses.line, label + ": pauses", FormatPauses(c.pauses.value),
            FormatPauses(got->pauses));
    Compare(c.cycles.line, label + ": cycles", std::to_string(c.cycles.value),
            std::to_string(got->cycles));
    Compare(c.breaches.line, label + ": breaches", std::to_string(c.breaches.value),
            std::to_string(got->breaches));
  }

  // The clock's own explanation, to compare with the hand derivation in the file.
  void PrintTrace(const ClockCheck& c, const std::vector<TraceStep>& trace) const {
    std::printf("    trace of the check at %s:%d (case '%s'):\n", case_.file.c_str(), c.line,
                case_.name.c_str());
    for (const TraceStep& step : trace) {
      std::printf("      %s  %-58s counted %-10s elapsed %s\n", FormatRfc3339(step.at).c_str(),
                  step.what.c_str(), FormatDuration(step.counted).c_str(),
                  FormatDuration(step.elapsed).c_str());
    }
  }

  const TestCase& case_;
  BusinessCalendar calendar_;  // 24×7 unless the case gives a zone
  int mismatches_ = 0;
};

// ---- the cases as tests --------------------------------------------------------------

// One test: a case, or a malformed file (which fails).
struct Entry {
  std::string name;
  std::shared_ptr<const TestCase> test_case;
  std::optional<ParseError> error;
};

void PrintTo(const Entry& entry, std::ostream* os) { *os << entry.name; }

std::string TestName(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return out;
}

struct Loaded {
  std::vector<Entry> entries;
  std::size_t files = 0;
  std::size_t checks = 0;
  double parse_ms = 0;
};

Entry ErrorEntry(std::string name, std::string file, int line, std::string why) {
  return Entry{std::move(name), nullptr, ParseError{std::move(file), line, std::move(why)}};
}

std::vector<std::filesystem::path> CaseFiles(const std::filesystem::path& dir,
                                             std::vector<Entry>& entries) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".cases") files.push_back(it->path());
  }
  if (ec) {
    entries.push_back(ErrorEntry("testdata_unreadable", dir.string(), 0,
                                 "cannot list the directory: " + ec.message()));
  } else if (files.empty()) {
    entries.push_back(ErrorEntry("testdata_empty", dir.string(), 0, "no *.cases file"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

void LoadFile(const std::filesystem::path& path, Loaded& loaded) {
  const std::string stem = TestName(path.stem().string());
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    loaded.entries.push_back(ErrorEntry(stem + "_unreadable", path.string(), 0, "cannot read"));
    return;
  }
  ParsedFile parsed = ParseCases(text.str(), path.string());
  for (auto& test_case : parsed.cases) {
    loaded.checks += test_case->calendar_checks.size() + test_case->clock_checks.size();
    loaded.entries.push_back(Entry{stem + "_" + test_case->name, std::move(test_case), {}});
  }
  if (parsed.error) {
    const ParseError& e = *parsed.error;
    loaded.entries.push_back(
        ErrorEntry(stem + "_malformed_line_" + std::to_string(e.line), e.file, e.line, e.why));
  }
}

// Parsed once, when GoogleTest instantiates the suite.
const Loaded& LoadAll() {
  static const Loaded loaded = [] {
    const auto start = std::chrono::steady_clock::now();
    Loaded out;
    const auto files = CaseFiles(RAPPORT_SLA_TESTDATA, out.entries);
    out.files = files.size();
    for (const auto& path : files) LoadFile(path, out);
    out.parse_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
  }();
  return loaded;
}

class SlaCases : public testing::TestWithParam<Entry> {
 protected:
  static void SetUpTestSuite() { started_ = std::chrono::steady_clock::now(); }
  static void TearDownTestSuite() {
    const Loaded& loaded = LoadAll();
    const double run_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    std::printf(
        "[ sla cases ] %zu tests (%zu checks) from %zu files: parsed in %.1f ms, ran in %.1f ms\n",
        loaded.entries.size(), loaded.checks, loaded.files, loaded.parse_ms, run_ms);
  }

 private:
  static inline std::chrono::steady_clock::time_point started_;
};

TEST_P(SlaCases, Holds) {
  const Entry& entry = GetParam();
  if (entry.error) {
    const ParseError& e = *entry.error;
    ADD_FAILURE_AT(e.file.c_str(), e.line)
        << e.file << ":" << e.line << ": malformed case file: " << e.why;
    return;
  }
  CaseRunner(*entry.test_case).Run();
}

INSTANTIATE_TEST_SUITE_P(Files, SlaCases, testing::ValuesIn(LoadAll().entries),
                         [](const testing::TestParamInfo<Entry>& info) { return info.param.name; });

// ---- the format itself ---------------------------------------------------------------

// The error of parsing `text`, as "line: why", or "" when it parses.
std::string ErrorOf(std::string_view text) {
  const ParsedFile parsed = ParseCases(text, "inline.cases");
  if (!parsed.error) return "";
  return std::to_string(parsed.error->line) + ": " + parsed.error->why;
}

constexpr std::string_view kValid = R"(# a comment
case minimal
  zone Europe/London
  hours monday-friday 09:00-17:00   # five spans
  holiday 2023-12-25 yearly
  holiday 2023-06-16 12:00-14:00
  short_day 2023-12-22 09:00-13:00
  target resolution 8h business warning=60m paused_by=pending_customer,pending_internal
  opened 2023-06-12T08:00:00Z
  status 2023-06-12T08:05:00Z open
  customer 2023-06-12T09:00:00Z
  response 2023-06-12T09:30:00Z
  between 2023-06-12T00:00:00Z 2023-06-13T00:00:00Z = 480m
  add 2023-06-12T08:00:00Z 2h30m = 2023-06-12T10:30:00Z
  next_business 2023-06-10T00:00:00Z = 2023-06-12T08:00:00Z
  check resolution at 2023-06-12T09:00:00Z
    state running
    elapsed 60m
    remaining 420m
    due 2023-06-12T15:00:00Z
    warned none
    breached none
    met none
    pauses none
)";

TEST(SlaCaseFormat, ParsesAWellFormedCase) {
  const ParsedFile parsed = ParseCases(kValid, "inline.cases");
  ASSERT_FALSE(parsed.error) << parsed.error->line << ": " << parsed.error->why;
  ASSERT_EQ(parsed.cases.size(), 1u);
  const TestCase& c = *parsed.cases[0];
  ASSERT_TRUE(c.calendar);
  EXPECT_EQ(c.calendar->hours.size(), 5u);
  EXPECT_EQ(c.calendar->holidays.size(), 2u);
  EXPECT_TRUE(c.calendar->holidays[0].yearly);
  EXPECT_EQ(c.calendar->holidays[1].start, TimeOfDay{12 * 60});
  EXPECT_EQ(c.calendar->short_days.size(), 1u);
  ASSERT_EQ(c.policies.size(), 1u);
  ASSERT_EQ(c.policies[0].targets.size(), 1u);
  EXPECT_EQ(c.policies[0].targets[0].minutes, 480);
  EXPECT_EQ(c.policies[0].targets[0].warning_minutes, 60);
  EXPECT_EQ(c.policies[0].targets[0].paused_by->size(), 2u);
  EXPECT_EQ(c.history.changes.size(), 1u);
  EXPECT_EQ(c.history.messages.size(), 2u);
  EXPECT_EQ(c.calendar_checks.size(), 3u);
  ASSERT_EQ(c.clock_checks.size(), 1u);
  EXPECT_EQ(c.clock_checks[0].elapsed.value, 60 * kMillisPerMinute);
  EXPECT_EQ(c.clock_checks[0].elapsed.line, 18);
}

TEST(SlaCaseFormat, Durations) {
  EXPECT_EQ(ParseDuration("90m"), 90 * kMillisPerMinute);
  EXPECT_EQ(ParseDuration("-2h30m"), -150 * kMillisPerMinute);
  EXPECT_EQ(ParseDuration("1m30s"), 90'000);
  EXPECT_EQ(ParseDuration("0m"), 0);
  EXPECT_FALSE(ParseDuration("90"));
  EXPECT_FALSE(ParseDuration("m"));
  EXPECT_FALSE(ParseDuration("-"));
  EXPECT_FALSE(ParseDuration("5d"));
}

// Each malformed file fails with the line at fault and why; none is skipped.
TEST(SlaCaseFormat, RejectsMalformedFilesWithLineAndReason) {
  auto with = [](std::string_view from, std::string_view to) {
    std::string text(kValid);
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  EXPECT_EQ(ErrorOf(""), "1: the file holds no case");
  EXPECT_EQ(ErrorOf("zone UTC\n"), "1: 'zone' before the first 'case' line");
  EXPECT_EQ(ErrorOf(with("  zone Europe/London", "  zoen Europe/London")),
            "3: unknown keyword 'zoen'");
  EXPECT_EQ(ErrorOf(with("    pauses none\n", "")), "16: the check does not state 'pauses'");
  EXPECT_EQ(ErrorOf(with("    elapsed 60m", "    elapsed 60")),
            "18: bad duration (like 90m, -2h30m, 45s) '60'");
  EXPECT_EQ(ErrorOf(with("    elapsed 60m", "    elapsed 60m\n    elapsed 60m")),
            "19: 'elapsed' is stated twice in this check");
  EXPECT_EQ(ErrorOf(with("  check resolution at 2023-06-12T09:00:00Z\n", "")),
            "16: 'state' outside a 'check' block");
  EXPECT_EQ(ErrorOf(with("2023-06-12T09:30:00Z", "2023-06-12T07:30:00Z")),
            "12: history out of order: list events by instant");
  EXPECT_EQ(ErrorOf(with("2023-06-12T08:05:00Z", "2023-06-12T08:05Z")),
            "10: bad RFC 3339 instant '2023-06-12T08:05Z'");
  EXPECT_EQ(ErrorOf(with("monday-friday", "friday-monday")),
            "4: bad days (monday | monday,friday | monday-friday) 'friday-monday'");
  EXPECT_EQ(ErrorOf(std::string(kValid) + "  target resolution 60m business\n"),
            "25: 'target' after the checks: a case gives its calendar, policies and history first");
  EXPECT_EQ(ErrorOf(std::string(kValid) + std::string(kValid)),
            "26: case 'minimal' is already defined in this file");
  // Overlapping spans: domain::Validate rejects the calendar; the case's line is at fault.
  EXPECT_EQ(ErrorOf(with("  short_day", "  hours monday 16:00-18:00\n  short_day")),
            "2: invalid calendar: hours[5] overlaps hours[0] (monday 09:00-17:00)");
  EXPECT_EQ(ErrorOf(with("Europe/London", "Europe/Londres")).substr(0, 21),
            "2: invalid calendar: ");
  EXPECT_EQ(
      ErrorOf(with("  short_day 2023-12-22 09:00-13:00\n", "") +
              "case more\n  zone UTC\n  between 2023-01-01T00:00:00Z 2023-01-02T00:00:00Z = 0m\n"
              "  hours monday 09:00-17:00\n"),
      "27: 'hours' after a calendar question: give the calendar first");
  EXPECT_EQ(ErrorOf("case bare\n  target resolution 60m business\n  opened 2024-01-01T00:00:00Z\n"
                    "  check first_response at 2024-01-01T01:00:00Z\n    state none\n"),
            "4: no target for first_response");
  // A check under policies must say which policy it expects to match.
  EXPECT_EQ(ErrorOf(with("  target", "  policy standard\n  target")),
            "17: a case with policies states 'matched' in every check");
}

}  // namespace
}  // namespace rapport::sla
