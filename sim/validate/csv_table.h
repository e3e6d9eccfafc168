// A reference data file of `lvsim validate`: a CSV with a header row (SCALE-Sim's reports and the
// TPU v4 measurements; trailing commas and blanks around cells allowed).
#pragma once

#include <string>
#include <vector>

namespace lvsim {

class CsvTable {
 public:
  /// Reads `path`; Missing<FormatError> when absent, FormatError naming the file when empty.
  static CsvTable read(const std::string& path);
  size_t rows() const { return rows_.size(); }
  /// The number in `column` of data row `row`; FormatError naming the file, line and column when
  /// the column is absent or the cell is not a finite number.
  double number(size_t row, const std::string& column) const;
  /// The cell in `column` of data row `row` as written (blanks trimmed); FormatError as number().
  const std::string& text(size_t row, const std::string& column) const;
  const std::string& path() const { return path_; }
  /// "line N column 'C'", for errors about a cell.
  std::string where(size_t row, const std::string& column) const;

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  size_t column_index(const std::string& column) const;
};

}  // namespace lvsim
