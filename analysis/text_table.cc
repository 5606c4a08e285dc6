#include "analysis/text_table.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_format.h"
#include "engine/check.h"

namespace dsim::analysis {

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> right_align)
    : header_(std::move(header)), right_align_(std::move(right_align)) {
  DSIM_CHECK(header_.size() == right_align_.size());
}

void TextTable::AddRow(std::vector<std::string> cells) {
  DSIM_CHECK(cells.size() == header_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render() const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) l += "  ";
      const size_t pad = width[c] - cells[c].size();
      if (right_align_[c]) l.append(pad, ' ');
      l += cells[c];
      if (!right_align_[c]) l.append(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l;
    out += '\n';
  };
  line(header_);
  std::vector<std::string> rule;
  for (size_t w : width) rule.emplace_back(w, '-');
  line(rule);
  for (const auto& row : rows_) line(row);
  return out;
}

std::string FormatNumber(std::optional<double> v) {
  if (!v.has_value()) return "-";
  return absl::StrFormat("%.6g", *v);
}

std::string ExactNumber(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  DSIM_CHECK(r.ec == std::errc());
  return std::string(buf, r.ptr);
}

}  // namespace dsim::analysis
