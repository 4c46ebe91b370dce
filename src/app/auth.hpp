// Who is calling: API tokens (random 256-bit values, stored only as SHA-256) and the
// principal they resolve to. Threads: every function here is safe to call concurrently.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.hpp"
#include "domain/entities.hpp"
#include "store/store.hpp"

namespace rapport::app {

using domain::Id;
using domain::Role;

struct Principal {
  Id user_id = 0;
  Role role = Role::kViewer;
  std::optional<Id> vendor_id;  // set for, and only for, vendor_agent

  bool IsVendorAgent() const { return role == Role::kVendorAgent; }
};

// A new token: 32 random bytes from libsodium as 64 lowercase hex digits.
std::string NewToken();

// The SHA-256 of a token as 64 lowercase hex digits: what the store keeps.
std::string HashToken(std::string_view token);

// Resolves bearer tokens to principals, remembering answers so that a request costs a
// hash and a map lookup rather than a store read. Any committed change to users or
// tokens forgets everything; a generation counter keeps an answer read before such a
// change from being remembered after it.
// Threads: safe to call concurrently.
class Authenticator {
 public:
  explicit Authenticator(store::Store& store) : store_(store) {}

  // The active user owning `token`; kUnauthenticated when unknown or the user is inactive.
  Result<Principal> Authenticate(std::string_view token);

  // The active user of the sign-in session whose cookie value is `token`
  // (app/sessions.hpp); kUnauthenticated when unknown, expired, ended or the user inactive.
  Result<Principal> AuthenticateSession(std::string_view token);

  // Called after each commit with its events.
  void OnCommitted(const store::CommittedBatch& batch);

 private:
  store::Store& store_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Principal> known_;  // token hash → principal; guarded by mu_
  // session hash → principal and expiry; guarded by mu_
  std::unordered_map<std::string, std::pair<Principal, Instant>> sessions_;
  std::uint64_t generation_ = 0;                      // guarded by mu_
};

}  // namespace rapport::app
