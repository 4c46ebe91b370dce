// How the commands that take a report's parameters as --options print a refusal.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>

#include "core/error.hpp"

namespace rapport::cli {

// "rapport: <message>", then each bad field as the option it came from ("--group-by: …").
inline void WriteOptionErrors(std::ostream& err, const Error& error) {
  err << "rapport: " << error.message << "\n";
  for (const auto& f : error.fields) {
    std::string option = f.field;
    std::replace(option.begin(), option.end(), '_', '-');
    err << "  --" << option << ": " << f.message << "\n";
  }
}

}  // namespace rapport::cli
