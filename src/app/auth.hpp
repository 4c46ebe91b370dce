// Who is calling: API tokens (random 256-bit values, stored only as SHA-256) and the
// principal they resolve to. Threads: every function here is safe to call concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

// The active user owning `token`; kUnauthenticated when unknown or the user is inactive.
Result<Principal> Authenticate(store::Store& store, std::string_view token);

}  // namespace rapport::app
