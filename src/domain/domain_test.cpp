#include <gtest/gtest.h>

#include "domain/entities.hpp"
#include "domain/json_codec.hpp"

namespace rapport::domain {
namespace {

json::value Json(std::string_view text) { return json::parse(text); }

bool HasField(const Error& e, std::string_view field) {
  for (const auto& f : e.fields) {
    if (f.field == field) return true;
  }
  return false;
}

TEST(Codec, RoundTripsAnInteraction) {
  auto parsed = ParseRecord<Interaction>(Json(R"({
    "channel": "email", "direction": "inbound", "arrived_at": "2025-01-02T03:04:05Z",
    "outcome": "received", "participants": [{"role": "from", "address": "a@b.c"}],
    "tags": ["vip"], "subject": "Broken"})"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->channel, Channel::kEmail);
  EXPECT_EQ(parsed->participants.at(0).address, "a@b.c");
  auto back = ToJson(*parsed).as_object();
  EXPECT_EQ(back.at("arrived_at").as_string(), "2025-01-02T03:04:05.000Z");
  EXPECT_EQ(back.at("source").as_string(), "api");
  EXPECT_TRUE(back.at("body").is_null());
}

TEST(Codec, NamesEveryBadField) {
  auto parsed = ParseRecord<Interaction>(Json(R"({
    "channel": "fax", "arrived_at": "yesterday", "bogus": 1, "id": 4,
    "participants": [{"role": "bcc"}], "tags": "x", "vendor_id": 3})"));
  ASSERT_FALSE(parsed);
  const Error& e = parsed.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalid);
  for (auto field : {"channel", "arrived_at", "bogus", "id", "participants[0].role", "tags",
                     "direction", "vendor_id"}) {
    EXPECT_TRUE(HasField(e, field)) << field;
  }
}

TEST(Codec, RejectsWrongTypesAndNulls) {
  auto parsed = ParseRecord<Account>(Json(R"({"name": 5, "segment": null,
                                              "annual_value_minor": 1.5})"));
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(HasField(parsed.error(), "name"));
  EXPECT_TRUE(HasField(parsed.error(), "segment"));
  EXPECT_TRUE(HasField(parsed.error(), "annual_value_minor"));
}

TEST(Codec, MergePatchFollowsRfc7386) {
  auto merged = MergePatch(Json(R"({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]})"),
                           Json(R"({"a": null, "b": {"c": 9}, "e": [2], "f": "x"})"));
  EXPECT_EQ(merged, Json(R"({"b": {"c": 9, "d": 3}, "e": [2], "f": "x"})"));
}

TEST(Codec, WithIdFillsTheIdOfTextMadeBeforeIt) {
  Vendor v;
  v.name = "Acme";
  std::string text = json::serialize(ToJson(v));
  v.meta.id = 42;
  EXPECT_EQ(WithId(text, 42), json::serialize(ToJson(v)));
  EXPECT_THROW(WithId("{\"name\":1}", 1), std::logic_error);
}

TEST(Rules, OutcomeMustFitTheChannel) {
  EXPECT_TRUE(OutcomeFitsChannel(Channel::kPhone, Outcome::kAbandoned));
  EXPECT_TRUE(OutcomeFitsChannel(Channel::kEmail, Outcome::kReplied));
  EXPECT_FALSE(OutcomeFitsChannel(Channel::kEmail, Outcome::kAbandoned));
  EXPECT_FALSE(OutcomeFitsChannel(Channel::kChat, Outcome::kSent));
}

TEST(Rules, InteractionInstantsMustBeOrdered) {
  Interaction i;
  i.channel = Channel::kPhone;
  i.arrived_at = Instant{1000};
  i.answered_at = Instant{500};
  i.ended_at = Instant{400};
  i.outcome = Outcome::kReceived;
  FieldErrors errors;
  Validate(i, errors);
  EXPECT_TRUE(HasField(errors.ToError(), "answered_at"));
  EXPECT_TRUE(HasField(errors.ToError(), "ended_at"));
  EXPECT_TRUE(HasField(errors.ToError(), "outcome"));
}

TEST(Rules, CaseStatusMachine) {
  using S = CaseStatus;
  EXPECT_TRUE(IsLegalTransition(S::kNew, S::kOpen));
  EXPECT_FALSE(IsLegalTransition(S::kNew, S::kClosed));
  EXPECT_TRUE(IsLegalTransition(S::kOpen, S::kPendingCustomer));
  EXPECT_TRUE(IsLegalTransition(S::kPendingCustomer, S::kResolved));
  EXPECT_TRUE(IsLegalTransition(S::kResolved, S::kOpen));  // reopen
  EXPECT_TRUE(IsLegalTransition(S::kResolved, S::kClosed));
  EXPECT_FALSE(IsLegalTransition(S::kOpen, S::kClosed));
  EXPECT_FALSE(IsLegalTransition(S::kClosed, S::kOpen));
  EXPECT_FALSE(IsLegalTransition(S::kOpen, S::kOpen));
}

TEST(Rules, AccountTimeZoneAndCurrencyAreChecked) {
  Account a;
  a.name = "Acme";
  a.segment = "key";
  a.time_zone = "Mars/Olympus";
  a.currency = "usd";
  FieldErrors errors;
  Validate(a, errors);
  EXPECT_TRUE(HasField(errors.ToError(), "time_zone"));
  EXPECT_TRUE(HasField(errors.ToError(), "currency"));
  a.time_zone = "Europe/London";
  a.currency = "GBP";
  FieldErrors ok;
  Validate(a, ok);
  EXPECT_TRUE(ok.empty());
}

TEST(Rules, VendorAgreementNeedsVendorAndServiceLevelThreshold) {
  auto parsed = ParseRecord<Agreement>(Json(R"({"kind": "vendor", "start_date": "2025-01-01",
      "end_date": "2024-12-31", "targets": [{"metric": "service_level", "target_percent": 180}]})"));
  ASSERT_TRUE(parsed);
  FieldErrors errors;
  Validate(*parsed, errors);
  auto e = errors.ToError();
  EXPECT_TRUE(HasField(e, "vendor_id"));
  EXPECT_TRUE(HasField(e, "end_date"));
  EXPECT_TRUE(HasField(e, "targets[0].target_percent"));
  EXPECT_TRUE(HasField(e, "targets[0].threshold_seconds"));
}

TEST(Rules, CalendarErrorsNameTheBadSpanOrDate) {
  auto parsed = ParseRecord<Calendar>(Json(R"({"name": "Ops", "time_zone": "Europe/Lndon",
      "hours": [{"day": "monday", "start": "22:00", "end": "06:00"},
                {"day": "tuesday", "start": "05:00", "end": "09:00"},
                {"day": "sunday", "start": "23:00", "end": "01:00"},
                {"day": "monday", "start": "00:30", "end": "02:00"},
                {"day": "friday", "start": "10:00", "end": "10:00"}],
      "holidays": [{"date": "2025-12-25", "start": "12:00", "end": "09:00"},
                   {"date": "2025-12-26", "start": "12:00"}],
      "short_days": [{"date": "2025-12-24", "start": "09:00", "end": "13:00"},
                     {"date": "2025-12-24", "start": "12:00", "end": "14:00"}]})"));
  ASSERT_TRUE(parsed) << parsed.error().message;
  FieldErrors errors;
  Validate(*parsed, errors);
  const Error e = errors.ToError();
  EXPECT_TRUE(HasField(e, "time_zone"));
  EXPECT_TRUE(HasField(e, "hours[1]"));  // Tuesday 05:00 overlaps Monday's night span
  EXPECT_TRUE(HasField(e, "hours[3]"));  // Monday 00:30 overlaps Sunday's, across the week
  EXPECT_TRUE(HasField(e, "hours[4].end"));
  EXPECT_TRUE(HasField(e, "holidays[0].end"));
  EXPECT_TRUE(HasField(e, "holidays[1]"));
  EXPECT_TRUE(HasField(e, "short_days[1]"));
  EXPECT_FALSE(HasField(e, "hours[0]"));
  EXPECT_FALSE(HasField(e, "hours[2]"));
}

TEST(Rules, PolicyTargetsAreCheckedEach) {
  auto parsed = ParseRecord<SlaPolicy>(Json(R"({"name": "P", "targets": [
      {"metric": "resolution", "minutes": 0},
      {"metric": "resolution", "minutes": 60, "warning_minutes": 60},
      {"metric": "first_response", "minutes": 30, "paused_by": ["closed"]}]})"));
  ASSERT_TRUE(parsed);
  FieldErrors errors;
  Validate(*parsed, errors);
  const Error e = errors.ToError();
  EXPECT_TRUE(HasField(e, "targets[0].minutes"));
  EXPECT_TRUE(HasField(e, "targets[1].metric"));
  EXPECT_TRUE(HasField(e, "targets[1].warning_minutes"));
  EXPECT_TRUE(HasField(e, "targets[2].paused_by[0]"));
}

TEST(Rules, DefaultPausesArePendingCustomerExceptForFirstResponse) {
  ClockTarget resolution{ClockMetric::kResolution, 60, true, 0, std::nullopt};
  ClockTarget first{ClockMetric::kFirstResponse, 60, true, 0, std::nullopt};
  ClockTarget custom{ClockMetric::kFirstResponse, 60, true, 0,
                     std::vector{CaseStatus::kPendingInternal}};
  EXPECT_EQ(PausingStatuses(resolution), std::vector{CaseStatus::kPendingCustomer});
  EXPECT_TRUE(PausingStatuses(first).empty());
  EXPECT_TRUE(Pauses(custom, CaseStatus::kPendingInternal));
  EXPECT_FALSE(Pauses(custom, CaseStatus::kPendingCustomer));
}

}  // namespace
}  // namespace rapport::domain
