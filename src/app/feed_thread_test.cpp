#include "app/feed_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

namespace rapport::app {
namespace {

// What a few batches changed: the ids they name, in the order noted.
struct Ids {
  std::vector<int> ids;
  void Merge(Ids other) { ids.insert(ids.end(), other.ids.begin(), other.ids.end()); }
};

// A take that waits until the test opens it, recording what each call got.
class Gate {
 public:
  void Take(Ids noted) {
    {
      std::lock_guard lock(mutex_);
      takes_.push_back(std::move(noted.ids));
    }
    opened_.wait();
  }
  void Open() { gate_.set_value(); }
  std::vector<std::vector<int>> takes() {
    std::lock_guard lock(mutex_);
    return takes_;
  }

 private:
  std::promise<void> gate_;
  std::shared_future<void> opened_ = gate_.get_future().share();
  std::mutex mutex_;
  std::vector<std::vector<int>> takes_;
};

TEST(FeedThread, NotesArrivingWhileItWorksAreTakenTogetherAndCatchUpWaitsForThem) {
  Gate gate;
  FeedThread<Ids> feed("test-feed", [&](Ids noted) { gate.Take(std::move(noted)); });
  feed.Note(1, {{10}});
  // The first take is under way (and held): what comes meanwhile waits for the next.
  while (gate.takes().empty()) std::this_thread::yield();
  feed.Note(2, {{20}});
  feed.Note(3, {{30, 31}});
  EXPECT_EQ(feed.lag(), 3);
  EXPECT_FALSE(feed.CatchUp(std::chrono::milliseconds(20)));  // held: it gives up
  gate.Open();
  EXPECT_TRUE(feed.CatchUp(std::chrono::seconds(10)));
  EXPECT_EQ(feed.lag(), 0);
  EXPECT_EQ(gate.takes(), (std::vector<std::vector<int>>{{10}, {20, 30, 31}}));
}

TEST(FeedThread, StoppingTakesWhatWasNotedFirst) {
  std::vector<int> taken;
  {
    std::promise<void> hold;
    std::shared_future<void> held = hold.get_future().share();
    std::atomic<bool> started = false;
    FeedThread<Ids> feed("test-feed", [&](Ids noted) {
      started = true;
      held.wait();
      taken.insert(taken.end(), noted.ids.begin(), noted.ids.end());
    });
    feed.Note(1, {{1}});
    while (!started) std::this_thread::yield();
    feed.Note(2, {{2}});
    hold.set_value();
    feed.Stop();
    EXPECT_TRUE(feed.CatchUp(std::chrono::milliseconds(1)));  // stopped: nothing to wait for
  }
  EXPECT_EQ(taken, (std::vector<int>{1, 2}));
}

TEST(FeedThread, NothingNotedIsCaughtUpAtOnce) {
  FeedThread<Ids> feed("test-feed", [](Ids) { FAIL() << "nothing was noted"; });
  EXPECT_TRUE(feed.CatchUp(std::chrono::milliseconds(0)));
  EXPECT_EQ(feed.lag(), 0);
}

}  // namespace
}  // namespace rapport::app
