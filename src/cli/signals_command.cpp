#include "cli/signals_command.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "app/ledger.hpp"
#include "app/signal_index.hpp"
#include "app/signal_lists.hpp"
#include "cli/option_errors.hpp"
#include "cli/table.hpp"
#include "signals/config.hpp"

namespace rapport::cli {

namespace json = boost::json;

Result<signals::SignalConfig> LoadSignalConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kInvalid, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const json::value parsed = json::parse(text.str(), ec);
  if (ec) return Fail(ErrorCode::kInvalid, path + " is not JSON: " + ec.message());
  auto config = signals::ConfigFromJson(parsed);
  if (!config) {
    Error error = config.error();
    error.message = path + ": " + error.message;
    return std::unexpected(std::move(error));
  }
  return config;
}

CLI::App* AddSignalsCommand(CLI::App& app, SignalsOptions& options) {
  auto* command = app.add_subcommand("signals", "the live signals: relationships coming apart");
  command->add_option("--config", options.config_file, "thresholds, a JSON file (docs/signals.md)");
  command->add_option("--format", options.format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  // Every other option is a parameter of the list, checked by it.
  for (const char* name : {"account-id", "case-id", "rule", "severity", "limit", "cursor"}) {
    std::string param = name;
    std::replace(param.begin(), param.end(), '-', '_');
    command->add_option_function<std::string>(
        std::string("--") + name,
        [&options, param](const std::string& value) { options.params.emplace_back(param, value); },
        "see docs/signals.md");
  }
  return command;
}

namespace {

std::string Text(const json::value& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

}  // namespace

int RunSignalsCommand(const SignalsOptions& options, store::Store& store, std::ostream& out,
                      std::ostream& err) {
  signals::SignalConfig config;
  if (!options.config_file.empty()) {
    auto loaded = LoadSignalConfig(options.config_file);
    if (!loaded) {
      err << "rapport: " << loaded.error().message << "\n";
      for (const auto& f : loaded.error().fields) err << "  " << f.field << ": " << f.message << "\n";
      return 1;
    }
    config = std::move(*loaded);
  }
  app::SignalIndex index(store, std::move(config));
  if (auto loaded = index.Load(Now()); !loaded) {
    err << "rapport: " << loaded.error().message << "\n";
    return 1;
  }
  const app::Principal admin{app::kSystemUserId, domain::Role::kAdmin, std::nullopt};
  auto answer = app::ListSignals(index, admin, options.params, {});
  if (!answer) {
    WriteOptionErrors(err, answer.error());
    return 1;
  }
  if (options.format == "json") {
    out << json::serialize(*answer) << "\n";
    return 0;
  }
  const Cells header = {"account", "rule", "severity", "case", "category", "first seen",
                        "evidence", "action"};
  std::vector<Cells> rows;
  for (const json::value& item : answer->at("items").as_array()) {
    const json::object& s = item.as_object();
    rows.push_back({Text(s.at("account_id")), Text(s.at("rule")), Text(s.at("severity")),
                    Text(s.at("case_id")), Text(s.at("category")), Text(s.at("first_seen")),
                    std::to_string(s.at("evidence").as_array().size()), Text(s.at("action"))});
  }
  if (options.format == "csv") {
    WriteCsv(out, header, rows);
  } else {
    WriteTable(out, header, rows);
  }
  if (const json::value* next = answer->as_object().if_contains("next_cursor")) {
    err << "more: --cursor " << Text(*next) << "\n";
  }
  return 0;
}

}  // namespace rapport::cli
