#include "app/timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

namespace rapport::app {
namespace {

using domain::Event;
using domain::Interaction;

TimelineEntry InteractionAt(std::int64_t at, std::int64_t id) {
  return {{Instant{at}, TimelineSource::kInteraction, id}, Interaction{}};
}

TimelineEntry EventAt(std::int64_t at, std::int64_t sequence) {
  return {{Instant{at}, TimelineSource::kEvent, sequence}, Event{}};
}

TEST(TimelineCursor, RoundTripsAndRefusesWhatTheServerDidNotGive) {
  for (TimelinePosition p : {TimelinePosition{Instant{1741000000000}, TimelineSource::kInteraction, 42},
                             TimelinePosition{Instant{-5}, TimelineSource::kEvent, 7},
                             TimelinePosition{Instant{0}, TimelineSource::kEvent, 1}}) {
    auto text = FormatTimelineCursor(p);
    auto back = ParseTimelineCursor(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, p) << text;
  }
  for (std::string_view bad : {"", "42", "i42", "12i", "12x42", "12i0", "12i-3", "12i4 ", "1.5e3",
                               "12ie3", "99999999999999999999i1"}) {
    EXPECT_FALSE(ParseTimelineCursor(bad)) << bad;
  }
}

TEST(TimelineOrder, NewestFirstThenInteractionsBeforeEventsThenHigherId) {
  auto page = MergeNewestFirst({InteractionAt(10, 3), InteractionAt(10, 1), InteractionAt(5, 9)},
                               {EventAt(20, 4), EventAt(10, 8), EventAt(10, 2)}, 10);
  std::vector<TimelinePosition> got;
  for (const auto& e : page.entries) got.push_back(e.position);
  const std::vector<TimelinePosition> want = {
      {Instant{20}, TimelineSource::kEvent, 4},       {Instant{10}, TimelineSource::kInteraction, 3},
      {Instant{10}, TimelineSource::kInteraction, 1}, {Instant{10}, TimelineSource::kEvent, 8},
      {Instant{10}, TimelineSource::kEvent, 2},       {Instant{5}, TimelineSource::kInteraction, 9}};
  EXPECT_EQ(got, want);
  EXPECT_FALSE(page.next);
}

TEST(TimelineOrder, AFullPageNamesTheNextOnlyWhenMoreFollow) {
  auto exact = MergeNewestFirst({InteractionAt(3, 1)}, {EventAt(2, 1)}, 2);
  EXPECT_EQ(exact.entries.size(), 2u);
  EXPECT_FALSE(exact.next);
  auto more = MergeNewestFirst({InteractionAt(3, 1), InteractionAt(1, 2)}, {EventAt(2, 1)}, 2);
  ASSERT_TRUE(more.next);
  EXPECT_EQ(*more.next, (TimelinePosition{Instant{2}, TimelineSource::kEvent, 1}));
}

TEST(TimelineOrder, StreamBoundsSplitTiesAtTheCursor) {
  const TimelinePosition at_interaction{Instant{10}, TimelineSource::kInteraction, 5};
  EXPECT_EQ(StreamBound(TimelineSource::kInteraction, at_interaction), std::pair(Instant{10}, std::int64_t{5}));
  // Every event at 10 comes after interaction 5 at 10.
  EXPECT_EQ(StreamBound(TimelineSource::kEvent, at_interaction).second,
            std::numeric_limits<std::int64_t>::max());
  const TimelinePosition at_event{Instant{10}, TimelineSource::kEvent, 5};
  // No interaction at 10 comes after an event at 10.
  EXPECT_EQ(StreamBound(TimelineSource::kInteraction, at_event).second,
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(StreamBound(TimelineSource::kEvent, at_event), std::pair(Instant{10}, std::int64_t{5}));
}

// Pages walked with the cursor, each source read as the store reads it (its items strictly
// before the bound, newest first, limit + 1 of them), give every item exactly once, in
// order — with many items sharing an instant.
TEST(TimelineOrder, PagingVisitsEveryItemOnceInOrderAcrossTies) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<int> count(0, 40), instant(0, 6);
    std::vector<TimelineEntry> interactions, events;
    const int n_interactions = count(random), n_events = count(random);
    for (int i = 1; i <= n_interactions; ++i) interactions.push_back(InteractionAt(instant(random), i));
    for (int i = 1; i <= n_events; ++i) events.push_back(EventAt(instant(random), i));
    std::vector<TimelinePosition> want;
    for (const auto* list : {&interactions, &events}) {
      for (const auto& e : *list) want.push_back(e.position);
    }
    std::sort(want.rbegin(), want.rend());

    auto read = [](const std::vector<TimelineEntry>& all, TimelineSource source,
                   const std::optional<TimelinePosition>& cursor, std::size_t limit) {
      std::vector<TimelineEntry> out;
      for (const auto& e : all) {
        if (cursor) {
          auto bound = StreamBound(source, *cursor);
          if (std::pair(e.position.at, e.position.id) >= bound) continue;
        }
        out.push_back(e);
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.position > b.position; });
      if (out.size() > limit + 1) out.resize(limit + 1);
      return out;
    };
    const std::size_t limit = 1 + round % 7;
    std::vector<TimelinePosition> got;
    std::optional<TimelinePosition> cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = MergeNewestFirst(read(interactions, TimelineSource::kInteraction, cursor, limit),
                                   read(events, TimelineSource::kEvent, cursor, limit), limit);
      for (const auto& e : page.entries) got.push_back(e.position);
      if (!page.next) break;
      // Through the text the client sends back.
      cursor = ParseTimelineCursor(FormatTimelineCursor(*page.next));
      ASSERT_TRUE(cursor);
    }
    ASSERT_EQ(got, want) << "round " << round << ", limit " << limit;
  }
}

TEST(TimelineParams, DefaultsAndEveryBadParameterNamed) {
  auto defaults = ParseTimelineParams({});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->limit, 50);
  EXPECT_FALSE(defaults->cursor);
  EXPECT_FALSE(defaults->kinds);

  auto given = ParseTimelineParams({{"limit", "200"}, {"cursor", "5i3"}, {"kinds", "interaction,case"}});
  ASSERT_TRUE(given);
  EXPECT_EQ(given->limit, 200);
  EXPECT_EQ(given->cursor, (TimelinePosition{Instant{5}, TimelineSource::kInteraction, 3}));
  EXPECT_EQ(*given->kinds, (std::set<std::string, std::less<>>{"case", "interaction"}));

  auto bad = ParseTimelineParams(
      {{"limit", "201"}, {"cursor", "nope"}, {"kinds", "case,,"}, {"colour", "red"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  std::set<std::string> named;
  for (const auto& f : bad.error().fields) named.insert(f.field);
  EXPECT_EQ(named, (std::set<std::string>{"limit", "cursor", "kinds", "colour"}));
  EXPECT_FALSE(ParseTimelineParams({{"limit", "0"}}));
  EXPECT_FALSE(ParseTimelineParams({{"limit", "10"}, {"limit", "20"}}));
}

TEST(TimelineSummary, Interactions) {
  Interaction call;
  call.channel = domain::Channel::kPhone;
  call.direction = domain::Direction::kInbound;
  call.outcome = domain::Outcome::kAnswered;
  call.answered_at = Instant{15'000};
  call.ended_at = Instant{300'000};
  call.subject = "Line down";
  EXPECT_EQ(InteractionSummary(call), "Inbound call, answered (4m 45s): Line down");

  Interaction email;
  email.channel = domain::Channel::kEmail;
  email.direction = domain::Direction::kOutbound;
  email.outcome = domain::Outcome::kSent;
  EXPECT_EQ(InteractionSummary(email), "Outbound email, sent");

  Interaction note;
  note.kind = domain::InteractionKind::kNote;
  note.subject = std::string(150, 'x');
  EXPECT_EQ(InteractionSummary(note), "Note: " + std::string(100, 'x') + "…");
}

TEST(TimelineSummary, KnownEventsReadablyAndUnknownOnesGenerically) {
  auto summary = [](std::string entity, std::string action, std::string change,
                    std::string_view subject = "") {
    Event e{7, Instant{0}, 1, std::move(entity), 12, std::move(action), change, 3};
    return EventSummary(e, boost::json::parse(change), subject);
  };
  EXPECT_EQ(summary("case", "created", R"({"subject":"Line down"})"), "Case #12 \"Line down\" opened");
  EXPECT_EQ(summary("case", "status_changed", R"({"from":"open","to":"pending_customer"})", "Line"),
            "Case #12 \"Line\": open → pending customer");
  EXPECT_EQ(summary("case", "sla_breached", R"({"metric":"first_response"})"),
            "Case #12: first response SLA breached");
  EXPECT_EQ(summary("case", "updated", R"({"patch":{"priority":"high"}})"),
            "Case #12 updated: priority");
  EXPECT_EQ(summary("agreement", "created",
                    R"({"kind":"customer","start_date":"2025-01-01","end_date":"2026-12-31"})"),
            "Customer agreement #12 created: 2025-01-01 to 2026-12-31");
  EXPECT_EQ(summary("account", "updated", R"({"patch":{"segment":"key","priority":"high"}})"),
            "Account updated: segment, priority");
  EXPECT_EQ(summary("person", "created", R"({"name":"Ann Lee","role":"decision_maker"})"),
            "Person added: Ann Lee (decision maker)");
  EXPECT_EQ(summary("escalation", "stage_changed", R"({"from":"planning","to":"executing"})"),
            "Escalation #12 stage changed: planning → executing");
  EXPECT_EQ(summary("signal", "raised", R"({"rule":"repeat_contact"})"), "Signal #12 raised");
}

}  // namespace
}  // namespace rapport::app
