// `rapport staff`: the staffing calculator (one interval from --calls) and the per-interval
// plan (from --volumes FILE.csv), printed as a table, CSV or JSON. Definitions:
// docs/staffing.md. Reads only the volumes file; touches no store.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>

namespace rapport::cli {

// The command line as given, as text: RunStaffCommand parses and checks every value, so
// that all bad input is reported alike (message on stderr, exit status 1). Units as the
// user types them: minutes, seconds, percent.
struct StaffOptions {
  std::string calls;                     // offered in one interval
  std::string interval_minutes = "30";   // interval length
  std::string aht_seconds;               // mean handle time
  std::string target = "80/20";          // "<SL percent>/<T seconds>"
  std::string max_occupancy_percent = "100";
  std::string shrinkage_percent = "0";
  std::string patience_seconds;          // given: Erlang A
  std::string format = "table";          // table | csv | json
  std::string volumes;                   // CSV: interval_start,calls[,aht_seconds]
};

// Adds the `staff` subcommand to `app`, parsing into `options` (which must outlive the
// parse). Returns the subcommand, to test `parsed()`.
CLI::App* AddStaffCommand(CLI::App& app, StaffOptions& options);

// Runs the command: the answer on `out`, a message naming the bad option, line or column on
// `err`. Returns the exit status: 0, or 1 on bad input.
int RunStaffCommand(const StaffOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rapport::cli
