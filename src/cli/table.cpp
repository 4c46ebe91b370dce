#include "cli/table.hpp"

#include <algorithm>
#include <charconv>

namespace rapport::cli {

namespace {

bool Numeric(const std::string& cell) {
  double value = 0;
  std::string_view text = cell;
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

std::string Quoted(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void WriteTable(std::ostream& out, const Cells& header, const std::vector<Cells>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const Cells& row : rows) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const Cells& cells, bool is_header) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(width[i] - cells[i].size(), ' ');
      if (i) text += "  ";
      text += !is_header && Numeric(cells[i]) ? pad + cells[i] : cells[i] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line(header, true);
  for (const Cells& row : rows) line(row, false);
}

void WriteCsv(std::ostream& out, const Cells& header, const std::vector<Cells>& rows) {
  auto line = [&](const Cells& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << Quoted(cells[i]);
    out << "\r\n";
  };
  line(header);
  for (const Cells& row : rows) line(row);
}

}  // namespace rapport::cli
