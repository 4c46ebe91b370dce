// The vendor scorecard by worked examples: each test builds a small month of contacts
// (April 2024, UTC; 2024-04-01 is a Monday), derives the expected figures by hand in a
// comment, and checks EvaluateTargets or SurplusAgentHours against them.
//
// Hours of the week used below (0 = Monday 00:00–01:00):
//   Tue 2024-04-02 10:00 → 24 + 10 = 34        Wed 2024-04-03 14:00 → 48 + 14 = 62
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analytics/contacts.hpp"
#include "analytics/periods.hpp"
#include "analytics/scorecard.hpp"
#include "analytics/service_level.hpp"
#include "analytics/staffing.hpp"
#include "core/instant.hpp"
#include "domain/entities.hpp"

namespace rapport::analytics {
namespace {

using domain::Channel;
using domain::Deviation;
using domain::Metric;
using domain::MetricTarget;
using domain::ScheduleStep;

constexpr double kEps = 1e-9;

Instant At(const char* text) {
  auto at = ParseRfc3339(text);
  EXPECT_TRUE(at) << text;
  return at.value_or(Instant{});
}

Instant Plus(Instant at, std::int64_t seconds) { return Instant{at.ms + seconds * 1000}; }

// Where a contact belongs.
struct Where {
  std::uint32_t queue = 1;
  std::uint32_t vendor = 5;
  std::uint32_t agent = 0;
  Channel channel = Channel::kPhone;
};

class Month {
 public:
  // `n` inbound contacts answered after `wait` seconds, talking `talk` and wrapping `wrap`.
  void Answered(int n, Instant at, std::int64_t wait, Where w = {}, std::int64_t talk = 120,
                std::int64_t wrap = 0) {
    for (int i = 0; i < n; ++i) {
      domain::Interaction x = Base(at, w);
      x.answered_at = Plus(at, wait);
      x.ended_at = Plus(*x.answered_at, talk);
      x.wrap_up_seconds = wrap;
      Add(x);
    }
  }
  // `n` inbound contacts abandoned after `wait` seconds.
  void Abandoned(int n, Instant at, std::int64_t wait, Where w = {}) {
    for (int i = 0; i < n; ++i) {
      domain::Interaction x = Base(at, w);
      x.outcome = domain::Outcome::kAbandoned;
      x.ended_at = Plus(at, wait);
      Add(x);
    }
  }
  domain::Interaction Base(Instant at, const Where& w) const {
    domain::Interaction x;
    x.arrived_at = at;
    x.channel = w.channel;
    x.queue_id = w.queue;
    x.vendor_id = w.vendor;
    if (w.agent != 0) x.agent_id = w.agent;
    return x;
  }
  void Add(domain::Interaction x) {
    x.meta.id = ++next_id_;
    projection.contacts.Upsert(x, projection.categories);
  }

  Projection projection;

 private:
  domain::Id next_id_ = 0;
};

// The request for April 2024 in UTC, every queue.
struct April {
  April() {
    request.scope.from = At("2024-04-01T00:00:00Z");
    request.scope.to = At("2024-05-01T00:00:00Z");
    periods.emplace(PeriodScheme::Create(Granularity::kMonth, "UTC", request.scope.from,
                                         request.scope.to).value());
    request.periods = &*periods;
  }
  std::optional<PeriodScheme> periods;
  ScorecardRequest request;
};

MetricTarget ServiceLevel(double target, double band, std::vector<ScheduleStep> schedule = {}) {
  MetricTarget t;
  t.metric = Metric::kServiceLevel;
  t.target_percent = target;
  t.band_points = band;
  t.schedule = std::move(schedule);
  return t;
}

MetricResult EvaluateOne(const Projection& p, const MetricTarget& target, const ScorecardRequest& r) {
  auto results = EvaluateTargets(p, {target}, r);
  EXPECT_TRUE(results) << (results ? "" : results.error().message);
  if (!results || results->size() != 1) return {};
  return results->front();
}

std::vector<Contribution> Of(const MetricResult& r, Dimension d) {
  std::vector<Contribution> out;
  for (const Contribution& c : r.deep_dive) {
    if (c.dimension == d) out.push_back(c);
  }
  return out;
}

double Sum(const std::vector<Contribution>& list) {
  double sum = 0;
  for (const Contribution& c : list) sum += c.points;
  return sum;
}

TEST(AbandonTreatment, NamesRoundTrip) {
  for (auto t : {AbandonTreatment::kIgnored, AbandonTreatment::kAgainst, AbandonTreatment::kFor}) {
    EXPECT_EQ(ParseAbandonTreatment(Name(t)), t);
  }
  EXPECT_FALSE(ParseAbandonTreatment("sometimes"));
  EXPECT_TRUE(HigherIsBetter(Metric::kServiceLevel));
  EXPECT_TRUE(HigherIsBetter(Metric::kFirstContactResolution));
  EXPECT_FALSE(HigherIsBetter(Metric::kAbandonment));
}

// 103 phone contacts on Tue 10:00, T = 20 s (phone's default):
//   70 answered after 10 s (within), 10 answered after 60 s (beyond),
//   10 abandoned after 15 s (not short, within T: B_T), 10 abandoned after 40 s,
//   3 abandoned after 2 s (short: not offered).
//   O = 100, A_T = 70, B_T = 10.
// Target 80 %, band 5, schedule worse>5: 100, worse>10: 500, better>5: 300.
//   against  70/100          = 70 %     → −10 points, flagged worse; 10 > 5 but 10 is not
//                                          > 10 → the 100 step applies
//   ignored  70/(100 − 10)   = 77.78 %  → −2.22, within band; no step, no deep dive
//   for      (70 + 10)/100   = 80 %     → 0, not flagged, no step
TEST(EvaluateTargets, ServiceLevelUnderEachAbandonTreatment) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z");
  m.Answered(70, tue, 10);
  m.Answered(10, tue, 60);
  m.Abandoned(10, tue, 15);
  m.Abandoned(10, tue, 40);
  m.Abandoned(3, tue, 2);
  const MetricTarget target = ServiceLevel(80, 5,
                                           {{Deviation::kWorse, 10, 500},
                                            {Deviation::kWorse, 5, 100},
                                            {Deviation::kBetter, 5, 300}});
  April april;

  april.request.treatment = AbandonTreatment::kAgainst;
  MetricResult against = EvaluateOne(m.projection, target, april.request);
  EXPECT_EQ(against.tally.offered, 100);
  EXPECT_EQ(against.tally.answered_within, 70);
  EXPECT_EQ(against.tally.abandoned_within, 10);
  EXPECT_EQ(against.tally.short_abandons, 3);
  ASSERT_TRUE(against.actual_percent);
  EXPECT_NEAR(*against.actual_percent, 70, kEps);
  EXPECT_NEAR(against.deviation_points, -10, kEps);
  EXPECT_EQ(against.flagged, Deviation::kWorse);
  ASSERT_TRUE(against.applies);
  EXPECT_EQ(against.applies->amount_minor, 100);
  EXPECT_FALSE(against.deep_dive.empty());

  april.request.treatment = AbandonTreatment::kIgnored;
  MetricResult ignored = EvaluateOne(m.projection, target, april.request);
  ASSERT_TRUE(ignored.actual_percent);
  EXPECT_NEAR(*ignored.actual_percent, 7000.0 / 90, kEps);
  EXPECT_NEAR(ignored.deviation_points, 7000.0 / 90 - 80, kEps);
  EXPECT_FALSE(ignored.flagged);
  EXPECT_FALSE(ignored.applies);
  EXPECT_TRUE(ignored.deep_dive.empty());

  april.request.treatment = AbandonTreatment::kFor;
  MetricResult for_ = EvaluateOne(m.projection, target, april.request);
  ASSERT_TRUE(for_.actual_percent);
  EXPECT_NEAR(*for_.actual_percent, 80, kEps);
  EXPECT_NEAR(for_.deviation_points, 0, kEps);
  EXPECT_FALSE(for_.flagged);
  EXPECT_FALSE(for_.applies);
  EXPECT_TRUE(for_.deep_dive.empty());
}

// Abandonment, lower is better. Queue 1: 50 answered; queue 2: 47 answered, 3 abandoned
// after 30 s. O = 100, abandons 3 → 3 % against a 5 % target: −2 points, which is
// better; band 1 → flagged better. Schedule worse>1: 1000, better>1: 200, better>2: 400
// → 200 (2 is not > 2; the worse step is the other direction).
// Deep dive by queue, contribution (abandons_g − 0.05 · O_g) / 100 × 100:
//   queue 1: (0 − 2.5)  = −2.5  pushes the way of the deviation (better) → listed
//   queue 2: (3 − 2.5)  = +0.5  pushes the other way → left out
// so the queue list is [queue 1: −2.5] and does not sum to −2. Channel, hour of week and
// agent each have one group, which is the whole month: −2.
TEST(EvaluateTargets, AbandonmentLowerIsBetter) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z");
  m.Answered(50, tue, 10, {.queue = 1});
  m.Answered(47, tue, 10, {.queue = 2});
  m.Abandoned(3, tue, 30, {.queue = 2});
  MetricTarget target;
  target.metric = Metric::kAbandonment;
  target.target_percent = 5;
  target.band_points = 1;
  target.schedule = {{Deviation::kWorse, 1, 1000}, {Deviation::kBetter, 1, 200}, {Deviation::kBetter, 2, 400}};
  April april;
  MetricResult r = EvaluateOne(m.projection, target, april.request);

  ASSERT_TRUE(r.actual_percent);
  EXPECT_NEAR(*r.actual_percent, 3, kEps);
  EXPECT_NEAR(r.deviation_points, -2, kEps);
  EXPECT_EQ(r.flagged, Deviation::kBetter);
  ASSERT_TRUE(r.applies);
  EXPECT_EQ(r.applies->when, Deviation::kBetter);
  EXPECT_EQ(r.applies->amount_minor, 200);

  const auto queues = Of(r, Dimension::kQueue);
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].key, 1u);
  EXPECT_NEAR(queues[0].points, -2.5, kEps);
  ASSERT_TRUE(queues[0].actual_percent);
  EXPECT_NEAR(*queues[0].actual_percent, 0, kEps);
  for (Dimension d : {Dimension::kChannel, Dimension::kHourOfWeek, Dimension::kAgent}) {
    const auto list = Of(r, d);
    ASSERT_EQ(list.size(), 1u) << Name(d);
    EXPECT_NEAR(list[0].points, -2, kEps) << Name(d);
  }
  EXPECT_EQ(Of(r, Dimension::kHourOfWeek)[0].key, 34u);
  EXPECT_EQ(Of(r, Dimension::kChannel)[0].key, static_cast<std::uint32_t>(Channel::kPhone));
}

// First-contact resolution, fcr_days = 7, so cases resolved after Apr 24 00:00 (the end
// less 7 days) are pending. Queue 1, phone, assignee 9:
//   case 1  one contact (Apr 2), resolved Wed Apr 3 10:00, nothing after     → first contact
//   case 2  two contacts (Apr 2, Apr 3), resolved Thu Apr 4 10:00            → not
//   case 3  one contact, resolved Fri Apr 5 12:00, another on the case Apr 8 → not (repeat)
//   case 4  one contact, resolved Tue Apr 9 12:00; its account calls again in the same
//           category Apr 12 (no case)                                         → not (repeat)
//   case 5  one contact, resolved Wed Apr 10 12:00; its account calls Apr 11 in another
//           category                                                          → first contact
//   case 6  resolved Apr 28                                                   → pending
// Judged 5, first contact 2 → 40 % against 60 %: −20, flagged worse.
// Deep dive: queue 1 and phone hold every case: (2 − 0.6 · 5) / 5 = −20 each. By hour of
// week of the resolution each judged case is its own group: first-contact ones give
// (1 − 0.6)/5 = +8 (other way, left out), the rest (0 − 0.6)/5 = −12 each, at hours
// Thu 10 = 82, Fri 12 = 108, Tue 12 = 36 → listed by key on the tie: 36, 82, 108.
TEST(EvaluateTargets, FirstContactResolution) {
  Month m;
  Projection& p = m.projection;
  auto kase = [&](domain::Id id, domain::Id account, const char* category, const char* resolved) {
    domain::Case c;
    c.meta.id = id;
    c.account_id = account;
    c.category = category;
    c.queue_id = 1;
    c.vendor_id = 5;
    c.assignee_id = 9;
    c.channel = Channel::kPhone;
    c.status = domain::CaseStatus::kResolved;
    c.resolved_at = At(resolved);
    p.cases.Upsert(c, p.categories);
  };
  auto contact = [&](const char* at, domain::Id account, const char* category, std::optional<domain::Id> case_id) {
    domain::Interaction x = m.Base(At(at), {.agent = 9});
    x.account_id = account;
    x.category = category;
    x.case_id = case_id;
    x.answered_at = Plus(x.arrived_at, 10);
    x.ended_at = Plus(*x.answered_at, 120);
    m.Add(x);
  };
  kase(1, 101, "billing", "2024-04-03T10:00:00Z");
  contact("2024-04-02T09:00:00Z", 101, "billing", 1);
  kase(2, 102, "billing", "2024-04-04T10:00:00Z");
  contact("2024-04-02T09:00:00Z", 102, "billing", 2);
  contact("2024-04-03T09:00:00Z", 102, "billing", 2);
  kase(3, 103, "login", "2024-04-05T12:00:00Z");
  contact("2024-04-05T09:00:00Z", 103, "login", 3);
  contact("2024-04-08T09:00:00Z", 103, "login", 3);
  kase(4, 104, "billing", "2024-04-09T12:00:00Z");
  contact("2024-04-09T09:00:00Z", 104, "billing", 4);
  contact("2024-04-12T09:00:00Z", 104, "billing", std::nullopt);
  kase(5, 105, "billing", "2024-04-10T12:00:00Z");
  contact("2024-04-10T09:00:00Z", 105, "billing", 5);
  contact("2024-04-11T09:00:00Z", 105, "login", std::nullopt);
  kase(6, 106, "billing", "2024-04-28T12:00:00Z");
  contact("2024-04-27T09:00:00Z", 106, "billing", 6);

  MetricTarget target;
  target.metric = Metric::kFirstContactResolution;
  target.target_percent = 60;
  target.band_points = 5;
  April april;
  MetricResult r = EvaluateOne(p, target, april.request);

  EXPECT_EQ(r.tally.cases_resolved, 5);
  EXPECT_EQ(r.tally.first_contact, 2);
  EXPECT_EQ(r.tally.cases_pending, 1);
  ASSERT_TRUE(r.actual_percent);
  EXPECT_NEAR(*r.actual_percent, 40, kEps);
  EXPECT_NEAR(r.deviation_points, -20, kEps);
  EXPECT_EQ(r.flagged, Deviation::kWorse);
  EXPECT_FALSE(r.applies);  // no schedule

  const auto queues = Of(r, Dimension::kQueue);
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].key, 1u);
  EXPECT_NEAR(queues[0].points, -20, kEps);
  const auto agents = Of(r, Dimension::kAgent);
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0].key, 9u);
  const auto hours = Of(r, Dimension::kHourOfWeek);
  ASSERT_EQ(hours.size(), 3u);
  EXPECT_EQ(hours[0].key, 36u);
  EXPECT_EQ(hours[1].key, 82u);
  EXPECT_EQ(hours[2].key, 108u);
  for (const auto& h : hours) EXPECT_NEAR(h.points, -12, kEps);
}

// A target with a channel counts only that channel, at its own threshold.
//   phone: 8 answered after 10 s, 2 after 45 s
//   chat:  6 answered after 20 s, 4 after 50 s
// Target A: chat, T = 30 s, 50 % → chat only: O = 10, A_30 = 6 → 60 %, +10, flagged better.
// Target B: every channel, T = 30 s, 70 % → phone 8 + chat 6 = 14 of 20 = 70 %, 0.
// Target C: chat, no threshold of its own → chat's default T = 60 s: 10 of 10 = 100 %.
// The results come back in the order of the targets.
TEST(EvaluateTargets, ChannelTargetCountsOnlyItsChannelAtItsThreshold) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z");
  m.Answered(8, tue, 10, {.channel = Channel::kPhone});
  m.Answered(2, tue, 45, {.channel = Channel::kPhone});
  m.Answered(6, tue, 20, {.channel = Channel::kChat});
  m.Answered(4, tue, 50, {.channel = Channel::kChat});
  MetricTarget a = ServiceLevel(50, 5);
  a.channel = Channel::kChat;
  a.threshold_seconds = 30;
  MetricTarget b = ServiceLevel(70, 5);
  b.threshold_seconds = 30;
  MetricTarget c = ServiceLevel(90, 5);
  c.channel = Channel::kChat;
  April april;
  auto results = EvaluateTargets(m.projection, {a, b, c}, april.request);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3u);

  const MetricResult& ra = (*results)[0];
  EXPECT_EQ(ra.target.channel, Channel::kChat);
  EXPECT_EQ(ra.tally.offered, 10);
  EXPECT_EQ(ra.tally.answered_within, 6);
  ASSERT_TRUE(ra.actual_percent);
  EXPECT_NEAR(*ra.actual_percent, 60, kEps);
  EXPECT_EQ(ra.flagged, Deviation::kBetter);
  for (const Contribution& x : Of(ra, Dimension::kChannel)) {
    EXPECT_EQ(x.key, static_cast<std::uint32_t>(Channel::kChat));
  }

  const MetricResult& rb = (*results)[1];
  EXPECT_EQ(rb.tally.offered, 20);
  EXPECT_EQ(rb.tally.answered_within, 14);
  ASSERT_TRUE(rb.actual_percent);
  EXPECT_NEAR(*rb.actual_percent, 70, kEps);
  EXPECT_FALSE(rb.flagged);

  const MetricResult& rc = (*results)[2];
  EXPECT_EQ(rc.tally.offered, 10);
  ASSERT_TRUE(rc.actual_percent);
  EXPECT_NEAR(*rc.actual_percent, 100, kEps);
  EXPECT_EQ(rc.flagged, Deviation::kBetter);
}

// The deep dive of a flagged month. Service level (against), T = 20, target 80 %, band 5;
// "within" is answered after 10 s by agent 7, "beyond" after 60 s by agent 8:
//   queue 1: 50 on Tue 10:00 (hour 34), 30 within, 20 beyond
//   queue 2: 30 on Wed 14:00 (hour 62), 20 within, 10 beyond
//   queue 3: 20 on Tue 10:00 (hour 34), 16 within,  4 beyond
// O = 100, A_T = 66 → 66 %, −14, flagged worse. Contribution (A_g − 0.8 O_g) / 100 × 100:
//   queue 1: 30 − 40 = −10    queue 2: 20 − 24 = −4    queue 3: 16 − 16 = 0 (left out)
//     → [1: −10, 2: −4], which sum to −14
//   channel: phone −14
//   hour 34: 46 − 56 = −10    hour 62: 20 − 24 = −4    → [34, 62], sum −14
//   agent 7: 66 − 52.8 = +13.2 (other way, left out)   agent 8: 0 − 27.2 = −27.2
// In all: queues, then channel, then hours, then agents, each ranked largest first.
// With a limit of 1 per dimension: [queue 1, phone, hour 34, agent 8].
TEST(EvaluateTargets, DeepDiveRankedAndSummingToTheDeviation) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z"), wed = At("2024-04-03T14:00:00Z");
  m.Answered(30, tue, 10, {.queue = 1, .agent = 7});
  m.Answered(20, tue, 60, {.queue = 1, .agent = 8});
  m.Answered(20, wed, 10, {.queue = 2, .agent = 7});
  m.Answered(10, wed, 60, {.queue = 2, .agent = 8});
  m.Answered(16, tue, 10, {.queue = 3, .agent = 7});
  m.Answered(4, tue, 60, {.queue = 3, .agent = 8});
  April april;
  MetricResult r = EvaluateOne(m.projection, ServiceLevel(80, 5), april.request);

  ASSERT_TRUE(r.actual_percent);
  EXPECT_NEAR(*r.actual_percent, 66, kEps);
  EXPECT_NEAR(r.deviation_points, -14, kEps);
  EXPECT_EQ(r.flagged, Deviation::kWorse);

  struct Want {
    Dimension dimension;
    std::uint32_t key;
    double points;
  };
  const std::vector<Want> want = {
      {Dimension::kQueue, 1, -10},      {Dimension::kQueue, 2, -4},
      {Dimension::kChannel, 0, -14},    {Dimension::kHourOfWeek, 34, -10},
      {Dimension::kHourOfWeek, 62, -4}, {Dimension::kAgent, 8, -27.2},
  };
  ASSERT_EQ(r.deep_dive.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.deep_dive[i].dimension, want[i].dimension) << i;
    EXPECT_EQ(r.deep_dive[i].key, want[i].key) << i;
    EXPECT_NEAR(r.deep_dive[i].points, want[i].points, kEps) << i;
  }
  EXPECT_NEAR(Sum(Of(r, Dimension::kQueue)), r.deviation_points, kEps);
  EXPECT_NEAR(Sum(Of(r, Dimension::kHourOfWeek)), r.deviation_points, kEps);
  ASSERT_TRUE(r.deep_dive[0].actual_percent);
  EXPECT_NEAR(*r.deep_dive[0].actual_percent, 60, kEps);  // queue 1: 30/50
  EXPECT_EQ(r.deep_dive[0].tally.offered, 50);
  ASSERT_TRUE(r.deep_dive[1].actual_percent);
  EXPECT_NEAR(*r.deep_dive[1].actual_percent, 200.0 / 3, kEps);  // queue 2: 20/30

  april.request.deep_dive_limit = 1;
  MetricResult top = EvaluateOne(m.projection, ServiceLevel(80, 5), april.request);
  ASSERT_EQ(top.deep_dive.size(), 4u);
  EXPECT_EQ(top.deep_dive[0].key, 1u);
  EXPECT_EQ(top.deep_dive[1].dimension, Dimension::kChannel);
  EXPECT_EQ(top.deep_dive[2].key, 34u);
  EXPECT_EQ(top.deep_dive[3].key, 8u);
}

// A month of 100 phone contacts, `within` of them answered within T, the rest beyond.
Month HundredWith(int within) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z");
  m.Answered(within, tue, 10);
  m.Answered(100 - within, tue, 60);
  return m;
}

// Schedule worse>5: 100, worse>10: 500, better>3: 20, better>8: 80 (listed out of order),
// target 80 %, band 5. The step is the largest beyond_points strictly exceeded in the
// month's direction, flagged or not:
//   69 % → worse by 11  → 500        70 % → worse by 10 → 100 (10 is not > 10)
//   78 % → worse by 2   → none       84 % → better by 4 → 20 (within band, not flagged)
//   88 % → better by 8  → 20 (8 is not > 8)           91 % → better by 11 → 80
TEST(EvaluateTargets, ScheduleStepInBothDirectionsAndAtTheBoundary) {
  const MetricTarget target = ServiceLevel(80, 5,
                                           {{Deviation::kBetter, 8, 80},
                                            {Deviation::kWorse, 10, 500},
                                            {Deviation::kBetter, 3, 20},
                                            {Deviation::kWorse, 5, 100}});
  struct Row {
    int within;
    std::optional<Deviation> flagged;
    std::optional<std::int64_t> amount;
    Deviation when;
  };
  const std::vector<Row> rows = {
      {69, Deviation::kWorse, 500, Deviation::kWorse},
      {70, Deviation::kWorse, 100, Deviation::kWorse},
      {78, std::nullopt, std::nullopt, Deviation::kWorse},
      {84, std::nullopt, 20, Deviation::kBetter},
      {88, Deviation::kBetter, 20, Deviation::kBetter},
      {91, Deviation::kBetter, 80, Deviation::kBetter},
  };
  April april;
  for (const Row& row : rows) {
    Month m = HundredWith(row.within);
    MetricResult r = EvaluateOne(m.projection, target, april.request);
    ASSERT_TRUE(r.actual_percent) << row.within;
    EXPECT_NEAR(*r.actual_percent, row.within, kEps);
    EXPECT_EQ(r.flagged, row.flagged) << row.within;
    ASSERT_EQ(r.applies.has_value(), row.amount.has_value()) << row.within;
    if (row.amount) {
      EXPECT_EQ(r.applies->amount_minor, *row.amount) << row.within;
      EXPECT_EQ(r.applies->when, row.when) << row.within;
    }
  }
}

// The band and a step at exactly the deviation, where 57/100 is not exact in binary:
// 57/100 × 100 computes to 56.99999999999999, but 57 × 100 / 100 is 57.
// 57 % against 67 %, band 10, schedule worse>5: 100, worse>10: 500 → worse by exactly 10:
// not flagged (10 is not beyond a band of 10), and the 100 step applies, not the 500 one.
TEST(EvaluateTargets, ExactBoundaryIsNotBeyondIt) {
  Month m = HundredWith(57);
  April april;
  MetricResult r = EvaluateOne(
      m.projection,
      ServiceLevel(67, 10, {{Deviation::kWorse, 5, 100}, {Deviation::kWorse, 10, 500}}),
      april.request);
  ASSERT_TRUE(r.actual_percent);
  EXPECT_EQ(*r.actual_percent, 57);
  EXPECT_EQ(r.deviation_points, -10);
  EXPECT_FALSE(r.flagged);
  ASSERT_TRUE(r.applies);
  EXPECT_EQ(r.applies->amount_minor, 100);
  EXPECT_TRUE(r.deep_dive.empty());
}

// A group exactly on target contributes nothing and is not listed. Target 56 %, band 5:
//   queue 1: 28 of 50 within = 56 %, on target: 28 − 0.56 · 50 = 0
//   queue 2:  0 of 50 within:          0 − 28 = −28
// Month: 28/100 = 28 %, −28, flagged worse; queue list [2: −28] only. (0.56 · 50 is
// 28.000000000000004 in binary, which would list queue 1 with −3.6e-15.)
TEST(EvaluateTargets, GroupOnTargetIsNotAContributor) {
  Month m;
  const Instant tue = At("2024-04-02T10:00:00Z");
  m.Answered(28, tue, 10, {.queue = 1});
  m.Answered(22, tue, 60, {.queue = 1});
  m.Answered(50, tue, 60, {.queue = 2});
  April april;
  MetricResult r = EvaluateOne(m.projection, ServiceLevel(56, 5), april.request);
  ASSERT_TRUE(r.actual_percent);
  EXPECT_NEAR(*r.actual_percent, 28, kEps);
  EXPECT_EQ(r.flagged, Deviation::kWorse);
  const auto queues = Of(r, Dimension::kQueue);
  ASSERT_EQ(queues.size(), 1u);
  EXPECT_EQ(queues[0].key, 2u);
  EXPECT_NEAR(queues[0].points, -28, kEps);
}

// Nothing offered in April: a contact on Mar 31 (outside the month), an outbound call and
// a short abandon (2 s) in April. O = 0 → no actual, deviation 0, not flagged, and not
// even the step "worse by more than 0" applies; no deep dive.
TEST(EvaluateTargets, MonthWithNothingOfferedHasNoActual) {
  Month m;
  m.Answered(5, At("2024-03-31T23:59:59Z"), 10);
  domain::Interaction out = m.Base(At("2024-04-02T10:00:00Z"), {});
  out.direction = domain::Direction::kOutbound;
  m.Add(out);
  m.Abandoned(1, At("2024-04-02T10:00:00Z"), 2);
  April april;
  for (Metric metric : {Metric::kServiceLevel, Metric::kAbandonment, Metric::kFirstContactResolution}) {
    MetricTarget target = ServiceLevel(80, 5, {{Deviation::kWorse, 0, 100}});
    target.metric = metric;
    MetricResult r = EvaluateOne(m.projection, target, april.request);
    EXPECT_EQ(r.tally.offered, 0);
    EXPECT_EQ(r.tally.short_abandons, 1);
    EXPECT_FALSE(r.actual_percent);
    EXPECT_EQ(r.deviation_points, 0);
    EXPECT_FALSE(r.flagged);
    EXPECT_FALSE(r.applies);
    EXPECT_TRUE(r.deep_dive.empty());
  }
}

// Surplus agent-hours, Mon 2024-04-01 09:00–12:00 UTC, 60-minute intervals, queue 1,
// vendor 5, target 80 % within 20 s.
// Contacts (queue 1): 20 at 09:10 and 10 at 10:10, each answered after 10 s with 150 s of
// talk and 30 s of wrap-up → handle 180 s, so the mean handle time is 180 s. Five more on
// queue 2 at 09:10 are out of scope.
// Load: 09:00 20 × 180 / 3600 = 1.0 Erlang; 10:00 0.5; 11:00 nothing.
// Erlang C with h = 180 s, T = 20 s, SL = 1 − C(N, A) · e^(−(N − A) T / h):
//   A = 1:   N = 2: C = 1/3,    SL = 1 − 0.333 · e^(−0.111) = 0.70 < 0.8
//            N = 3: C = 0.0909, SL = 1 − 0.0909 · e^(−0.222) = 0.93 → 3 agents
//   A = 0.5: N = 1: C = 0.5,    SL = 0.53; N = 2: C = 0.1, SL = 0.92 → 2 agents
//   11:00: nothing offered → 0 required.
// Sessions of vendor 5 unless said:
//   agent 1  logged in 09:00–11:00, every queue       09: 1     10: 1
//   agent 1  paused 09:30–10:00                       09: −0.5
//   agent 2  logged in 09:00, still going, queue 1    09: 1     10: 1   11: 1
//   agent 3  logged in 08:00–12:30, queue 1           09: 1     10: 1   11: 1  (clipped)
//   agent 4  vendor 6, 09:00–12:00                    ignored
//   agent 5  queue 2 (outside scope), 09:00–12:00     ignored
//   agent 6  logged in 10:00–12:00, queue 1                     10: 1   11: 1
// Staffed 2.5, 4, 3 = 9.5 agent-hours; required 3, 2, 0 = 5;
// surplus max(0, −0.5) + 2 + 3 = 5 agent-hours.
TEST(SurplusAgentHours, StaffedAgainstErlangCRequired) {
  Month m;
  m.Answered(20, At("2024-04-01T09:10:00Z"), 10, {.queue = 1}, 150, 30);
  m.Answered(10, At("2024-04-01T10:10:00Z"), 10, {.queue = 1}, 150, 30);
  m.Answered(5, At("2024-04-01T09:10:00Z"), 10, {.queue = 2}, 600, 0);
  Projection& p = m.projection;
  domain::Id next = 0;
  auto session = [&](domain::Id agent, domain::Id vendor, std::optional<domain::Id> queue,
                     const char* from, std::optional<const char*> to, bool paused = false) {
    domain::AgentSession s;
    s.meta.id = ++next;
    s.agent_id = agent;
    s.vendor_id = vendor;
    s.queue_id = queue;
    s.kind = paused ? domain::AgentSessionKind::kPaused : domain::AgentSessionKind::kLoggedIn;
    s.started_at = At(from);
    if (to) s.ended_at = At(*to);
    p.sessions.Upsert(s);
  };
  session(1, 5, std::nullopt, "2024-04-01T09:00:00Z", "2024-04-01T11:00:00Z");
  session(1, 5, std::nullopt, "2024-04-01T09:30:00Z", "2024-04-01T10:00:00Z", true);
  session(2, 5, 1, "2024-04-01T09:00:00Z", std::nullopt);
  session(3, 5, 1, "2024-04-01T08:00:00Z", "2024-04-01T12:30:00Z");
  session(4, 6, 1, "2024-04-01T09:00:00Z", "2024-04-01T12:00:00Z");
  session(5, 5, 2, "2024-04-01T09:00:00Z", "2024-04-01T12:00:00Z");
  session(6, 5, 1, "2024-04-01T10:00:00Z", "2024-04-01T12:00:00Z");

  // The hand-derived agents, as AgentsRequired gives them.
  StaffingTarget target;
  target.service_level = 0.8;
  target.threshold_seconds = 20;
  ASSERT_TRUE(AgentsRequired(1.0, 180, target));
  EXPECT_EQ(AgentsRequired(1.0, 180, target)->agents, 3);
  EXPECT_EQ(AgentsRequired(0.5, 180, target)->agents, 2);

  Scope scope;
  scope.from = At("2024-04-01T09:00:00Z");
  scope.to = At("2024-04-01T12:00:00Z");
  scope.queues = {1};
  auto s = SurplusAgentHours(p, scope, p.sessions.all(), 5, {{std::nullopt, 80, 20}}, 60);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->intervals, 3);
  EXPECT_NEAR(s->staffed_agent_hours, 9.5, kEps);
  EXPECT_NEAR(s->required_agent_hours, 5, kEps);
  EXPECT_NEAR(s->surplus_agent_hours, 5, kEps);

  // In 30-minute intervals the pause falls wholly in 09:30–10:00. Loads: 09:00 and 10:00
  // hold every contact (20 × 180 / 1800 = 2 Erlangs; 10 → 1), 09:30 and 10:30 none.
  //   A = 2: N = 3: C = 0.444, SL = 1 − 0.444 · e^(−0.111) = 0.60
  //          N = 4: C = 0.174, SL = 1 − 0.174 · e^(−0.222) = 0.86 → 4 agents
  //            09:00  09:30  10:00  10:30  11:00  11:30
  //   staffed    3      2      4      4      3      3    → 19 half hours = 9.5 h
  //   required   4      0      3      0      0      0    → 7 half hours  = 3.5 h
  //   surplus    0      2      1      4      3      3    → 13 half hours = 6.5 h
  EXPECT_EQ(AgentsRequired(2.0, 180, target)->agents, 4);
  auto half = SurplusAgentHours(p, scope, p.sessions.all(), 5, {{std::nullopt, 80, 20}}, 30);
  ASSERT_TRUE(half);
  EXPECT_EQ(half->intervals, 6);
  EXPECT_NEAR(half->staffed_agent_hours, 9.5, kEps);
  EXPECT_NEAR(half->required_agent_hours, 3.5, kEps);
  EXPECT_NEAR(half->surplus_agent_hours, 6.5, kEps);
}

TEST(SurplusAgentHours, IntervalsAreFifteenThirtyOrSixtyMinutes) {
  Projection p;
  Scope scope;
  scope.from = At("2024-04-01T09:00:00Z");
  scope.to = At("2024-04-01T12:00:00Z");
  auto s = SurplusAgentHours(p, scope, {}, 5, {{std::nullopt, 80, 20}}, 45);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace rapport::analytics
