#include "app/auth.hpp"

#include <sodium.h>

#include "app/sessions.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {
std::string Hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};
}  // namespace

std::string NewToken() {
  static SodiumInit init;
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return Hex(bytes, sizeof bytes);
}

std::string HashToken(std::string_view token) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return Hex(digest, sizeof digest);
}

Result<Principal> Authenticator::Authenticate(std::string_view token) {
  if (token.empty()) return Fail(ErrorCode::kUnauthenticated, "a bearer token is required");
  std::string hash = HashToken(token);
  std::uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    if (auto it = known_.find(hash); it != known_.end()) return it->second;
    generation = generation_;
  }
  std::optional<domain::User> user;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto id = s.UserIdForToken(hash);
    if (!id) return std::unexpected(id.error());
    if (!*id) return {};
    auto found = store::Get<domain::User>(s, **id);
    if (!found) return std::unexpected(found.error());
    user = std::move(*found);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  if (!user || !user->active) return Fail(ErrorCode::kUnauthenticated, "unknown token");
  Principal principal{user->meta.id, user->role, user->vendor_id};
  std::unique_lock lock(mu_);
  if (generation == generation_) known_.emplace(std::move(hash), principal);
  return principal;
}

Result<Principal> Authenticator::AuthenticateSession(std::string_view token) {
  if (token.empty()) return Fail(ErrorCode::kUnauthenticated, "no session");
  std::string hash = HashToken(token);
  Instant now = Now();
  std::uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    if (auto it = sessions_.find(hash); it != sessions_.end()) {
      if (now < it->second.second) return it->second.first;
      return Fail(ErrorCode::kUnauthenticated, "the session has expired; sign in again");
    }
    generation = generation_;
  }
  std::optional<StoredSession> stored;
  std::optional<domain::User> user;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto found = FindSession(s, hash);
    if (!found) return std::unexpected(found.error());
    stored = *found;
    if (!stored) return {};
    auto u = store::Get<domain::User>(s, stored->user_id);
    if (!u) return std::unexpected(u.error());
    user = std::move(*u);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  if (!stored || stored->ended_at || !user || !user->active) {
    return Fail(ErrorCode::kUnauthenticated, "no such session; sign in again");
  }
  if (!(now < stored->expires_at)) {
    return Fail(ErrorCode::kUnauthenticated, "the session has expired; sign in again");
  }
  Principal principal{user->meta.id, user->role, user->vendor_id};
  std::unique_lock lock(mu_);
  if (generation == generation_) sessions_.emplace(std::move(hash), std::pair{principal, stored->expires_at});
  return principal;
}

void Authenticator::OnCommitted(const store::CommittedBatch& batch) {
  for (const auto& event : batch.events) {
    if (event.entity == "user") {
      std::unique_lock lock(mu_);
      known_.clear();
      sessions_.clear();
      ++generation_;
      return;
    }
  }
}

}  // namespace rapport::app
