// What the reports share: reading their parameters from name/value text pairs (every bad
// or unknown one named, nothing computed), and naming the ids of a group for its answer.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/periods.hpp"
#include "analytics/service_level.hpp"
#include "app/analytics.hpp"
#include "app/auth.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace rapport::app {

// The range, zone, period, grouping and scope every report reads.
struct CommonParams {
  analytics::Scope scope;
  std::vector<analytics::Dimension> by;
  std::string time_zone;
  analytics::PeriodScheme periods;  // for [scope.from, scope.to)

  boost::json::object Json(const analytics::Definitions& definitions) const;
};

class ParamReader {
 public:
  // `what` names the request in the message on unknown parameters ("report", "timeline").
  explicit ParamReader(const ReportParams& params, std::string_view what = "report");

  // The parameter's text, if given; marks it as read. A repeated parameter is an error.
  std::optional<std::string> Take(std::string_view name);
  bool Has(std::string_view name) const { return params_.contains(std::string(name)); }

  struct CommonOptions {
    // Set: period and group_by are parameters, group_by defaulting to this ("" for none).
    // Unset: they are not, and the periods are months.
    std::optional<std::string_view> default_group_by;
    std::string default_zone = "UTC";
  };
  // from, to, time_zone, period and group_by (see CommonOptions), vendor_id, queue_id,
  // channel, agent_id. A vendor agent is confined to its vendor.
  std::optional<CommonParams> Common(const Principal& who, Instant now, const CommonOptions& options);
  // short_abandon_seconds, fcr_days, fcr_repeat_by and, with `thresholds`,
  // threshold_seconds[.<channel>].
  analytics::Definitions Definitions(bool thresholds = true);
  std::optional<std::int64_t> Integer(std::string_view name, std::int64_t min, std::int64_t max);
  std::optional<double> Number(std::string_view name, double min, double max);
  // An RFC 3339 instant, or a date meaning its local midnight in `zone`.
  std::optional<Instant> When(std::string_view name, const std::string& zone);

  void Bad(std::string_view name, std::string why) { errors_.Add(std::string(name), std::move(why)); }
  // kInvalid naming every bad or unknown parameter; kNotFound for a vendor a vendor agent
  // may not see.
  Result<void> Finish();

 private:
  std::multimap<std::string, std::string> params_;
  std::set<std::string> read_;
  FieldErrors errors_;
  std::optional<Error> not_found_;
  std::string what_;
};

// The names of the vendors, queues and agents a report's groups name.
class Names {
 public:
  static Result<Names> Read(store::Store& store, const std::vector<analytics::Dimension>& by);
  std::string Of(std::string_view table, Id id) const;

  // {"vendor": {"id", "name"}, "channel": "phone", "period": {"label", "start"}, ...}
  boost::json::object Key(const std::vector<analytics::Dimension>& by,
                          const std::vector<std::uint32_t>& key,
                          const analytics::PeriodScheme& periods,
                          const std::vector<std::string>& segment_names) const;

 private:
  std::map<std::pair<std::string, Id>, std::string> names_;
};

// The counts and rates of a tally, rates in percent (two decimals) or seconds (one).
boost::json::object MetricsJson(const analytics::Tally& tally);

}  // namespace rapport::app
