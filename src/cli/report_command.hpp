// `rapport report service-level|scorecard|coverage|staffing|deadlines [--<parameter> VALUE
// ...] [--format table|csv|json]`: the API's reports (app/analytics.hpp) over a data
// directory, as the administrator. Every report parameter is an option spelled with
// dashes (--group-by vendor,channel is group_by=vendor,channel); unknown ones are named.
#pragma once

#include <CLI/CLI.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace rapport::cli {

struct ReportOptions {
  std::string format = "table";
  std::vector<CLI::App*> reports;  // one subcommand per report
};

// Adds `report` and its subcommands to `app`. Returns the `report` command.
CLI::App* AddReportCommand(CLI::App& app, ReportOptions& options);

// Runs the parsed report over `store`: the answer on `out`, errors on `err`. Returns the
// exit status: 0, or 1 on bad parameters or a failed read.
int RunReportCommand(const ReportOptions& options, store::Store& store, std::ostream& out,
                     std::ostream& err);

}  // namespace rapport::cli
