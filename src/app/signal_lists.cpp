#include "app/signal_lists.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <tuple>

#include "app/ledger.hpp"
#include "app/report_params.hpp"

namespace rapport::app {

namespace json = boost::json;
using signals::Signal;

namespace {

// A signal's place in the list as a cursor: "<account>.<rule>.<case or 0>.<category>".
std::string CursorOf(const Signal& s) {
  return std::to_string(s.account_id) + "." + std::string(domain::Name(s.rule)) + "." +
         std::to_string(s.case_id.value_or(0)) + "." + s.category.value_or("");
}

using Position = std::tuple<Id, signals::Rule, Id, std::string>;

Position PositionOf(const Signal& s) {
  return {s.account_id, s.rule, s.case_id.value_or(0), s.category.value_or("")};
}

std::optional<Position> ParseCursor(std::string_view text) {
  std::array<std::string_view, 3> parts;
  for (auto& part : parts) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    part = text.substr(0, dot);
    text.remove_prefix(dot + 1);
  }
  Id account = 0, kase = 0;
  for (auto [part, out] : {std::pair{parts[0], &account}, std::pair{parts[2], &kase}}) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *out);
    if (ec != std::errc() || end != part.data() + part.size() || *out < 0) return std::nullopt;
  }
  auto rule = domain::EnumFromName<signals::Rule>(parts[1]);
  if (!rule) return std::nullopt;
  return Position{account, *rule, kase, std::string(text)};
}

}  // namespace

Result<json::value> ListSignals(const SignalIndex& index, const Principal& who,
                                const ReportParams& params, SignalScope scope) {
  ParamReader reader(params);
  SignalIndex::Query query{scope.account_id, scope.case_id, std::nullopt, std::nullopt};
  const bool global = !scope.account_id && !scope.case_id;
  if (global) {
    query.account_id = reader.Integer("account_id", 1, std::numeric_limits<Id>::max());
    query.case_id = reader.Integer("case_id", 1, std::numeric_limits<Id>::max());
  }
  if (auto rule = reader.Take("rule")) {
    query.rule = domain::EnumFromName<signals::Rule>(*rule);
    if (!query.rule) reader.Bad("rule", "is not a rule");
  }
  if (auto severity = reader.Take("severity")) {
    query.min_severity = domain::EnumFromName<signals::Severity>(*severity);
    if (!query.min_severity) reader.Bad("severity", "is not low, medium or high");
  }
  const std::int64_t limit = reader.Integer("limit", 1, kMaxPageSize).value_or(100);
  std::optional<Position> after;
  if (auto cursor = reader.Take("cursor")) {
    after = ParseCursor(*cursor);
    if (!after) reader.Bad("cursor", "is not a cursor this server gave");
  }
  if (auto r = reader.Finish(); !r) return std::unexpected(r.error());
  if (!index.loaded()) {
    return Fail(ErrorCode::kUnavailable,
                "the signals are still being read after start-up; try again in a minute");
  }

  if (query.account_id && !index.HasAccount(*query.account_id)) {
    return Fail(ErrorCode::kNotFound, "account " + std::to_string(*query.account_id) + " not found");
  }
  if (query.case_id) {
    auto vendor = index.CaseVendor(*query.case_id);
    if (!vendor || (who.IsVendorAgent() && *vendor != who.vendor_id)) {
      return Fail(ErrorCode::kNotFound, "case " + std::to_string(*query.case_id) + " not found");
    }
  }

  json::array items;
  const Signal* last = nullptr;
  bool more = false;
  const std::vector<Signal> live = index.Live(who, query);
  for (const Signal& s : live) {
    if (after && PositionOf(s) <= *after) continue;
    if (static_cast<std::int64_t>(items.size()) == limit) {
      more = true;
      break;
    }
    items.push_back(SignalJson(s));
    last = &s;
  }
  json::object body{{"items", std::move(items)}};
  if (more) body["next_cursor"] = CursorOf(*last);
  return body;
}

}  // namespace rapport::app
