// Stable external ids for rows that carry none: "sha256:" followed by the 64 lowercase hex
// digits of SHA-256 over the row's named values, each added as
// <name length>:<name><value length>:<value>, in the order the caller adds them. The same
// values in the same order give the same id on every run and machine.
#pragma once

#include <sodium.h>

#include <string>
#include <string_view>

namespace rapport::ingest {

class DerivedId {
 public:
  DerivedId() { crypto_hash_sha256_init(&state_); }

  void Add(std::string_view name, std::string_view value) {
    AddPart(name);
    AddPart(value);
  }

  std::string Finish() {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, digest);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return "sha256:" + std::string(hex, crypto_hash_sha256_BYTES * 2);
  }

 private:
  void AddPart(std::string_view part) {
    const std::string length = std::to_string(part.size()) + ":";
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(length.data()),
                              length.size());
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  }

  crypto_hash_sha256_state state_;
};

}  // namespace rapport::ingest
