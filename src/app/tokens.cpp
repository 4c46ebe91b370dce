#include "app/tokens.hpp"

#include <future>

#include "domain/json_codec.hpp"

namespace rapport::app {

Result<FoundUser> FindOrCreateUser(Ledger& ledger, store::Store& store, const std::string& email,
                                   const std::optional<std::string>& create_name, Role role,
                                   std::optional<Id> vendor_id) {
  const Principal system{kSystemUserId, Role::kAdmin, std::nullopt};
  FoundUser out;
  auto found = store.Read([&](store::Session& s) -> Result<void> {
    auto id = s.FindId("users", {"email"}, {email});
    if (!id) return std::unexpected(id.error());
    out.user_id = id->value_or(0);
    return {};
  });
  if (!found) return std::unexpected(found.error());
  if (out.user_id != 0) return out;
  if (!create_name) {
    return Fail(ErrorCode::kNotFound,
                "no user has the email " + email + " (pass --create with --name and --role)");
  }
  json::object body{{"name", *create_name},
                    {"email", email},
                    {"role", domain::Name(role)},
                    {"is_agent", role == Role::kAgent || role == Role::kVendorAgent}};
  if (vendor_id) body["vendor_id"] = *vendor_id;
  std::promise<Result<Record>> created;
  ledger.Find("users")->Create(system, body,
                               [&](Result<Record> r) { created.set_value(std::move(r)); });
  auto user = created.get_future().get();
  if (!user) return std::unexpected(user.error());
  out.user_id = user->id;
  out.created = true;
  return out;
}

Result<GrantedToken> GrantToken(Ledger& ledger, store::Store& store, const TokenGrant& grant) {
  GrantedToken granted;
  auto user = FindOrCreateUser(ledger, store, grant.email, grant.create_name, grant.create_role,
                               grant.create_vendor_id);
  if (!user) return std::unexpected(user.error());
  granted.user_id = user->user_id;
  granted.user_created = user->created;
  granted.token = NewToken();
  auto stored = store.WriteAndWait([&](store::Session& s) -> Result<void> {
    Instant now = Now();
    if (auto r = s.InsertToken(granted.user_id, HashToken(granted.token), grant.label, now); !r) {
      return std::unexpected(r.error());
    }
    domain::Event event{0,
                        now,
                        kSystemUserId,
                        "user",
                        granted.user_id,
                        "token_created",
                        json::serialize(json::object{{"label", grant.label}}),
                        std::nullopt};
    return s.AppendEvent(event);
  });
  if (!stored) return std::unexpected(stored.error());
  return granted;
}

}  // namespace rapport::app
