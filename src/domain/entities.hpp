// The ledger's value types: users, vendors, queues, accounts, people, agreements,
// interactions, cases and the event log, with their field lists (see schema.hpp) and
// their rules. Plain data; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/instant.hpp"
#include "domain/schema.hpp"

namespace rapport::domain {

// ---- enumerations -------------------------------------------------------------------

enum class Role { kAdmin, kManager, kAgent, kVendorAgent, kViewer };
template <>
struct EnumNames<Role> {
  static constexpr std::array<std::string_view, 5> kNames = {"admin", "manager", "agent",
                                                             "vendor_agent", "viewer"};
};

enum class Channel : std::uint8_t { kPhone, kEmail, kChat, kWeb, kSocial, kSms };
template <>
struct EnumNames<Channel> {
  static constexpr std::array<std::string_view, 6> kNames = {"phone", "email",  "chat",
                                                             "web",   "social", "sms"};
};

enum class Direction : std::uint8_t { kInbound, kOutbound };
template <>
struct EnumNames<Direction> {
  static constexpr std::array<std::string_view, 2> kNames = {"inbound", "outbound"};
};

enum class InteractionKind { kContact, kNote };
template <>
struct EnumNames<InteractionKind> {
  static constexpr std::array<std::string_view, 2> kNames = {"contact", "note"};
};

enum class Outcome {
  kAnswered,
  kAbandoned,
  kTimedOut,
  kTransferred,
  kVoicemail,
  kMissedOffHours,  // live
  kReceived,
  kReplied,
  kSent,  // written
};
template <>
struct EnumNames<Outcome> {
  static constexpr std::array<std::string_view, 9> kNames = {
      "answered",         "abandoned", "timed_out", "transferred", "voicemail",
      "missed_off_hours", "received",  "replied",   "sent"};
};

enum class Priority { kLow, kNormal, kHigh, kUrgent };
template <>
struct EnumNames<Priority> {
  static constexpr std::array<std::string_view, 4> kNames = {"low", "normal", "high", "urgent"};
};

enum class PersonRole { kEndUser, kDecisionMaker, kExecutiveSponsor, kOther };
template <>
struct EnumNames<PersonRole> {
  static constexpr std::array<std::string_view, 4> kNames = {"end_user", "decision_maker",
                                                             "executive_sponsor", "other"};
};

enum class AgreementKind { kCustomer, kVendor };
template <>
struct EnumNames<AgreementKind> {
  static constexpr std::array<std::string_view, 2> kNames = {"customer", "vendor"};
};

enum class Metric { kServiceLevel, kFirstContactResolution, kAbandonment };
template <>
struct EnumNames<Metric> {
  static constexpr std::array<std::string_view, 3> kNames = {
      "service_level", "first_contact_resolution", "abandonment"};
};

// Whether a metric result is worse or better than its target (for abandonment, lower is
// better).
enum class Deviation { kWorse, kBetter };
template <>
struct EnumNames<Deviation> {
  static constexpr std::array<std::string_view, 2> kNames = {"worse", "better"};
};

// What an agent session records: time logged in, or a pause within it.
enum class AgentSessionKind { kLoggedIn, kPaused };
template <>
struct EnumNames<AgentSessionKind> {
  static constexpr std::array<std::string_view, 2> kNames = {"logged_in", "paused"};
};

enum class CaseStatus { kNew, kOpen, kPendingCustomer, kPendingInternal, kResolved, kClosed };
template <>
struct EnumNames<CaseStatus> {
  static constexpr std::array<std::string_view, 6> kNames = {
      "new", "open", "pending_customer", "pending_internal", "resolved", "closed"};
};

enum class ParticipantRole { kFrom, kTo, kCc };
template <>
struct EnumNames<ParticipantRole> {
  static constexpr std::array<std::string_view, 3> kNames = {"from", "to", "cc"};
};

enum class Weekday { kMonday, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };
template <>
struct EnumNames<Weekday> {
  static constexpr std::array<std::string_view, 7> kNames = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
};

// The three service clocks of a case.
enum class ClockMetric { kFirstResponse, kNextResponse, kResolution };
template <>
struct EnumNames<ClockMetric> {
  static constexpr std::array<std::string_view, 3> kNames = {"first_response", "next_response",
                                                             "resolution"};
};

enum class ClockState { kRunning, kPaused, kMet, kBreached };
template <>
struct EnumNames<ClockState> {
  static constexpr std::array<std::string_view, 4> kNames = {"running", "paused", "met",
                                                             "breached"};
};

// ---- entities -----------------------------------------------------------------------

struct User {
  Meta meta;
  std::string name;
  std::string email;
  Role role = Role::kAgent;
  std::optional<Id> vendor_id;  // required for, and only for, vendor_agent
  bool is_agent = false;        // handles contacts
  std::optional<std::string> team;
  bool active = true;
};

struct Vendor {
  Meta meta;
  std::string name;
  std::optional<std::string> executive_sponsor;
  std::optional<std::string> point_of_contact;
};

struct Queue {
  Meta meta;
  std::string name;
  Channel channel = Channel::kPhone;
  std::optional<Id> vendor_id;  // absent: served in-house
};

struct Account {
  Meta meta;
  std::string name;
  std::string segment;  // e.g. strategic, key, standard, smb
  Priority priority = Priority::kNormal;
  std::optional<Date> customer_since;
  std::int64_t annual_value_minor = 0;  // minor units of `currency`
  std::string currency = "USD";
  std::optional<Id> owner_id;
  std::string time_zone = "UTC";  // IANA name
  std::optional<Id> business_calendar_id;  // counts the account's service clocks
};

struct Person {
  Meta meta;
  Id account_id = 0;
  std::string name;
  std::vector<std::string> emails;
  std::vector<std::string> phones;
  PersonRole role = PersonRole::kEndUser;
};

// One step of an agreement's money schedule: a month whose result is `when` (worse or
// better) than the target by more than `beyond_points` percentage points costs the vendor
// a penalty (worse) or earns it a credit (better) of `amount_minor`. Of a target's steps,
// the one with the largest `beyond_points` reached applies.
struct ScheduleStep {
  Deviation when = Deviation::kWorse;
  double beyond_points = 0;
  std::int64_t amount_minor = 0;  // minor units of the agreement's currency
};

struct MetricTarget {
  Metric metric = Metric::kServiceLevel;
  std::optional<Channel> channel;                 // absent: every channel of the agreement
  double target_percent = 0;                      // e.g. 80.0
  std::optional<std::int64_t> threshold_seconds;  // service level: answered within T s
  double band_points = 5;  // a month further from target than this (either way) is flagged
  std::vector<ScheduleStep> schedule;  // penalties and credits
};

struct Agreement {
  Meta meta;
  AgreementKind kind = AgreementKind::kCustomer;
  std::optional<Id> account_id;  // the party of a customer agreement
  std::optional<Id> vendor_id;   // the party of a vendor agreement
  Date start_date;
  Date end_date;
  bool auto_renew = false;
  std::int64_t notice_days = 0;
  std::int64_t annual_value_minor = 0;
  std::string currency = "USD";
  std::vector<Id> queue_ids;                              // vendor agreements: queues served
  std::optional<std::int64_t> cost_per_agent_hour_minor;  // vendor agreements
  std::vector<MetricTarget> targets;                      // vendor agreements
  std::optional<Id> coverage_calendar_id;  // vendor agreements: the hours the vendor covers
};

struct Participant {
  ParticipantRole role = ParticipantRole::kFrom;
  std::optional<Id> person_id;
  std::optional<std::string> address;
};

struct Interaction {
  Meta meta;
  std::string source = "api";
  std::optional<std::string> external_id;  // unique per source
  Channel channel = Channel::kPhone;
  Direction direction = Direction::kInbound;
  InteractionKind kind = InteractionKind::kContact;
  std::optional<Id> account_id;
  std::optional<Id> person_id;
  std::optional<Id> case_id;
  std::optional<Id> queue_id;
  std::optional<Id> vendor_id;  // derived from the queue by the server
  std::optional<Id> agent_id;
  std::optional<std::string> category;
  Instant arrived_at;
  std::optional<Instant> answered_at;
  std::optional<Instant> ended_at;
  std::optional<Outcome> outcome;
  std::vector<Participant> participants;
  std::optional<std::string> message_id;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> subject;
  std::optional<std::string> body;
  std::vector<std::string> tags;
  std::optional<std::int64_t> wrap_up_seconds;  // after-contact work, where known
};

// An agent's logged-in time, or a pause within it (from an ACD's log, e.g. Asterisk's
// queue_log): what staffed time is made of. Idempotent on (source, external_id) like
// interactions.
struct AgentSession {
  Meta meta;
  std::string source = "api";
  std::optional<std::string> external_id;  // unique per source
  Id agent_id = 0;
  std::optional<Id> queue_id;   // absent: every queue the agent serves
  std::optional<Id> vendor_id;  // derived from the agent by the server
  AgentSessionKind kind = AgentSessionKind::kLoggedIn;
  Instant started_at;
  std::optional<Instant> ended_at;  // absent: still going
  std::optional<std::string> reason;  // of a pause
};

// One service clock of a case as the API shows it, and as a resolved case keeps it.
// Durations are seconds of the clock's kind of time: business time on the calendar
// that counts, or plain elapsed time.
struct ClockPause {
  Instant from;
  std::optional<Instant> to;  // absent: still paused
};

struct ClockRecord {
  ClockMetric metric = ClockMetric::kResolution;
  Id policy_id = 0;
  std::optional<Id> calendar_id;  // absent: 24×7
  std::int64_t target_minutes = 0;
  bool business_time = true;
  ClockState state = ClockState::kRunning;
  Instant started_at;  // next response: the start of the latest cycle
  std::int64_t elapsed_seconds = 0;
  std::int64_t remaining_seconds = 0;  // negative once breached
  std::optional<Instant> due_at;       // absent while paused
  std::optional<Instant> warned_at;
  std::optional<Instant> breached_at;
  std::optional<Instant> met_at;
  std::int64_t cycles = 0;    // next response: customer messages that started a cycle
  std::int64_t breaches = 0;  // next response: cycles that breached
  std::vector<ClockPause> pauses;
};

struct Case {
  Meta meta;
  Id account_id = 0;
  std::optional<Id> requester_id;
  std::string subject;
  std::optional<std::string> category;
  Priority priority = Priority::kNormal;
  CaseStatus status = CaseStatus::kNew;
  std::optional<Id> assignee_id;
  std::optional<Id> queue_id;
  std::optional<Id> vendor_id;  // derived from the queue by the server
  std::optional<Instant> resolved_at;
  std::optional<Instant> closed_at;
  std::optional<Channel> channel;  // how the case came in; the queue's channel by default
  std::vector<ClockRecord> clocks;  // frozen when the case is resolved; live ones are added
                                    // to answers while it is open
};

// ---- service clocks -----------------------------------------------------------------

// A span of business hours on a weekday, local wall-clock time. An end at or before the
// start runs past midnight into the next day; the span belongs to the day it starts.
struct WeeklySpan {
  Weekday day = Weekday::kMonday;
  TimeOfDay start;
  TimeOfDay end;
};

// A day (or, with start and end, part of a day) that is not business time. Yearly
// holidays recur on the date's month and day from the date's year on.
struct Holiday {
  std::string name;
  Date date;
  bool yearly = false;
  std::optional<TimeOfDay> start;
  std::optional<TimeOfDay> end;
};

// Hours that replace the weekly spans of one date (a short day). Several entries with the
// same date give several spans.
struct ShortDay {
  Date date;
  bool yearly = false;
  TimeOfDay start;
  TimeOfDay end;
};

struct Calendar {
  Meta meta;
  std::string name;
  std::string time_zone = "UTC";  // IANA name
  std::vector<WeeklySpan> hours;
  std::vector<Holiday> holidays;
  std::vector<ShortDay> short_days;
};

struct ClockTarget {
  ClockMetric metric = ClockMetric::kResolution;
  std::int64_t minutes = 0;
  bool business_time = true;        // false: calendar (elapsed) minutes
  std::int64_t warning_minutes = 0;  // warn when this little is left; 0: no warning
  // The statuses that pause this clock; absent: pending_customer pauses next response
  // and resolution, nothing pauses first response.
  std::optional<std::vector<CaseStatus>> paused_by;
};

// Service-level policy: the first active policy, by position then id, whose conditions
// all hold sets the case's targets. An empty condition list matches everything.
struct SlaPolicy {
  Meta meta;
  std::string name;
  std::int64_t position = 0;
  std::vector<std::string> segments;
  std::vector<Priority> priorities;
  std::vector<Channel> channels;
  std::vector<Id> queue_ids;
  std::optional<Id> calendar_id;  // absent: the coverage, account or 24×7 calendar
  std::vector<ClockTarget> targets;
  bool active = true;
};

// One row of the append-only event log: the audit trail and the change feed.
// A signal (signals/signals.hpp) as the server recorded it: raised when its rule became
// true, cleared when it no longer was; its severity and evidence as last recorded. Written
// by the server alone (app/signal_index.cpp), never through the API.
struct SignalRecord {
  Meta meta;
  Id account_id = 0;
  std::optional<Id> case_id;
  std::string rule;
  std::optional<std::string> category;
  std::string severity;
  std::vector<Id> evidence;
  std::vector<Id> related_cases;
  Instant first_seen;
  std::optional<Instant> cleared_at;
};

struct Event {
  std::int64_t sequence = 0;
  Instant at;
  Id actor_id = 0;
  std::string entity;  // singular entity name: "case", "interaction", ...
  Id entity_id = 0;
  std::string action;  // created, updated, status_changed, ...
  std::string change;  // JSON text: the created record, or the patch applied
  std::optional<Id> account_id;  // the account the event concerns, if one: its timeline
};

// ---- field lists --------------------------------------------------------------------

template <>
struct Schema<User> {
  static constexpr std::string_view kTable = "users";
  static constexpr std::string_view kEntity = "user";
  static constexpr auto kFields = std::tuple{
      Field{"name", &User::name, kRequired}, Field{"email", &User::email, kRequired},
      Field{"role", &User::role, kRequired}, Field{"vendor_id", &User::vendor_id, 0, "vendors"},
      Field{"is_agent", &User::is_agent},    Field{"team", &User::team},
      Field{"active", &User::active},
  };
};

template <>
struct Schema<Vendor> {
  static constexpr std::string_view kTable = "vendors";
  static constexpr std::string_view kEntity = "vendor";
  static constexpr auto kFields = std::tuple{
      Field{"name", &Vendor::name, kRequired},
      Field{"executive_sponsor", &Vendor::executive_sponsor},
      Field{"point_of_contact", &Vendor::point_of_contact},
  };
};

template <>
struct Schema<Queue> {
  static constexpr std::string_view kTable = "queues";
  static constexpr std::string_view kEntity = "queue";
  static constexpr auto kFields = std::tuple{
      Field{"name", &Queue::name, kRequired},
      Field{"channel", &Queue::channel, kRequired},
      Field{"vendor_id", &Queue::vendor_id, 0, "vendors"},
  };
};

template <>
struct Schema<Account> {
  static constexpr std::string_view kTable = "accounts";
  static constexpr std::string_view kEntity = "account";
  static constexpr auto kFields = std::tuple{
      Field{"name", &Account::name, kRequired},
      Field{"segment", &Account::segment, kRequired},
      Field{"priority", &Account::priority},
      Field{"customer_since", &Account::customer_since},
      Field{"annual_value_minor", &Account::annual_value_minor, kHiddenFromVendors},
      Field{"currency", &Account::currency},
      Field{"owner_id", &Account::owner_id, 0, "users"},
      Field{"time_zone", &Account::time_zone},
      Field{"business_calendar_id", &Account::business_calendar_id, 0, "calendars"},
  };
};

template <>
struct Schema<Person> {
  static constexpr std::string_view kTable = "people";
  static constexpr std::string_view kEntity = "person";
  static constexpr auto kFields = std::tuple{
      Field{"account_id", &Person::account_id, kRequired, "accounts"},
      Field{"name", &Person::name, kRequired},
      Field{"emails", &Person::emails},
      Field{"phones", &Person::phones},
      Field{"role", &Person::role},
  };
};

template <>
struct Schema<MetricTarget> {
  static constexpr auto kFields = std::tuple{
      Field{"metric", &MetricTarget::metric, kRequired},
      Field{"channel", &MetricTarget::channel},
      Field{"target_percent", &MetricTarget::target_percent, kRequired},
      Field{"threshold_seconds", &MetricTarget::threshold_seconds},
      Field{"band_points", &MetricTarget::band_points},
      Field{"schedule", &MetricTarget::schedule},
  };
};

template <>
struct Schema<ScheduleStep> {
  static constexpr auto kFields = std::tuple{
      Field{"when", &ScheduleStep::when, kRequired},
      Field{"beyond_points", &ScheduleStep::beyond_points, kRequired},
      Field{"amount_minor", &ScheduleStep::amount_minor, kRequired},
  };
};

template <>
struct Schema<Agreement> {
  static constexpr std::string_view kTable = "agreements";
  static constexpr std::string_view kEntity = "agreement";
  static constexpr auto kFields = std::tuple{
      Field{"kind", &Agreement::kind, kRequired},
      Field{"account_id", &Agreement::account_id, 0, "accounts"},
      Field{"vendor_id", &Agreement::vendor_id, 0, "vendors"},
      Field{"start_date", &Agreement::start_date, kRequired},
      Field{"end_date", &Agreement::end_date, kRequired},
      Field{"auto_renew", &Agreement::auto_renew},
      Field{"notice_days", &Agreement::notice_days},
      Field{"annual_value_minor", &Agreement::annual_value_minor},
      Field{"currency", &Agreement::currency},
      Field{"queue_ids", &Agreement::queue_ids, 0, "queues"},
      Field{"cost_per_agent_hour_minor", &Agreement::cost_per_agent_hour_minor},
      Field{"targets", &Agreement::targets},
      Field{"coverage_calendar_id", &Agreement::coverage_calendar_id, 0, "calendars"},
  };
};

template <>
struct Schema<Participant> {
  static constexpr auto kFields = std::tuple{
      Field{"role", &Participant::role, kRequired},
      Field{"person_id", &Participant::person_id, 0, "people"},
      Field{"address", &Participant::address},
  };
};

template <>
struct Schema<Interaction> {
  static constexpr std::string_view kTable = "interactions";
  static constexpr std::string_view kEntity = "interaction";
  static constexpr auto kFields = std::tuple{
      Field{"source", &Interaction::source},
      Field{"external_id", &Interaction::external_id},
      Field{"channel", &Interaction::channel, kRequired},
      Field{"direction", &Interaction::direction, kRequired},
      Field{"kind", &Interaction::kind},
      Field{"account_id", &Interaction::account_id, 0, "accounts"},
      Field{"person_id", &Interaction::person_id, 0, "people"},
      Field{"case_id", &Interaction::case_id, 0, "cases"},
      Field{"queue_id", &Interaction::queue_id, 0, "queues"},
      Field{"vendor_id", &Interaction::vendor_id, kReadOnly, "vendors"},
      Field{"agent_id", &Interaction::agent_id, kVendorDetail, "users"},
      Field{"category", &Interaction::category},
      Field{"arrived_at", &Interaction::arrived_at, kRequired},
      Field{"answered_at", &Interaction::answered_at},
      Field{"ended_at", &Interaction::ended_at},
      Field{"outcome", &Interaction::outcome},
      Field{"participants", &Interaction::participants, kVendorDetail},
      Field{"message_id", &Interaction::message_id, kVendorDetail},
      Field{"in_reply_to", &Interaction::in_reply_to, kVendorDetail},
      Field{"subject", &Interaction::subject},
      Field{"body", &Interaction::body, kVendorDetail},
      Field{"tags", &Interaction::tags, kVendorDetail},
      Field{"wrap_up_seconds", &Interaction::wrap_up_seconds, kVendorDetail},
  };
};

template <>
struct Schema<AgentSession> {
  static constexpr std::string_view kTable = "agent_sessions";
  static constexpr std::string_view kEntity = "agent_session";
  static constexpr auto kFields = std::tuple{
      Field{"source", &AgentSession::source},
      Field{"external_id", &AgentSession::external_id},
      Field{"agent_id", &AgentSession::agent_id, kRequired, "users"},
      Field{"queue_id", &AgentSession::queue_id, 0, "queues"},
      Field{"vendor_id", &AgentSession::vendor_id, kReadOnly, "vendors"},
      Field{"kind", &AgentSession::kind, kRequired},
      Field{"started_at", &AgentSession::started_at, kRequired},
      Field{"ended_at", &AgentSession::ended_at},
      Field{"reason", &AgentSession::reason},
  };
};

template <>
struct Schema<SignalRecord> {
  static constexpr std::string_view kTable = "signals";
  static constexpr std::string_view kEntity = "signal";
  static constexpr auto kFields = std::tuple{
      Field{"account_id", &SignalRecord::account_id, kRequired, "accounts"},
      Field{"case_id", &SignalRecord::case_id, 0, "cases"},
      Field{"rule", &SignalRecord::rule, kRequired},
      Field{"category", &SignalRecord::category},
      Field{"severity", &SignalRecord::severity, kRequired},
      Field{"evidence", &SignalRecord::evidence},
      Field{"related_cases", &SignalRecord::related_cases},
      Field{"first_seen", &SignalRecord::first_seen, kRequired},
      Field{"cleared_at", &SignalRecord::cleared_at},
  };
};

template <>
struct Schema<Case> {
  static constexpr std::string_view kTable = "cases";
  static constexpr std::string_view kEntity = "case";
  static constexpr auto kFields = std::tuple{
      Field{"account_id", &Case::account_id, kRequired, "accounts"},
      Field{"requester_id", &Case::requester_id, 0, "people"},
      Field{"subject", &Case::subject, kRequired},
      Field{"category", &Case::category},
      Field{"priority", &Case::priority},
      Field{"status", &Case::status},
      Field{"assignee_id", &Case::assignee_id, 0, "users"},
      Field{"queue_id", &Case::queue_id, 0, "queues"},
      Field{"vendor_id", &Case::vendor_id, kReadOnly, "vendors"},
      Field{"resolved_at", &Case::resolved_at, kReadOnly},
      Field{"closed_at", &Case::closed_at, kReadOnly},
      Field{"channel", &Case::channel},
      Field{"clocks", &Case::clocks, kReadOnly},  // last: live clocks are spliced in here
  };
};

template <>
struct Schema<ClockPause> {
  static constexpr auto kFields = std::tuple{
      Field{"from", &ClockPause::from, kRequired},
      Field{"to", &ClockPause::to},
  };
};

template <>
struct Schema<ClockRecord> {
  static constexpr auto kFields = std::tuple{
      Field{"metric", &ClockRecord::metric, kRequired},
      Field{"policy_id", &ClockRecord::policy_id, kRequired},
      Field{"calendar_id", &ClockRecord::calendar_id},
      Field{"target_minutes", &ClockRecord::target_minutes, kRequired},
      Field{"business_time", &ClockRecord::business_time},
      Field{"state", &ClockRecord::state, kRequired},
      Field{"started_at", &ClockRecord::started_at, kRequired},
      Field{"elapsed_seconds", &ClockRecord::elapsed_seconds},
      Field{"remaining_seconds", &ClockRecord::remaining_seconds},
      Field{"due_at", &ClockRecord::due_at},
      Field{"warned_at", &ClockRecord::warned_at},
      Field{"breached_at", &ClockRecord::breached_at},
      Field{"met_at", &ClockRecord::met_at},
      Field{"cycles", &ClockRecord::cycles},
      Field{"breaches", &ClockRecord::breaches},
      Field{"pauses", &ClockRecord::pauses},
  };
};

template <>
struct Schema<WeeklySpan> {
  static constexpr auto kFields = std::tuple{
      Field{"day", &WeeklySpan::day, kRequired},
      Field{"start", &WeeklySpan::start, kRequired},
      Field{"end", &WeeklySpan::end, kRequired},
  };
};

template <>
struct Schema<Holiday> {
  static constexpr auto kFields = std::tuple{
      Field{"name", &Holiday::name},
      Field{"date", &Holiday::date, kRequired},
      Field{"yearly", &Holiday::yearly},
      Field{"start", &Holiday::start},
      Field{"end", &Holiday::end},
  };
};

template <>
struct Schema<ShortDay> {
  static constexpr auto kFields = std::tuple{
      Field{"date", &ShortDay::date, kRequired},
      Field{"yearly", &ShortDay::yearly},
      Field{"start", &ShortDay::start, kRequired},
      Field{"end", &ShortDay::end, kRequired},
  };
};

template <>
struct Schema<Calendar> {
  static constexpr std::string_view kTable = "calendars";
  static constexpr std::string_view kEntity = "calendar";
  static constexpr auto kFields = std::tuple{
      Field{"name", &Calendar::name, kRequired},
      Field{"time_zone", &Calendar::time_zone, kRequired},
      Field{"hours", &Calendar::hours},
      Field{"holidays", &Calendar::holidays},
      Field{"short_days", &Calendar::short_days},
  };
};

template <>
struct Schema<ClockTarget> {
  static constexpr auto kFields = std::tuple{
      Field{"metric", &ClockTarget::metric, kRequired},
      Field{"minutes", &ClockTarget::minutes, kRequired},
      Field{"business_time", &ClockTarget::business_time},
      Field{"warning_minutes", &ClockTarget::warning_minutes},
      Field{"paused_by", &ClockTarget::paused_by},
  };
};

template <>
struct Schema<SlaPolicy> {
  static constexpr std::string_view kTable = "sla_policies";
  static constexpr std::string_view kEntity = "sla_policy";
  static constexpr auto kFields = std::tuple{
      Field{"name", &SlaPolicy::name, kRequired},
      Field{"position", &SlaPolicy::position},
      Field{"segments", &SlaPolicy::segments},
      Field{"priorities", &SlaPolicy::priorities},
      Field{"channels", &SlaPolicy::channels},
      Field{"queue_ids", &SlaPolicy::queue_ids, 0, "queues"},
      Field{"calendar_id", &SlaPolicy::calendar_id, 0, "calendars"},
      Field{"targets", &SlaPolicy::targets, kRequired},
      Field{"active", &SlaPolicy::active},
  };
};

// ---- rules --------------------------------------------------------------------------

// Semantic checks of a whole record (types were checked by the codec). Each bad field is
// added to `errors` by its name. Foreign ids are checked against the store by app/.
void Validate(const User& user, FieldErrors& errors);
void Validate(const Vendor& vendor, FieldErrors& errors);
void Validate(const Queue& queue, FieldErrors& errors);
void Validate(const Account& account, FieldErrors& errors);
void Validate(const Person& person, FieldErrors& errors);
void Validate(const Agreement& agreement, FieldErrors& errors);
void Validate(const Interaction& interaction, FieldErrors& errors);
void Validate(const AgentSession& session, FieldErrors& errors);
void Validate(const Case& kase, FieldErrors& errors);
// Also checks that the time zone is in the tz database and that no two spans overlap.
void Validate(const Calendar& calendar, FieldErrors& errors);
void Validate(const SlaPolicy& policy, FieldErrors& errors);

// Whether `status` pauses `target`'s clock (by its own list, or the default), and all the
// statuses that do.
bool Pauses(const ClockTarget& target, CaseStatus status);
std::vector<CaseStatus> PausingStatuses(const ClockTarget& target);

// The outcomes that fit a channel: live channels (phone, chat) end answered, abandoned,
// timed_out, transferred, voicemail or missed_off_hours; written ones received, replied
// or sent.
bool OutcomeFitsChannel(Channel channel, Outcome outcome);

// The case status machine: new → open → pending_customer / pending_internal → resolved →
// closed, pending states back to open or to each other, and reopen (resolved → open).
bool IsLegalTransition(CaseStatus from, CaseStatus to);

// Records the instants a transition implies (resolved_at, closed_at) on `kase`, whose
// status is already `to`.
void ApplyTransitionInstants(Case& kase, CaseStatus from, Instant at);

// The account a record concerns, which its events name (Event::account_id): an account
// itself, else the record's account_id when it has one.
template <class T>
std::optional<Id> AccountOf(const T& record) {
  if constexpr (std::is_same_v<T, Account>) {
    return record.meta.id;
  } else if constexpr (requires { record.account_id; }) {
    return std::optional<Id>(record.account_id);
  } else {
    return std::nullopt;
  }
}

}  // namespace rapport::domain
