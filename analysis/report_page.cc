#include "analysis/report_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "analysis/report_strategies.h"
#include "analysis/text_table.h"
#include "engine/check.h"
#include "sim/results.h"

namespace dsim::analysis {
namespace {

constexpr char kHtmlHead[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>dsim "
    "report</title>\n"
    "<style>\n"
    "body { font-family: sans-serif; background: #fff; color: #222; max-width: 1300px; margin: "
    "auto; padding: 1em; }\n"
    "table { border-collapse: collapse; font-size: 85%; margin: 0.5em 0 1.5em; }\n"
    "th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }\n"
    "th:first-child, td:first-child { text-align: left; }\n"
    "th { background: #f3f3f3; }\n"
    "figure { display: inline-block; width: 48%; margin: 0.5%; vertical-align: top; }\n"
    "figure img { width: 100%; border: 1px solid #eee; }\n"
    "figcaption { font-size: 85%; color: #555; }\n"
    "</style>\n</head>\n<body>\n<h1>dsim report</h1>\n";

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MdCell(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}}); }

// One table as rows of cells, rendered to HTML and Markdown.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::string ToHtml() const {
    std::string out = "<table>\n<tr>";
    for (const std::string& h : header) absl::StrAppend(&out, "<th>", Html(h), "</th>");
    out += "</tr>\n";
    for (const auto& r : rows) {
      out += "<tr>";
      for (const std::string& c : r) absl::StrAppend(&out, "<td>", Html(c), "</td>");
      out += "</tr>\n";
    }
    return out + "</table>\n";
  }
  std::string ToMarkdown() const {
    std::vector<std::string> h, rule;
    for (const std::string& c : header) {
      h.push_back(MdCell(c));
      rule.push_back("---");
    }
    std::string out =
        absl::StrCat("| ", absl::StrJoin(h, " | "), " |\n| ", absl::StrJoin(rule, " | "), " |\n");
    for (const auto& r : rows) {
      std::vector<std::string> cells;
      for (const std::string& c : r) cells.push_back(MdCell(c));
      absl::StrAppend(&out, "| ", absl::StrJoin(cells, " | "), " |\n");
    }
    return out;
  }
};

struct Block {
  std::string heading;
  Table table;
};

Block PointBlock(const PointSummary& p, const std::vector<std::string>& prefixes) {
  Block b{absl::StrCat("Point ", p.name, ": ", p.completed, " of ", p.planned, " runs",
                       p.failed > 0 ? absl::StrCat(", ", p.failed, " failed") : "",
                       p.missing > 0 ? absl::StrCat(", ", p.missing, " missing") : ""),
          {{"metric", "unit", "n", "nulls", "mean", "95% CI", "stddev", "min", "p50", "p95", "max"},
           {}}};
  for (const auto& [path, m] : p.metrics) {
    if (!MatchesAnyPrefix(path, prefixes)) continue;
    const Summary& s = m.stats;
    const std::string ci =
        s.ci95_low.has_value()
            ? absl::StrCat("[", FormatNumber(s.ci95_low), ", ", FormatNumber(s.ci95_high), "]")
            : "-";
    b.table.rows.push_back({path, m.unit, absl::StrCat(s.count), absl::StrCat(s.nulls),
                            FormatNumber(s.mean), ci, FormatNumber(s.stddev), FormatNumber(s.min),
                            FormatNumber(s.p50), FormatNumber(s.p95), FormatNumber(s.max)});
  }
  return b;
}

std::vector<Block> Tables(const ReportInput& in, const std::vector<std::string>& prefixes) {
  std::vector<Block> blocks;
  if (!in.results.sweep) {
    Block b{"Metrics", {{"metric", "value", "unit"}, {}}};
    for (const auto& [path, m] : in.results.run.metrics) {
      if (MatchesAnyPrefix(path, prefixes)) {
        b.table.rows.push_back(
            {path, m.value.has_value() ? FormatNumber(m.value) : "null", m.unit});
      }
    }
    blocks.push_back(std::move(b));
    return blocks;
  }
  if (std::optional<StrategyTable> t = StrategyComparison(in.results.summary)) {
    blocks.push_back(Block{"Repair strategies (mean over seeds [95% CI])",
                           Table{std::move(t->header), std::move(t->rows)}});
  }
  for (const PointSummary& p : in.results.summary.points) blocks.push_back(PointBlock(p, prefixes));
  return blocks;
}

// Appends one input's section to both pages.
void AppendSection(const ReportInput& in, const ReportSection& sec,
                   const std::vector<Chart>& charts, const std::vector<std::string>& prefixes,
                   std::string* html, std::string* md) {
  const std::string description = DescribeInput(in);
  absl::StrAppend(html, "<h2>", Html(sec.title), "</h2>\n<p>", Html(description), "</p>\n");
  absl::StrAppend(md, "## ", sec.title, "\n\n", description, "\n\n");
  for (const std::string& note : in.notes) {
    absl::StrAppend(html, "<p><em>", Html(note), "</em></p>\n");
    absl::StrAppend(md, "*", note, "*\n\n");
  }
  if (!sec.charts.empty()) {
    *html += "<h3>Plots</h3>\n";
    *md += "### Plots\n\n";
  }
  for (size_t c : sec.charts) {
    DSIM_CHECK(c < charts.size());
    const Chart& chart = charts[c];
    absl::StrAppend(html, "<figure><a href=\"plots/", chart.name, ".svg\"><img src=\"plots/",
                    chart.name, ".png\" alt=\"", Html(chart.title), "\"></a><figcaption>",
                    Html(chart.title), " (<a href=\"plots/", chart.name,
                    ".svg\">SVG</a>)</figcaption></figure>\n");
    absl::StrAppend(md, "![", chart.title, "](plots/", chart.name, ".png) ([SVG](plots/",
                    chart.name, ".svg))\n\n");
  }
  for (const Block& b : Tables(in, prefixes)) {
    absl::StrAppend(html, "<h3>", Html(b.heading), "</h3>\n", b.table.ToHtml());
    absl::StrAppend(md, "### ", b.heading, "\n\n", b.table.ToMarkdown(), "\n");
  }
}

}  // namespace

std::string DescribeInput(const ReportInput& in) {
  const ResultsDir& r = in.results;
  if (!r.sweep) {
    return absl::StrCat("Run of scenario ", r.scenario, ", seed ", r.run.seed, ", dsim ",
                        r.run.dsim_version, ", trace hash ", r.run.trace_hash, ", stopped (",
                        r.run.stop_reason, ") at simulated ", FormatNumber(r.run.simulated_time_s),
                        " s.");
  }
  const SweepPlan& plan = r.summary.plan;
  std::vector<std::string> params;
  for (const SweepParameter& p : plan.parameters)
    params.push_back(absl::StrCat(p.key, " in {", absl::StrJoin(p.values, ", "), "}"));
  return absl::StrCat("Sweep of scenario ", r.scenario, " over seeds ", plan.first_seed, "..",
                      plan.last_seed,
                      params.empty() ? "" : absl::StrCat(", ", absl::StrJoin(params, "; ")),
                      plan.fixed_overrides.empty()
                          ? ""
                          : absl::StrCat("; fixed: ", absl::StrJoin(plan.fixed_overrides, ", ")),
                      ".");
}

absl::Status WriteReportPages(const std::string& dir, const std::vector<ReportInput>& inputs,
                              const std::vector<ReportSection>& sections,
                              const std::vector<Chart>& charts,
                              const std::vector<std::string>& prefixes) {
  DSIM_CHECK(sections.size() == inputs.size());
  std::string html = kHtmlHead;
  std::string md = "# dsim report\n\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    AppendSection(inputs[i], sections[i], charts, prefixes, &html, &md);
  }
  html += "</body>\n</html>\n";
  absl::Status st = sim::WriteFileAtomically(absl::StrCat(dir, "/index.html"), html);
  if (st.ok()) st = sim::WriteFileAtomically(absl::StrCat(dir, "/report.md"), md);
  return st;
}

}  // namespace dsim::analysis
