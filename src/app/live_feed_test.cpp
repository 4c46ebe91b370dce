#include "app/live_feed.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "app/application.hpp"
#include "app/store_test_fixture.hpp"

namespace rapport::app {
namespace {

using domain::Id;
namespace json = boost::json;

const Principal kAdmin{kSystemUserId, domain::Role::kAdmin, std::nullopt};

class LiveFeedTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    app_ = std::make_unique<Application>(*store_);
    ASSERT_TRUE(app_->LoadProjections());
  }
  void TearDown() override {
    app_.reset();
    StoreTest::TearDown();
  }

  // Creates a record through the ledger, as POST does, and waits for it.
  Id Create(std::string_view collection, json::object body) {
    std::promise<Result<Record>> done;
    app_->ledger().Find(collection)->Create(kAdmin, std::move(body), [&](Result<Record> r) {
      done.set_value(std::move(r));
    });
    auto result = done.get_future().get();
    std::string why;
    if (!result) {
      why = result.error().message;
      for (const auto& f : result.error().fields) why += "; " + f.field + ": " + f.message;
    }
    EXPECT_TRUE(result) << collection << ": " << why;
    return result ? result->id : 0;
  }

  // `count` events on the system user, in one write, each with `change`.
  void AppendEvents(int count, const std::string& change = "{}") {
    auto written = store_->WriteAndWait([&](store::Session& s) -> Result<void> {
      for (int i = 0; i < count; ++i) {
        domain::Event event{0,         Now(),  kSystemUserId, "user", kSystemUserId,
                            "touched", change, std::nullopt};
        if (auto r = s.AppendEvent(event); !r) return r;
      }
      return {};
    });
    ASSERT_TRUE(written) << written.error().message;
  }

  std::int64_t LastSequence() {
    std::int64_t last = 0;
    auto read = store_->Read([&](store::Session& s) -> Result<void> {
      auto got = s.LastEventSequence();
      if (!got) return std::unexpected(got.error());
      last = *got;
      return {};
    });
    EXPECT_TRUE(read);
    return last;
  }

  // Every step until the follower has nothing more: the items' sequences.
  static std::vector<std::int64_t> Drain(LiveFeed::Follower& follower) {
    std::vector<std::int64_t> out;
    for (;;) {
      auto step = follower.Next();
      EXPECT_TRUE(step) << step.error().message;
      if (!step) return out;
      for (const auto& item : step->items) out.push_back(item.sequence);
      if (!step->more) return out;
    }
  }

  std::unique_ptr<Application> app_;
};

TEST_F(LiveFeedTest, AFollowerIsWokenAndReadsEachCommittedEventOnceInOrder) {
  AppendEvents(2);
  auto follower = app_->live().Follow(kAdmin, true, std::nullopt);
  ASSERT_TRUE(follower);
  std::atomic<int> wakes{0};
  (*follower)->WakeOnCommit([&] { ++wakes; });
  EXPECT_TRUE(Drain(**follower).empty());  // from now: nothing yet

  const std::int64_t before = LastSequence();
  AppendEvents(3);
  EXPECT_EQ(wakes.load(), 1);
  EXPECT_EQ(Drain(**follower), (std::vector<std::int64_t>{before + 1, before + 2, before + 3}));
  EXPECT_EQ((*follower)->position(), before + 3);
  EXPECT_TRUE(Drain(**follower).empty());

  // Whole events: as GET /api/v1/events answers them.
  AppendEvents(1);
  auto step = (*follower)->Next();
  ASSERT_TRUE(step);
  ASSERT_EQ(step->items.size(), 1u);
  auto item = json::parse(step->items[0].json).as_object();
  EXPECT_EQ(item.at("action").as_string(), "touched");
  EXPECT_TRUE(item.contains("change"));
  EXPECT_TRUE(item.contains("actor_id"));
}

// A follower resuming behind the window reads the log itself, a page at a time; further
// behind than kMaxReplay, or ahead of the log, it starts at the end and is told to reset.
TEST_F(LiveFeedTest, ResumesFromTheStoreBehindTheWindowAndResetsBeyondTheReplayLimit) {
  const std::int64_t start = LastSequence();
  AppendEvents(static_cast<int>(kLiveWindow) + 600);
  auto follower = app_->live().Follow(kAdmin, true, start);
  ASSERT_TRUE(follower);
  auto first = (*follower)->Next();
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->reset);
  EXPECT_EQ(first->items.size(), kLiveReadBatch);
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->items.front().sequence, start + 1);
  auto rest = Drain(**follower);
  ASSERT_EQ(rest.size(), kLiveWindow + 600 - kLiveReadBatch);
  EXPECT_EQ(rest.front(), start + 1 + static_cast<std::int64_t>(kLiveReadBatch));
  EXPECT_EQ(rest.back(), LastSequence());

  // Resumed from `after`: told to reset at the log's end, then told of what follows.
  auto resets = [&](std::int64_t after) {
    auto late = app_->live().Follow(kAdmin, true, after);
    ASSERT_TRUE(late);
    auto step = (*late)->Next();
    ASSERT_TRUE(step);
    ASSERT_TRUE(step->reset) << after;
    EXPECT_EQ(*step->reset, LastSequence());
    EXPECT_TRUE(step->items.empty());
    AppendEvents(1);
    auto next = (*late)->Next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->reset);
    ASSERT_EQ(next->items.size(), 1u);
    EXPECT_EQ(next->items[0].sequence, LastSequence());
  };
  resets(LastSequence() + 5);  // ahead of the log (a store restored from a backup)
  AppendEvents(static_cast<int>(kMaxReplay));
  resets(start);  // further behind than kMaxReplay
}

// The window keeps about kLiveWindowBytes of changes: large events leave it sooner, and a
// follower behind them reads them from the log.
TEST_F(LiveFeedTest, LargeEventsLeaveTheWindowAndAreReadFromTheLog) {
  const std::int64_t start = LastSequence();
  const std::string big = "\"" + std::string(1 << 20, 'x') + "\"";
  AppendEvents(24, big);
  auto follower = app_->live().Follow(kAdmin, true, start);
  ASSERT_TRUE(follower);
  auto got = Drain(**follower);
  ASSERT_EQ(got.size(), 24u);
  EXPECT_EQ(got.front(), start + 1);
  EXPECT_EQ(got.back(), LastSequence());
}

// Callers who may not read the event log are told of what the customer 360 shows them, as
// notices; a vendor agent not of another vendor's case.
TEST_F(LiveFeedTest, OthersGetNoticesOfWhatTheyMaySee) {
  const Id vendor_a = Create("vendors", {{"name", "Alpha"}});
  const Id vendor_b = Create("vendors", {{"name", "Beta"}});
  const Id queue_a =
      Create("queues", {{"name", "A"}, {"channel", "phone"}, {"vendor_id", vendor_a}});
  const Id queue_b =
      Create("queues", {{"name", "B"}, {"channel", "email"}, {"vendor_id", vendor_b}});
  const Id account = Create("accounts", {{"name", "Globex"}, {"segment", "key"}});
  const Principal agent{kSystemUserId, domain::Role::kAgent, std::nullopt};
  const Principal vendor_agent{kSystemUserId, domain::Role::kVendorAgent, vendor_a};
  auto for_agent = app_->live().Follow(agent, false, std::nullopt);
  auto for_vendor = app_->live().Follow(vendor_agent, false, std::nullopt);
  ASSERT_TRUE(for_agent && for_vendor);

  const Id case_b =
      Create("cases", {{"account_id", account}, {"subject", "B"}, {"queue_id", queue_b}});
  const Id case_a =
      Create("cases", {{"account_id", account}, {"subject", "A"}, {"queue_id", queue_a}});
  Create("interactions", {{"channel", "email"},
                          {"direction", "inbound"},
                          {"queue_id", queue_b},
                          {"case_id", case_b},
                          {"arrived_at", "2025-03-04T10:00:00Z"},
                          {"body", "secret"}});
  Create("vendors", {{"name", "Gamma"}});  // names no account: for the log's readers only

  auto told = [](LiveFeed::Follower& follower) {
    std::vector<std::pair<std::string, Id>> out;
    for (;;) {
      auto step = follower.Next();
      EXPECT_TRUE(step);
      if (!step) return out;
      for (const auto& item : step->items) {
        auto notice = json::parse(item.json).as_object();
        EXPECT_FALSE(notice.contains("change"));
        EXPECT_FALSE(notice.contains("actor_id"));
        out.emplace_back(notice.at("entity").as_string(), notice.at("entity_id").as_int64());
      }
      if (!step->more) return out;
    }
  };
  using Told = std::vector<std::pair<std::string, Id>>;
  const Told agent_seen = told(**for_agent);
  ASSERT_EQ(agent_seen.size(), 3u);
  EXPECT_EQ(agent_seen[0], (std::pair<std::string, Id>{"case", case_b}));
  EXPECT_EQ(agent_seen[1], (std::pair<std::string, Id>{"case", case_a}));
  EXPECT_EQ(agent_seen[2].first, "interaction");
  // The vendor agent: its own vendor's case and every interaction (a summary), not vendor
  // B's case.
  const Told vendor_seen = told(**for_vendor);
  ASSERT_EQ(vendor_seen.size(), 2u);
  EXPECT_EQ(vendor_seen[0], (std::pair<std::string, Id>{"case", case_a}));
  EXPECT_EQ(vendor_seen[1].first, "interaction");
}

}  // namespace
}  // namespace rapport::app
