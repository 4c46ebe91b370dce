#include "cli/import_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/importer.hpp"
#include "cli/data_lock.hpp"
#include "store/store.hpp"

namespace rapport::cli {

namespace {

int Fatal(const Error& error) {
  std::cerr << "rapport: " << error.message << "\n";
  for (const auto& f : error.fields) std::cerr << "  " << f.field << ": " << f.message << "\n";
  return 1;
}

// A reason on one line of the rejects file.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<char> Delimiter(const std::string& text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() == 1) return text[0];
  return Fail(ErrorCode::kInvalid, "--delimiter must be one character (or \\t)",
              {{"delimiter", "'" + text + "' is not one character"}});
}

void PrintText(const app::ImportSummary& s, app::ImportKind kind, const std::string& rejects) {
  std::cout << "lines read:         " << s.lines << "\n"
            << "imported:           " << s.imported << "\n"
            << "duplicates skipped: " << s.duplicates << "\n"
            << "rejected:           " << s.rejected;
  if (s.rejected > 0) std::cout << " (see " << rejects << ")";
  std::cout << "\n";
  if (kind == app::ImportKind::kQueueLog) {
    std::cout << "calls:              " << s.calls << "\n"
              << "agent sessions:     " << s.agent_sessions << "\n"
              << "calls still open:   " << s.open_calls << " (completed by the next file)\n"
              << "queues created:     " << s.queues_created << "\n"
              << "agents created:     " << s.agents_created << "\n";
    if (!s.unknown_events.empty()) {
      std::cout << "unknown events:    ";
      for (const auto& [name, count] : s.unknown_events) std::cout << " " << name << "×" << count;
      std::cout << "\n";
    }
  }
}

}  // namespace

CLI::App* RegisterImport(CLI::App& cli, ImportArgs& args) {
  auto* import = cli.add_subcommand(
      "import", "import interactions (and queue_log agent sessions) from a file");
  import->add_option("kind", args.kind, "csv, ndjson or queue-log")
      ->required()
      ->check(CLI::IsMember({"csv", "ndjson", "queue-log"}));
  import->add_option("file", args.file, "the file to read")->required();
  import->add_option("--source", args.source,
                     "source of the records (default: csv, ndjson or asterisk)");
  import->add_option("--time-zone", args.time_zone, "IANA zone of local times (default UTC)");
  import->add_option("--map", args.map, "CSV header to column, \"Header=field\" (or =-)")
      ->allow_extra_args(false);
  import->add_option("--delimiter", args.delimiter, "CSV cell delimiter (default ,; \\t: tab)");
  import->add_option("--vendor", args.vendor_id,
                     "queue-log: vendor of the queues and agents created for unknown names");
  import->add_option("--rejects", args.rejects, "rejects file (default FILE.rejects)");
  import->add_option("--format", args.format, "summary as text or json")
      ->check(CLI::IsMember({"text", "json"}));
  import->add_option("--batch-rows", args.batch_rows, "rows per transaction")
      ->check(CLI::Range(1, 1000000));
  import->add_option("--checkpoint-pages", args.checkpoint_pages,
                     "WAL pages between checkpoints during the import")
      ->check(CLI::Range(1000, 1 << 22));
  return import;
}

int RunImport(const std::string& data_dir, const ImportArgs& args) {
  app::ImportOptions options;
  options.kind = *app::ImportKindFromName(args.kind);
  options.source = args.source;
  options.time_zone = args.time_zone;
  options.batch_rows = args.batch_rows;
  if (args.vendor_id > 0) options.vendor_id = args.vendor_id;
  auto delimiter = Delimiter(args.delimiter);
  if (!delimiter) return Fatal(delimiter.error());
  options.delimiter = *delimiter;
  for (const auto& entry : args.map) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fatal({ErrorCode::kInvalid, "--map takes \"Header=field\"",
                    {{"map", "'" + entry + "' has no header before '='"}}});
    }
    options.column_map.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }

  auto lock = DataLock::Acquire(data_dir);
  if (!lock) {
    std::cerr << "rapport: " << lock.error().message
              << "\n  while a server serves this directory, upload through it instead: POST "
                 "/api/v1/imports/"
              << args.kind << " (see docs/importing.md)\n";
    return 1;
  }
  std::FILE* in = std::fopen(args.file.c_str(), "rb");
  if (!in) {
    return Fatal({ErrorCode::kInvalid, "cannot read " + args.file + ": " + std::strerror(errno),
                  {}});
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in, &std::fclose);

  const std::string rejects_path = args.rejects.empty() ? args.file + ".rejects" : args.rejects;
  std::error_code ec;
  std::filesystem::remove(rejects_path, ec);  // a stale file would mislead
  std::ofstream rejects;
  bool rejects_failed = false;
  options.on_reject = [&](const ingest::Reject& r) {
    if (!rejects.is_open() && !rejects_failed) {
      rejects.open(rejects_path, std::ios::out | std::ios::trunc);
      if (!rejects) {
        rejects_failed = true;
        std::cerr << "rapport: cannot write " << rejects_path << "\n";
      }
    }
    if (rejects.is_open()) rejects << r.line << '\t' << OneLine(r.reason) << '\n';
  };

  store::SqliteOptions store_options;
  store_options.path = (std::filesystem::path(data_dir) / "rapport.db").string();
  store_options.cache_mib = 512;  // a bulk load: keep the growing indexes in memory
  store_options.checkpoint_pages = args.checkpoint_pages;
  auto store = store::OpenSqlite(store_options);
  if (!store) return Fatal(store.error());
  int status = 0;
  {
    app::Ledger ledger(**store);
    auto importer = app::Importer::Start(**store, ledger,
                                         app::Principal{app::kSystemUserId, domain::Role::kAdmin,
                                                        std::nullopt},
                                         options);
    if (!importer) return Fatal(importer.error());

    const bool progress = isatty(STDERR_FILENO);
    auto last_progress = std::chrono::steady_clock::now();
    std::vector<char> buffer(1 << 20);
    Result<app::ImportSummary> summary = Fail(ErrorCode::kInternal, "not finished");
    for (;;) {
      std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
      if (n > 0) {
        if (auto r = (*importer)->Feed({buffer.data(), n}); !r) {
          summary = std::unexpected(r.error());
          break;
        }
      }
      if (n < buffer.size()) {
        if (std::ferror(in)) {
          summary = Fail(ErrorCode::kInvalid, "cannot read " + args.file + ": " + std::strerror(errno));
        } else {
          summary = (*importer)->Finish();
        }
        break;
      }
      auto now = std::chrono::steady_clock::now();
      if (progress && now - last_progress > std::chrono::milliseconds(200)) {
        last_progress = now;
        const auto& s = (*importer)->summary();
        std::cerr << "\r" << s.lines << " lines read, " << s.imported << " imported, "
                  << s.duplicates << " duplicates, " << s.rejected << " rejected" << std::flush;
      }
    }
    if (progress) std::cerr << "\r\033[K" << std::flush;
    if (!summary) {
      status = Fatal(summary.error());
    } else if (args.format == "json") {
      auto body = app::SummaryJson(options.kind, *summary);
      if (summary->rejected > 0) body["rejects_file"] = rejects_path;
      std::cout << boost::json::serialize(body) << std::endl;
    } else {
      PrintText(*summary, options.kind, rejects_path);
    }
  }
  if (rejects.is_open()) rejects.close();
  (*store)->Close();
  return status;
}

}  // namespace rapport::cli
