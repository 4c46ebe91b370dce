// `rapport signals [--account-id N] [--case-id N] [--rule R] [--severity S] [--limit N]
// [--cursor C] [--config FILE] [--format table|csv|json]`: the live signals of a data directory as of now, evaluated
// from the store as `rapport serve` would at start-up (app/signal_lists.hpp), as the
// administrator.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "signals/signals.hpp"
#include "store/store.hpp"

namespace rapport::cli {

struct SignalsOptions {
  std::string format = "table";
  std::string config_file;  // thresholds (signals/config.hpp); empty: the defaults
  std::vector<std::pair<std::string, std::string>> params;  // filled while parsing
};

// The thresholds in a JSON file (signals/config.hpp); kInvalid naming the file and what is
// wrong with it.
Result<signals::SignalConfig> LoadSignalConfig(const std::string& path);

// Adds `signals` to `app`. Returns the command.
CLI::App* AddSignalsCommand(CLI::App& app, SignalsOptions& options);

// The answer on `out`, errors on `err`; the exit status (1 on a bad option or failed read).
int RunSignalsCommand(const SignalsOptions& options, store::Store& store, std::ostream& out,
                      std::ostream& err);

}  // namespace rapport::cli
