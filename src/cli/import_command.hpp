// `rapport import csv|ndjson|queue-log FILE`: the import use case (app/importer.hpp) over a
// file read in 1 MiB chunks, with a progress line on a terminal, a summary, and a rejects
// file of "<line>\t<reason>" lines. Exit 0 when the file was read to its end (rejects or
// not), 1 on a fatal error (unreadable file, bad CSV header, unknown vendor, the data
// directory in use by a server).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rapport::cli {

struct ImportArgs {
  std::string kind;  // csv, ndjson, queue-log
  std::string file;
  std::string source;
  std::string time_zone = "UTC";
  std::vector<std::string> map;  // "Header=field"
  std::string delimiter = ",";
  std::int64_t vendor_id = 0;
  std::string rejects;  // default: FILE.rejects
  std::string format = "text";
  std::size_t batch_rows = 10000;  // rows per transaction: fewer syncs, more memory
  int checkpoint_pages = 16384;  // 64 MiB of WAL between checkpoints
};

// Adds the `import` subcommand to `cli`, filling `args` when it is parsed.
CLI::App* RegisterImport(CLI::App& cli, ImportArgs& args);

int RunImport(const std::string& data_dir, const ImportArgs& args);

}  // namespace rapport::cli
