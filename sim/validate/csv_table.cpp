#include "sim/validate/csv_table.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/errors.h"

namespace lvsim {
namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string c;
  while (std::getline(ss, c, ',')) cells.push_back(trim(c));
  while (!cells.empty() && cells.back().empty()) cells.pop_back();  // SCALE-Sim's trailing commas
  return cells;
}

}  // namespace

CsvTable CsvTable::read(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Missing<FormatError>(located(path, "", "cannot open the reference data file"));
  CsvTable t;
  t.path_ = path;
  std::string line;
  while (std::getline(in, line)) {
    if (trim(line).empty()) continue;
    if (t.header_.empty())
      t.header_ = split(line);
    else
      t.rows_.push_back(split(line));
  }
  if (t.header_.empty() || t.rows_.empty()) throw FormatError(located(path, "", "no header and data rows"));
  return t;
}

size_t CsvTable::column_index(const std::string& column) const {
  for (size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == column) return i;
  throw FormatError(located(path_, "column '" + column + "'", "not in the header"));
}

const std::string& CsvTable::text(size_t row, const std::string& column) const {
  const size_t c = column_index(column);
  if (c >= rows_[row].size()) throw FormatError(located(path_, where(row, column), "missing"));
  return rows_[row][c];
}

std::string CsvTable::where(size_t row, const std::string& column) const {
  return "line " + std::to_string(row + 2) + " column '" + column + "'";
}

double CsvTable::number(size_t row, const std::string& column) const {
  const std::string& s = text(row, column);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    throw FormatError(located(path_, where(row, column), "'" + s + "' is not a number"));
  return v;
}

}  // namespace lvsim
