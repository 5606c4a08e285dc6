// The typed getters of Section (sim/scenario/toml_section.h). Each one documents the key (with
// the field's current value as the default), echoes the field's current value, and reads the key
// when the table has it, in that order. Each step acts only in its own mode (outside documenting,
// Document just records the key as known, for unknown-key suggestions), so one body serves all
// three modes.
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/units.h"
#include "sim/scenario/toml_section.h"

namespace dsim::sim::toml_section {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string ShortestDouble(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string BandwidthText(uint64_t bytes_per_sec) {
  return bytes_per_sec == 0 ? std::string("unlimited") : FormatBandwidth(bytes_per_sec);
}

}  // namespace

// An optional value through its plain getter `plain`: reading runs it only when the key is
// given (and keeps the value only when it was valid); echo runs it only when the value is set.
template <typename T>
void Section::OptionalOf(std::string_view key, std::optional<T>* out, std::string_view type,
                         PlainGetter<T> plain, T min, T max, std::string_view doc) {
  if (documenting()) {
    Document(key, type, "(unset)", doc);
    return;
  }
  if (echoing() ? !out->has_value() : !Has(key)) return;
  T v = out->value_or(T{});
  size_t before = ctx_->errors().size();
  (this->*plain)(key, &v, min, max, doc);
  if (ctx_->errors().size() == before) *out = v;
}

void Section::Uint(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                   std::string_view doc) {
  Document(key, "integer", absl::StrCat(*out), doc);
  Echo(key, *out);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  std::optional<int64_t> v = n->is_integer() ? n->value<int64_t>() : std::nullopt;
  if (!v) {
    ErrorAtNode(
        *n, key,
        absl::StrCat("expected an integer in [", min, ", ", max, "], got ", DescribeValue(*n)));
    return;
  }
  if (*v < 0 || static_cast<uint64_t>(*v) < min || static_cast<uint64_t>(*v) > max) {
    ErrorAtNode(*n, key, absl::StrCat("expected an integer in [", min, ", ", max, "], got ", *v));
    return;
  }
  *out = static_cast<uint64_t>(*v);
}

void Section::Uint32(std::string_view key, uint32_t* out, uint32_t min, uint32_t max,
                     std::string_view doc) {
  uint64_t v = *out;
  Uint(key, &v, min, max, doc);
  *out = static_cast<uint32_t>(v);
}

void Section::Double(std::string_view key, double* out, double min, double max,
                     std::string_view doc) {
  Document(key, "number", ShortestDouble(*out), doc);
  Echo(key, *out);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_number()) {
    ErrorAtNode(
        *n, key,
        absl::StrCat("expected a number in [", min, ", ", max, "], got ", DescribeValue(*n)));
    return;
  }
  double v = n->is_integer() ? static_cast<double>(*n->value<int64_t>()) : *n->value<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    ErrorAtNode(*n, key, absl::StrCat("expected a number in [", min, ", ", max, "], got ", v));
    return;
  }
  *out = v;
}

void Section::OptionalDouble(std::string_view key, std::optional<double>* out, double min,
                             double max, std::string_view doc) {
  OptionalOf(key, out, "number", &Section::Double, min, max, doc);
}

void Section::Bool(std::string_view key, bool* out, std::string_view doc) {
  Document(key, "boolean", *out ? "true" : "false", doc);
  Echo(key, *out);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_boolean()) {
    ErrorAtNode(*n, key, absl::StrCat("expected true or false, got ", DescribeValue(*n)));
    return;
  }
  *out = *n->value<bool>();
}

void Section::String(std::string_view key, std::string* out, std::string_view doc) {
  Document(key, "string", out->empty() ? "\"\"" : absl::StrCat("\"", *out, "\""), doc);
  Echo(key, *out);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_string()) {
    ErrorAtNode(*n, key, absl::StrCat("expected a string, got ", DescribeValue(*n)));
    return;
  }
  *out = std::string(*n->value<std::string_view>());
}

void Section::OptionalString(std::string_view key, std::string* out, std::string_view doc) {
  if (echoing()) {
    if (!out->empty()) Echo(key, *out);
    return;
  }
  String(key, out, doc);
}

void Section::OptionalUint32(std::string_view key, uint32_t* out, bool* has_value, uint32_t min,
                             uint32_t max, std::string_view doc) {
  if (echoing()) {
    if (*has_value) Echo(key, *out);
    return;
  }
  if (reading()) *has_value = Has(key);
  Uint32(key, out, min, max, doc);
}

void Section::Duration(std::string_view key, Nanos* out, Nanos min, Nanos max,
                       std::string_view doc) {
  Document(key, "duration", absl::StrCat("\"", FormatDuration(*out), "\""), doc);
  Echo(key, FormatDuration(*out));
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  const std::string range =
      absl::StrCat("between ", FormatDuration(min), " and ",
                   max == kNanosMax ? std::string("any length") : FormatDuration(max));
  Nanos v = 0;
  if (n->is_integer() && *n->value<int64_t>() == 0) {
    v = 0;
  } else if (n->is_string()) {
    absl::StatusOr<Nanos> d = ParseDuration(*n->value<std::string_view>());
    if (!d.ok()) {
      ErrorAtNode(*n, key, std::string(d.status().message()));
      return;
    }
    v = *d;
  } else {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a duration string such as \"10ms\" (", range, "), got ",
                             DescribeValue(*n)));
    return;
  }
  if (v < min || v > max) {
    ErrorAtNode(*n, key, absl::StrCat("expected a duration ", range, ", got ", FormatDuration(v)));
    return;
  }
  *out = v;
}

void Section::OptionalDuration(std::string_view key, std::optional<Nanos>* out, Nanos min,
                               Nanos max, std::string_view doc) {
  OptionalOf(key, out, "duration", &Section::Duration, min, max, doc);
}

void Section::Size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                   std::string_view doc) {
  Document(key, "size", absl::StrCat("\"", FormatSize(*out), "\""), doc);
  Echo(key, FormatSize(*out));
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  uint64_t v = 0;
  if (n->is_integer() && *n->value<int64_t>() >= 0) {
    v = static_cast<uint64_t>(*n->value<int64_t>());
  } else if (n->is_string()) {
    absl::StatusOr<uint64_t> s = ParseSize(*n->value<std::string_view>());
    if (!s.ok()) {
      ErrorAtNode(*n, key, std::string(s.status().message()));
      return;
    }
    v = *s;
  } else {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a size such as \"64KiB\", got ", DescribeValue(*n)));
    return;
  }
  if (v < min || v > max) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a size between ", FormatSize(min), " and ", FormatSize(max),
                             ", got ", FormatSize(v)));
    return;
  }
  *out = v;
}

void Section::Bandwidth(std::string_view key, uint64_t* out, std::string_view doc) {
  Document(key, "bandwidth", absl::StrCat("\"", BandwidthText(*out), "\""), doc);
  Echo(key, BandwidthText(*out));
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (n->is_integer() && *n->value<int64_t>() == 0) {
    *out = 0;
    return;
  }
  if (!n->is_string()) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a bandwidth such as \"100MiB/s\" or \"1Gbps\", or "
                             "\"unlimited\", got ",
                             DescribeValue(*n)));
    return;
  }
  std::string_view s = *n->value<std::string_view>();
  if (s == "unlimited") {
    *out = 0;
    return;
  }
  absl::StatusOr<uint64_t> b = ParseBandwidth(s);
  if (!b.ok() || *b == 0) {
    ErrorAtNode(*n, key,
                b.ok() ? absl::StrCat("expected a positive bandwidth, or \"unlimited\", got ",
                                      DescribeValue(*n))
                       : std::string(b.status().message()));
    return;
  }
  *out = *b;
}

void Section::Probability(std::string_view key, Ratio* out, std::string_view doc) {
  Document(key, "probability", FormatRatio(*out), doc);
  Echo(key, FormatRatio(*out));
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  std::string text;
  if (n->is_integer()) {
    text = absl::StrCat(*n->value<int64_t>());
  } else if (n->is_floating_point()) {
    // The shortest decimal that round-trips is exactly what the author wrote (0.01 -> "0.01").
    text = ShortestDouble(*n->value<double>());
  } else if (n->is_string()) {
    text = std::string(*n->value<std::string_view>());
  } else {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a probability (0.01, \"1%\" or \"1/100\"), got ",
                             DescribeValue(*n)));
    return;
  }
  absl::StatusOr<Ratio> r = ParseProbability(text);
  if (!r.ok()) {
    ErrorAtNode(*n, key, std::string(r.status().message()));
    return;
  }
  *out = *r;
}

int Section::EnumIndex(std::string_view key, const std::vector<std::string_view>& names,
                       const std::string& current, std::string_view doc) {
  std::vector<std::string> quoted;
  for (std::string_view s : names) quoted.push_back(absl::StrCat("\"", AV(s), "\""));
  Document(key, absl::StrCat("one of ", absl::StrJoin(quoted, ", ")),
           absl::StrCat("\"", current, "\""), doc);
  Echo(key, current);
  const toml::node* n = Use(key);
  if (n == nullptr) return -1;
  if (n->is_string()) {
    std::string_view s = *n->value<std::string_view>();
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == s) return static_cast<int>(i);
  }
  ErrorAtNode(
      *n, key,
      absl::StrCat("expected one of ", absl::StrJoin(quoted, ", "), ", got ", DescribeValue(*n)));
  return -1;
}

}  // namespace dsim::sim::toml_section
