#include "domain/json_codec.hpp"

#include <cmath>
#include <limits>

namespace rapport::domain {

void FromJson(const json::value& in, std::string& out, const std::string& path,
              FieldErrors& errors) {
  const auto* s = in.if_string();
  if (!s) {
    errors.Add(path, "must be a string");
    return;
  }
  out.assign(s->data(), s->size());
}

void FromJson(const json::value& in, std::int64_t& out, const std::string& path,
              FieldErrors& errors) {
  if (const auto* i = in.if_int64()) {
    out = *i;
  } else if (const auto* u = in.if_uint64();
             u && *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    out = static_cast<std::int64_t>(*u);
  } else {
    errors.Add(path, "must be an integer");
  }
}

void FromJson(const json::value& in, double& out, const std::string& path, FieldErrors& errors) {
  if (in.is_number()) {
    out = in.to_number<double>();
    if (std::isfinite(out)) return;
  }
  errors.Add(path, "must be a number");
}

void FromJson(const json::value& in, bool& out, const std::string& path, FieldErrors& errors) {
  if (const auto* b = in.if_bool()) {
    out = *b;
  } else {
    errors.Add(path, "must be true or false");
  }
}

void FromJson(const json::value& in, Instant& out, const std::string& path, FieldErrors& errors) {
  const auto* s = in.if_string();
  auto parsed = s ? ParseRfc3339(std::string_view(*s)) : std::nullopt;
  if (!parsed) {
    errors.Add(path, "must be an RFC 3339 instant such as 2025-01-31T09:30:00Z");
    return;
  }
  out = *parsed;
}

void FromJson(const json::value& in, Date& out, const std::string& path, FieldErrors& errors) {
  const auto* s = in.if_string();
  auto parsed = s ? ParseDate(std::string_view(*s)) : std::nullopt;
  if (!parsed) {
    errors.Add(path, "must be a date such as 2025-01-31");
    return;
  }
  out = *parsed;
}

void FromJson(const json::value& in, TimeOfDay& out, const std::string& path,
              FieldErrors& errors) {
  const auto* s = in.if_string();
  auto parsed = s ? ParseTimeOfDay(std::string_view(*s)) : std::nullopt;
  if (!parsed) {
    errors.Add(path, "must be a time of day from 00:00 to 24:00, such as 09:30");
    return;
  }
  out = *parsed;
}

bool IsMetaField(std::string_view name) {
  return name == "id" || name == "version" || name == "created_at" || name == "updated_at";
}

std::string WithId(std::string_view text, Id id) {
  constexpr std::string_view kZeroId = "{\"id\":0,";
  RAPPORT_CHECK(text.starts_with(kZeroId));
  std::string out = "{\"id\":" + std::to_string(id);
  out.append(text.substr(kZeroId.size() - 1));
  return out;
}

json::value MergePatch(json::value target, const json::value& patch) {
  const auto* patch_object = patch.if_object();
  if (!patch_object) return patch;
  if (!target.is_object()) target = json::object();
  auto& object = target.as_object();
  for (const auto& [key, value] : *patch_object) {
    if (value.is_null()) {
      object.erase(key);
    } else {
      json::value current = object.contains(key) ? object.at(key) : json::value(nullptr);
      object[key] = MergePatch(std::move(current), value);
    }
  }
  return target;
}

}  // namespace rapport::domain
