#include "app/report_params.hpp"

#include <date/tz.h>

#include <charconv>
#include <cmath>

#include "domain/entities.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using analytics::Dimension;
using domain::Channel;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
// A report covers at most this long: ten years of 15-minute periods is already 350,000.
constexpr std::int64_t kMaxRangeMs = 20LL * 366 * kDayMs;

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A bound as people write it: "0.01", "1000000000" (JSON's serialisation says 1E-2, 1E9).
std::string Decimal(double value) {
  char text[64];
  auto [end, ec] = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  return ec == std::errc() ? std::string(text, end) : json::serialize(json::value(value));
}

json::value Rounded(std::optional<double> value, double scale) {
  if (!value) return nullptr;
  return std::round(*value * scale * 100) / 100;
}

}  // namespace

json::object MetricsJson(const analytics::Tally& t) {
  const analytics::Rates r = analytics::RatesOf(t);
  return {
      {"offered", t.offered},
      {"answered", t.answered},
      {"answered_within_threshold", t.answered_within},
      {"abandoned", t.abandoned},
      {"abandoned_within_threshold", t.abandoned_within},
      {"short_abandons", t.short_abandons},
      {"missed_off_hours", t.missed_off_hours},
      {"service_level_percent",
       {{"abandons_ignored", Rounded(r.service_level_ignored, 100)},
        {"abandons_against", Rounded(r.service_level_against, 100)},
        {"abandons_for", Rounded(r.service_level_for, 100)}}},
      {"abandonment_percent", Rounded(r.abandonment, 100)},
      {"average_speed_of_answer_seconds", Rounded(r.asa_seconds, 1)},
      {"average_handle_time_seconds", Rounded(r.aht_seconds, 1)},
      {"first_contact_resolution",
       {{"resolved", t.cases_resolved},
        {"first_contact", t.first_contact},
        {"pending", t.cases_pending},
        {"percent", Rounded(r.first_contact_resolution, 100)}}},
  };
}

ParamReader::ParamReader(const ReportParams& params, std::string_view what) : what_(what) {
  for (const auto& [name, value] : params) params_.emplace(name, value);
}

std::optional<std::string> ParamReader::Take(std::string_view name) {
  std::string key(name);
  read_.insert(key);
  auto [first, last] = params_.equal_range(key);
  if (first == last) return std::nullopt;
  if (std::next(first) != last) {
    errors_.Add(key, "is given more than once");
    return std::nullopt;
  }
  return first->second;
}

std::optional<std::int64_t> ParamReader::Integer(std::string_view name, std::int64_t min,
                                                 std::int64_t max) {
  auto text = Take(name);
  if (!text) return std::nullopt;
  auto value = ParseInteger(*text);
  if (!value || *value < min || *value > max) {
    errors_.Add(std::string(name), "must be a whole number from " + std::to_string(min) + " to " +
                                       std::to_string(max) + ", not '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<double> ParamReader::Number(std::string_view name, double min, double max) {
  auto text = Take(name);
  if (!text) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || !std::isfinite(value) ||
      value < min || value > max) {
    errors_.Add(std::string(name),
                "must be a number from " + Decimal(min) + " to " + Decimal(max) + ", not '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

// An RFC 3339 instant, or a date meaning its local midnight in `zone`.
std::optional<Instant> ParamReader::When(std::string_view name, const std::string& zone) {
  auto text = Take(name);
  if (!text) return std::nullopt;
  if (auto at = ParseRfc3339(*text)) return at;
  if (auto date = ParseDate(*text)) {
    try {
      const auto* tz = date::locate_zone(zone);
      auto local = date::local_days{date::days{date->days}};
      auto sys = tz->to_sys(local, date::choose::earliest);
      return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count()};
    } catch (const std::exception&) {
      return std::nullopt;  // the zone is reported by its own check
    }
  }
  errors_.Add(std::string(name), "must be an RFC 3339 instant or a date (YYYY-MM-DD), not '" + *text + "'");
  return std::nullopt;
}

std::optional<CommonParams> ParamReader::Common(const Principal& who, Instant now,
                                                const CommonOptions& options) {
  CommonParams out;
  out.time_zone = Take("time_zone").value_or(options.default_zone);
  bool zone_known = true;
  try {
    date::locate_zone(out.time_zone);
  } catch (const std::exception&) {
    errors_.Add("time_zone", "'" + out.time_zone + "' is not an IANA time zone");
    zone_known = false;
  }
  const std::string zone = zone_known ? out.time_zone : "UTC";

  auto granularity = analytics::Granularity::kMonth;
  if (!options.default_group_by) {
    // Months only.
  } else if (auto text = Take("period")) {
    auto parsed = analytics::ParseGranularity(*text);
    if (parsed) {
      granularity = *parsed;
    } else {
      errors_.Add("period", "must be one of 15m, 30m, 60m, day, week, month; not '" + *text + "'");
    }
  }

  // Default range: the last full month in the zone.
  auto from = When("from", zone), to = When("to", zone);
  if (!from || !to) {
    auto months = analytics::PeriodScheme::Create(analytics::Granularity::kMonth, zone,
                                                  Instant{now.ms - 40 * kDayMs}, Instant{now.ms + 1});
    if (months) {
      analytics::PeriodScheme::Hint hint;
      std::uint32_t current = months->IndexOf(now, hint);
      if (!to) to = months->Start(current);
      if (!from) from = months->Start(current - 1);
    }
  }
  if (from && to) {
    if (*to <= *from) {
      errors_.Add("to", "must be after from");
    } else if (to->ms - from->ms > kMaxRangeMs) {
      errors_.Add("to", "a report covers at most 20 years");
    } else {
      out.scope.from = *from;
      out.scope.to = *to;
    }
  }

  std::string group_by;
  if (options.default_group_by) {
    group_by = Take("group_by").value_or(std::string(*options.default_group_by));
  }
  if (!group_by.empty()) {
    for (const std::string& name : SplitCommas(group_by)) {
      auto dimension = analytics::ParseDimension(name);
      if (!dimension) {
        errors_.Add("group_by", "'" + name + "' is not one of vendor, channel, queue, agent, segment, period, hour_of_week");
      } else if (std::find(out.by.begin(), out.by.end(), *dimension) != out.by.end()) {
        errors_.Add("group_by", "names " + name + " twice");
      } else {
        out.by.push_back(*dimension);
      }
    }
  }

  if (auto vendor = Integer("vendor_id", 1, std::numeric_limits<std::uint32_t>::max())) {
    out.scope.vendor = static_cast<std::uint32_t>(*vendor);
  }
  if (who.IsVendorAgent()) {
    if (out.scope.vendor && static_cast<Id>(*out.scope.vendor) != *who.vendor_id) {
      not_found_ = Error{ErrorCode::kNotFound, "vendor " + std::to_string(*out.scope.vendor) + " not found", {}};
    }
    out.scope.vendor = static_cast<std::uint32_t>(*who.vendor_id);
  }
  if (auto queues = Take("queue_id")) {
    for (const std::string& text : SplitCommas(*queues)) {
      auto id = ParseInteger(text);
      if (!id || *id <= 0 || *id > std::numeric_limits<std::uint32_t>::max()) {
        errors_.Add("queue_id", "'" + text + "' is not a queue id");
      } else {
        out.scope.queues.push_back(static_cast<std::uint32_t>(*id));
      }
    }
  }
  if (auto channel = Take("channel")) {
    auto parsed = domain::EnumFromName<Channel>(*channel);
    if (parsed) {
      out.scope.channel = static_cast<std::uint8_t>(*parsed);
    } else {
      errors_.Add("channel", "'" + *channel + "' is not a channel");
    }
  }
  if (auto agent = Integer("agent_id", 1, std::numeric_limits<std::uint32_t>::max())) {
    out.scope.agent = static_cast<std::uint32_t>(*agent);
  }

  if (!errors_.empty() || out.scope.to <= out.scope.from) return std::nullopt;
  auto periods = analytics::PeriodScheme::Create(granularity, zone, out.scope.from, out.scope.to);
  if (!periods) {
    for (const auto& f : periods.error().fields) errors_.Add(f.field, f.message);
    return std::nullopt;
  }
  out.periods = std::move(*periods);
  return out;
}

analytics::Definitions ParamReader::Definitions(bool thresholds) {
  analytics::Definitions d;
  if (thresholds) {
    if (auto all = Integer("threshold_seconds", 1, 30 * 86'400)) d.threshold_seconds.fill(*all);
    for (std::size_t c = 0; c < analytics::kChannelCount; ++c) {
      std::string name = "threshold_seconds." + std::string(domain::Name(static_cast<Channel>(c)));
      if (auto one = Integer(name, 1, 30 * 86'400)) d.threshold_seconds[c] = *one;
    }
  }
  if (auto v = Integer("short_abandon_seconds", 0, 3600)) d.short_abandon_seconds = *v;
  if (auto v = Integer("fcr_days", 1, 365)) d.fcr_days = *v;
  if (auto text = Take("fcr_repeat_by")) {
    if (*text == "person") {
      d.fcr_repeat_by = analytics::RepeatBy::kPerson;
    } else if (*text != "account") {
      errors_.Add("fcr_repeat_by", "must be account or person, not '" + *text + "'");
    }
  }
  return d;
}

Result<void> ParamReader::Finish() {
  for (const auto& [name, value] : params_) {
    if (!read_.contains(name)) errors_.Add(name, "is not a parameter of this " + what_);
  }
  if (not_found_) return std::unexpected(*not_found_);
  if (!errors_.empty()) return std::unexpected(Error{ErrorCode::kBadRequest, "invalid " + what_ + " parameters", errors_.list()});
  return {};
}

json::object CommonParams::Json(const analytics::Definitions& definitions) const {
  json::array group_by;
  for (Dimension d : by) group_by.emplace_back(analytics::Name(d));
  json::object thresholds;
  for (std::size_t c = 0; c < analytics::kChannelCount; ++c) {
    thresholds[domain::Name(static_cast<Channel>(c))] = definitions.threshold_seconds[c];
  }
  json::object out{{"from", FormatRfc3339(scope.from)},
                   {"to", FormatRfc3339(scope.to)},
                   {"time_zone", time_zone},
                   {"period", analytics::Name(periods.granularity())},
                   {"group_by", std::move(group_by)},
                   {"threshold_seconds", std::move(thresholds)},
                   {"short_abandon_seconds", definitions.short_abandon_seconds},
                   {"fcr_days", definitions.fcr_days},
                   {"fcr_repeat_by", definitions.fcr_repeat_by == analytics::RepeatBy::kPerson ? "person" : "account"}};
  if (scope.vendor) out["vendor_id"] = *scope.vendor;
  if (!scope.queues.empty()) {
    json::array queues;
    for (auto q : scope.queues) queues.push_back(q);
    out["queue_id"] = std::move(queues);
  }
  if (scope.channel) out["channel"] = domain::Name(static_cast<Channel>(*scope.channel));
  if (scope.agent) out["agent_id"] = *scope.agent;
  return out;
}

Result<Names> Names::Read(store::Store& store, const std::vector<Dimension>& by) {
  Names names;
  auto wants = [&](Dimension d) { return std::find(by.begin(), by.end(), d) != by.end(); };
  auto read = store.Read([&](store::Session& s) -> Result<void> {
    if (wants(Dimension::kVendor)) {
      auto all = store::All<domain::Vendor>(s);
      if (!all) return std::unexpected(all.error());
      for (const auto& v : *all) names.names_[{"vendors", v.meta.id}] = v.name;
    }
    if (wants(Dimension::kQueue)) {
      auto all = store::All<domain::Queue>(s);
      if (!all) return std::unexpected(all.error());
      for (const auto& q : *all) names.names_[{"queues", q.meta.id}] = q.name;
    }
    if (wants(Dimension::kAgent)) {
      auto all = store::All<domain::User>(s, {{"is_agent", store::Condition::Op::kEq, std::int64_t{1}}});
      if (!all) return std::unexpected(all.error());
      for (const auto& u : *all) names.names_[{"users", u.meta.id}] = u.name;
    }
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return names;
}

std::string Names::Of(std::string_view table, Id id) const {
  auto it = names_.find({std::string(table), id});
  return it == names_.end() ? std::string() : it->second;
}

json::object Names::Key(const std::vector<Dimension>& by, const std::vector<std::uint32_t>& key,
                        const analytics::PeriodScheme& periods,
                        const std::vector<std::string>& segment_names) const {
  json::object out;
  auto named = [&](std::string_view table, std::uint32_t id) -> json::value {
    if (id == 0) return nullptr;
    return json::object{{"id", id}, {"name", Of(table, id)}};
  };
  for (std::size_t d = 0; d < by.size(); ++d) {
    const std::uint32_t value = key[d];
    switch (by[d]) {
      case Dimension::kVendor: out["vendor"] = named("vendors", value); break;
      case Dimension::kQueue: out["queue"] = named("queues", value); break;
      case Dimension::kAgent: out["agent"] = named("users", value); break;
      case Dimension::kChannel:
        out["channel"] = value < analytics::kChannelCount
                             ? json::value(domain::Name(static_cast<Channel>(value)))
                             : json::value(nullptr);
        break;
      case Dimension::kSegment:
        out["segment"] = value == 0 || value >= segment_names.size() ? json::value(nullptr)
                                                                     : json::value(segment_names[value]);
        break;
      case Dimension::kPeriod:
        out["period"] = {{"label", periods.Label(value)}, {"start", FormatRfc3339(periods.Start(value))}};
        break;
      case Dimension::kHourOfWeek:
        out["hour_of_week"] = {{"hour", value},
                               {"weekday", domain::Name(static_cast<domain::Weekday>(value / 24))},
                               {"local_hour", value % 24}};
        break;
    }
  }
  return out;
}

}  // namespace rapport::app
