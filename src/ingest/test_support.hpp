// Helpers for the ingest tests: run a reader over a text fed in chunks, and render its
// output as lines so that runs can be compared.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/json_codec.hpp"
#include "ingest/rows.hpp"

namespace rapport::ingest::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Feeds `text` to `feed` in chunks of `size` bytes (0: all at once).
template <class FeedFn>
void FeedInChunks(std::string_view text, std::size_t size, FeedFn&& feed) {
  if (size == 0) size = text.size() == 0 ? 1 : text.size();
  for (std::size_t at = 0; at < text.size(); at += size) feed(text.substr(at, size));
}

inline std::string Render(const InteractionRow& row) {
  std::string out = std::to_string(row.line) + " " +
                    boost::json::serialize(domain::ToJson(row.record));
  if (row.queue_name) out += " queue=" + *row.queue_name;
  if (row.agent_name) out += " agent=" + *row.agent_name;
  return out;
}

inline std::string Render(const Reject& reject) {
  return std::to_string(reject.line) + " REJECT " + reject.reason;
}

// What a CSV or NDJSON reader produced: its rows, rejects, counts and (CSV) a fatal error.
struct RowOutput {
  std::vector<InteractionRow> rows;
  std::vector<Reject> rejects;
  std::optional<Error> error;
  ReadCounts counts;

  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(Render(row));
    for (const auto& reject : rejects) out.push_back(Render(reject));
    return out;
  }
};

}  // namespace rapport::ingest::testing

namespace rapport::ingest {
inline void PrintTo(const Reject& reject, std::ostream* out) {
  *out << reject.line << ": " << reject.reason;
}
}  // namespace rapport::ingest
