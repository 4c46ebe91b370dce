#include "app/sessions.hpp"

#include <gtest/gtest.h>

#include <future>

#include "app/ledger.hpp"
#include "app/store_test_fixture.hpp"
#include "app/tokens.hpp"

namespace rapport::app {
namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

class SessionsTest : public StoreTest {
 protected:

  SignedIn SignIn(Sessions& sessions) {
    std::promise<Result<SignedIn>> done;
    sessions.SignIn(kEmail, kPassword, [&](Result<SignedIn> r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : SignedIn{};
  }

  std::optional<StoredSession> Find(const std::string& token) {
    std::optional<StoredSession> found;
    EXPECT_TRUE(store_->Read([&](store::Session& s) -> Result<void> {
      auto r = FindSession(s, HashToken(token));
      if (!r) return std::unexpected(r.error());
      found = *r;
      return {};
    }));
    return found;
  }

  static constexpr const char* kEmail = "ada@example.com";
  static constexpr const char* kPassword = "a password of length";
};

// Sessions a day past their expiry are deleted by the periodic job; younger ones stay.
TEST_F(SessionsTest, ExpiredSessionsArePurgedADayAfterTheyExpire) {
  Ledger ledger(*store_);
  ASSERT_TRUE(GrantToken(ledger, *store_, {kEmail, "test", "Ada", Role::kAgent, std::nullopt}));
  ASSERT_TRUE(SetPassword(*store_, kEmail, kPassword));
  Sessions sessions(*store_, {.lifetime = std::chrono::hours(1)});
  const SignedIn first = SignIn(sessions);
  const SignedIn second = SignIn(sessions);
  ASSERT_TRUE(Find(first.token) && Find(second.token));

  auto none = PurgeExpiredSessions(*store_, Instant{first.expires_at.ms + kDayMs - 60'000});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  EXPECT_TRUE(Find(first.token));

  auto both = PurgeExpiredSessions(*store_, Instant{second.expires_at.ms + kDayMs + 1});
  ASSERT_TRUE(both);
  EXPECT_EQ(*both, 2);
  EXPECT_FALSE(Find(first.token));
  EXPECT_FALSE(Find(second.token));
}

}  // namespace
}  // namespace rapport::app
