#include "app/demo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/clocks.hpp"
#include "app/ledger.hpp"
#include "core/test_directory.hpp"
#include "domain/advocacy.hpp"
#include "domain/json_codec.hpp"
#include "sla/calendar.hpp"
#include "store/records.hpp"

namespace rapport::app {
namespace {

using domain::Account;
using domain::AgentSession;
using domain::AgentSessionKind;
using domain::Agreement;
using domain::AgreementKind;
using domain::Calendar;
using domain::Case;
using domain::CaseStatus;
using domain::ClockMetric;
using domain::ClockState;
using domain::Direction;
using domain::Event;
using domain::Id;
using domain::Interaction;
using domain::SlaPolicy;

// 2025-03-14T12:00:00Z: a fixed end, so that every run generates the same year.
constexpr Instant kEnd{1741953600000};
constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;

DemoOptions Small(std::uint64_t seed = 42) {
  DemoOptions options;
  options.scale = 0.01;
  options.seed = seed;
  options.end = kEnd;
  return options;
}

struct Snapshot {
  DemoSummary summary;
  std::vector<Interaction> interactions;
  std::vector<AgentSession> sessions;
  std::vector<domain::User> users;
  std::vector<domain::Vendor> vendors;
  std::vector<domain::Person> people;
  std::vector<Case> cases;
  std::vector<Agreement> agreements;
  std::vector<domain::Queue> queues;
  std::vector<Account> accounts;
  std::vector<Calendar> calendars;
  std::vector<SlaPolicy> policies;
  std::vector<Event> events;
  // The clocks the server computes for each resolved case at its resolution, from what
  // the store holds (as app::Clocks::Final does).
  std::map<Id, std::vector<domain::ClockRecord>> server_clocks;
};

class DemoTest : public ::testing::Test {
 protected:
  std::unique_ptr<store::Store> Open(const std::string& name) {
    auto store = store::OpenSqlite({.path = (dir_ / name).string()});
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }

  template <domain::Entity T>
  static std::vector<T> All(store::Store& store) {
    std::vector<T> out;
    auto read = store.Read([&](store::Session& s) -> Result<void> {
      store::Query everything;
      everything.limit = 10'000'000;
      auto rows = store::List<T>(s, everything);
      if (!rows) return std::unexpected(rows.error());
      out = std::move(*rows);
      return {};
    });
    EXPECT_TRUE(read) << read.error().message;
    return out;
  }

  // Generates at scale 0.01 into a fresh store and reads everything back.
  Snapshot Generate(const std::string& name, std::uint64_t seed = 42) {
    auto store = Open(name);
    Snapshot snap;
    auto summary = GenerateDemo(*store, Small(seed));
    EXPECT_TRUE(summary) << summary.error().message;
    if (!summary) return snap;
    snap.summary = *summary;
    snap.interactions = All<Interaction>(*store);
    snap.sessions = All<AgentSession>(*store);
    snap.users = All<domain::User>(*store);
    snap.vendors = All<domain::Vendor>(*store);
    snap.people = All<domain::Person>(*store);
    snap.cases = All<Case>(*store);
    snap.agreements = All<Agreement>(*store);
    snap.queues = All<domain::Queue>(*store);
    snap.accounts = All<Account>(*store);
    snap.calendars = All<Calendar>(*store);
    snap.policies = All<SlaPolicy>(*store);
    auto read = store->Read([&](store::Session& s) -> Result<void> {
      auto events = s.EventsAfter(0, 10'000'000);
      if (!events) return std::unexpected(events.error());
      snap.events = std::move(*events);
      auto config = ClockConfig::Load(s);
      if (!config) return std::unexpected(config.error());
      for (const Case& c : snap.cases) {
        if (!c.resolved_at) continue;
        auto history = LoadHistory(s, c);
        if (!history) return std::unexpected(history.error());
        snap.server_clocks[c.meta.id] =
            ComputeClocks(*config, TrackedCase{c, std::move(*history)}, *c.resolved_at);
      }
      return {};
    });
    EXPECT_TRUE(read);
    return snap;
  }

  TestDirectory dir_{"rapport-demo-test"};
};

template <domain::Entity T>
std::size_t Hash(const std::vector<T>& records) {
  std::size_t hash = 0;
  for (const T& record : records) {
    const std::string text = boost::json::serialize(domain::ToJson(record));
    hash = hash * 1000003 ^ std::hash<std::string>{}(text);
  }
  return hash;
}

TEST_F(DemoTest, GeneratesABelievableSmallCompany) {
  Snapshot snap = Generate("demo.db");
  const DemoSummary& s = snap.summary;
  EXPECT_EQ(s.vendors, 3);
  EXPECT_EQ(s.queues, 8);
  EXPECT_EQ(s.calendars, 9);
  EXPECT_EQ(s.sla_policies, 5);
  EXPECT_GE(s.users, 20);
  EXPECT_GE(s.accounts, 10);
  EXPECT_LE(s.accounts, 12);
  EXPECT_GE(s.people, 3 * s.accounts);
  EXPECT_LE(s.people, 8 * s.accounts);
  EXPECT_GE(s.interactions, 3500);
  EXPECT_LE(s.interactions, 7000);
  EXPECT_GE(s.cases, 100);
  EXPECT_LT(s.cases, s.interactions / 2);
  EXPECT_EQ(static_cast<std::int64_t>(snap.interactions.size()), s.interactions);
  EXPECT_GT(s.agent_sessions, 0);
  EXPECT_EQ(static_cast<std::int64_t>(snap.sessions.size()), s.agent_sessions);
  EXPECT_EQ(static_cast<std::int64_t>(snap.cases.size()), s.cases);
  EXPECT_EQ(static_cast<std::int64_t>(snap.agreements.size()), s.agreements);
}

TEST_F(DemoTest, IsDeterministicForOneSeed) {
  Snapshot a = Generate("a.db");
  Snapshot b = Generate("b.db");
  ASSERT_EQ(a.interactions.size(), b.interactions.size());
  EXPECT_EQ(Hash(a.interactions), Hash(b.interactions));
  ASSERT_EQ(a.sessions.size(), b.sessions.size());
  EXPECT_EQ(Hash(a.sessions), Hash(b.sessions));
  EXPECT_EQ(Hash(a.cases), Hash(b.cases));  // with their clocks
  EXPECT_EQ(Hash(a.calendars), Hash(b.calendars));
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    ASSERT_EQ(a.events[i].change, b.events[i].change) << "event " << i;
    ASSERT_EQ(a.events[i].at, b.events[i].at) << "event " << i;
  }
  Snapshot c = Generate("c.db", 7);
  EXPECT_NE(Hash(a.interactions), Hash(c.interactions));
  EXPECT_NE(Hash(a.sessions), Hash(c.sessions));
}

TEST_F(DemoTest, InteractionsFollowTheRules) {
  Snapshot snap = Generate("demo.db");
  std::map<Id, std::optional<Id>> queue_vendor;
  std::map<Id, domain::Channel> queue_channel;
  for (const auto& q : snap.queues) {
    queue_vendor[q.meta.id] = q.vendor_id;
    queue_channel[q.meta.id] = q.channel;
  }
  std::set<std::string> external_ids;
  for (const Interaction& i : snap.interactions) {
    ASSERT_TRUE(i.outcome);
    EXPECT_TRUE(domain::OutcomeFitsChannel(i.channel, *i.outcome)) << i.meta.id;
    if (i.answered_at) {
      EXPECT_GE(*i.answered_at, i.arrived_at) << i.meta.id;
    }
    ASSERT_TRUE(i.queue_id);
    EXPECT_EQ(i.vendor_id, queue_vendor.at(*i.queue_id)) << i.meta.id;
    EXPECT_EQ(i.channel, queue_channel.at(*i.queue_id)) << i.meta.id;
    EXPECT_TRUE(i.account_id && i.person_id && i.category) << i.meta.id;
    EXPECT_EQ(i.source, "demo");
    ASSERT_TRUE(i.external_id);
    EXPECT_TRUE(external_ids.insert(*i.external_id).second) << *i.external_id;
    EXPECT_LT(i.arrived_at, kEnd);
    EXPECT_GE(i.arrived_at.ms, kEnd.ms - 366 * kDayMs);
    EXPECT_EQ(i.meta.created_at, i.arrived_at);
  }
  for (const Case& c : snap.cases) {
    EXPECT_EQ(c.vendor_id, queue_vendor.at(*c.queue_id)) << c.meta.id;
    bool resolved = c.status == CaseStatus::kResolved || c.status == CaseStatus::kClosed;
    EXPECT_EQ(c.resolved_at.has_value(), resolved) << c.meta.id;
    EXPECT_EQ(c.closed_at.has_value(), c.status == CaseStatus::kClosed) << c.meta.id;
  }
}

template <domain::Entity T>
void ExpectValid(const std::vector<T>& records) {
  for (const T& record : records) {
    FieldErrors errors;
    domain::Validate(record, errors);
    EXPECT_TRUE(errors.empty()) << domain::Schema<T>::kEntity << " " << record.meta.id << ": "
                                << (errors.empty() ? "" : errors.list().front().field + " " +
                                                              errors.list().front().message);
  }
}

TEST_F(DemoTest, EveryRecordPassesTheDomainRules) {
  Snapshot snap = Generate("demo.db");
  ExpectValid(snap.users);
  ExpectValid(snap.vendors);
  ExpectValid(snap.queues);
  ExpectValid(snap.calendars);
  ExpectValid(snap.policies);
  ExpectValid(snap.accounts);
  ExpectValid(snap.people);
  ExpectValid(snap.agreements);
  ExpectValid(snap.cases);
  ExpectValid(snap.interactions);
  ExpectValid(snap.sessions);
}

// Answered calls and chats carry the agent's after-contact work; written contacts none.
TEST_F(DemoTest, AnsweredCallsAndChatsCarryWrapUp) {
  Snapshot snap = Generate("demo.db");
  std::int64_t with = 0;
  std::map<Id, std::vector<std::int64_t>> by_agent;
  for (const Interaction& i : snap.interactions) {
    const bool live = i.channel == domain::Channel::kPhone || i.channel == domain::Channel::kChat;
    if (live && i.answered_at && i.agent_id) {
      ASSERT_TRUE(i.wrap_up_seconds) << i.meta.id;
      EXPECT_GE(*i.wrap_up_seconds, 20) << i.meta.id;
      EXPECT_LE(*i.wrap_up_seconds, 90) << i.meta.id;
      by_agent[*i.agent_id].push_back(*i.wrap_up_seconds);
      ++with;
    } else {
      EXPECT_FALSE(i.wrap_up_seconds) << i.meta.id;
    }
  }
  EXPECT_GT(with, 1000);
  // Agents differ in their habits.
  double lowest = 1e9, highest = 0;
  for (const auto& [agent, seconds] : by_agent) {
    if (seconds.size() < 20) continue;
    double mean = 0;
    for (auto x : seconds) mean += static_cast<double>(x) / static_cast<double>(seconds.size());
    lowest = std::min(lowest, mean);
    highest = std::max(highest, mean);
  }
  EXPECT_GT(highest - lowest, 10);
}

// Every team's agents log in, in the team's working hours (its vendor's coverage
// calendar, the premium desk's hours in-house, else around the clock), and pause only
// while logged in.
TEST_F(DemoTest, AgentSessionsAreShiftsInTheTeamsHours) {
  Snapshot snap = Generate("demo.db");
  std::map<Id, const domain::User*> users;
  std::set<std::string> teams;
  for (const domain::User& u : snap.users) {
    users[u.meta.id] = &u;
    if (u.is_agent) teams.insert(u.team.value_or(""));
  }
  EXPECT_EQ(teams.size(), 4u);
  std::map<Id, sla::BusinessCalendar> compiled;
  for (const Calendar& c : snap.calendars) compiled.emplace(c.meta.id, *sla::BusinessCalendar::Compile(c));
  std::optional<Id> premium_desk;
  for (const Calendar& c : snap.calendars) {
    if (c.name == "Premium desk") premium_desk = c.meta.id;
  }
  ASSERT_TRUE(premium_desk);
  std::map<Id, std::optional<Id>> coverage;  // by vendor
  for (const Agreement& a : snap.agreements) {
    if (a.kind == AgreementKind::kVendor) coverage[*a.vendor_id] = a.coverage_calendar_id;
  }
  const sla::BusinessCalendar around_the_clock;

  std::set<std::string> external_ids, teams_logged_in;
  std::map<Id, std::vector<const AgentSession*>> logged_in;  // by agent
  std::int64_t lunches = 0, breaks = 0;
  for (const AgentSession& x : snap.sessions) {
    ASSERT_TRUE(users.contains(x.agent_id));
    const domain::User& agent = *users.at(x.agent_id);
    EXPECT_TRUE(agent.is_agent);
    EXPECT_EQ(x.vendor_id, agent.vendor_id) << x.meta.id;
    EXPECT_FALSE(x.queue_id) << x.meta.id;
    EXPECT_EQ(x.source, "demo");
    ASSERT_TRUE(x.external_id && x.external_id->starts_with("demo-session-"));
    EXPECT_TRUE(external_ids.insert(*x.external_id).second) << *x.external_id;
    ASSERT_TRUE(x.ended_at) << x.meta.id;
    EXPECT_LT(x.started_at, *x.ended_at) << x.meta.id;
    EXPECT_GE(x.started_at.ms, kEnd.ms - 366 * kDayMs);
    EXPECT_LE(*x.ended_at, kEnd);
    if (x.kind == AgentSessionKind::kPaused) {
      ASSERT_TRUE(x.reason) << x.meta.id;
      EXPECT_TRUE(*x.reason == "lunch" || *x.reason == "break") << *x.reason;
      ++(*x.reason == "lunch" ? lunches : breaks);
      continue;
    }
    EXPECT_FALSE(x.reason) << x.meta.id;
    EXPECT_LE(x.ended_at->ms - x.started_at.ms, 8 * 60 * 60 * 1000) << x.meta.id;
    teams_logged_in.insert(agent.team.value_or(""));
    const std::optional<Id> hours =
        agent.vendor_id ? coverage.at(*agent.vendor_id) : premium_desk;
    const sla::BusinessCalendar& calendar = hours ? compiled.at(*hours) : around_the_clock;
    EXPECT_EQ(calendar.Between(x.started_at, *x.ended_at), x.ended_at->ms - x.started_at.ms)
        << agent.team.value_or("") << " logged in outside its hours: session " << x.meta.id;
    logged_in[x.agent_id].push_back(&x);
  }
  EXPECT_EQ(teams_logged_in, teams);
  EXPECT_GT(lunches, 0);
  EXPECT_GT(breaks, lunches);

  // An agent's shifts do not overlap; each pause lies inside one of them.
  for (auto& [agent, shifts] : logged_in) {
    std::sort(shifts.begin(), shifts.end(), [](const AgentSession* a, const AgentSession* b) {
      return a->started_at < b->started_at;
    });
    for (std::size_t k = 1; k < shifts.size(); ++k) {
      EXPECT_LE(*shifts[k - 1]->ended_at, shifts[k]->started_at) << "agent " << agent;
    }
  }
  for (const AgentSession& x : snap.sessions) {
    if (x.kind != AgentSessionKind::kPaused) continue;
    const auto& shifts = logged_in[x.agent_id];
    const bool inside = std::any_of(shifts.begin(), shifts.end(), [&](const AgentSession* s) {
      return s->started_at <= x.started_at && *x.ended_at <= *s->ended_at;
    });
    EXPECT_TRUE(inside) << "pause " << x.meta.id << " outside its agent's shifts";
  }
}

TEST_F(DemoTest, ContainsRelationshipsGoingWrong) {
  Snapshot snap = Generate("demo.db");

  // Repeat contacts: three inbound contacts on one case within seven days.
  std::map<Id, std::vector<std::int64_t>> inbound_by_case;
  for (const Interaction& i : snap.interactions) {
    if (i.case_id && i.direction == Direction::kInbound) {
      inbound_by_case[*i.case_id].push_back(i.arrived_at.ms);
    }
  }
  bool repeat = false;
  for (auto& [id, times] : inbound_by_case) {
    std::sort(times.begin(), times.end());
    for (std::size_t k = 2; k < times.size(); ++k) {
      repeat = repeat || times[k] - times[k - 2] <= 7 * kDayMs;
    }
  }
  EXPECT_TRUE(repeat);

  bool policy = false, offer = false, copied = false;
  for (const Interaction& i : snap.interactions) {
    if (i.direction == Direction::kOutbound && i.body &&
        i.body->find("policy") != std::string::npos) {
      policy = true;
    }
    for (const auto& tag : i.tags) offer = offer || tag == "offer" || tag == "upsell";
    for (const auto& p : i.participants) {
      copied = copied || (p.role == domain::ParticipantRole::kCc && p.person_id);
    }
  }
  EXPECT_TRUE(policy);
  EXPECT_TRUE(offer);
  EXPECT_TRUE(copied);

  // Some case was reopened: resolved, then open again.
  bool reopened = false;
  for (const Event& e : snap.events) {
    if (e.action != "status_changed") continue;
    auto change = boost::json::parse(e.change).as_object();
    reopened = reopened || (change.at("from") == "resolved" && change.at("to") == "open");
  }
  EXPECT_TRUE(reopened);

  // Some customer agreement's notice deadline falls within the 60 days after the end.
  const std::int64_t end_day = kEnd.ms / kDayMs;
  bool in_notice_window = false;
  for (const Agreement& a : snap.agreements) {
    if (a.kind != AgreementKind::kCustomer) continue;
    std::int64_t deadline = a.end_date.days - a.notice_days;
    in_notice_window = in_notice_window || (deadline > end_day && deadline <= end_day + 60);
  }
  EXPECT_TRUE(in_notice_window);
}

TEST_F(DemoTest, WritesOneEventPerRecordAndLegalCaseHistories) {
  Snapshot snap = Generate("demo.db");
  const DemoSummary& s = snap.summary;
  std::int64_t records = s.users + s.vendors + s.queues + s.calendars + s.sla_policies +
                         s.accounts + s.people + s.agreements + s.cases + s.interactions +
                         s.agent_sessions + s.escalations + s.mitigating_services + s.trials;
  std::int64_t created = 0, status_changes = 0, escalation_steps = 0;
  std::map<Id, domain::EscalationStage> stages;
  std::map<Id, CaseStatus> replayed;
  for (const Event& e : snap.events) {
    EXPECT_EQ(e.actor_id, kSystemUserId);
    if (e.action == "created") {
      ++created;
      if (e.entity == "case") replayed[e.entity_id] = CaseStatus::kNew;
      if (e.entity == "escalation") stages[e.entity_id] = domain::EscalationStage::kEngaged;
      continue;
    }
    if (e.entity == "escalation") {  // its steps and progress updates
      ++escalation_steps;
      if (e.action == "progress_update_logged") continue;
      ASSERT_EQ(e.action, "stage_changed");
      auto change = boost::json::parse(e.change).as_object();
      auto from = domain::EnumFromName<domain::EscalationStage>(change.at("from").as_string());
      auto to = domain::EnumFromName<domain::EscalationStage>(change.at("to").as_string());
      ASSERT_TRUE(from && to);
      EXPECT_EQ(stages.at(e.entity_id), *from);
      EXPECT_TRUE(domain::IsLegalStageMove(*from, *to));
      stages[e.entity_id] = *to;
      continue;
    }
    ASSERT_EQ(e.action, "status_changed");
    ASSERT_EQ(e.entity, "case");
    ++status_changes;
    auto change = boost::json::parse(e.change).as_object();
    auto from = domain::EnumFromName<CaseStatus>(change.at("from").as_string());
    auto to = domain::EnumFromName<CaseStatus>(change.at("to").as_string());
    ASSERT_TRUE(from && to);
    ASSERT_TRUE(replayed.contains(e.entity_id));
    EXPECT_EQ(replayed[e.entity_id], *from);
    EXPECT_TRUE(domain::IsLegalTransition(*from, *to));
    replayed[e.entity_id] = *to;
  }
  EXPECT_EQ(created, records);
  EXPECT_EQ(static_cast<std::int64_t>(snap.events.size()),
            records + status_changes + escalation_steps);
  EXPECT_GE(s.escalations, 1);
  for (const Case& c : snap.cases) EXPECT_EQ(replayed.at(c.meta.id), c.status) << c.meta.id;
}

TEST_F(DemoTest, CreatedEventsCarryTheStoredRecords) {
  Snapshot snap = Generate("demo.db");
  std::map<Id, const Interaction*> interactions;
  for (const Interaction& i : snap.interactions) interactions[i.meta.id] = &i;
  std::map<Id, const AgentSession*> sessions;
  for (const AgentSession& x : snap.sessions) sessions[x.meta.id] = &x;
  std::map<Id, Case> opened;  // each case as it was created: status new, nothing resolved
  for (Case c : snap.cases) {
    c.status = CaseStatus::kNew;
    c.resolved_at.reset();
    c.closed_at.reset();
    c.clocks.clear();
    opened[c.meta.id] = c;
  }
  std::int64_t checked = 0;
  for (const Event& e : snap.events) {
    if (e.action != "created") continue;
    if (e.entity == "interaction") {
      const Interaction& i = *interactions.at(e.entity_id);
      EXPECT_EQ(boost::json::parse(e.change), domain::ToJson(i)) << e.change;
      EXPECT_EQ(e.at, i.arrived_at);
      ++checked;
    } else if (e.entity == "case") {
      const Case& c = opened.at(e.entity_id);
      EXPECT_EQ(boost::json::parse(e.change), domain::ToJson(c)) << e.change;
      EXPECT_EQ(e.at, c.meta.created_at);
      ++checked;
    } else if (e.entity == "agent_session") {
      const AgentSession& x = *sessions.at(e.entity_id);
      EXPECT_EQ(boost::json::parse(e.change), domain::ToJson(x)) << e.change;
      EXPECT_EQ(e.at, x.started_at);
      EXPECT_EQ(x.meta.created_at, x.started_at);
      ++checked;
    }
  }
  EXPECT_EQ(checked,
            snap.summary.interactions + snap.summary.cases + snap.summary.agent_sessions);
}

bool HasHoliday(const Calendar& calendar, std::string_view name, std::string_view date) {
  return std::any_of(calendar.holidays.begin(), calendar.holidays.end(),
                     [&](const auto& h) { return h.name == name && FormatDate(h.date) == date; });
}

TEST_F(DemoTest, SetsUpCalendarsAndPolicies) {
  Snapshot snap = Generate("demo.db");
  ASSERT_EQ(snap.calendars.size(), 9u);
  std::map<Id, const Calendar*> calendars;
  bool past_midnight = false, short_day = false, part_day = false;
  for (const Calendar& c : snap.calendars) {
    calendars[c.meta.id] = &c;
    auto compiled = sla::BusinessCalendar::Compile(c);
    EXPECT_TRUE(compiled) << c.name << ": " << compiled.error().message;
    for (const auto& span : c.hours) past_midnight = past_midnight || span.end <= span.start;
    short_day = short_day || !c.short_days.empty();
    for (const auto& h : c.holidays) part_day = part_day || h.start.has_value();
  }
  EXPECT_TRUE(past_midnight && short_day && part_day);

  // Holidays of the demo's years (2024 to 2026), moving ones and weekend ones included.
  std::map<std::string, const Calendar*> by_name;
  for (const Calendar& c : snap.calendars) by_name[c.name] = &c;
  ASSERT_TRUE(by_name.contains("New York office") && by_name.contains("London office") &&
              by_name.contains("Sydney office"));
  EXPECT_TRUE(HasHoliday(*by_name["New York office"], "Thanksgiving Day", "2024-11-28"));
  EXPECT_TRUE(HasHoliday(*by_name["New York office"], "Independence Day (observed)", "2026-07-03"));
  EXPECT_TRUE(HasHoliday(*by_name["London office"], "Good Friday", "2025-04-18"));
  EXPECT_TRUE(HasHoliday(*by_name["London office"], "Boxing Day (substitute day)", "2026-12-28"));
  EXPECT_TRUE(
      HasHoliday(*by_name["Sydney office"], "Australia Day (substitute day)", "2025-01-27"));

  // Accounts count on the office calendar of their time zone, where there is one.
  int with_calendar = 0;
  for (const Account& a : snap.accounts) {
    if (!a.business_calendar_id) continue;
    ++with_calendar;
    ASSERT_TRUE(calendars.contains(*a.business_calendar_id));
    EXPECT_EQ(calendars.at(*a.business_calendar_id)->time_zone, a.time_zone) << a.name;
  }
  EXPECT_GT(with_calendar, 0);
  EXPECT_LT(with_calendar, static_cast<int>(snap.accounts.size()));

  // Two vendors name the hours they cover; the third works around the clock.
  int covered = 0, vendor_agreements = 0;
  for (const Agreement& a : snap.agreements) {
    if (a.kind != AgreementKind::kVendor) continue;
    ++vendor_agreements;
    if (!a.coverage_calendar_id) continue;
    ++covered;
    EXPECT_TRUE(calendars.contains(*a.coverage_calendar_id));
  }
  EXPECT_EQ(vendor_agreements, 3);
  EXPECT_EQ(covered, 2);

  ASSERT_EQ(snap.policies.size(), 5u);
  bool own_calendar = false, paused_internal = false, calendar_time = false;
  for (const SlaPolicy& p : snap.policies) {
    own_calendar = own_calendar || (p.calendar_id && calendars.contains(*p.calendar_id));
    for (const auto& t : p.targets) {
      EXPECT_GT(t.warning_minutes, 0) << p.name;
      calendar_time = calendar_time || !t.business_time;
      paused_internal =
          paused_internal || (t.paused_by && domain::Pauses(t, CaseStatus::kPendingInternal));
    }
  }
  EXPECT_TRUE(own_calendar && paused_internal && calendar_time);
  const SlaPolicy& last = *std::max_element(
      snap.policies.begin(), snap.policies.end(),
      [](const SlaPolicy& a, const SlaPolicy& b) { return a.position < b.position; });
  EXPECT_TRUE(last.segments.empty() && last.priorities.empty() && last.channels.empty() &&
              last.queue_ids.empty())
      << "the last policy catches every case";
}

TEST_F(DemoTest, ResolvedCasesKeepTheClocksOfTheirResolution) {
  Snapshot snap = Generate("demo.db");
  std::map<Id, domain::Channel> queue_channel;
  for (const auto& q : snap.queues) queue_channel[q.meta.id] = q.channel;
  std::int64_t resolved = 0, breached = 0, on_calendar = 0, around_the_clock = 0;
  std::set<ClockMetric> metrics;
  for (const Case& c : snap.cases) {
    ASSERT_TRUE(c.channel && c.queue_id) << c.meta.id;
    EXPECT_EQ(*c.channel, queue_channel.at(*c.queue_id)) << c.meta.id;
    if (!c.resolved_at) {
      EXPECT_TRUE(c.clocks.empty()) << c.meta.id;  // the server's to compute
      continue;
    }
    ++resolved;
    ASSERT_FALSE(c.clocks.empty()) << c.meta.id;
    EXPECT_EQ(domain::ToJson(c.clocks), domain::ToJson(snap.server_clocks.at(c.meta.id)))
        << c.meta.id;
    bool any_breach = false;
    for (const domain::ClockRecord& clock : c.clocks) {
      EXPECT_TRUE(clock.state == ClockState::kMet || clock.state == ClockState::kBreached)
          << c.meta.id;
      any_breach = any_breach || clock.state == ClockState::kBreached;
      metrics.insert(clock.metric);
      if (clock.business_time) ++(clock.calendar_id ? on_calendar : around_the_clock);
    }
    breached += any_breach ? 1 : 0;
  }
  ASSERT_GT(resolved, 100);
  EXPECT_EQ(metrics.size(), 3u);
  EXPECT_GT(on_calendar, 0);
  EXPECT_GT(around_the_clock, 0);
  // A believable service: most cases meet their targets, some do not.
  EXPECT_GT(breached, resolved * 5 / 100) << breached << " of " << resolved;
  EXPECT_LT(breached, resolved * 40 / 100) << breached << " of " << resolved;
}

TEST_F(DemoTest, RefusesAStoreThatHoldsAccounts) {
  auto store = Open("demo.db");
  ASSERT_TRUE(GenerateDemo(*store, Small()));
  auto again = GenerateDemo(*store, Small());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace rapport::app
