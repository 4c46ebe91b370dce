// Test support (header only, for file-driven unit tests): the block-of-lines format shared
// by the *.cases files of the analytics and signals layers, and the value parsers their
// runners use. A file holds cases, each starting with "=== <name>"; every other non-blank
// line belongs to the case above it and is split into words ('#' starts a comment). A
// line may end with " | <text>", kept whole as the line's body.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/instant.hpp"
#include "domain/schema.hpp"

namespace rapport::case_files {

struct CaseLine {
  int number = 0;  // 1-based, in its file
  std::vector<std::string> words;
  std::optional<std::string> body;  // the text after " | "
};

struct CaseBlock {
  std::string name;  // <file stem>_<case name>, as a test name
  std::string file;
  std::vector<CaseLine> lines;
  friend void PrintTo(const CaseBlock& c, std::ostream* out) { *out << c.name; }
};

inline std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text.substr(0, text.find('#')));
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Every case of every *.cases file in `dir`, files in name order.
inline std::vector<CaseBlock> LoadCaseFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".cases") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CaseBlock> cases;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string text;
    for (int number = 1; std::getline(in, text); ++number) {
      std::optional<std::string> body;
      const auto bar = text.find(" | ");
      const auto hash = text.find('#');
      if (bar != std::string::npos && (hash == std::string::npos || bar < hash)) {
        body = text.substr(bar + 3);
        text.resize(bar);
      }
      auto words = Words(text);
      if (words.empty()) continue;
      if (words[0] == "===") {
        std::string name = path.stem().string() + "_";
        for (std::size_t i = 1; i < words.size(); ++i) {
          for (char c : words[i]) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
          if (i + 1 < words.size()) name.push_back('_');
        }
        cases.push_back({name, path.string(), {}});
      } else if (!cases.empty()) {
        cases.back().lines.push_back({number, std::move(words), std::move(body)});
      }
    }
  }
  return cases;
}

// Thrown by the parsers for a malformed line; the runner fails the case with file:line.
struct Malformed {
  std::string why;
};

inline Instant ParseInstant(const std::string& text) {
  auto at = ParseRfc3339(text);
  if (!at) throw Malformed{"'" + text + "' is not an RFC 3339 instant"};
  return *at;
}

inline std::int64_t ParseInt(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw Malformed{"'" + text + "' is not a number"};
  }
  return value;
}

template <class E>
E ParseEnum(const std::string& text) {
  auto value = domain::EnumFromName<E>(text);
  if (!value) throw Malformed{"'" + text + "' is not a known name"};
  return *value;
}

inline std::pair<std::string, std::string> KeyValue(const std::string& word) {
  auto eq = word.find('=');
  if (eq == std::string::npos) throw Malformed{"expected key=value, not '" + word + "'"};
  return {word.substr(0, eq), word.substr(eq + 1)};
}

}  // namespace rapport::case_files
