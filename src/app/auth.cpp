#include "app/auth.hpp"

#include <sodium.h>

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
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size());
  return Hex(digest, sizeof digest);
}

Result<Principal> Authenticate(store::Store& store, std::string_view token) {
  if (token.empty()) return Fail(ErrorCode::kUnauthenticated, "a bearer token is required");
  std::string hash = HashToken(token);
  std::optional<domain::User> user;
  auto read = store.Read([&](store::Session& s) -> Result<void> {
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
  return Principal{user->meta.id, user->role, user->vendor_id};
}

}  // namespace rapport::app
