// JSON Schema (as OpenAPI 3.0 uses it) of every type with a Schema<T>, derived from the
// same field lists as the codec, so that the published API document cannot drift from
// what the server accepts.
#pragma once

#include <boost/json.hpp>

#include "domain/schema.hpp"

namespace rapport::domain {

template <class M>
boost::json::object JsonSchemaOf();

namespace detail {
template <class M>
boost::json::object ValueSchema() {
  using boost::json::object;
  if constexpr (std::is_same_v<M, std::string>) {
    return object{{"type", "string"}};
  } else if constexpr (std::is_same_v<M, std::int64_t>) {
    return object{{"type", "integer"}, {"format", "int64"}};
  } else if constexpr (std::is_same_v<M, double>) {
    return object{{"type", "number"}};
  } else if constexpr (std::is_same_v<M, bool>) {
    return object{{"type", "boolean"}};
  } else if constexpr (std::is_same_v<M, Instant>) {
    return object{{"type", "string"}, {"format", "date-time"}};
  } else if constexpr (std::is_same_v<M, Date>) {
    return object{{"type", "string"}, {"format", "date"}};
  } else if constexpr (std::is_same_v<M, TimeOfDay>) {
    return object{{"type", "string"}, {"pattern", "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"}};
  } else if constexpr (NamedEnum<M>) {
    boost::json::array names;
    for (auto name : EnumNames<M>::kNames) names.emplace_back(name);
    return object{{"type", "string"}, {"enum", names}};
  } else if constexpr (IsOptional<M>::value) {
    auto inner = ValueSchema<typename M::value_type>();
    inner["nullable"] = true;
    return inner;
  } else if constexpr (IsVector<M>::value) {
    return object{{"type", "array"}, {"items", ValueSchema<typename M::value_type>()}};
  } else {
    return JsonSchemaOf<M>();
  }
}
}  // namespace detail

template <class M>
boost::json::object JsonSchemaOf() {
  boost::json::object properties;
  boost::json::array required;
  if constexpr (Entity<M>) {
    for (auto name : {"id", "version"}) {
      properties[name] = {{"type", "integer"}, {"format", "int64"}, {"readOnly", true}};
    }
    for (auto name : {"created_at", "updated_at"}) {
      properties[name] = {{"type", "string"}, {"format", "date-time"}, {"readOnly", true}};
    }
  }
  ForEachField<M>([&](const auto& field) {
    auto schema = detail::ValueSchema<typename std::decay_t<decltype(field)>::Member>();
    if (field.flags & kReadOnly) schema["readOnly"] = true;
    if (!field.references.empty()) {
      schema["description"] = "id of a record of " + std::string(field.references);
    }
    properties[field.name] = std::move(schema);
    if (field.flags & kRequired) required.emplace_back(field.name);
  });
  boost::json::object out{
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

}  // namespace rapport::domain
