// JSON ↔ domain: one generic Parse/Serialize pair driven by each type's Schema<T>, used
// by the API, the importers and the CLI alike. Parsing reports every bad field by its
// path ("participants[1].role") and never returns a half-read record.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "domain/schema.hpp"

namespace rapport::domain {

namespace json = boost::json;

// ---- values -------------------------------------------------------------------------

inline json::value ToJson(const std::string& v) { return json::string(v); }
inline json::value ToJson(std::int64_t v) { return v; }
inline json::value ToJson(double v) { return v; }
inline json::value ToJson(bool v) { return v; }
inline json::value ToJson(Instant v) { return json::string(FormatRfc3339(v)); }
inline json::value ToJson(Date v) { return json::string(FormatDate(v)); }
inline json::value ToJson(TimeOfDay v) { return json::string(FormatTimeOfDay(v)); }
template <NamedEnum E>
json::value ToJson(E v) {
  return json::string(Name(v));
}
template <class T>
json::value ToJson(const std::optional<T>& v) {
  return v ? ToJson(*v) : json::value(nullptr);
}
template <class T>
json::value ToJson(const std::vector<T>& v);
template <class T>
requires requires { Schema<T>::kFields; }
json::value ToJson(const T& record);

template <class T>
json::value ToJson(const std::vector<T>& v) {
  json::array out;
  out.reserve(v.size());
  for (const auto& item : v) out.push_back(ToJson(item));
  return out;
}

// Each FromJson reads `in` into `out` or adds an error naming `path`.
void FromJson(const json::value& in, std::string& out, const std::string& path,
              FieldErrors& errors);
void FromJson(const json::value& in, std::int64_t& out, const std::string& path,
              FieldErrors& errors);
void FromJson(const json::value& in, double& out, const std::string& path, FieldErrors& errors);
void FromJson(const json::value& in, bool& out, const std::string& path, FieldErrors& errors);
void FromJson(const json::value& in, Instant& out, const std::string& path, FieldErrors& errors);
void FromJson(const json::value& in, Date& out, const std::string& path, FieldErrors& errors);
void FromJson(const json::value& in, TimeOfDay& out, const std::string& path,
              FieldErrors& errors);

template <NamedEnum E>
void FromJson(const json::value& in, E& out, const std::string& path, FieldErrors& errors) {
  const auto* s = in.if_string();
  auto parsed = s ? EnumFromName<E>(std::string_view(*s)) : std::nullopt;
  if (!parsed) {
    std::string allowed;
    for (auto name : EnumNames<E>::kNames) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    }
    errors.Add(path, "must be one of: " + allowed);
    return;
  }
  out = *parsed;
}

template <class T>
void FromJson(const json::value& in, std::optional<T>& out, const std::string& path,
              FieldErrors& errors) {
  if (in.is_null()) {
    out.reset();
    return;
  }
  T value{};
  FromJson(in, value, path, errors);
  out = std::move(value);
}

template <class T>
requires requires { Schema<T>::kFields; }
void FromJson(const json::value& in, T& out, const std::string& path, FieldErrors& errors);

template <class T>
void FromJson(const json::value& in, std::vector<T>& out, const std::string& path,
              FieldErrors& errors) {
  const auto* array = in.if_array();
  if (!array) {
    errors.Add(path, "must be an array");
    return;
  }
  out.clear();
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    T item{};
    FromJson((*array)[i], item, path + "[" + std::to_string(i) + "]", errors);
    out.push_back(std::move(item));
  }
}

// ---- records ------------------------------------------------------------------------

// Serialises every field of a record (entities also get their Meta: id, version,
// created_at, updated_at). Absent optionals are written as null.
template <class T>
requires requires { Schema<T>::kFields; }
json::value ToJson(const T& record) {
  json::object out;
  out.reserve(std::tuple_size_v<decltype(Schema<T>::kFields)> + 4);
  if constexpr (Entity<T>) {
    out["id"] = record.meta.id;
    out["version"] = record.meta.version;
    out["created_at"] = ToJson(record.meta.created_at);
    out["updated_at"] = ToJson(record.meta.updated_at);
  }
  ForEachField<T>([&](const auto& field) { out[field.name] = ToJson(record.*field.member); });
  return out;
}

inline std::string JoinPath(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

bool IsMetaField(std::string_view name);

// Reads a record from a JSON object: fields absent keep the value `out` already has
// (its defaults), null clears an optional, unknown and read-only keys are errors, and
// kRequired fields must be present.
template <class T>
requires requires { Schema<T>::kFields; }
void FromJson(const json::value& in, T& out, const std::string& path, FieldErrors& errors) {
  const auto* object = in.if_object();
  if (!object) {
    errors.Add(path.empty() ? "body" : path, "must be an object");
    return;
  }
  for (const auto& [key, value] : *object) {
    bool known = false;
    bool read_only = Entity<T> && IsMetaField(key);
    ForEachField<T>([&](const auto& field) {
      if (field.name == std::string_view(key)) {
        known = true;
        read_only = read_only || (field.flags & kReadOnly) != 0;
      }
    });
    if (read_only) {
      errors.Add(JoinPath(path, key), "is read-only");
    } else if (!known) {
      errors.Add(JoinPath(path, key), "unknown field");
    }
  }
  ForEachField<T>([&](const auto& field) {
    if (field.flags & kReadOnly) return;
    const json::value* value = object->if_contains(field.name);
    std::string field_path = JoinPath(path, field.name);
    if (!value) {
      if (field.flags & kRequired) errors.Add(field_path, "is required");
      return;
    }
    using M = typename std::decay_t<decltype(field)>::Member;
    if (value->is_null() && !IsOptional<M>::value) {
      errors.Add(field_path, "must not be null");
      return;
    }
    FromJson(*value, out.*field.member, field_path, errors);
  });
}

// Parses a whole record from client input, or every reason it is bad.
template <class T>
Result<T> ParseRecord(const json::value& in) {
  T record{};
  FieldErrors errors;
  FromJson(in, record, "", errors);
  if (!errors.empty()) return std::unexpected(errors.ToError());
  return record;
}

// The fields a client may write, as JSON: the input to a merge patch of `record`.
template <Entity T>
json::object EditableJson(const T& record) {
  json::object out;
  ForEachField<T>([&](const auto& field) {
    if (!(field.flags & kReadOnly)) out[field.name] = ToJson(record.*field.member);
  });
  return out;
}

// Copies Meta and the server-kept (read-only) fields from `from` to `to`.
template <Entity T>
void CopyServerFields(const T& from, T& to) {
  to.meta = from.meta;
  ForEachField<T>([&](const auto& field) {
    if (field.flags & kReadOnly) to.*field.member = from.*field.member;
  });
}

// `text` is the serialised ToJson of an entity made while its id was still 0 (ToJson
// writes the id first); returns the same text with `id`. Lets JSON be formatted before a
// record reaches the store's one writer, which alone learns the id.
// REQUIRES: text starts with {"id":0,
std::string WithId(std::string_view text, Id id);

// RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else
// replaces.
json::value MergePatch(json::value target, const json::value& patch);

}  // namespace rapport::domain
