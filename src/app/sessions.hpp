// Signing in to the web workspace: passwords (Argon2id through libsodium's crypto_pwhash_str,
// computed when a password is set and checked only at sign-in, never per request) and
// sign-in sessions. A session is a random 256-bit value carried in a cookie and stored,
// like an API token, only as its SHA-256, with an expiry and the instant it was ended.
// Its CSRF token is derived from the value (a keyed hash the browser's script can be told
// but cannot compute), so nothing more is stored for it.
// Threads: every function here is safe to call concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "app/auth.hpp"
#include "store/store.hpp"

namespace rapport::app {

// The Argon2id string of `password` (libsodium's interactive limits: ~64 MiB, ~0.1 s).
// kInvalid when the password is shorter than kMinPasswordLength bytes.
inline constexpr std::size_t kMinPasswordLength = 10;
Result<std::string> HashPassword(std::string_view password);

// Sets or replaces the password of the user with `email` (the command line's
// `rapport user create` / `user password`); records a "password_set" event.
Result<void> SetPassword(store::Store& store, std::string_view email, std::string_view password);

// The CSRF token of a session: what the workspace sends back in X-CSRF-Token on writes.
std::string CsrfTokenFor(std::string_view session_token);

// Whether `csrf` is the CSRF token of `session_token` (constant time).
bool CsrfTokenMatches(std::string_view session_token, std::string_view csrf);

// Deletes the sessions that expired more than a day before `now` (an ended session expires
// too); they can no longer sign anyone in, and the events of signing in and out stay.
// Answers how many. The periodic job "sessions" of serve.
Result<std::int64_t> PurgeExpiredSessions(store::Store& store, Instant now);

// A stored session, found by the SHA-256 of its value.
struct StoredSession {
  Id id = 0;
  Id user_id = 0;
  Instant expires_at;
  std::optional<Instant> ended_at;
};
Result<std::optional<StoredSession>> FindSession(store::Session& session,
                                                 const std::string& sha256);

struct SessionOptions {
  std::chrono::seconds lifetime = std::chrono::hours(12);
  // Consecutive failed sign-ins for one email before each further attempt must wait:
  // 1 s, doubling per failure, up to max_delay. Unknown emails count like known ones.
  int free_failures = 5;
  std::chrono::seconds max_delay = std::chrono::minutes(5);
};

struct SignedIn {
  std::string token;  // the cookie's value, returned once and never stored
  std::string csrf_token;
  Principal who;
  Instant expires_at;
};

// Sign-in and sign-out.
class Sessions {
 public:
  explicit Sessions(store::Store& store, SessionOptions options = {});

  const SessionOptions& options() const { return options_; }

  // Seconds to wait before `email` may try again, when repeated failures throttle it.
  std::optional<std::int64_t> RetryAfter(std::string_view email);

  // Checks the password and, when it is right, opens a session (written through the
  // store, with a "signed_in" event on the user); `done` runs once, on the store's answer
  // thread or at once. Unknown email, inactive user, user without a password and wrong password
  // all answer the same kUnauthenticated after the same Argon2id work.
  void SignIn(std::string_view email, std::string_view password,
              std::function<void(Result<SignedIn>)> done);

  // Ends the session whose value is `token` (nothing when unknown or already ended).
  void SignOut(std::string_view token, std::function<void(Result<void>)> done);

 private:
  void CountFailure(const std::string& email);
  void ClearFailures(const std::string& email);

  store::Store& store_;
  SessionOptions options_;
  std::string dummy_hash_;  // verified against when there is no real hash: equal timing

  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Failures> failures_;  // by lowercased email; guarded by mu_
};

}  // namespace rapport::app
