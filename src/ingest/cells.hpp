// Cell-level readers shared by the ingest parsers. Each returns the reason a value is
// bad (without the field name) or nullopt. Internal to the ingest layer.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "domain/schema.hpp"

namespace rapport::ingest::internal {

inline std::string Quoted(std::string_view text) {
  constexpr std::size_t kMax = 60;  // keep reasons short when a cell is long
  if (text.size() > kMax) return "'" + std::string(text.substr(0, kMax)) + "…'";
  return "'" + std::string(text) + "'";
}

inline std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A non-negative decimal integer that fits int64.
inline bool ParseCount(std::string_view text, std::int64_t& out) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

template <class E>
std::optional<std::string> ParseEnum(std::string_view text, E& out) {
  if (auto value = domain::EnumFromName<E>(text)) {
    out = *value;
    return std::nullopt;
  }
  std::string allowed;
  for (auto name : domain::EnumNames<E>::kNames) {
    if (!allowed.empty()) allowed += ", ";
    allowed += name;
  }
  return Quoted(text) + " is not one of " + allowed;
}

// Items separated by ';', each trimmed; empty items are dropped.
inline std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t semi = text.find(';');
    std::string_view item = Trim(text.substr(0, semi));
    if (!item.empty()) out.emplace_back(item);
    if (semi == std::string_view::npos) break;
    text.remove_prefix(semi + 1);
  }
  return out;
}

// "field: message; field: message" from a FieldErrors list, appended to `out`.
inline void AppendReasons(const FieldErrors& errors, std::string& out) {
  for (const auto& e : errors.list()) {
    if (!out.empty()) out += "; ";
    out += e.field;
    out += ": ";
    out += e.message;
  }
}

}  // namespace rapport::ingest::internal
