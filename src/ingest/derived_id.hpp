// Stable external ids for rows that carry none: "sha256:" followed by the 64 lowercase hex
// digits of SHA-256 over the row's named values, each added as
// <name length>:<name><value length>:<value>, in the order the caller adds them. The same
// values in the same order give the same id on every run and machine.
#pragma once

#include <sodium.h>

#include <charconv>
#include <string>
#include <string_view>

namespace rapport::ingest {

class DerivedId {
 public:
  void Add(std::string_view name, std::string_view value) {
    AddPart(name);
    AddPart(value);
  }

  std::string Finish() const {
    unsigned char digest[crypto_hash_sha256_BYTES];
    // One call over the whole text: many small updates cost more than the hashing.
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text_.data()),
                       text_.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return "sha256:" + std::string(hex, crypto_hash_sha256_BYTES * 2);
  }

 private:
  void AddPart(std::string_view part) {
    char length[24];
    const auto end = std::to_chars(length, length + sizeof length, part.size()).ptr;
    text_.append(length, end);
    text_ += ':';
    text_ += part;
  }

  std::string text_;
};

}  // namespace rapport::ingest
