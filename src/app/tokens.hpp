// Granting API tokens from the command line (`rapport token create`): finds the user by
// email — creating it when asked, through the same validation as the API — stores the
// token's SHA-256 and records the grant in the event log. The token itself is returned
// once and never stored.
#pragma once

#include <optional>
#include <string>

#include "app/ledger.hpp"

namespace rapport::app {

struct TokenGrant {
  std::string email;
  std::string label = "cli";
  // When set and no user has `email`, one is created with these.
  std::optional<std::string> create_name;
  Role create_role = Role::kAgent;
  std::optional<Id> create_vendor_id;
};

struct GrantedToken {
  Id user_id = 0;
  std::string token;
  bool user_created = false;
};

struct FoundUser {
  Id user_id = 0;
  bool created = false;
};

// The user with `email`; when there is none and `create_name` is set, one is created
// through the ledger (the API's validation) with that name, `role` and `vendor_id`.
Result<FoundUser> FindOrCreateUser(Ledger& ledger, store::Store& store, const std::string& email,
                                   const std::optional<std::string>& create_name, Role role,
                                   std::optional<Id> vendor_id);

Result<GrantedToken> GrantToken(Ledger& ledger, store::Store& store, const TokenGrant& grant);

}  // namespace rapport::app
