#include "app/signal_report.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analytics/periods.hpp"
#include "analytics/stretches.hpp"
#include "app/report_params.hpp"
#include "app/scan.hpp"
#include "signals/signals.hpp"

namespace rapport::app {

namespace json = boost::json;
using analytics::StretchCounts;
using signals::Rule;
using signals::Severity;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kMaxRangeMs = 20LL * 366 * kDayMs;
constexpr auto& kRuleNames = domain::EnumNames<Rule>::kNames;
constexpr auto& kSeverityNames = domain::EnumNames<Severity>::kNames;
constexpr std::uint32_t kSeverities = kSeverityNames.size();
constexpr std::uint32_t kKeys = kRuleNames.size() * kSeverities;  // a stretch's key: rule × severity

// A recorded signal as the report reads it.
struct Recorded {
  std::optional<Id> case_id;
  analytics::Stretch stretch;
};

json::object CountsJson(const StretchCounts& c, bool live_known) {
  return {{"raised", c.began},
          {"cleared", c.ended},
          {"live_at_end", live_known ? json::value(c.open_at_end) : json::value(nullptr)}};
}

void Add(StretchCounts& sum, const StretchCounts& c) {
  sum.began += c.began;
  sum.ended += c.ended;
  sum.open_at_end += c.open_at_end;
}

// The counts of every key summed: in all, by rule and by severity (every rule and
// severity listed, in their order, zeros included, so that every period has one shape).
json::object Breakdown(const std::vector<StretchCounts>& by_key, bool live_known) {
  StretchCounts all;
  std::vector<StretchCounts> rules(kRuleNames.size()), severities(kSeverities);
  for (std::uint32_t key = 0; key < kKeys; ++key) {
    Add(all, by_key[key]);
    Add(rules[key / kSeverities], by_key[key]);
    Add(severities[key % kSeverities], by_key[key]);
  }
  json::object out = CountsJson(all, live_known);
  json::array by_rule, by_severity;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    json::object o{{"rule", kRuleNames[r]}};
    for (auto& [k, v] : CountsJson(rules[r], live_known)) o[k] = v;
    by_rule.push_back(std::move(o));
  }
  for (std::size_t s = 0; s < severities.size(); ++s) {
    json::object o{{"severity", kSeverityNames[s]}};
    for (auto& [k, v] : CountsJson(severities[s], live_known)) o[k] = v;
    by_severity.push_back(std::move(o));
  }
  out["by_rule"] = std::move(by_rule);
  out["by_severity"] = std::move(by_severity);
  return out;
}

// The recorded signals that overlap [from, to) and that `who` may see.
Result<std::vector<analytics::Stretch>> ReadStretches(store::Store& store, const Principal& who,
                                                      Instant from, Instant to) {
  std::vector<Recorded> rows;
  auto read = store.Read([&](store::Session& s) -> Result<void> {
    auto scanned = s.Scan("signals", {"case_id", "rule", "severity", "first_seen", "cleared_at"}, 1,
                          kLastId, [&](const store::ScanRow& r) {
                            const Instant begin{r.Int(3)};
                            const std::optional<Instant> end = OptionalInstant(r, 4);
                            if (begin >= to || (end && *end < from)) return;
                            // Rows of a rule this build does not know (written by a newer
                            // server) are left out.
                            auto rule = domain::EnumFromName<Rule>(r.Text(1));
                            auto severity = domain::EnumFromName<Severity>(r.Text(2));
                            if (!rule || !severity) return;
                            const auto key = static_cast<std::uint32_t>(*rule) * kSeverities +
                                             static_cast<std::uint32_t>(*severity);
                            rows.push_back({OptionalId(r, 0), {begin, end, key}});
                          });
    if (!scanned || !who.IsVendorAgent()) return scanned;
    // A vendor agent: only signals of no case and of its own vendor's cases.
    std::vector<Id> cases;
    for (const Recorded& row : rows) {
      if (row.case_id) cases.push_back(*row.case_id);
    }
    std::set<Id> own;
    auto vendors = ScanIds(s, "cases", {"id", "vendor_id"}, SortedUnique(std::move(cases)),
                           [&](const store::ScanRow& r) {
                             if (OptionalId(r, 1) == who.vendor_id) own.insert(r.Int(0));
                           });
    if (!vendors) return vendors;
    std::erase_if(rows, [&](const Recorded& row) { return row.case_id && !own.contains(*row.case_id); });
    return {};
  });
  if (!read) return std::unexpected(read.error());
  std::vector<analytics::Stretch> out;
  out.reserve(rows.size());
  for (const Recorded& row : rows) out.push_back(row.stretch);
  return out;
}

}  // namespace

Result<json::value> SignalReport(store::Store& store, const Principal& who,
                                 const ReportParams& params, Instant now) {
  ParamReader reader(params);
  const std::string zone = reader.Take("time_zone").value_or("UTC");
  auto granularity = analytics::Granularity::kMonth;
  if (auto text = reader.Take("period")) {
    auto parsed = analytics::ParseGranularity(*text);
    if (parsed == analytics::Granularity::kDay || parsed == analytics::Granularity::kWeek ||
        parsed == analytics::Granularity::kMonth) {
      granularity = *parsed;
    } else {
      reader.Bad("period", "must be day, week or month, not '" + *text + "'");
    }
  }
  const auto given_from = reader.When("from", zone);
  const auto given_to = reader.When("to", zone);
  const Instant to = given_to.value_or(now);
  const Instant from = given_from.value_or(Instant{to.ms - 365 * kDayMs});
  std::optional<analytics::PeriodScheme> periods;
  if (to <= from) {
    reader.Bad("to", "must be after from");
  } else if (to.ms - from.ms > kMaxRangeMs) {
    reader.Bad("to", "a report covers at most 20 years");
  } else if (auto scheme = analytics::PeriodScheme::Create(granularity, zone, from, to); scheme) {
    periods = std::move(*scheme);
  } else {
    for (const auto& f : scheme.error().fields) reader.Bad(f.field, f.message);
  }
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());

  auto stretches = ReadStretches(store, who, from, to);
  if (!stretches) return std::unexpected(stretches.error());
  const analytics::StretchReport counts =
      analytics::CountStretches(*stretches, kKeys, *periods, from, to, now);

  json::array rows;
  std::vector<StretchCounts> total(kKeys);
  for (std::uint32_t p = 0; p < periods->count(); ++p) {
    const bool known = p < counts.known_periods;
    json::object row{{"period", {{"label", periods->Label(p)}, {"start", FormatRfc3339(periods->Start(p))}}}};
    for (auto& [k, v] : Breakdown(counts.counts[p], known)) row[k] = v;
    rows.push_back(std::move(row));
    for (std::uint32_t key = 0; key < kKeys; ++key) {
      total[key].began += counts.counts[p][key].began;
      total[key].ended += counts.counts[p][key].ended;
      if (known) total[key].open_at_end = counts.counts[p][key].open_at_end;  // the last known
    }
  }
  return json::object{{"report", "signals"},
                      {"parameters",
                       {{"from", FormatRfc3339(from)},
                        {"to", FormatRfc3339(to)},
                        {"time_zone", zone},
                        {"period", analytics::Name(granularity)}}},
                      {"periods", std::move(rows)},
                      {"total", Breakdown(total, counts.known_periods > 0)}};
}

}  // namespace rapport::app
