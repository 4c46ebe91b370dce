#include "signals/config.hpp"

#include <string_view>
#include <utility>

namespace rapport::signals {

namespace json = boost::json;

Result<SignalConfig> ConfigFromJson(const json::value& value) {
  SignalConfig config;
  FieldErrors errors;
  const json::object* object = value.if_object();
  if (!object) {
    errors.Add("config", "must be a JSON object");
    return std::unexpected(errors.ToError("bad signals configuration"));
  }
  const std::pair<std::string_view, std::int64_t SignalConfig::*> numbers[] = {
      {"repeat_min_contacts", &SignalConfig::repeat_min_contacts},
      {"repeat_window_days", &SignalConfig::repeat_window_days},
      {"repeat_high_contacts", &SignalConfig::repeat_high_contacts},
      {"email_min_inbound", &SignalConfig::email_min_inbound},
      {"email_high_inbound", &SignalConfig::email_high_inbound},
      {"policy_window_days", &SignalConfig::policy_window_days},
      {"long_time_customer_years", &SignalConfig::long_time_customer_years},
      {"offer_window_days", &SignalConfig::offer_window_days},
      {"failed_fix_high_reopens", &SignalConfig::failed_fix_high_reopens},
      {"breach_streak_count", &SignalConfig::breach_streak_count},
      {"breach_window_days", &SignalConfig::breach_window_days},
      {"stranger_days", &SignalConfig::stranger_days},
      {"stranger_high_days", &SignalConfig::stranger_high_days},
      {"reply_window_days", &SignalConfig::reply_window_days},
  };
  const std::pair<std::string_view, std::vector<std::string> SignalConfig::*> lists[] = {
      {"policy_phrases", &SignalConfig::policy_phrases},
      {"offer_tags", &SignalConfig::offer_tags},
      {"failed_fix_phrases", &SignalConfig::failed_fix_phrases},
      {"key_segments", &SignalConfig::key_segments},
      {"proactive_tags", &SignalConfig::proactive_tags},
  };
  for (const auto& [key, item] : *object) {
    const std::string name(key);
    bool known = false;
    for (const auto& [field, member] : numbers) {
      if (field != key) continue;
      known = true;
      const std::int64_t least = field == "long_time_customer_years" ? 0 : 1;
      if (!item.is_int64() || item.as_int64() < least || item.as_int64() > 100'000) {
        errors.Add(name, "must be an integer from " + std::to_string(least) + " to 100000");
      } else {
        config.*member = item.as_int64();
      }
    }
    for (const auto& [field, member] : lists) {
      if (field != key) continue;
      known = true;
      const json::array* array = item.if_array();
      if (!array) {
        errors.Add(name, "must be a list of strings");
        continue;
      }
      std::vector<std::string> values;
      for (std::size_t i = 0; i < array->size(); ++i) {
        const json::string* text = (*array)[i].if_string();
        if (!text || text->find_first_not_of(" \t") == json::string::npos) {
          errors.Add(name + "[" + std::to_string(i) + "]", "must be a non-blank string");
        } else {
          values.emplace_back(*text);
        }
      }
      config.*member = std::move(values);
    }
    if (!known) errors.Add(name, "is not a signals setting");
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("bad signals configuration"));
  return config;
}

}  // namespace rapport::signals
