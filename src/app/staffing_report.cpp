// The staffing report of app::Analytics: agents required per interval of a coming week
// from a forecast of the contacts in scope, or for one interval as a calculator.
#include <date/date.h>
#include <date/tz.h>

#include <cmath>
#include <mutex>
#include <thread>

#include "analytics/staffing.hpp"
#include "app/analytics.hpp"
#include "app/report_params.hpp"

namespace rapport::app {

namespace json = boost::json;
using analytics::Dimension;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kWeekMs = 7 * kDayMs;

json::value Rounded(double value, double scale) {
  if (!std::isfinite(value)) return nullptr;  // e.g. the ASA of an unstable queue
  return std::round(value * scale) / scale;
}

json::object StaffingJson(const analytics::Staffing& s) {
  return {{"agents", s.agents},
          {"scheduled_agents", s.scheduled},
          {"service_level_percent", Rounded(s.performance.service_level * 100, 100)},
          {"average_speed_of_answer_seconds", Rounded(s.performance.asa_seconds, 100)},
          {"occupancy_percent", Rounded(s.performance.occupancy * 100, 100)},
          {"abandonment_percent", Rounded(s.performance.abandon_probability * 100, 100)}};
}

// The Monday 00:00 (local) after `now`.
Instant NextMonday(Instant now, const std::string& zone_name) {
  const auto* zone = date::locate_zone(zone_name);
  auto local = zone->to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{now.ms}});
  auto day = date::floor<date::days>(local);
  const unsigned weekday = date::weekday{day}.iso_encoding();  // Monday 1 … Sunday 7
  auto monday = day + date::days{8 - weekday};
  auto sys = zone->to_sys(monday, date::choose::earliest);
  return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count()};
}

// The instant whose local wall-clock time is `days` days after `at`'s (the earlier one
// when that time repeats, the end of the gap when it is skipped): whole local weeks before
// or after the planned week, which a change of summer time makes an hour longer or
// shorter than 7 × 24 hours.
Instant LocalDaysAfter(Instant at, std::int64_t days, const date::time_zone& zone) {
  auto local = zone.to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{at.ms}});
  auto sys = zone.to_sys(local + date::days{days}, date::choose::earliest);
  return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count()};
}

std::int64_t LocalMs(Instant at, const date::time_zone& zone) {
  auto local = zone.to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{at.ms}});
  return std::chrono::duration_cast<std::chrono::milliseconds>(local.time_since_epoch()).count();
}

}  // namespace

Result<json::value> Analytics::Staffing(const Principal& who, const ReportParams& params,
                                        Instant now) const {
  ParamReader reader(params);
  auto calls = reader.Number("calls", 0, 1e9);
  analytics::StaffingTarget target;
  target.service_level = reader.Number("service_level_percent", 0.01, 99.99).value_or(80) / 100;
  target.threshold_seconds = reader.Number("threshold_seconds", 0, 86'400).value_or(20);
  target.max_occupancy = reader.Number("max_occupancy_percent", 1, 100).value_or(100) / 100;
  target.shrinkage = reader.Number("shrinkage_percent", 0, 99).value_or(0) / 100;
  target.patience_seconds = reader.Number("patience_seconds", 0.001, 86'400);
  auto aht = reader.Number("aht_seconds", 1, 86'400);

  // The calculator: one interval. Chosen by the parameter's presence, so that a bad `calls`
  // is named as such and not taken for a forecast with a stray interval_minutes.
  if (reader.Has("calls")) {
    auto interval_minutes = reader.Number("interval_minutes", 1, 1440).value_or(30);
    if (!reader.Has("aht_seconds")) reader.Bad("aht_seconds", "is required with calls");
    if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
    RAPPORT_CHECK(calls && aht);
    const double traffic = *calls * *aht / (interval_minutes * 60);
    auto staffing = analytics::AgentsRequired(traffic, *aht, target);
    if (!staffing) return std::unexpected(staffing.error());
    json::object answer = StaffingJson(*staffing);
    answer["traffic_erlangs"] = Rounded(traffic, 1000);
    return json::object{{"report", "staffing"},
                        {"parameters",
                         {{"calls", *calls},
                          {"interval_minutes", interval_minutes},
                          {"aht_seconds", *aht},
                          {"service_level_percent", target.service_level * 100},
                          {"threshold_seconds", target.threshold_seconds},
                          {"max_occupancy_percent", target.max_occupancy * 100},
                          {"shrinkage_percent", target.shrinkage * 100},
                          {"patience_seconds", target.patience_seconds ? json::value(*target.patience_seconds) : json::value(nullptr)}}},
                        {"staffing", std::move(answer)}};
  }

  // `from` is the planned week's start here; the history before it is read through the
  // common parameters of a range report.
  const std::string zone = reader.Take("time_zone").value_or("UTC");
  bool zone_known = true;
  try {
    date::locate_zone(zone);
  } catch (const std::exception&) {
    zone_known = false;  // Common names it
  }
  const auto weeks = reader.Integer("weeks", 1, 52).value_or(4);
  std::optional<Instant> week_start;
  if (auto text = reader.Take("from")) {
    week_start = ParseRfc3339(*text);
    if (!week_start) reader.Bad("from", "must be an RFC 3339 instant, not '" + *text + "'");
  }
  std::string period = reader.Take("period").value_or("30m");
  auto granularity = analytics::ParseGranularity(period);
  if (!granularity || (*granularity != analytics::Granularity::kMinutes15 &&
                       *granularity != analytics::Granularity::kMinutes30 &&
                       *granularity != analytics::Granularity::kHour)) {
    reader.Bad("period", "must be 15m, 30m or 60m, not '" + period + "'");
    granularity = analytics::Granularity::kMinutes30;
  }
  const Instant start = week_start ? *week_start : zone_known ? NextMonday(now, zone) : now;
  const date::time_zone* tz = zone_known ? date::locate_zone(zone) : nullptr;
  // The history: the `weeks` local weeks before the planned one (an unknown zone is
  // named by Common below; nothing is computed then).
  const Instant history_from = tz ? LocalDaysAfter(start, -7 * weeks, *tz) : Instant{start.ms - weeks * kWeekMs};
  ReportParams history_params = {{"from", FormatRfc3339(history_from)},
                                 {"to", FormatRfc3339(start)},
                                 {"time_zone", zone}};
  for (const char* name : {"vendor_id", "queue_id", "channel"}) {
    if (auto value = reader.Take(name)) history_params.emplace_back(name, *value);
  }
  ParamReader scoped(history_params);
  auto common = scoped.Common(who, now, {});
  const int minutes = *granularity == analytics::Granularity::kMinutes15   ? 15
                      : *granularity == analytics::Granularity::kMinutes30 ? 30
                                                                           : 60;
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
  if (auto r = scoped.Finish(); !r) return std::unexpected(r.error());
  RAPPORT_CHECK(common.has_value() && tz != nullptr);

  // Contacts per slot of the local week (minute of the week / interval length), week by
  // week, then the mean over the weeks.
  const int slots = 7 * 24 * 60 / minutes;
  auto history_periods = analytics::PeriodScheme::Create(*granularity, zone, common->scope.from, common->scope.to);
  if (!history_periods) return std::unexpected(history_periods.error());
  analytics::ReportRequest request;
  request.scope = common->scope;
  request.by = {Dimension::kPeriod};
  request.periods = &*history_periods;
  request.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  Result<analytics::Report> history;
  {
    auto lock = Current();
    history = analytics::Aggregate(projection_, request);
  }
  if (!history) return std::unexpected(history.error());
  // Weeks are counted in local time: across a change of summer time a local week is 167
  // or 169 hours, and a slot belongs to the week its wall-clock time falls in.
  std::vector<double> past(static_cast<std::size_t>(slots * weeks), 0);
  analytics::PeriodScheme::Hint hint;
  const std::int64_t local_from = LocalMs(common->scope.from, *tz);
  for (const analytics::Group& g : history->groups) {
    // The first period may start before `from`; its contacts arrived after it.
    const Instant at = std::max(history_periods->Start(g.key[0]), common->scope.from);
    const auto week = static_cast<std::size_t>(
        std::clamp<std::int64_t>((LocalMs(at, *tz) - local_from) / kWeekMs, 0, weeks - 1));
    const auto slot = history_periods->MinuteOfWeek(at, hint) / minutes;
    past[week * slots + slot] += static_cast<double>(g.tally.offered);
  }
  auto forecast = analytics::ForecastWeek(past, slots, static_cast<int>(weeks));
  if (!forecast) return std::unexpected(forecast.error());
  const double handle = aht.value_or(analytics::RatesOf(history->total).aht_seconds.value_or(0));
  if (handle <= 0) {
    return Fail(ErrorCode::kBadRequest, "no handle time: the history has no handled contact",
                {{"aht_seconds", "is required when the history has no handled contact"}});
  }

  // The planned week's intervals, in local time: a week of wall-clock time, which a DST
  // change makes an hour shorter or longer; each interval takes the forecast of its slot.
  const Instant plan_end = LocalDaysAfter(start, 7, *tz);
  auto plan_periods = analytics::PeriodScheme::Create(*granularity, zone, start, plan_end);
  if (!plan_periods) return std::unexpected(plan_periods.error());
  std::vector<analytics::IntervalLoad> loads;
  std::vector<std::string> labels;
  analytics::PeriodScheme::Hint plan_hint;
  for (std::uint32_t i = 0; i < plan_periods->count(); ++i) {
    const Instant at = std::max(plan_periods->Start(i), start);
    // Local times the clocks skip (spring forward) make periods without time: no interval.
    const Instant next = i + 1 < plan_periods->count() ? plan_periods->Start(i + 1) : plan_end;
    if (next <= at) continue;
    const auto slot = plan_periods->MinuteOfWeek(at, plan_hint) / minutes;
    loads.push_back({at.ms, (*forecast)[slot], handle});
    labels.push_back(plan_periods->Label(i));
  }
  auto plan = analytics::PlanIntervals(loads, minutes * 60, target);
  if (!plan) return std::unexpected(plan.error());

  json::array intervals;
  double agent_hours = 0, scheduled_hours = 0;
  for (std::size_t i = 0; i < plan->size(); ++i) {
    const analytics::IntervalPlan& p = (*plan)[i];
    json::object entry{{"start", FormatRfc3339(Instant{p.load.start_ms})},
                       {"label", labels[i]},
                       {"forecast_contacts", Rounded(p.load.contacts, 100)},
                       {"traffic_erlangs", Rounded(p.traffic, 1000)}};
    for (auto& [key, value] : StaffingJson(p.staffing)) entry[key] = value;
    intervals.push_back(std::move(entry));
    agent_hours += p.staffing.agents * minutes / 60.0;
    scheduled_hours += p.staffing.scheduled * minutes / 60.0;
  }
  json::object parameters = common->Json({});
  for (const char* drop : {"group_by", "threshold_seconds", "short_abandon_seconds", "fcr_days", "period", "from", "to"}) {
    parameters.erase(drop);
  }
  parameters["week_from"] = FormatRfc3339(start);
  parameters["history_from"] = FormatRfc3339(common->scope.from);
  parameters["weeks"] = weeks;
  parameters["period"] = analytics::Name(*granularity);
  parameters["aht_seconds"] = Rounded(handle, 10);
  parameters["service_level_percent"] = target.service_level * 100;
  parameters["threshold_seconds"] = target.threshold_seconds;
  parameters["max_occupancy_percent"] = target.max_occupancy * 100;
  parameters["shrinkage_percent"] = target.shrinkage * 100;
  parameters["patience_seconds"] = target.patience_seconds ? json::value(*target.patience_seconds) : json::value(nullptr);
  return json::object{{"report", "staffing"},
                      {"parameters", std::move(parameters)},
                      {"intervals", std::move(intervals)},
                      {"agent_hours", Rounded(agent_hours, 100)},
                      {"scheduled_agent_hours", Rounded(scheduled_hours, 100)}};
}

}  // namespace rapport::app
