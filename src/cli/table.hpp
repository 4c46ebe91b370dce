// Rows of text cells printed as an aligned table (numbers to the right) or as CSV
// (RFC 4180 quoting), for the commands that print reports.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace rapport::cli {

using Cells = std::vector<std::string>;

void WriteTable(std::ostream& out, const Cells& header, const std::vector<Cells>& rows);
void WriteCsv(std::ostream& out, const Cells& header, const std::vector<Cells>& rows);

}  // namespace rapport::cli
