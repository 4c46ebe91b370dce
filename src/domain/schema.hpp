// Field descriptors: each entity lists its fields once (name, member, flags, the table an
// id refers to) in a Schema<T> specialisation, and the JSON codec, the validation of
// foreign ids, the vendor redaction and the store's column mapping all walk that one list.
// Pure compile-time data; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/date.hpp"
#include "core/instant.hpp"

namespace rapport::domain {

using Id = std::int64_t;

enum FieldFlag : unsigned {
  kRequired = 1u << 0,           // must be present when a record is created
  kReadOnly = 1u << 1,           // set by the server; refused in client input
  kHiddenFromVendors = 1u << 2,  // never shown to a vendor agent
  kVendorDetail = 1u << 3,       // shown to a vendor agent only on its own vendor's records
};

template <class T, class M>
struct Field {
  using Record = T;
  using Member = M;
  std::string_view name;
  M T::*member;
  unsigned flags = 0;
  std::string_view references = {};  // table an id (or each id of a list) refers to
};

// Spelled out for compilers without aggregate deduction (Clang before 17, as used by
// `make tidy`).
template <class T, class M, class... Rest>
Field(std::string_view, M T::*, Rest...) -> Field<T, M>;

// Server-kept fields every stored entity has; serialised flat beside the entity's own.
struct Meta {
  Id id = 0;
  std::int64_t version = 0;  // starts at 1, +1 on every update; the ETag
  Instant created_at;
  Instant updated_at;
};

// Specialised per entity and per nested value type:
//   static constexpr std::string_view kTable;   (entities only: table and API collection)
//   static constexpr std::string_view kEntity;  (entities only: singular name in events)
//   static constexpr auto kFields = std::tuple{Field{...}, ...};
template <class T>
struct Schema;

template <class T>
concept Entity = requires(T t) {
  Schema<T>::kTable;
  { t.meta } -> std::convertible_to<Meta>;
};

template <class T, class F>
constexpr void ForEachField(F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, Schema<T>::kFields);
}

// Enumerations travel as their snake_case names. Specialise EnumNames<E> with
// kNames in the order of E's enumerators (which must be 0, 1, 2, ...).
template <class E>
struct EnumNames;

template <class E>
concept NamedEnum = std::is_enum_v<E> && requires {
  EnumNames<E>::kNames;
};

template <NamedEnum E>
constexpr std::string_view Name(E value) {
  return EnumNames<E>::kNames[static_cast<std::size_t>(value)];
}

template <NamedEnum E>
constexpr std::optional<E> EnumFromName(std::string_view name) {
  const auto& names = EnumNames<E>::kNames;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

}  // namespace rapport::domain
