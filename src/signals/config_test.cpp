#include "signals/config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace rapport::signals {
namespace {

TEST(SignalConfigTest, KeysOverrideTheirDefaultsAndLeaveTheRest) {
  auto config = ConfigFromJson(boost::json::parse(
      R"({"repeat_min_contacts": 4, "key_segments": ["enterprise"], "long_time_customer_years": 0})"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->repeat_min_contacts, 4);
  EXPECT_EQ(config->key_segments, std::vector<std::string>{"enterprise"});
  EXPECT_EQ(config->long_time_customer_years, 0);
  EXPECT_EQ(config->repeat_window_days, SignalConfig{}.repeat_window_days);
  EXPECT_EQ(config->policy_phrases, SignalConfig{}.policy_phrases);
}

TEST(SignalConfigTest, NamesEveryUnknownKeyAndBadValue) {
  auto config = ConfigFromJson(boost::json::parse(
      R"({"repeat_window_days": 0, "stranger_days": "sixty", "offer_tags": ["offer", " ", 3],
          "policy_phrases": "our policy", "colour": "red"})"));
  ASSERT_FALSE(config);
  std::map<std::string, std::string> named;
  for (const auto& f : config.error().fields) named[f.field] = f.message;
  EXPECT_EQ(named.size(), 6u);
  EXPECT_TRUE(named.contains("repeat_window_days"));
  EXPECT_TRUE(named.contains("stranger_days"));
  EXPECT_TRUE(named.contains("offer_tags[1]"));
  EXPECT_TRUE(named.contains("offer_tags[2]"));
  EXPECT_EQ(named["policy_phrases"], "must be a list of strings");
  EXPECT_EQ(named["colour"], "is not a signals setting");
  EXPECT_FALSE(ConfigFromJson(boost::json::parse("[1]")));
}

}  // namespace
}  // namespace rapport::signals
