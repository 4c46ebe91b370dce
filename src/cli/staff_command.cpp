#include "cli/staff_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "analytics/staffing.hpp"
#include "core/error.hpp"
#include "core/instant.hpp"

namespace rapport::cli {
namespace {

using analytics::IntervalLoad;
using analytics::IntervalPlan;
using analytics::StaffingTarget;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  return text;
}

// A whole decimal number and nothing else (no "12abc", no empty text).
std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> SplitCommas(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(Trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// The library's field names as the user knows them: options of this command.
std::string OptionName(std::string_view field) {
  static const std::map<std::string_view, std::string_view> kNames = {
      {"service_level", "--target"},      {"threshold_seconds", "--target"},
      {"max_occupancy", "--max-occupancy"}, {"shrinkage", "--shrinkage"},
      {"patience_seconds", "--patience"}, {"traffic", "--calls"},
      {"handle_seconds", "--aht"},        {"interval_seconds", "--interval"}};
  auto it = kNames.find(field);
  return std::string(it == kNames.end() ? field : it->second);
}

int Report(std::ostream& err, const Error& error) {
  err << "rapport staff: " << error.message << "\n";
  for (const FieldError& f : error.fields) err << "  " << OptionName(f.field) << ": " << f.message << "\n";
  return 1;
}

// The options as numbers, in the library's units. Every bad option is reported.
struct Parsed {
  StaffingTarget target;
  std::optional<double> calls;
  std::optional<double> aht_seconds;
  double interval_seconds = 0;
};

Result<Parsed> ParseOptions(const StaffOptions& options) {
  FieldErrors errors;
  // An optional number: absent when the text is empty, else within [low, high] (bounds
  // open when `open_low`/`open_high`).
  auto number = [&](const char* name, const std::string& text, double low, double high,
                    bool open_low, bool open_high, const char* range) -> std::optional<double> {
    if (text.empty()) return std::nullopt;
    auto value = ParseNumber(text);
    if (!value || (open_low ? *value <= low : *value < low) ||
        (open_high ? *value >= high : *value > high)) {
      errors.Add(name, fmt::format("'{}' is not {}", text, range));
      return std::nullopt;
    }
    return value;
  };
  constexpr double kHuge = 1e300;
  Parsed parsed;
  parsed.calls = number("--calls", options.calls, 0, kHuge, false, false, "a number >= 0");
  parsed.aht_seconds =
      number("--aht", options.aht_seconds, 0, kHuge, true, false, "a number of seconds > 0");
  const auto interval = number("--interval", options.interval_minutes, 0, 366.0 * 24 * 60, true,
                               false, "a number of minutes > 0, at most a year");
  if (interval) {
    parsed.interval_seconds = *interval * 60;
    if (parsed.interval_seconds != std::round(parsed.interval_seconds)) {
      errors.Add("--interval", "must make a whole number of seconds (e.g. 15, 30, 7.5)");
    }
  } else if (options.interval_minutes.empty()) {
    errors.Add("--interval", "is required");
  }
  const std::string_view target = options.target;
  const std::size_t slash = target.find('/');
  std::optional<double> percent, seconds;
  if (slash != std::string_view::npos) {
    percent = ParseNumber(target.substr(0, slash));
    seconds = ParseNumber(target.substr(slash + 1));
  }
  if (!percent || !seconds || *percent <= 0 || *percent >= 100 || *seconds < 0) {
    errors.Add("--target", fmt::format("'{}' is not <percent>/<seconds> with a percentage in "
                                       "(0, 100) and seconds >= 0, e.g. 80/20",
                                       options.target));
  } else {
    parsed.target.service_level = *percent / 100;
    parsed.target.threshold_seconds = *seconds;
  }
  parsed.target.max_occupancy =
      number("--max-occupancy", options.max_occupancy_percent, 0, 100, true, false,
             "a percentage in (0, 100]")
          .value_or(100) / 100;
  parsed.target.shrinkage = number("--shrinkage", options.shrinkage_percent, 0, 100, false,
                                   true, "a percentage in [0, 100)")
                                .value_or(0) / 100;
  parsed.target.patience_seconds = number("--patience", options.patience_seconds, 0, kHuge, true,
                                          false, "a number of seconds > 0");
  if (options.format != "table" && options.format != "csv" && options.format != "json") {
    errors.Add("--format", fmt::format("'{}' is not table, csv or json", options.format));
  }
  if (options.volumes.empty() && (options.calls.empty() || options.aht_seconds.empty())) {
    errors.Add("--calls", "give --calls and --aht for one interval, or --volumes FILE.csv");
  }
  if (!options.volumes.empty() && !options.calls.empty()) {
    errors.Add("--calls", "give either --calls or --volumes, not both");
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("invalid options"));
  return parsed;
}

// A volumes file as loads, each with the line it came from. Every bad cell is reported.
struct Volumes {
  std::vector<IntervalLoad> loads;
  std::vector<int> lines;
};

Result<Volumes> ReadVolumes(const std::string& path, std::optional<double> default_aht) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kInvalid, "cannot read --volumes " + path);
  static constexpr const char* kColumns[] = {"interval_start", "calls", "aht_seconds"};
  Volumes volumes;
  FieldErrors errors;
  bool first = true;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (Trim(text).empty()) continue;
    const std::vector<std::string_view> fields = SplitCommas(text);
    const std::string at = fmt::format("{}:{}", path, line);
    if (first && fields[0] == kColumns[0]) {  // a header: it must name the columns in order
      first = false;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i >= 3 || fields[i] != kColumns[i]) {
          errors.Add(fmt::format("{}, column {}", at, i + 1),
                     "the header must be interval_start,calls[,aht_seconds]");
          break;
        }
      }
      continue;
    }
    first = false;
    if (fields.size() < 2 || fields.size() > 3) {
      errors.Add(at, fmt::format("expected 2 or 3 columns (interval_start,calls[,aht_seconds]), "
                                 "got {}",
                                 fields.size()));
      continue;
    }
    auto cell = [&](std::size_t column) {
      return fmt::format("{}, column {} ({})", at, column + 1, kColumns[column]);
    };
    IntervalLoad load;
    if (auto start = ParseRfc3339(fields[0])) {
      load.start_ms = start->ms;
    } else {
      errors.Add(cell(0), fmt::format("'{}' is not an RFC 3339 instant", fields[0]));
    }
    if (auto calls = ParseNumber(fields[1]); calls && *calls >= 0) {
      load.contacts = *calls;
    } else {
      errors.Add(cell(1), fmt::format("'{}' is not a number of calls >= 0", fields[1]));
    }
    if (fields.size() == 3 && !fields[2].empty()) {
      if (auto aht = ParseNumber(fields[2]); aht && *aht > 0) {
        load.handle_seconds = *aht;
      } else {
        errors.Add(cell(2), fmt::format("'{}' is not a number of seconds > 0", fields[2]));
      }
    } else if (default_aht) {
      load.handle_seconds = *default_aht;
    } else {
      errors.Add(cell(2), "missing, and no --aht given");
    }
    volumes.loads.push_back(load);
    volumes.lines.push_back(line);
  }
  if (!errors.empty()) return std::unexpected(errors.ToError("bad volumes file " + path));
  if (volumes.loads.empty()) return Fail(ErrorCode::kInvalid, "no intervals in " + path);
  return volumes;
}

// ---- output ----------------------------------------------------------------------------

// A number for CSV and JSON: shortest round-trip form; infinity as the format spells it.
std::string Plain(double value, std::string_view infinity) {
  return std::isinf(value) ? std::string(infinity) : fmt::format("{}", value);
}

std::string Fixed(double value, int decimals) {
  return std::isinf(value) ? "inf" : fmt::format("{:.{}f}", value, decimals);
}

void Print(const std::vector<IntervalPlan>& plan, bool with_start, bool erlang_a,
           const std::string& format, std::ostream& out) {
  std::vector<std::string> header;
  if (with_start) header.push_back("interval_start");
  for (const char* name : {"calls", "aht_seconds", "erlangs", "agents", "scheduled",
                           "service_level", "asa_seconds", "occupancy"}) {
    header.push_back(name);
  }
  if (erlang_a) header.push_back("abandonment");

  // Each row's cells: table text (percentages, rounded) and CSV/JSON numbers (fractions).
  std::vector<std::vector<std::string>> table, plain;
  for (const IntervalPlan& row : plan) {
    const analytics::Performance& p = row.staffing.performance;
    std::vector<std::string> t, c;
    if (with_start) {
      t.push_back(FormatRfc3339(Instant{row.load.start_ms}));
      c.push_back(t.back());
    }
    t.insert(t.end(), {Fixed(row.load.contacts, 1), Fixed(row.load.handle_seconds, 1),
                       Fixed(row.traffic, 2), std::to_string(row.staffing.agents),
                       std::to_string(row.staffing.scheduled),
                       Fixed(100 * p.service_level, 1) + "%", Fixed(p.asa_seconds, 1),
                       Fixed(100 * p.occupancy, 1) + "%"});
    const std::string_view infinity = format == "json" ? "null" : "inf";
    c.insert(c.end(), {Plain(row.load.contacts, infinity), Plain(row.load.handle_seconds, infinity),
                       Plain(row.traffic, infinity), std::to_string(row.staffing.agents),
                       std::to_string(row.staffing.scheduled), Plain(p.service_level, infinity),
                       Plain(p.asa_seconds, infinity), Plain(p.occupancy, infinity)});
    if (erlang_a) {
      t.push_back(Fixed(100 * p.abandon_probability, 1) + "%");
      c.push_back(Plain(p.abandon_probability, infinity));
    }
    table.push_back(std::move(t));
    plain.push_back(std::move(c));
  }

  if (format == "csv") {
    auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << cells[i];
      out << "\n";
    };
    line(header);
    for (const auto& cells : plain) line(cells);
  } else if (format == "json") {
    auto object = [&](const std::vector<std::string>& cells) {
      std::string text = "{";
      for (std::size_t i = 0; i < cells.size(); ++i) {
        const bool quoted = with_start && i == 0;
        text += fmt::format("{}\"{}\": {}", i ? ", " : "", header[i],
                            quoted ? "\"" + cells[i] + "\"" : cells[i]);
      }
      return text + "}";
    };
    if (!with_start) {
      out << object(plain.front()) << "\n";
    } else {
      out << "[\n";
      for (std::size_t r = 0; r < plain.size(); ++r) {
        out << "  " << object(plain[r]) << (r + 1 < plain.size() ? "," : "") << "\n";
      }
      out << "]\n";
    }
  } else {
    std::vector<std::size_t> width(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
      width[i] = header[i].size();
      for (const auto& cells : table) width[i] = std::max(width[i], cells[i].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        out << (i ? "  " : "") << fmt::format("{:>{}}", cells[i], width[i]);
      }
      out << "\n";
    };
    line(header);
    for (const auto& cells : table) line(cells);
  }
}

}  // namespace

CLI::App* AddStaffCommand(CLI::App& app, StaffOptions& options) {
  auto* staff = app.add_subcommand(
      "staff", "agents required for a service-level target (Erlang C, or Erlang A with --patience)");
  staff->add_option("--calls", options.calls, "calls offered in one interval");
  staff->add_option("--volumes", options.volumes,
                    "CSV of intervals: interval_start (RFC 3339),calls[,aht_seconds]; prints a "
                    "plan");
  staff->add_option("--interval", options.interval_minutes, "interval length, minutes")
      ->capture_default_str();
  staff->add_option("--aht", options.aht_seconds, "mean handle time, seconds");
  staff->add_option("--target", options.target, "service level: <percent>/<seconds>")
      ->capture_default_str();
  staff->add_option("--max-occupancy", options.max_occupancy_percent, "occupancy cap, percent")
      ->capture_default_str();
  staff->add_option("--shrinkage", options.shrinkage_percent,
                    "percent of paid time off the phones")
      ->capture_default_str();
  staff->add_option("--patience", options.patience_seconds,
                    "callers' mean patience, seconds: Erlang A with abandonment");
  staff->add_option("--format", options.format, "table, csv or json")->capture_default_str();
  return staff;
}

int RunStaffCommand(const StaffOptions& options, std::ostream& out, std::ostream& err) {
  auto parsed = ParseOptions(options);
  if (!parsed) return Report(err, parsed.error());
  const StaffingTarget& target = parsed->target;
  const bool erlang_a = target.patience_seconds.has_value();

  if (options.volumes.empty()) {
    const double calls = *parsed->calls;
    const double aht = *parsed->aht_seconds;
    const double traffic = calls * aht / parsed->interval_seconds;
    auto staffing = analytics::AgentsRequired(traffic, aht, target);
    if (!staffing) return Report(err, staffing.error());
    const std::vector<IntervalPlan> plan = {{{0, calls, aht}, traffic, *staffing}};
    Print(plan, false, erlang_a, options.format, out);
    return 0;
  }

  auto volumes = ReadVolumes(options.volumes, parsed->aht_seconds);
  if (!volumes) return Report(err, volumes.error());
  auto plan = analytics::PlanIntervals(
      volumes->loads, static_cast<std::int64_t>(parsed->interval_seconds), target);
  if (!plan) {
    // "intervals[i].contacts" → the line of the file it came from.
    Error error = plan.error();
    for (FieldError& f : error.fields) {
      std::size_t index = 0;
      if (std::sscanf(f.field.c_str(), "intervals[%zu]", &index) == 1 &&
          index < volumes->lines.size()) {
        f.field = fmt::format("{}:{}", options.volumes, volumes->lines[index]);
      }
    }
    return Report(err, error);
  }
  Print(*plan, true, erlang_a, options.format, out);
  return 0;
}

}  // namespace rapport::cli
