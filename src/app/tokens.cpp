#include "app/tokens.hpp"

#include <future>

#include "domain/json_codec.hpp"

namespace rapport::app {

Result<GrantedToken> GrantToken(Ledger& ledger, store::Store& store, const TokenGrant& grant) {
  const Principal system{kSystemUserId, Role::kAdmin, std::nullopt};
  GrantedToken granted;
  auto found = store.Read([&](store::Session& s) -> Result<void> {
    auto id = s.FindId("users", {"email"}, {grant.email});
    if (!id) return std::unexpected(id.error());
    granted.user_id = id->value_or(0);
    return {};
  });
  if (!found) return std::unexpected(found.error());
  if (granted.user_id == 0) {
    if (!grant.create_name) {
      return Fail(ErrorCode::kNotFound, "no user has the email " + grant.email +
                                            " (pass --create with --name and --role)");
    }
    json::object body{
        {"name", *grant.create_name},
        {"email", grant.email},
        {"role", domain::Name(grant.create_role)},
        {"is_agent", grant.create_role == Role::kAgent || grant.create_role == Role::kVendorAgent}};
    if (grant.create_vendor_id) body["vendor_id"] = *grant.create_vendor_id;
    std::promise<Result<Record>> created;
    ledger.Find("users")->Create(system, body,
                                 [&](Result<Record> r) { created.set_value(std::move(r)); });
    auto user = created.get_future().get();
    if (!user) return std::unexpected(user.error());
    granted.user_id = user->body.as_object().at("id").as_int64();
    granted.user_created = true;
  }
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
