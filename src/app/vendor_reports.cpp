// The vendor reports of app::Analytics: scorecards, coverage hours and agreement deadlines.
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <thread>

#include "analytics/coverage.hpp"
#include "analytics/deadlines.hpp"
#include "analytics/scorecard.hpp"
#include "app/analytics.hpp"
#include "app/report_params.hpp"
#include "sla/calendar.hpp"
#include "store/records.hpp"

namespace rapport::app {

namespace json = boost::json;
using analytics::Dimension;
using domain::Agreement;
using domain::AgreementKind;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

json::value OptionalJson(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value Points(std::optional<double> v) {
  if (!v) return nullptr;
  return std::round(*v * 100) / 100;
}

// The vendor agreements the caller may see, optionally one.
Result<std::vector<Agreement>> VendorAgreements(store::Store& store, const Principal& who,
                                                std::optional<std::uint32_t> vendor,
                                                std::optional<std::int64_t> agreement_id) {
  std::vector<Agreement> out;
  auto read = store.Read([&](store::Session& s) -> Result<void> {
    auto all = store::All<Agreement>(
        s, {{"kind", store::Condition::Op::kEq, std::string(domain::Name(AgreementKind::kVendor))}});
    if (!all) return std::unexpected(all.error());
    for (Agreement& a : *all) {
      if (who.IsVendorAgent() && a.vendor_id != who.vendor_id) continue;
      if (vendor && a.vendor_id != static_cast<Id>(*vendor)) continue;
      if (agreement_id && a.meta.id != *agreement_id) continue;
      out.push_back(std::move(a));
    }
    return {};
  });
  if (!read) return std::unexpected(read.error());
  if (agreement_id && out.empty()) {
    return Fail(ErrorCode::kNotFound, "vendor agreement " + std::to_string(*agreement_id) + " not found");
  }
  return out;
}

// The agreement's contacts: its queues, or its vendor's when it names none, narrowed by
// the caller's queue filter.
analytics::Scope AgreementScope(const analytics::Scope& asked, const Agreement& a) {
  analytics::Scope scope = asked;
  if (a.queue_ids.empty()) {
    scope.vendor = static_cast<std::uint32_t>(*a.vendor_id);
    return scope;
  }
  std::vector<std::uint32_t> queues;
  for (Id q : a.queue_ids) {
    auto id = static_cast<std::uint32_t>(q);
    if (asked.queues.empty() || std::find(asked.queues.begin(), asked.queues.end(), id) != asked.queues.end()) {
      queues.push_back(id);
    }
  }
  // Asked for queues the agreement does not serve: nothing of it is in scope.
  scope.queues = queues.empty() ? std::vector<std::uint32_t>{0} : queues;
  return scope;
}

Instant Midnight(Date date, const date::time_zone& zone) {
  auto sys = zone.to_sys(date::local_days{date::days{date.days}}, date::choose::earliest);
  return Instant{std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count()};
}

Date Today(Instant now, const date::time_zone& zone) {
  auto local = zone.to_local(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{now.ms}});
  return Date{static_cast<std::int32_t>(date::floor<date::days>(local).time_since_epoch().count())};
}

std::string Currency(const Agreement& a) { return a.currency; }

}  // namespace

Result<json::value> Analytics::Scorecard(const Principal& who, const ReportParams& params,
                                         Instant now) const {
  ParamReader reader(params);
  auto common = reader.Common(who, now, {});
  const auto definitions = reader.Definitions(false);
  auto agreement_id = reader.Integer("agreement_id", 1, std::numeric_limits<std::int64_t>::max());
  auto treatment = analytics::AbandonTreatment::kAgainst;
  if (auto text = reader.Take("abandons")) {
    if (auto parsed = analytics::ParseAbandonTreatment(*text)) {
      treatment = *parsed;
    } else {
      reader.Bad("abandons", "must be ignored, against or for; not '" + *text + "'");
    }
  }
  const auto deep_dive = reader.Integer("deep_dive", 0, 50).value_or(5);
  const auto interval_minutes = reader.Integer("interval_minutes", 15, 60).value_or(30);
  if (interval_minutes != 15 && interval_minutes != 30 && interval_minutes != 60) {
    reader.Bad("interval_minutes", "must be 15, 30 or 60");
  }
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
  RAPPORT_CHECK(common.has_value());

  auto agreements = VendorAgreements(store_, who, common->scope.vendor, agreement_id);
  if (!agreements) return std::unexpected(agreements.error());
  auto names = Names::Read(store_, {Dimension::kVendor, Dimension::kQueue, Dimension::kAgent});
  if (!names) return std::unexpected(names.error());
  const auto* zone = date::locate_zone(common->time_zone);

  json::array cards;
  for (const Agreement& a : *agreements) {
    for (std::uint32_t month = 0; month < common->periods.count(); ++month) {
      const Instant month_from = std::max(common->periods.Start(month), common->scope.from);
      const Instant month_to = month + 1 < common->periods.count()
                                   ? common->periods.Start(month + 1)
                                   : common->scope.to;
      // Only months the agreement was in force for.
      if (Midnight(a.start_date, *zone) >= month_to ||
          Midnight(Date{a.end_date.days + 1}, *zone) <= month_from) {
        continue;
      }
      analytics::ScorecardRequest request;
      request.scope = AgreementScope(common->scope, a);
      request.scope.from = month_from;
      request.scope.to = month_to;
      request.treatment = treatment;
      request.definitions = definitions;
      request.deep_dive_limit = static_cast<std::size_t>(deep_dive);
      request.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
      auto hours = analytics::PeriodScheme::Create(analytics::Granularity::kHour, common->time_zone,
                                                   month_from, month_to);
      if (!hours) return std::unexpected(hours.error());
      request.periods = &*hours;

      // Surplus agent-hours when any service-level target is better than its band, with
      // the agents required for every service-level target's contacts (channel targets;
      // a target without a channel only when it is the only one).
      std::vector<analytics::ServiceTarget> service_targets;
      for (const auto& t : a.targets) {
        if (t.metric != domain::Metric::kServiceLevel) continue;
        service_targets.push_back({t.channel ? std::optional(static_cast<std::uint8_t>(*t.channel)) : std::nullopt,
                                   t.target_percent, static_cast<double>(t.threshold_seconds.value_or(20))});
      }
      if (service_targets.size() > 1) {
        std::erase_if(service_targets, [](const analytics::ServiceTarget& t) { return !t.channel; });
      }
      Result<std::vector<analytics::MetricResult>> results;
      std::optional<analytics::Surplus> surplus;
      {
        auto lock = Current();
        results = analytics::EvaluateTargets(projection_, a.targets, request);
        const bool better = results && std::any_of(results->begin(), results->end(), [](const auto& r) {
          return r.target.metric == domain::Metric::kServiceLevel && r.flagged == domain::Deviation::kBetter;
        });
        if (better) {
          auto computed = analytics::SurplusAgentHours(projection_, request.scope, projection_.sessions.all(),
                                                       static_cast<std::uint32_t>(*a.vendor_id),
                                                       service_targets, static_cast<int>(interval_minutes));
          if (!computed) return std::unexpected(computed.error());
          surplus = *computed;
        }
      }
      if (!results) return std::unexpected(results.error());

      std::int64_t penalties = 0, credits = 0;
      json::array metrics;
      for (const analytics::MetricResult& r : *results) {
        json::object m{{"metric", domain::Name(r.target.metric)},
                       {"channel", r.target.channel ? json::value(domain::Name(*r.target.channel)) : json::value(nullptr)},
                       {"target_percent", r.target.target_percent},
                       {"threshold_seconds", OptionalJson(r.target.threshold_seconds)},
                       {"band_points", r.target.band_points},
                       {"actual_percent", Points(r.actual_percent)},
                       {"deviation_points", r.actual_percent ? Points(r.deviation_points) : json::value(nullptr)},
                       {"status", !r.actual_percent ? "no_data"
                                  : r.flagged       ? domain::Name(*r.flagged)
                                                    : "within_band"},
                       {"counts", MetricsJson(r.tally)}};
        if (r.applies) {
          const bool penalty = r.applies->when == domain::Deviation::kWorse;
          (penalty ? penalties : credits) += r.applies->amount_minor;
          m["schedule"] = {{"kind", penalty ? "penalty" : "credit"},
                           {"beyond_points", r.applies->beyond_points},
                           {"amount_minor", r.applies->amount_minor}};
        } else {
          m["schedule"] = nullptr;
        }
        json::array dive;
        for (const analytics::Contribution& c : r.deep_dive) {
          json::object entry = names->Key({c.dimension}, {c.key}, *hours, {});
          entry["dimension"] = analytics::Name(c.dimension);
          entry["contribution_points"] = Points(c.points);
          entry["actual_percent"] = Points(c.actual_percent);
          entry["offered"] = c.tally.offered;
          dive.push_back(std::move(entry));
        }
        m["deep_dive"] = std::move(dive);
        metrics.push_back(std::move(m));
      }
      json::object money{{"currency", Currency(a)},
                         {"penalties_minor", penalties},
                         {"credits_minor", credits}};
      if (surplus) {
        money["staffed_agent_hours"] = Points(surplus->staffed_agent_hours);
        money["required_agent_hours"] = Points(surplus->required_agent_hours);
        money["surplus_agent_hours"] = Points(surplus->surplus_agent_hours);
        money["surplus_cost_minor"] =
            a.cost_per_agent_hour_minor
                ? json::value(std::llround(surplus->surplus_agent_hours *
                                           static_cast<double>(*a.cost_per_agent_hour_minor)))
                : json::value(nullptr);
      }
      cards.push_back(json::object{
          {"agreement",
           {{"id", a.meta.id},
            {"vendor", {{"id", *a.vendor_id}, {"name", names->Of("vendors", *a.vendor_id)}}}}},
          {"month", common->periods.Label(month)},
          {"from", FormatRfc3339(month_from)},
          {"to", FormatRfc3339(month_to)},
          {"metrics", std::move(metrics)},
          {"money", std::move(money)}});
    }
  }
  json::object parameters = common->Json(definitions);
  parameters.erase("threshold_seconds");
  parameters.erase("group_by");
  parameters["abandons"] = analytics::Name(treatment);
  return json::object{{"report", "scorecard"}, {"parameters", std::move(parameters)}, {"scorecards", std::move(cards)}};
}

Result<json::value> Analytics::Coverage(const Principal& who, const ReportParams& params,
                                        Instant now) const {
  ParamReader reader(params);
  if (!reader.Has("agreement_id")) reader.Bad("agreement_id", "is required");
  auto agreement_id = reader.Integer("agreement_id", 1, std::numeric_limits<std::int64_t>::max());
  // The agreement and its calendar first: the calendar's zone is the default.
  std::optional<Agreement> agreement;
  std::optional<domain::Calendar> calendar;
  if (agreement_id) {
    auto found = VendorAgreements(store_, who, std::nullopt, agreement_id);
    if (!found) return std::unexpected(found.error());
    agreement = found->front();
    if (!agreement->coverage_calendar_id) {
      reader.Bad("agreement_id", "agreement " + std::to_string(*agreement_id) + " names no coverage calendar");
    } else {
      auto read = store_.Read([&](store::Session& s) -> Result<void> {
        auto c = store::Get<domain::Calendar>(s, *agreement->coverage_calendar_id);
        if (!c) return std::unexpected(c.error());
        if (*c) calendar = std::move(**c);
        return {};
      });
      if (!read) return std::unexpected(read.error());
    }
  }
  auto common = reader.Common(who, now, {.default_group_by = std::nullopt,
                                         .default_zone = calendar ? calendar->time_zone : "UTC"});
  auto definitions = reader.Definitions(false);
  const double trim_below = reader.Number("trim_below", 0, 1e6).value_or(2);
  const double extend_above = reader.Number("extend_above", 0, 1e6).value_or(5);
  auto level = reader.Number("service_level_percent", 1, 99.99);
  auto threshold = reader.Number("threshold_seconds", 1, 86'400);
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
  RAPPORT_CHECK(common && agreement && calendar);

  // The agreement's own service-level target sizes the agent-hours unless told otherwise.
  const domain::MetricTarget* contracted = nullptr;
  for (const auto& t : agreement->targets) {
    if (t.metric != domain::Metric::kServiceLevel) continue;
    if (!contracted || t.channel == domain::Channel::kPhone) contracted = &t;
  }
  analytics::CoverageRequest request;
  request.scope = AgreementScope(common->scope, *agreement);
  request.definitions = definitions;
  request.trim_below_per_week = trim_below;
  request.extend_above_per_week = extend_above;
  request.service_level_percent = level.value_or(contracted ? contracted->target_percent : 80);
  request.threshold_seconds =
      threshold.value_or(contracted && contracted->threshold_seconds ? static_cast<double>(*contracted->threshold_seconds) : 20);
  request.cost_per_agent_hour_minor = agreement->cost_per_agent_hour_minor;
  request.hours = calendar->hours;
  auto periods = analytics::PeriodScheme::Create(analytics::Granularity::kHour, calendar->time_zone,
                                                 common->scope.from, common->scope.to);
  if (!periods) return std::unexpected(periods.error());
  request.periods = &*periods;
  const auto first_year = static_cast<int>(date::year_month_day{date::floor<date::days>(
      date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{common->scope.from.ms - 2 * kDayMs}})}.year());
  const auto last_year = static_cast<int>(date::year_month_day{date::floor<date::days>(
      date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{common->scope.to.ms + 2 * kDayMs}})}.year());
  auto compiled = sla::BusinessCalendar::Compile(*calendar, first_year, last_year);
  if (!compiled) return std::unexpected(compiled.error());
  request.covered = [&compiled](Instant at) { return compiled->NextBusiness(at) == at; };

  Result<analytics::Coverage> coverage;
  {
    auto lock = Current();
    coverage = analytics::AnalyseCoverage(projection_, request);
  }
  if (!coverage) return std::unexpected(coverage.error());

  auto cell = [](const analytics::CoverageCell& c) {
    return json::object{{"contacts", c.contacts}, {"answered", c.answered}, {"missed", c.missed}};
  };
  auto minute_json = [](std::uint32_t minute) {
    minute %= 7 * 1440;
    return json::object{{"weekday", domain::Name(static_cast<domain::Weekday>(minute / 1440))},
                        {"time", FormatTimeOfDay(TimeOfDay{static_cast<std::int32_t>(minute % 1440)})}};
  };
  auto block_json = [&](const analytics::CoverageBlock& b) {
    return json::object{{"from", minute_json(b.start)}, {"to", minute_json(b.start + b.length)}};
  };
  auto hour_json = [](std::uint32_t hour) {
    return json::object{{"hour", hour}, {"weekday", domain::Name(static_cast<domain::Weekday>(hour / 24))}, {"local_hour", hour % 24}};
  };
  json::array hours;
  for (std::uint32_t h = 0; h < 168; ++h) {
    json::object entry = hour_json(h);
    entry["inside"] = cell(coverage->hours[h].inside);
    entry["outside"] = cell(coverage->hours[h].outside);
    hours.push_back(std::move(entry));
  }
  json::array edges;
  for (const auto& e : coverage->edges) {
    edges.push_back(json::object{{"block", block_json(e.block)},
                                 {"edge", e.first ? "first_hour" : "last_hour"},
                                 {"contacts", e.contacts},
                                 {"per_week", Points(e.per_week)}});
  }
  json::array recommendations;
  for (const auto& r : coverage->recommendations) {
    json::object entry{{"action", r.kind == analytics::Recommendation::Kind::kTrim ? "trim" : "extend"},
                       {"hour_of_week", hour_json(r.hour_of_week)},
                       {"contacts_per_week", Points(r.contacts_per_week)},
                       {"agents", r.agents},
                       {"agent_hours_per_year", Points(r.agent_hours_per_year)},
                       {"money_per_year_minor", OptionalJson(r.money_per_year_minor)},
                       {"currency", agreement->currency}};
    if (r.edge) {
      entry["block"] = block_json(r.edge->block);
      entry["edge"] = r.edge->first ? "first_hour" : "last_hour";
    }
    recommendations.push_back(std::move(entry));
  }
  json::object parameters = common->Json(definitions);
  parameters.erase("threshold_seconds");
  parameters.erase("group_by");
  parameters.erase("period");
  parameters.erase("fcr_days");
  parameters["agreement_id"] = agreement->meta.id;
  parameters["calendar_id"] = calendar->meta.id;
  parameters["trim_below"] = trim_below;
  parameters["extend_above"] = extend_above;
  parameters["service_level_percent"] = request.service_level_percent;
  parameters["threshold_seconds"] = request.threshold_seconds;
  return json::object{{"report", "coverage"},
                      {"parameters", std::move(parameters)},
                      {"weeks", Points(coverage->weeks)},
                      {"average_handle_time_seconds", Points(coverage->handle_seconds)},
                      {"hours", std::move(hours)},
                      {"edges", std::move(edges)},
                      {"recommendations", std::move(recommendations)}};
}

Result<json::value> Analytics::Deadlines(const Principal& who, const ReportParams& params,
                                         Instant now) const {
  ParamReader reader(params);
  const std::string zone_name = reader.Take("time_zone").value_or("UTC");
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    reader.Bad("time_zone", "'" + zone_name + "' is not an IANA time zone");
  }
  std::vector<std::int64_t> leads = {90, 60, 30, 7};
  if (auto text = reader.Take("lead_days")) {
    leads.clear();
    std::size_t start = 0;
    while (start <= text->size()) {
      std::size_t comma = std::min(text->find(',', start), text->size());
      std::string part = text->substr(start, comma - start);
      std::int64_t lead = -1;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), lead);
      if (ec != std::errc() || end != part.data() + part.size() || lead < 0 || lead > 3650) {
        reader.Bad("lead_days", "'" + part + "' is not a number of days from 0 to 3650");
      } else {
        leads.push_back(lead);
      }
      start = comma + 1;
    }
  }
  std::optional<AgreementKind> kind;
  if (auto text = reader.Take("kind")) {
    kind = domain::EnumFromName<AgreementKind>(*text);
    if (!kind) reader.Bad("kind", "must be customer or vendor, not '" + *text + "'");
  }
  auto within = reader.Integer("within_days", 0, 36'500);
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());

  const Date today = Today(now, *zone);
  struct Row {
    Agreement agreement;
    std::string party;
    analytics::NoticeDeadline notice;
  };
  std::vector<Row> rows;
  auto read = store_.Read([&](store::Session& s) -> Result<void> {
    auto agreements = store::All<Agreement>(s);
    if (!agreements) return std::unexpected(agreements.error());
    auto accounts = store::All<domain::Account>(s);
    if (!accounts) return std::unexpected(accounts.error());
    auto vendors = store::All<domain::Vendor>(s);
    if (!vendors) return std::unexpected(vendors.error());
    std::map<std::pair<int, Id>, std::string> party;
    for (const auto& x : *accounts) party[{0, x.meta.id}] = x.name;
    for (const auto& x : *vendors) party[{1, x.meta.id}] = x.name;
    for (Agreement& a : *agreements) {
      // A vendor agent sees neither customer agreements nor other vendors' contracts.
      if (who.IsVendorAgent() && (a.kind != AgreementKind::kVendor || a.vendor_id != who.vendor_id)) continue;
      if (kind && a.kind != *kind) continue;
      auto notice = analytics::NoticeOf(a, today, leads);
      if (within && !notice.passed && notice.days_remaining > *within) continue;
      const bool vendor = a.kind == AgreementKind::kVendor;
      std::string name = party[{vendor ? 1 : 0, vendor ? *a.vendor_id : *a.account_id}];
      rows.push_back({std::move(a), std::move(name), std::move(notice)});
    }
    return {};
  });
  if (!read) return std::unexpected(read.error());
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return std::pair(x.notice.deadline, x.agreement.meta.id) < std::pair(y.notice.deadline, y.agreement.meta.id);
  });

  json::array items;
  for (const Row& row : rows) {
    const Agreement& a = row.agreement;
    const bool vendor = a.kind == AgreementKind::kVendor;
    json::array alerts;
    for (const auto& alert : row.notice.alerts) {
      alerts.push_back(json::object{{"lead_days", alert.lead_days}, {"on", FormatDate(alert.on)}, {"reached", alert.reached}});
    }
    json::object item{{"agreement_id", a.meta.id},
                      {"kind", domain::Name(a.kind)},
                      {"party", {{vendor ? "vendor_id" : "account_id", vendor ? *a.vendor_id : *a.account_id}, {"name", row.party}}},
                      {"end_date", FormatDate(a.end_date)},
                      {"auto_renew", a.auto_renew},
                      {"notice_days", a.notice_days},
                      {"notice_deadline", FormatDate(row.notice.deadline)},
                      {"days_remaining", row.notice.days_remaining},
                      {"status", row.notice.passed ? "passed" : "open"},
                      {"alerts", std::move(alerts)}};
    // A vendor agent never sees contract money.
    if (!who.IsVendorAgent()) {
      item["annual_value_minor"] = a.annual_value_minor;
      item["currency"] = a.currency;
    }
    items.push_back(std::move(item));
  }
  json::array lead_json;
  for (auto l : leads) lead_json.push_back(l);
  json::object parameters{{"time_zone", zone_name}, {"today", FormatDate(today)}, {"lead_days", std::move(lead_json)}};
  if (kind) parameters["kind"] = domain::Name(*kind);
  if (within) parameters["within_days"] = *within;
  return json::object{{"report", "deadlines"}, {"parameters", std::move(parameters)}, {"agreements", std::move(items)}};
}

}  // namespace rapport::app
