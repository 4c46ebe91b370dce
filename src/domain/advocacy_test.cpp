#include "domain/advocacy.hpp"

#include <gtest/gtest.h>

#include "domain/json_codec.hpp"

namespace rapport::domain {
namespace {

using S = EscalationStage;

constexpr std::int64_t kDay = 86'400'000;

Instant At(std::string_view text) { return *ParseRfc3339(text); }

bool Names(const std::vector<FieldError>& errors, std::string_view field) {
  for (const auto& e : errors) {
    if (e.field == field) return true;
  }
  return false;
}

bool Names(const FieldErrors& errors, std::string_view field) { return Names(errors.list(), field); }

Escalation Valid() {
  Escalation e;
  e.account_id = 1;
  e.title = "Outage at Globex";
  e.owner_id = 2;
  e.currency = "GBP";
  e.revenue_at_risk_minor = 1000;
  return e;
}

TEST(StageMachine, MovesForwardOneStageAtATime) {
  EXPECT_TRUE(IsLegalStageMove(S::kEngaged, S::kPlanning));
  EXPECT_TRUE(IsLegalStageMove(S::kPlanning, S::kExecuting));
  EXPECT_TRUE(IsLegalStageMove(S::kExecuting, S::kVerifying));
  EXPECT_TRUE(IsLegalStageMove(S::kVerifying, S::kClosed));
  EXPECT_TRUE(IsLegalStageMove(S::kClosed, S::kReviewed));
  EXPECT_FALSE(IsLegalStageMove(S::kEngaged, S::kExecuting));
  EXPECT_FALSE(IsLegalStageMove(S::kPlanning, S::kClosed));
  EXPECT_FALSE(IsLegalStageMove(S::kEngaged, S::kEngaged));
}

TEST(StageMachine, GoesBackOnlyWhereTheProcessDoes) {
  EXPECT_TRUE(IsLegalStageMove(S::kVerifying, S::kExecuting));  // verification failed
  EXPECT_TRUE(IsLegalStageMove(S::kExecuting, S::kPlanning));   // re-plan
  EXPECT_FALSE(IsLegalStageMove(S::kPlanning, S::kEngaged));
  EXPECT_FALSE(IsLegalStageMove(S::kClosed, S::kVerifying));  // only by classification
  EXPECT_TRUE(IsLegalStageMove(S::kClosed, S::kVerifying, true));
  EXPECT_FALSE(IsLegalStageMove(S::kClosed, S::kExecuting, true));
  for (int to = 0; to < 6; ++to) {
    EXPECT_FALSE(IsLegalStageMove(S::kReviewed, static_cast<S>(to), true)) << to;
  }
}

TEST(StageEntry, CloseOutNamesEveryUnmetCriterionAndTheMissingAgreement) {
  Escalation e = Valid();
  auto refusals = StageEntryRefusals(e, S::kClosed);
  EXPECT_TRUE(Names(refusals, "success_criteria"));
  EXPECT_TRUE(Names(refusals, "customer_agreement"));
  e.success_criteria = {{"No outage for 30 days", true, "monitoring report"},
                        {"Credit issued", false, std::nullopt},
                        {"Root cause shared", false, std::nullopt}};
  refusals = StageEntryRefusals(e, S::kClosed);
  EXPECT_FALSE(Names(refusals, "success_criteria[0]"));
  EXPECT_TRUE(Names(refusals, "success_criteria[1]"));
  EXPECT_TRUE(Names(refusals, "success_criteria[2]"));
  EXPECT_EQ(refusals.size(), 3u);
  e.success_criteria[1].met = e.success_criteria[2].met = true;
  e.customer_agreement = CustomerAgreement{5, At("2025-04-01T10:00:00Z")};
  EXPECT_TRUE(StageEntryRefusals(e, S::kClosed).empty());
}

TEST(StageEntry, ExecutingNeedsAPlanAndTheDryRunDone) {
  Escalation e = Valid();
  e.dry_run_checklist = {{"Agenda sent", true}, {"Rehearsed with sponsor", false}};
  auto refusals = StageEntryRefusals(e, S::kExecuting);
  EXPECT_TRUE(Names(refusals, "plan"));
  EXPECT_TRUE(Names(refusals, "dry_run_checklist[1]"));
  EXPECT_FALSE(Names(refusals, "dry_run_checklist[0]"));
  e.plan = {{"Replace the router", std::nullopt, std::nullopt, ActionStatus::kPlanned}};
  e.dry_run_checklist[1].done = true;
  EXPECT_TRUE(StageEntryRefusals(e, S::kExecuting).empty());
}

TEST(StageEntry, ReviewNeedsACategoryAndAFactor) {
  Escalation e = Valid();
  auto refusals = StageEntryRefusals(e, S::kReviewed);
  EXPECT_TRUE(Names(refusals, "root_cause_category"));
  EXPECT_TRUE(Names(refusals, "contributing_factors"));
  e.root_cause_category = "process";
  e.contributing_factors = {{"No escalation path", FactorParty::kUs, BusinessFunction::kCustomerService}};
  EXPECT_TRUE(StageEntryRefusals(e, S::kReviewed).empty());
  EXPECT_TRUE(StageEntryRefusals(e, S::kPlanning).empty());
}

TEST(Validate, FactorsOfOursNameTheFunctionAndOnlyOurs) {
  Escalation e = Valid();
  e.contributing_factors = {{"Slow fix", FactorParty::kUs, std::nullopt},
                            {"Their firewall", FactorParty::kCustomer, BusinessFunction::kEngineering},
                            {"Carrier outage", FactorParty::kThirdParty, std::nullopt},
                            {" ", FactorParty::kUs, BusinessFunction::kEngineering}};
  FieldErrors errors;
  Validate(e, errors);
  EXPECT_TRUE(Names(errors, "contributing_factors[0].function"));
  EXPECT_TRUE(Names(errors, "contributing_factors[1].function"));
  EXPECT_FALSE(Names(errors, "contributing_factors[2].function"));
  EXPECT_TRUE(Names(errors, "contributing_factors[3].description"));
}

TEST(Validate, MetCriteriaNeedEvidenceAndMoneyIsNotNegative) {
  Escalation e = Valid();
  e.success_criteria = {{"Stable", true, std::nullopt}, {"Credit", true, "invoice 7"}};
  e.incident_cost_minor = -1;
  e.revenue_at_risk_minor = -5;
  e.currency = "pounds";
  e.case_ids = {3, 4, 3};
  FieldErrors errors;
  Validate(e, errors);
  EXPECT_TRUE(Names(errors, "success_criteria[0].evidence"));
  EXPECT_FALSE(Names(errors, "success_criteria[1].evidence"));
  EXPECT_TRUE(Names(errors, "incident_cost_minor"));
  EXPECT_TRUE(Names(errors, "revenue_at_risk_minor"));
  EXPECT_TRUE(Names(errors, "currency"));
  EXPECT_TRUE(Names(errors, "case_ids[2]"));
  FieldErrors none;
  Validate(Valid(), none);
  EXPECT_TRUE(none.empty());
}

TEST(Codec, AnEscalationRoundTripsWithItsNestedRecords) {
  auto parsed = ParseRecord<Escalation>(json::parse(R"({
    "account_id": 1, "title": "Outage", "owner_id": 2,
    "contributing_factors": [{"description": "x", "party": "us", "function": "engineering"}],
    "customer_agreement": {"person_id": 4, "at": "2025-04-01T10:00:00Z"},
    "plan": [{"description": "Fix", "due_on": "2025-04-10", "status": "in_progress"}]})"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->customer_agreement->person_id, 4);
  EXPECT_EQ(parsed->plan[0].status, ActionStatus::kInProgress);
  auto again = ParseRecord<Escalation>(EditableJson(*parsed));
  ASSERT_TRUE(again);
  EXPECT_EQ(json::serialize(ToJson(*again)), json::serialize(ToJson(*parsed)));

  auto bad = ParseRecord<Escalation>(json::parse(R"({"account_id": 1, "title": "t",
    "owner_id": 2, "stage_history": [], "contributing_factors": [{"party": "vendor"}]})"));
  ASSERT_FALSE(bad);
  EXPECT_TRUE(Names(bad.error().fields, "stage_history"));
  EXPECT_TRUE(Names(bad.error().fields, "contributing_factors[0].party"));
  EXPECT_TRUE(Names(bad.error().fields, "contributing_factors[0].description"));
}

TEST(StageInstants, HistoryAndCloseOutInstant) {
  Escalation e = Valid();
  ApplyStageInstants(e, At("2025-03-01T00:00:00Z"), 2);
  e.stage = S::kPlanning;
  ApplyStageInstants(e, At("2025-03-03T00:00:00Z"), 2);
  EXPECT_FALSE(e.closed_at);
  e.stage = S::kClosed;
  ApplyStageInstants(e, At("2025-03-04T00:00:00Z"), 3);
  EXPECT_EQ(e.closed_at, At("2025-03-04T00:00:00Z"));
  ASSERT_EQ(e.stage_history.size(), 3u);
  EXPECT_EQ(e.stage_history[2].by, 3);
  auto seconds = SecondsInStages(e, At("2025-03-05T00:00:00Z"));
  EXPECT_EQ(seconds[S::kEngaged], 2 * 86'400);
  EXPECT_EQ(seconds[S::kPlanning], 86'400);
  EXPECT_EQ(seconds[S::kClosed], 86'400);
  EXPECT_EQ(NextStage(S::kVerifying), S::kClosed);
  EXPECT_FALSE(NextStage(S::kReviewed));
}

TEST(Suggestion, SameCategoryWithinThirtyDaysIsRelated) {
  Escalation e = Valid();
  e.stage = S::kClosed;
  e.closed_at = At("2025-03-01T00:00:00Z");
  e.root_cause_category = "configuration";
  const std::vector<std::string> case_categories = {"connectivity"};
  auto within = [&](std::int64_t days, std::optional<std::string> category) {
    return SuggestRelation(e, case_categories,
                           {Instant{e.closed_at->ms + days * kDay}, std::move(category)});
  };
  EXPECT_EQ(within(3, "connectivity").relation, ContactRelation::kRelated);
  EXPECT_EQ(within(29, "configuration").relation, ContactRelation::kRelated);
  EXPECT_EQ(within(30, "connectivity").relation, ContactRelation::kRelated);
  EXPECT_EQ(within(31, "connectivity").relation, ContactRelation::kSeparate);
  EXPECT_EQ(within(3, "billing").relation, ContactRelation::kSeparate);
  EXPECT_EQ(within(3, std::nullopt).relation, ContactRelation::kSeparate);
  e.stage = S::kReviewed;
  EXPECT_EQ(within(3, "connectivity").relation, ContactRelation::kSeparate);
}

TEST(Trials, DefaultsAndReminder) {
  Trial t;
  t.reminder_days = 14;
  ApplyTrialDefaults(t, *ParseDate("2025-01-01"));
  EXPECT_EQ(FormatDate(*t.starts_on), "2025-01-01");
  EXPECT_EQ(FormatDate(*t.ends_on), "2025-04-01");  // 90 days
  EXPECT_EQ(FormatDate(ReminderDate(t)), "2025-03-18");
  Trial given;
  given.starts_on = ParseDate("2025-02-01");
  given.ends_on = ParseDate("2025-03-01");
  ApplyTrialDefaults(given, *ParseDate("2025-01-01"));
  EXPECT_EQ(FormatDate(*given.ends_on), "2025-03-01");
  given.reminder_days = 40;
  FieldErrors errors;
  Validate(given, errors);
  EXPECT_TRUE(Names(errors, "reminder_days"));
  given.ends_on = ParseDate("2025-01-15");
  FieldErrors backwards;
  Validate(given, backwards);
  EXPECT_TRUE(Names(backwards, "ends_on"));
}

TEST(Trials, ReturnOnInvestment) {
  Escalation e = Valid();
  e.revenue_at_risk_minor = 1'200'000;
  e.incident_cost_minor = 150'000;
  Trial t;
  t.monthly_price_minor = 50'000;
  t.starts_on = ParseDate("2025-01-01");
  t.ends_on = ParseDate("2025-04-01");  // 90 days: three months
  TrialReturn r = ReturnOf(t, e);
  EXPECT_EQ(r.trial_days, 90);
  EXPECT_EQ(r.trial_cost_minor, 150'000);
  EXPECT_EQ(r.investment_minor, 300'000);
  EXPECT_EQ(r.gain_minor, 1'200'000);
  EXPECT_DOUBLE_EQ(*r.roi_percent, 300.0);
  t.outcome = TrialOutcome::kPurchased;
  r = ReturnOf(t, e);
  EXPECT_EQ(r.gain_minor, 1'800'000);
  EXPECT_DOUBLE_EQ(*r.roi_percent, 500.0);
  e.incident_cost_minor = 0;
  t.monthly_price_minor = 0;
  EXPECT_FALSE(ReturnOf(t, e).roi_percent);  // nothing invested: no ratio
}

Escalation Opened(std::string_view at, std::string category, std::string currency,
                  std::int64_t risk) {
  Escalation e = Valid();
  e.meta.created_at = At(at);
  e.root_cause_category = std::move(category);
  e.currency = std::move(currency);
  e.revenue_at_risk_minor = risk;
  e.incident_cost_minor = risk / 10;
  e.stage_history.push_back({S::kEngaged, e.meta.created_at, 2});
  return e;
}

TEST(Review, AggregatesByCategoryOwnerStageMoneyAndMonth) {
  Escalation a = Opened("2025-01-10T00:00:00Z", "process", "GBP", 1000);
  a.contributing_factors = {{"x", FactorParty::kUs, BusinessFunction::kEngineering},
                            {"y", FactorParty::kUs, BusinessFunction::kEngineering},
                            {"z", FactorParty::kCustomer, std::nullopt}};
  a.stage = S::kClosed;
  a.stage_history.push_back({S::kPlanning, At("2025-01-12T00:00:00Z"), 2});
  a.stage_history.push_back({S::kClosed, At("2025-02-01T00:00:00Z"), 2});
  Escalation b = Opened("2025-02-20T00:00:00Z", "process", "USD", 500);
  b.contributing_factors = {{"w", FactorParty::kThirdParty, std::nullopt}};
  Escalation c = Opened("2025-03-05T00:00:00Z", "billing", "GBP", 300);
  Escalation old = Opened("2024-06-01T00:00:00Z", "billing", "GBP", 99);
  old.stage_history.push_back({S::kClosed, At("2025-03-02T00:00:00Z"), 2});

  // From London's midnight of 1 January to its midnight of 1 April (summer time by then).
  ReviewOptions options{At("2025-01-01T00:00:00Z"), At("2025-03-31T23:00:00Z"),
                        At("2025-03-10T00:00:00Z"), "Europe/London"};
  auto review = ReviewOf({a, b, c, old}, options);
  ASSERT_TRUE(review) << review.error().message;
  EXPECT_EQ(review->escalations, 3);
  EXPECT_EQ(review->by_category.at("process").escalations, 2);
  EXPECT_EQ(review->by_category.at("process").money.at("GBP").revenue_at_risk_minor, 1000);
  EXPECT_EQ(review->by_category.at("process").money.at("USD").revenue_at_risk_minor, 500);
  EXPECT_EQ(review->by_category.at("billing").escalations, 1);
  auto engineering = review->by_factor_owner.at({"us", "engineering"});
  EXPECT_EQ(engineering.first, 1);   // one escalation
  EXPECT_EQ(engineering.second, 2);  // two factors
  EXPECT_EQ(review->by_factor_owner.at({"customer", ""}).first, 1);
  EXPECT_EQ(review->by_factor_owner.at({"third_party", ""}).first, 1);
  // Money: a is closed, so only b and c are still at risk.
  EXPECT_EQ(review->money.at("GBP").revenue_at_risk_minor, 1300);
  EXPECT_EQ(review->money.at("GBP").open_revenue_at_risk_minor, 300);
  EXPECT_EQ(review->money.at("GBP").incident_cost_minor, 130);
  EXPECT_EQ(review->money.at("USD").open_revenue_at_risk_minor, 500);
  // Time: a was engaged 2 days, planning 20 days, closed until now (37 days).
  const auto& engaged = review->time_in_stage.at(S::kEngaged);
  EXPECT_EQ(engaged.escalations, 3);
  EXPECT_EQ(engaged.total_seconds, (2 + 18 + 5) * 86'400);
  EXPECT_EQ(review->time_in_stage.at(S::kPlanning).total_seconds, 20 * 86'400);
  EXPECT_EQ(review->time_in_stage.at(S::kClosed).total_seconds, 37 * 86'400);
  // Trend: every month of the range; the old escalation's close-out counts in March.
  ASSERT_EQ(review->trend.size(), 3u);
  EXPECT_EQ(review->trend.at("2025-01").opened, 1);
  EXPECT_EQ(review->trend.at("2025-02").opened, 1);
  EXPECT_EQ(review->trend.at("2025-02").closed, 1);
  EXPECT_EQ(review->trend.at("2025-03").opened, 1);
  EXPECT_EQ(review->trend.at("2025-03").closed, 1);
}

TEST(Review, MonthsFollowTheZone) {
  // 23:30 UTC on 31 January is already February in Tokyo.
  Escalation e = Opened("2025-01-31T23:30:00Z", "process", "GBP", 1);
  ReviewOptions options{At("2025-01-01T00:00:00Z"), At("2025-03-01T00:00:00Z"),
                        At("2025-03-01T00:00:00Z"), "Asia/Tokyo"};
  auto review = ReviewOf({e}, options);
  ASSERT_TRUE(review);
  EXPECT_EQ(review->trend.at("2025-02").opened, 1);
  options.time_zone = "UTC";
  EXPECT_EQ(ReviewOf({e}, options)->trend.at("2025-01").opened, 1);
  options.time_zone = "Mars/Olympus";
  EXPECT_FALSE(ReviewOf({e}, options));
}

}  // namespace
}  // namespace rapport::domain
