// [network] of the key table (key_table.h): link classes, their latency distributions, and the
// datacenter graph ([[network.dc_links]]).
#include <initializer_list>
#include <optional>

#include "absl/strings/str_cat.h"
#include "sim/core/units.h"
#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The link class documented in full; every other one says "same keys as [network.link]".
constexpr std::string_view kDocumentedLinkClass = "network.link";

const std::initializer_list<std::pair<std::string_view, LatencyConfig::Kind>> kLatencyKinds = {
    {"constant", LatencyConfig::Kind::kConstant},
    {"uniform", LatencyConfig::Kind::kUniform},
    {"normal", LatencyConfig::Kind::kNormal},
    {"lognormal", LatencyConfig::Kind::kLogNormal}};

std::string_view LatencyKindName(LatencyConfig::Kind kind) {
  for (const auto& [name, k] : kLatencyKinds)
    if (k == kind) return name;
  return "?";
}

// The table form of a latency: `kind` and the keys that kind needs (documenting: every key of
// every kind; echo: the keys of the value's kind).
void ReadLatencyTable(Section& s, LatencyConfig* l) {
  s.Require("kind",
            "missing: a latency table needs kind = \"constant\", \"uniform\", \"normal\" or "
            "\"lognormal\"");
  s.Enum("kind", &l->kind, kLatencyKinds, "the distribution");
  // Whether the keys of `kind` are read (all of them are documented).
  auto wants = [&](LatencyConfig::Kind kind, std::initializer_list<std::string_view> required) {
    if (s.documenting()) return true;
    if (l->kind != kind) return false;
    for (std::string_view k : required) {
      s.Require(
          k, absl::StrCat("missing: required for kind = \"", AV(LatencyKindName(l->kind)), "\""));
    }
    return true;
  };
  if (wants(LatencyConfig::Kind::kConstant, {"value"})) {
    s.Duration("value", &l->value, 0, kMaxLatency, "constant: the delay");
  }
  if (wants(LatencyConfig::Kind::kUniform, {"min", "max"})) {
    s.Duration("min", &l->min, 0, kMaxLatency, "uniform: lower bound (inclusive)");
    s.Duration("max", &l->max, 0, kMaxLatency, "uniform: upper bound (inclusive)");
    if (l->min > l->max) {
      s.ErrorAtKeys("max", {"min"},
                    absl::StrCat("is ", FormatDuration(l->max), ", below min (",
                                 FormatDuration(l->min), ")"));
    }
  }
  if (wants(LatencyConfig::Kind::kNormal, {"mean", "stddev"})) {
    s.Duration("mean", &l->mean, 0, kMaxLatency, "normal: mean (samples below 0 are clamped to 0)");
    s.Duration("stddev", &l->stddev, 0, kMaxLatency, "normal: standard deviation");
  }
  if (wants(LatencyConfig::Kind::kLogNormal, {"median", "sigma"})) {
    s.Duration("median", &l->median, 1, kMaxLatency, "lognormal: median, exp(mu)");
    s.Double("sigma", &l->sigma, 0, 5, "lognormal: shape, the standard deviation of ln(delay)");
  }
  s.Finish();
}

// Reading: the shorthand form, a constant delay ("5ms", or 0).
void ReadConstantLatency(Section& parent, std::string_view key, const toml::node& n,
                         LatencyConfig* out) {
  LatencyConfig l;
  if (n.is_integer() && *n.value<int64_t>() != 0) {
    parent.ErrorAtNode(n, key,
                       absl::StrCat("expected a duration string such as \"5ms\" or a latency "
                                    "table, got ",
                                    DescribeValue(n)));
    return;
  }
  if (n.is_string()) {
    absl::StatusOr<Nanos> d = ParseDuration(*n.value<std::string_view>());
    if (!d.ok() || *d < 0 || *d > kMaxLatency) {
      parent.ErrorAtNode(n, key,
                         d.ok()
                             ? absl::StrCat("expected a delay between 0s and ",
                                            FormatDuration(kMaxLatency), ", got ", DescribeValue(n))
                             : std::string(d.status().message()));
      return;
    }
    l.value = *d;
  }
  l.kind = LatencyConfig::Kind::kConstant;
  *out = l;
}

// A latency: a duration (constant) or a table. Echoed in the table form.
void ReadLatency(Section& parent, std::string_view key, LatencyConfig* out) {
  Context* ctx = parent.ctx();
  const char* kDoc =
      "one-way delay: a duration (constant), or a table {kind = \"constant\" | \"uniform\" | "
      "\"normal\" | \"lognormal\", ...} (see the latency table below)";
  const toml::node* n = parent.Raw(key, "duration or table",
                                   absl::StrCat("\"", FormatDuration(out->value), "\""), kDoc);
  std::string path = absl::StrCat(parent.path(), ".", AV(key));
  if (parent.documenting()) {
    Section doc(ctx, nullptr, path, "latency (table form)");
    ReadLatencyTable(doc, out);
    return;
  }
  if (parent.echoing()) {
    Section table = parent.Table(key, kDoc);
    ReadLatencyTable(table, out);
    return;
  }
  if (n == nullptr) return;
  if (n->is_string() || n->is_integer()) {
    ReadConstantLatency(parent, key, *n, out);
    return;
  }
  if (!n->is_table()) {
    parent.ErrorAtNode(
        *n, key,
        absl::StrCat("expected a duration such as \"5ms\" or a table such as {kind = "
                     "\"uniform\", min = \"1ms\", max = \"10ms\"}, got ",
                     DescribeValue(*n)));
    return;
  }
  Section s(ctx, n->as_table(), path);
  LatencyConfig l;
  ReadLatencyTable(s, &l);
  *out = l;
}

void ReadDcLink(Section& d, DcLinkConfig* l) {
  d.Require("from", "missing: a datacenter link needs from and to");
  d.Require("to", "missing: a datacenter link needs from and to");
  d.String("from", &l->from, "datacenter name");
  d.String("to", &l->to, "datacenter name");
  d.Bool("one_way", &l->one_way, "link only from -> to");
  d.Note("(link keys)", "[network.inter_dc]",
         "latency, loss, duplicate, reorder, bandwidth as in [network.link]");
  ReadLinkClass(d, &l->link);
}

}  // namespace

void ReadLinkClass(Section& s, LinkClassConfig* link) {
  if (s.documenting() && s.path() != kDocumentedLinkClass) return;  // documented once
  ReadLatency(s, "latency", &link->latency);
  s.Probability("loss", &link->loss, "probability that a message is dropped");
  s.Probability("duplicate", &link->duplicate,
                "probability that a delivered message arrives twice");
  s.Probability(
      "reorder", &link->reorder,
      "probability that a message skips the link's FIFO order (arrives by its own latency)");
  s.Bandwidth("bandwidth", &link->bandwidth_bytes_per_sec,
              "link bandwidth; a message occupies the link for size / bandwidth (\"unlimited\": no "
              "serialisation delay)");
}

void ReadNetwork(Section s, Scenario* sc) {
  NetworkConfig& n = sc->network;
  Section link = s.Table(
      "link",
      "the default link class: links within a rack (every link when the cluster is one rack)");
  ReadLinkClass(link, &n.link);
  link.Finish();
  for (std::string_view key : {"inter_rack", "inter_dc"}) {
    std::optional<LinkClassConfig>& slot = key == "inter_rack" ? n.inter_rack : n.inter_dc;
    Section t =
        s.Table(key, key == "inter_rack" ? "link class between racks of one datacenter (same keys "
                                           "as [network.link]; unset: [network.link])"
                                         : "link class between datacenters (same keys as "
                                           "[network.link]; unset: [network.link])");
    // The echo always shows the class in use, [network.link]'s when unset.
    if (t.present() || t.echoing()) {
      // Keys left out inherit from [network.link].
      LinkClassConfig c = slot.value_or(n.link);
      ReadLinkClass(t, &c);
      t.Finish();
      if (t.present()) slot = c;
    }
  }
  DcLinkConfig prototype;
  prototype.link = n.inter_dc.value_or(n.link);
  s.Array("dc_links",
          "explicit datacenter graph: when given, only these datacenter pairs are linked and "
          "traffic routes over shortest paths",
          &n.dc_links, prototype, ReadDcLink);
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
