#include "app/sessions.hpp"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "app/ledger.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace {

store::TableSpec MakeSpec(std::string_view table, std::vector<std::string_view> fields) {
  store::TableSpec spec{table, {"id", "version", "created_at", "updated_at"}, {}};
  for (auto field : fields) spec.columns.push_back(field);
  for (auto column : spec.columns) {
    if (!spec.column_list.empty()) spec.column_list += ',';
    spec.column_list += '"' + std::string(column) + '"';
  }
  return spec;
}

const store::TableSpec& PasswordSpec() {
  static const store::TableSpec spec = MakeSpec("passwords", {"user_id", "hash"});
  return spec;
}

const store::TableSpec& SessionSpec() {
  static const store::TableSpec spec =
      MakeSpec("sessions", {"user_id", "hash", "expires_at", "ended_at"});
  return spec;
}

std::int64_t Int(const store::SqlValue& value) { return std::get<std::int64_t>(value); }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

domain::Event UserEvent(Instant at, Id actor, Id user_id, std::string action) {
  return domain::Event{0, at, actor, "user", user_id, std::move(action), "{}", std::nullopt};
}

// The stored Argon2id string of a user's password, if any.
Result<std::optional<std::string>> PasswordHashOf(store::Session& s, Id user_id) {
  auto id = s.FindId("passwords", {"user_id"}, {user_id});
  if (!id) return std::unexpected(id.error());
  if (!*id) return std::optional<std::string>{};
  auto row = s.SelectById(PasswordSpec(), **id);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>{};
  return std::optional<std::string>{std::get<std::string>((**row).at(5))};
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return Fail(ErrorCode::kInvalid, "a password needs at least " +
                                         std::to_string(kMinPasswordLength) + " characters");
  }
  NewToken();  // initialises libsodium once
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Fail(ErrorCode::kInternal, "out of memory while hashing a password");
  }
  return std::string(out);
}

Result<void> SetPassword(store::Store& store, std::string_view email, std::string_view password) {
  auto hash = HashPassword(password);
  if (!hash) return std::unexpected(hash.error());
  const std::string address(email);
  return store.WriteAndWait([&](store::Session& s) -> Result<void> {
    auto user = s.FindId("users", {"email"}, {address});
    if (!user) return std::unexpected(user.error());
    if (!*user) return Fail(ErrorCode::kNotFound, "no user has the email " + address);
    Instant now = Now();
    auto existing = s.FindId("passwords", {"user_id"}, {**user});
    if (!existing) return std::unexpected(existing.error());
    if (*existing) {
      auto row = s.SelectById(PasswordSpec(), **existing);
      if (!row) return std::unexpected(row.error());
      store::Row updated = **row;
      updated[1] = Int(updated[1]) + 1;
      updated[3] = now.ms;
      updated[5] = *hash;
      if (auto r = s.Update(PasswordSpec(), updated); !r) return r;
    } else {
      store::Row row{std::int64_t{0}, std::int64_t{1}, now.ms, now.ms, **user, *hash};
      if (auto r = s.Insert(PasswordSpec(), row); !r) return std::unexpected(r.error());
    }
    auto event = UserEvent(now, kSystemUserId, **user, "password_set");
    return s.AppendEvent(event);
  });
}

std::string CsrfTokenFor(std::string_view session_token) {
  // Domain-separated from HashToken(session_token), which is what the store keeps: the
  // stored hash alone does not give the CSRF token.
  return HashToken("rapport-csrf:" + std::string(session_token));
}

bool CsrfTokenMatches(std::string_view session_token, std::string_view csrf) {
  std::string want = CsrfTokenFor(session_token);
  return csrf.size() == want.size() && sodium_memcmp(want.data(), csrf.data(), want.size()) == 0;
}

Result<std::int64_t> PurgeExpiredSessions(store::Store& store, Instant now) {
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  std::int64_t purged = 0;
  auto r = store.WriteAndWait([&](store::Session& s) -> Result<void> {
    auto deleted = s.Delete(SessionSpec(), {{"expires_at", store::Condition::Op::kLt, now.ms - kDayMs}});
    if (!deleted) return std::unexpected(deleted.error());
    purged = *deleted;
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return purged;
}

Result<std::optional<StoredSession>> FindSession(store::Session& s, const std::string& sha256) {
  auto id = s.FindId("sessions", {"hash"}, {sha256});
  if (!id) return std::unexpected(id.error());
  if (!*id) return std::optional<StoredSession>{};
  auto row = s.SelectById(SessionSpec(), **id);
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<StoredSession>{};
  const auto& r = **row;
  StoredSession out{Int(r[0]), Int(r[4]), Instant{Int(r[6])}, std::nullopt};
  if (!std::holds_alternative<std::monostate>(r[7])) out.ended_at = Instant{Int(r[7])};
  return std::optional<StoredSession>{out};
}

Sessions::Sessions(store::Store& store, SessionOptions options)
    : store_(store), options_(options) {
  // A hash of a random password: verifying against it costs what a real check costs.
  auto dummy = HashPassword(NewToken());
  RAPPORT_CHECK(dummy.has_value());
  dummy_hash_ = std::move(*dummy);
}

std::optional<std::int64_t> Sessions::RetryAfter(std::string_view email) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(Lower(email));
  if (it == failures_.end() || it->second.count < options_.free_failures) return std::nullopt;
  int over = std::min(it->second.count - options_.free_failures, 20);
  auto delay = std::min<std::chrono::seconds>(std::chrono::seconds(std::int64_t{1} << over),
                                              options_.max_delay);
  auto until = it->second.last + delay;
  auto now = std::chrono::steady_clock::now();
  if (now >= until) return std::nullopt;
  return std::chrono::ceil<std::chrono::seconds>(until - now).count();
}

void Sessions::CountFailure(const std::string& email) {
  std::lock_guard lock(mu_);
  // Bounded: a flood of made-up emails forgets old failures rather than growing forever.
  if (failures_.size() > 100000) failures_.clear();
  auto& f = failures_[email];
  ++f.count;
  f.last = std::chrono::steady_clock::now();
}

void Sessions::ClearFailures(const std::string& email) {
  std::lock_guard lock(mu_);
  failures_.erase(email);
}

void Sessions::SignIn(std::string_view email, std::string_view password,
                      std::function<void(Result<SignedIn>)> done) {
  const std::string address(email);
  std::optional<domain::User> user;
  std::optional<std::string> hash;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto id = s.FindId("users", {"email"}, {address});
    if (!id) return std::unexpected(id.error());
    if (!*id) return {};
    auto found = store::Get<domain::User>(s, **id);
    if (!found) return std::unexpected(found.error());
    user = std::move(*found);
    auto stored = PasswordHashOf(s, **id);
    if (!stored) return std::unexpected(stored.error());
    hash = std::move(*stored);
    return {};
  });
  if (!read) return done(std::unexpected(read.error()));
  const std::string& against = hash ? *hash : dummy_hash_;
  const std::string secret(password);
  bool verified = crypto_pwhash_str_verify(against.c_str(), secret.data(), secret.size()) == 0;
  bool ok = verified && hash && user && user->active;
  const std::string key = Lower(address);
  if (!ok) {
    CountFailure(key);
    return done(Fail(ErrorCode::kUnauthenticated, "wrong email or password"));
  }
  ClearFailures(key);
  auto signed_in = std::make_shared<SignedIn>();
  signed_in->token = NewToken();
  signed_in->csrf_token = CsrfTokenFor(signed_in->token);
  signed_in->who = Principal{user->meta.id, user->role, user->vendor_id};
  Instant now = Now();
  signed_in->expires_at = Instant{
      now.ms + std::chrono::duration_cast<std::chrono::milliseconds>(options_.lifetime).count()};
  std::string token_hash = HashToken(signed_in->token);
  store_.Write(
      [signed_in, token_hash, now](store::Session& s) -> Result<void> {
        store::Row row{std::int64_t{0}, std::int64_t{1}, now.ms,       now.ms,
                       signed_in->who.user_id, token_hash, signed_in->expires_at.ms,
                       std::monostate{}};
        if (auto r = s.Insert(SessionSpec(), row); !r) return std::unexpected(r.error());
        auto event = UserEvent(now, signed_in->who.user_id, signed_in->who.user_id, "signed_in");
        return s.AppendEvent(event);
      },
      [signed_in, done = std::move(done)](Result<void> r) {
        if (!r) return done(std::unexpected(r.error()));
        done(std::move(*signed_in));
      });
}

void Sessions::SignOut(std::string_view token, std::function<void(Result<void>)> done) {
  std::string token_hash = HashToken(token);
  store_.Write(
      [token_hash](store::Session& s) -> Result<void> {
        auto found = FindSession(s, token_hash);
        if (!found) return std::unexpected(found.error());
        if (!*found || (*found)->ended_at) return {};
        auto row = s.SelectById(SessionSpec(), (*found)->id);
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
        store::Row ended = **row;
        Instant now = Now();
        ended[1] = Int(ended[1]) + 1;
        ended[3] = now.ms;
        ended[7] = now.ms;
        if (auto r = s.Update(SessionSpec(), ended); !r) return r;
        // A user event: the authenticator forgets what it remembered, this session too.
        auto event = UserEvent(now, (*found)->user_id, (*found)->user_id, "signed_out");
        return s.AppendEvent(event);
      },
      std::move(done));
}

}  // namespace rapport::app
