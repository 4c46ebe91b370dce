#include "app/record_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rapport::app {
namespace {

TEST(RecordCache, RemembersUntilForgotten) {
  RecordCache<std::string> cache(10);
  cache.Remember(7, std::make_shared<const std::string>("seven"), cache.generation());
  ASSERT_NE(cache.Find(7), nullptr);
  EXPECT_EQ(*cache.Find(7), "seven");
  cache.Forget(7);
  EXPECT_EQ(cache.Find(7), nullptr);
}

// A copy read before a change was committed must not be remembered after the change
// was announced, or readers would see the old record until it happened to be evicted.
TEST(RecordCache, RefusesACopyReadBeforeAChange) {
  RecordCache<std::string> cache(10);
  auto read_at = cache.generation();
  cache.Forget(7);  // a change to record 7 commits while the old copy is being read
  cache.Remember(7, std::make_shared<const std::string>("stale"), read_at);
  EXPECT_EQ(cache.Find(7), nullptr);
}

TEST(RecordCache, StaysWithinItsCapacity) {
  RecordCache<std::string> cache(3);
  for (domain::Id id = 1; id <= 4; ++id) {
    cache.Remember(id, std::make_shared<const std::string>(std::to_string(id)), cache.generation());
  }
  int remembered = 0;
  for (domain::Id id = 1; id <= 4; ++id) remembered += cache.Find(id) != nullptr;
  EXPECT_LE(remembered, 3);
  EXPECT_NE(cache.Find(4), nullptr);  // the newest is always kept
}

}  // namespace
}  // namespace rapport::app
