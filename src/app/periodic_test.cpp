#include "app/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace rapport::app {
namespace {

using namespace std::chrono_literals;

// Waits up to 30 s for `done`: the jobs run on another thread.
template <class Pred>
bool Eventually(Pred done) {
  for (int i = 0; i < 3000 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

TEST(PeriodicJobsTest, RunsEachJobAtStartAndThenEveryInterval) {
  std::atomic<int> fast = 0, slow = 0;
  PeriodicJobs jobs;
  jobs.Add("fast", 5ms, [&](Instant) { ++fast; });
  jobs.Add("slow", 1h, [&](Instant) { ++slow; });
  jobs.Start();
  EXPECT_TRUE(Eventually([&] { return fast >= 3; }));
  jobs.Stop();
  EXPECT_EQ(slow, 1);  // once at start, not again within the hour
  const int after_stop = fast;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(fast, after_stop);
}

TEST(PeriodicJobsTest, PassesTheCurrentInstantAndSurvivesAThrowingJob) {
  std::atomic<int> runs = 0;
  std::atomic<std::int64_t> seen = 0;
  PeriodicJobs jobs;
  jobs.Add("throws", 5ms, [&](Instant now) {
    seen = now.ms;
    if (++runs == 1) throw std::runtime_error("boom");
  });
  const Instant before = Now();
  jobs.Start();
  EXPECT_TRUE(Eventually([&] { return runs >= 2; }));
  jobs.Stop();
  EXPECT_GE(seen, before.ms);
}

TEST(PeriodicJobsTest, StopWithoutStartAndWithoutJobsIsHarmless) {
  PeriodicJobs none;
  none.Start();
  none.Stop();
  PeriodicJobs never_started;
  never_started.Add("x", 1ms, [](Instant) {});
  never_started.Stop();
}

}  // namespace
}  // namespace rapport::app
