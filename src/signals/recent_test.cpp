// EvaluateRecent against Evaluate on random account histories: long and busy enough that
// the horizon cuts them, with every trait, cases reopened and left open for months,
// breaches and bursts of repeat contacts.
#include <gtest/gtest.h>

#include <random>

#include "signals/signals.hpp"

namespace rapport::signals {
namespace {

using domain::CaseStatus;
using domain::Channel;
using domain::Direction;

constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
constexpr std::int64_t kStart = 1'600'000'000'000;  // 2020-09-13
constexpr std::int64_t kSpan = 720 * kDay;

AccountFacts RandomAccount(std::mt19937_64& rng) {
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  AccountFacts facts;
  facts.account.meta.id = 1;
  facts.account.meta.created_at = Instant{kStart};
  facts.account.segment = uniform(0, 1) ? "key" : "standard";
  const std::int64_t cases = uniform(5, 40);
  for (Id id = 1; id <= cases; ++id) {
    CaseHistory c;
    c.kase.meta.id = id;
    c.kase.account_id = 1;
    c.kase.category = "cat" + std::to_string(uniform(0, 3));
    std::int64_t at = kStart + uniform(0, kSpan);
    c.kase.meta.created_at = Instant{at};
    CaseStatus status = CaseStatus::kOpen;
    c.changes.push_back({Instant{at}, CaseStatus::kNew, status});
    for (std::int64_t k = uniform(0, 5); k > 0; --k) {
      at += uniform(1, 90) * kDay / uniform(1, 8);
      const CaseStatus next = status == CaseStatus::kResolved
                                  ? (uniform(0, 2) ? CaseStatus::kClosed : CaseStatus::kOpen)
                              : status == CaseStatus::kClosed ? CaseStatus::kClosed
                                                              : CaseStatus::kResolved;
      c.changes.push_back({Instant{at}, status, next});
      status = next;
    }
    for (std::int64_t b = uniform(0, 3); b > 0; --b) {
      c.breaches.push_back(Instant{c.kase.meta.created_at.ms + uniform(0, 60) * kDay});
    }
    c.kase.status = status;
    facts.cases.push_back(std::move(c));
  }
  std::int64_t at = kStart;
  const std::int64_t contacts = uniform(100, 900);
  for (Id id = 1; id <= contacts; ++id) {
    // Bursts: most contacts close together, some long gaps.
    at += uniform(0, 9) == 0 ? uniform(1, 120) * kDay : uniform(0, 20) * kDay / 24;
    Contact c;
    c.id = id;
    c.arrived_at = Instant{at};
    c.channel = uniform(0, 2) == 0 ? Channel::kPhone : uniform(0, 1) ? Channel::kEmail : Channel::kChat;
    c.direction = uniform(0, 2) ? Direction::kInbound : Direction::kOutbound;
    if (uniform(0, 4)) c.case_id = uniform(1, cases);
    if (uniform(0, 3) == 0) c.category = InternedCategory("cat" + std::to_string(uniform(0, 3)));
    for (auto trait : {Contact::kPolicyPhrase, Contact::kFailedFixPhrase, Contact::kOfferTag,
                       Contact::kProactiveTag, Contact::kInReplyTo, Contact::kDecisionMaker,
                       Contact::kExecutiveSponsor}) {
      if (uniform(0, 12) == 0) c.traits |= trait;
    }
    facts.contacts.push_back(std::move(c));
  }
  return facts;
}

TEST(EvaluateRecentTest, AnswersAsEvaluateDoesOnRandomHistories) {
  std::mt19937_64 rng(20261123);
  int compared = 0, signals = 0;
  for (int account = 0; account < 150; ++account) {
    const AccountFacts facts = RandomAccount(rng);
    const std::int64_t last = facts.contacts.back().arrived_at.ms;
    for (int k = 0; k < 25; ++k) {
      const Instant now{std::uniform_int_distribution<std::int64_t>(kStart, last + 90 * kDay)(rng)};
      const auto full = Evaluate(facts, now);
      ASSERT_EQ(EvaluateRecent(facts, now), full) << "account " << account << " at " << now.ms;
      ++compared;
      signals += static_cast<int>(full.size());
    }
  }
  EXPECT_EQ(compared, 150 * 25);
  EXPECT_GT(signals, 1000);  // the histories do raise signals, of every kind
}

// An incremental evaluator's use: each random account's contacts recorded up to
// `max_lateness` after they arrived (so possibly before the previous evaluation, or before
// the horizon of the scan kept between evaluations), and the account evaluated at later
// and later instants, each answer handed to the next with the earliest contact added
// since, and with one HistoryScan throughout. Every answer must be Evaluate's; returns
// how many evaluations continued from a previous answer.
int FollowEvaluations(std::uint64_t seed, std::int64_t max_lateness) {
  std::mt19937_64 rng(seed);
  int continued = 0;
  for (int account = 0; account < 20; ++account) {
    const AccountFacts all = RandomAccount(rng);
    std::vector<std::pair<std::int64_t, Contact>> arrivals;  // (recorded at, contact)
    for (const Contact& c : all.contacts) {
      const std::int64_t late = std::uniform_int_distribution<std::int64_t>(0, max_lateness)(rng);
      arrivals.emplace_back(c.arrived_at.ms + late, c);
    }
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    AccountFacts facts = all;
    facts.contacts.clear();
    std::size_t recorded = 0;
    std::vector<Signal> answer;
    std::optional<PreviousAnswer> previous;
    HistoryScan scan;
    const std::int64_t last = arrivals.back().first;
    for (std::int64_t at = kStart + 60 * kDay; at < last + 60 * kDay;
         at += std::uniform_int_distribution<std::int64_t>(1, 6 * kDay)(rng)) {
      std::optional<Instant> added_from;
      for (; recorded < arrivals.size() && arrivals[recorded].first <= at; ++recorded) {
        const Contact& c = arrivals[recorded].second;
        if (!added_from || c.arrived_at < *added_from) added_from = c.arrived_at;
        Upsert(facts, c);
      }
      if (previous) previous->added_from = added_from;
      const Instant now{at};
      std::vector<Signal> next = EvaluateRecent(facts, now, {}, previous, &scan);
      EXPECT_EQ(next, Evaluate(facts, now)) << "account " << account << " at " << at;
      if (::testing::Test::HasFailure()) return continued;
      continued += previous ? 1 : 0;
      answer = std::move(next);
      previous = PreviousAnswer{now, &answer, std::nullopt};
    }
  }
  return continued;
}

TEST(EvaluateRecentTest, FollowsStretchesFromThePreviousAnswer) {
  EXPECT_GT(FollowEvaluations(7, 0), 1500);
}

// Contacts recorded up to sixty days after they arrived: the evaluator is told the earliest
// addition, and must not continue a stretch that an addition may have lengthened.
TEST(EvaluateRecentTest, FollowsStretchesAcrossLateContacts) {
  EXPECT_GT(FollowEvaluations(11, 60 * kDay), 1500);
}

// A key account with a long, quiet history before the horizon: what the stranger rule
// needs from before it is the latest proactive contact and the latest inbound one.
AccountFacts QuietKeyAccount(Instant now) {
  AccountFacts facts;
  facts.account.meta.id = 1;
  facts.account.segment = "key";
  facts.account.meta.created_at = Instant{now.ms - 400 * kDay};
  for (Id id = 1; id <= 70; ++id) {  // old inbound contacts, one a day, on no case
    Contact c;
    c.id = id;
    c.arrived_at = Instant{now.ms - (380 - id) * kDay};
    facts.contacts.push_back(c);
  }
  return facts;
}

void Add(AccountFacts& facts, Id id, std::int64_t days_ago, Direction direction,
         std::uint8_t traits, Instant now) {
  Contact c;
  c.id = id;
  c.arrived_at = Instant{now.ms - days_ago * kDay};
  c.direction = direction;
  c.traits = traits;
  facts.contacts.push_back(c);
}

TEST(EvaluateRecentTest, KeepsTheLatestProactiveContactBeforeTheHorizon) {
  const Instant now{kStart + kSpan};
  AccountFacts facts = QuietKeyAccount(now);
  Add(facts, 100, 45, Direction::kOutbound, Contact::kProactiveTag, now);  // P, before the horizon
  Add(facts, 101, 20, Direction::kInbound, 0, now);
  Add(facts, 102, 19, Direction::kOutbound, 0, now);  // a reply
  ASSERT_TRUE(Evaluate(facts, now).empty());  // P is 45 days old: not yet strangers
  EXPECT_EQ(EvaluateRecent(facts, now), Evaluate(facts, now));
}

TEST(EvaluateRecentTest, KeepsTheLatestInboundContactBeforeTheHorizon) {
  const Instant now{kStart + kSpan};
  AccountFacts facts = QuietKeyAccount(now);
  Add(facts, 100, 200, Direction::kOutbound, Contact::kProactiveTag, now);
  Add(facts, 101, 31, Direction::kInbound, 0, now);   // just before the horizon (30 days)
  Add(facts, 102, 29, Direction::kOutbound, 0, now);  // its reply, just after
  const auto full = Evaluate(facts, now);
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].rule, Rule::kStranger);
  EXPECT_EQ(EvaluateRecent(facts, now), full);
}

}  // namespace
}  // namespace rapport::signals
