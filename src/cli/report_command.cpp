#include "cli/report_command.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cmath>

#include "app/advocacy.hpp"
#include "app/analytics.hpp"
#include "app/ledger.hpp"
#include "app/signal_report.hpp"
#include "cli/option_errors.hpp"
#include "cli/table.hpp"

namespace rapport::cli {

namespace json = boost::json;

namespace {

using Method = Result<json::value> (app::Analytics::*)(const app::Principal&, const app::ReportParams&,
                                                       Instant) const;

// Reports over the store rather than the analytics projection (no projection to load).
using StoreReport = Result<json::value> (*)(store::Store&, const app::Principal&,
                                            const app::ReportParams&, Instant);

Result<json::value> Review(store::Store& store, const app::Principal& who,
                           const app::ReportParams& params, Instant now) {
  return app::Advocacy(store).Review(who, params, now);
}

struct ReportKind {
  const char* command;
  const char* description;
  Method method;
  const char* rows;     // the answer's array printed one row per element; null: every
                        // array of the answer as a titled section
  const char* explode;  // within each, an array printed one row per element, if any
  StoreReport store_report = nullptr;  // instead of `method`
};

constexpr ReportKind kReports[] = {
    {"service-level", "service level, abandonment, ASA, AHT and first-contact resolution",
     &app::Analytics::ServiceLevel, "groups", nullptr},
    {"scorecard", "vendor scorecards per agreement and month", &app::Analytics::Scorecard,
     "scorecards", "metrics"},
    {"coverage", "coverage hours of a vendor agreement (by hour of week; recommendations)",
     &app::Analytics::Coverage, "hours", nullptr},
    {"staffing", "agents required per interval of the coming week, or for one interval",
     &app::Analytics::Staffing, "intervals", nullptr},
    {"deadlines", "agreements' notice deadlines", &app::Analytics::Deadlines, "agreements", nullptr},
    {"review", "management review of escalations (categories, factor owners, stages, money, trend)",
     nullptr, nullptr, nullptr, &Review},
    {"signals", "signals raised, cleared and live per period, by rule and severity", nullptr,
     "periods", nullptr, &app::SignalReport},
};

std::string Text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::null: return "";
    case json::kind::double_: return fmt::format("{}", std::round(v.get_double() * 100) / 100);
    default: return json::serialize(v);
  }
}

// One row's cells by column name: nested objects flattened with dots, except records
// named by their name (or label), which take one cell; arrays left to the JSON format.
void Flatten(const json::object& object, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& cells) {
  for (const auto& [key, value] : object) {
    std::string name = prefix + std::string(key);
    if (key == "metrics" || key == "counts") name = prefix;  // the row's main figures
    if (const auto* o = value.if_object()) {
      if (const auto* n = o->if_contains("name")) {
        cells.emplace_back(std::string(key), Text(*n));
      } else if (const auto* l = o->if_contains("label")) {
        cells.emplace_back(std::string(key), Text(*l));
      } else if (key == "hour_of_week" && o->contains("weekday")) {
        cells.emplace_back("hour_of_week", Text(o->at("weekday")) + " " + Text(o->at("local_hour")) + ":00");
      } else {
        Flatten(*o, name.empty() ? "" : name + ".", cells);
      }
    } else if (!value.is_array()) {
      cells.emplace_back(name, Text(value));
    }
  }
}

// The rows' cells under the union of their columns, in order of first appearance.
std::pair<Cells, std::vector<Cells>> Tabulate(const std::vector<json::object>& rows) {
  Cells header;
  std::vector<std::vector<std::pair<std::string, std::string>>> flat;
  for (const auto& row : rows) {
    flat.emplace_back();
    Flatten(row, "", flat.back());
    for (const auto& [name, _] : flat.back()) {
      if (std::find(header.begin(), header.end(), name) == header.end()) header.push_back(name);
    }
  }
  std::vector<Cells> cells;
  for (const auto& row : flat) {
    Cells line(header.size());
    for (const auto& [name, value] : row) {
      line[std::find(header.begin(), header.end(), name) - header.begin()] = value;
    }
    cells.push_back(std::move(line));
  }
  return {std::move(header), std::move(cells)};
}

// Every array of the answer as a titled table (or CSV block), in the answer's order.
void PrintSections(const json::object& top, const std::string& format, std::ostream& out) {
  bool first = true;
  for (const auto& [name, value] : top) {
    if (!value.is_array()) continue;
    std::vector<json::object> rows;
    for (const auto& item : value.as_array()) {
      json::object row = item.as_object();
      // Money by currency: one cell per currency and figure.
      if (const auto* money = row.if_contains("money"); money && money->is_array()) {
        json::object flat;
        for (const auto& m : money->as_array()) {
          const auto& o = m.as_object();
          std::string currency(o.at("currency").as_string());
          for (const auto& [k, v] : o) {
            if (k != "currency") flat[currency + " " + std::string(k)] = v;
          }
        }
        row.erase("money");
        for (const auto& [k, v] : flat) row[k] = v;
      }
      rows.push_back(std::move(row));
    }
    auto [header, cells] = Tabulate(rows);
    out << (first ? "" : "\n") << name << "\n";
    first = false;
    if (format == "csv") {
      WriteCsv(out, header, cells);
    } else {
      WriteTable(out, header, cells);
    }
  }
}

void Print(const json::value& answer, const ReportKind& kind, const std::string& format, std::ostream& out) {
  std::vector<json::object> rows;
  const json::object& top = answer.as_object();
  if (!kind.rows) return PrintSections(top, format, out);
  if (const auto* list = top.if_contains(kind.rows); list && list->is_array()) {
    for (const auto& item : list->as_array()) {
      const json::object& o = item.as_object();
      if (!kind.explode) {
        rows.push_back(o);
        continue;
      }
      for (const auto& part : o.at(kind.explode).as_array()) {
        json::object merged = o;
        merged.erase(kind.explode);
        for (const auto& [k, v] : part.as_object()) merged[k] = v;
        rows.push_back(std::move(merged));
      }
    }
  } else if (const auto* single = top.if_contains("staffing")) {
    rows.push_back(single->as_object());  // the calculator's one answer
  }
  auto [header, cells] = Tabulate(rows);
  if (format == "csv") return WriteCsv(out, header, cells);
  WriteTable(out, header, cells);
  // A table has room for a report's second list (coverage's recommendations).
  if (const auto* more = top.if_contains("recommendations"); more && !more->as_array().empty()) {
    std::vector<json::object> extra;
    for (const auto& r : more->as_array()) extra.push_back(r.as_object());
    auto [extra_header, extra_cells] = Tabulate(extra);
    out << "\nrecommendations\n";
    WriteTable(out, extra_header, extra_cells);
  }
}

}  // namespace

CLI::App* AddReportCommand(CLI::App& app, ReportOptions& options) {
  auto* report = app.add_subcommand("report", "service reports (as the API's /api/v1/reports/...)");
  report->require_subcommand(1);
  report->add_option("--format", options.format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  for (const ReportKind& kind : kReports) {
    auto* sub = report->add_subcommand(kind.command, kind.description);
    sub->allow_extras();  // the report's parameters, checked by the report itself
    sub->footer("Parameters: see GET /api/v1/reports/" + std::string(kind.command) +
                " in the OpenAPI document; spell them --name value.");
    options.reports.push_back(sub);
  }
  return report;
}

int RunReportCommand(const ReportOptions& options, store::Store& store, std::ostream& out,
                     std::ostream& err) {
  const ReportKind* kind = nullptr;
  const CLI::App* sub = nullptr;
  for (std::size_t i = 0; i < options.reports.size(); ++i) {
    if (options.reports[i]->parsed()) {
      kind = &kReports[i];
      sub = options.reports[i];
    }
  }
  RAPPORT_CHECK(kind != nullptr);
  // --name value or --name=value pairs, dashes in names read as underscores; --format may
  // come after the report's name too.
  std::string format = options.format;
  app::ReportParams params;
  const std::vector<std::string> extras = sub->remaining();
  for (std::size_t i = 0; i < extras.size(); ++i) {
    const std::string& word = extras[i];
    if (!word.starts_with("--") || word.size() < 3) {
      err << "rapport report: '" << word << "' is not a --parameter\n";
      return 1;
    }
    std::string name = word.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < extras.size()) {
      value = extras[++i];
    } else {
      err << "rapport report: --" << name << " needs a value\n";
      return 1;
    }
    if (name == "format") {
      if (value != "table" && value != "csv" && value != "json") {
        err << "rapport report: --format is table, csv or json, not '" << value << "'\n";
        return 1;
      }
      format = value;
      continue;
    }
    std::replace(name.begin(), name.end(), '-', '_');
    params.emplace_back(std::move(name), std::move(value));
  }

  const app::Principal admin{app::kSystemUserId, domain::Role::kAdmin, std::nullopt};
  Result<json::value> answer;
  if (kind->store_report) {
    answer = kind->store_report(store, admin, params, Now());
  } else {
    app::Analytics analytics(store);
    if (auto loaded = analytics.Load(); !loaded) {
      err << "rapport: " << loaded.error().message << "\n";
      return 1;
    }
    answer = (analytics.*(kind->method))(admin, params, Now());
  }
  if (!answer) {
    WriteOptionErrors(err, answer.error());
    return 1;
  }
  if (format == "json") {
    out << json::serialize(*answer) << "\n";
  } else {
    Print(*answer, *kind, format, out);
  }
  return 0;
}

}  // namespace rapport::cli
