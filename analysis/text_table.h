// Aligned plain-text tables for the terminal (summaries, check verdicts), plus the number
// formatting they share.
//
//   TextTable t({"metric", "mean"}, {false, true});
//   t.AddRow({"relay.latency.mean", FormatNumber(0.00617)});
//   std::fputs(t.Render().c_str(), stdout);
#ifndef DSIM_ANALYSIS_TEXT_TABLE_H_
#define DSIM_ANALYSIS_TEXT_TABLE_H_

#include <optional>
#include <string>
#include <vector>

namespace dsim::analysis {

class TextTable {
 public:
  // `right_align[i]`: column i is right-aligned (numbers). REQUIRES: same size as header.
  TextTable(std::vector<std::string> header, std::vector<bool> right_align);

  // REQUIRES: cells.size() == header size.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Header, a rule of dashes, then the rows; columns separated by two spaces, no trailing blanks.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_align_;
  std::vector<std::vector<std::string>> rows_;
};

// Six significant digits ("0.00617008", "1.2e+06", "100000"); "-" for nullopt.
std::string FormatNumber(std::optional<double> v);

// The shortest text that reads back as exactly the same double (std::to_chars: "0.1", "1e-05",
// "100000"). For data files and baselines.
std::string ExactNumber(double v);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_TEXT_TABLE_H_
