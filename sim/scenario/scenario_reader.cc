#include "sim/scenario/scenario_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/core/units.h"

namespace dsim::sim::scenario_internal {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return absl::StrCat("the string \"", AV(*n.value<std::string_view>()), "\"");
    case toml::node_type::integer:
      return absl::StrCat("the integer ", *n.value<int64_t>());
    case toml::node_type::floating_point:
      return absl::StrCat("the number ", *n.value<double>());
    case toml::node_type::boolean:
      return *n.value<bool>() ? "true" : "false";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1] ? 1u : 0u)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ShortestDouble(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string Context::Where(const toml::source_region& where) {
  std::string file = where.path ? *where.path : std::string("<input>");
  if (file.rfind("--set ", 0) == 0) return file;
  if (where.begin.line == 0) return file;
  return absl::StrCat(file, ":", where.begin.line, ":", where.begin.column);
}

void Context::Error(const toml::source_region& where, std::string_view key,
                    std::string_view message) {
  ErrorAt(Where(where), key, message);
}

void Context::ErrorAt(std::string_view where, std::string_view key, std::string_view message) {
  if (errors_.size() >= kMaxErrors) {
    ++suppressed_;
    return;
  }
  errors_.push_back(key.empty() ? absl::StrCat(AV(where), ": ", AV(message))
                                : absl::StrCat(AV(where), ": ", AV(key), ": ", AV(message)));
}

Section::Section(Context* ctx, const toml::table* table, std::string path, std::string doc_section)
    : ctx_(ctx),
      table_(ctx->documenting() ? nullptr : table),
      path_(std::move(path)),
      doc_section_(doc_section.empty() ? path_ : std::move(doc_section)) {}

std::string Section::KeyPath(std::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", AV(key));
}

bool Section::Has(std::string_view key) const { return table_ != nullptr && table_->contains(key); }

std::string Section::Where() const {
  if (table_ == nullptr) return "<defaults>";
  return Context::Where(table_->source());
}

std::string Section::WhereKey(std::string_view key) const {
  if (table_ != nullptr) {
    if (const toml::node* n = table_->get(key)) return Context::Where(n->source());
  }
  return Where();
}

const toml::node* Section::Use(std::string_view key) {
  if (table_ == nullptr) return nullptr;
  const toml::node* n = table_->get(key);
  if (n != nullptr) used_.insert(std::string(key));
  return n;
}

void Section::Document(std::string_view key, std::string_view type, std::string default_text,
                       std::string_view doc) {
  if (std::find(known_keys_.begin(), known_keys_.end(), key) == known_keys_.end()) {
    known_keys_.emplace_back(key);
  }
  if (!ctx_->documenting()) return;
  ctx_->docs()->push_back(DocEntry{doc_section_, std::string(key), std::string(type),
                                   std::move(default_text), std::string(doc)});
}

void Section::ErrorAtKey(std::string_view key, std::string_view message) {
  ctx_->ErrorAt(WhereKey(key), KeyPath(key), message);
}

void Section::ErrorAtNode(const toml::node& node, std::string_view key, std::string_view message) {
  ctx_->Error(node.source(), KeyPath(key), message);
}

void Section::Uint(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                   std::string_view doc) {
  Document(key, "integer", absl::StrCat(*out), doc);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  std::optional<int64_t> v = n->is_integer() ? n->value<int64_t>() : std::nullopt;
  if (!v) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected an integer in [", min, ", ", max, "], got ", TypeName(*n)));
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
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_number()) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a number in [", min, ", ", max, "], got ", TypeName(*n)));
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
  double v = out->value_or(0.0);
  if (ctx_->documenting()) {
    Document(key, "number", "(unset)", doc);
    return;
  }
  if (!Has(key)) return;
  size_t before = ctx_->errors().size();
  Double(key, &v, min, max, doc);
  if (ctx_->errors().size() == before) *out = v;
}

void Section::Bool(std::string_view key, bool* out, std::string_view doc) {
  Document(key, "boolean", *out ? "true" : "false", doc);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_boolean()) {
    ErrorAtNode(*n, key, absl::StrCat("expected true or false, got ", TypeName(*n)));
    return;
  }
  *out = *n->value<bool>();
}

void Section::String(std::string_view key, std::string* out, std::string_view doc) {
  Document(key, "string", out->empty() ? "\"\"" : absl::StrCat("\"", *out, "\""), doc);
  const toml::node* n = Use(key);
  if (n == nullptr) return;
  if (!n->is_string()) {
    ErrorAtNode(*n, key, absl::StrCat("expected a string, got ", TypeName(*n)));
    return;
  }
  *out = std::string(*n->value<std::string_view>());
}

void Section::Duration(std::string_view key, Nanos* out, Nanos min, Nanos max,
                       std::string_view doc) {
  Document(key, "duration", absl::StrCat("\"", FormatDuration(*out), "\""), doc);
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
                             TypeName(*n)));
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
  if (ctx_->documenting()) {
    Document(key, "duration", "(unset)", doc);
    return;
  }
  if (!Has(key)) return;
  Nanos v = 0;
  size_t before = ctx_->errors().size();
  Duration(key, &v, min, max, doc);
  if (ctx_->errors().size() == before) *out = v;
}

void Section::Size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max,
                   std::string_view doc) {
  Document(key, "size", absl::StrCat("\"", FormatSize(*out), "\""), doc);
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
    ErrorAtNode(*n, key, absl::StrCat("expected a size such as \"64KiB\", got ", TypeName(*n)));
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
  Document(key, "bandwidth",
           *out == 0 ? "\"unlimited\"" : absl::StrCat("\"", FormatBandwidth(*out), "\""), doc);
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
                             TypeName(*n)));
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
                b.ok() ? "expected a positive bandwidth, or \"unlimited\""
                       : std::string(b.status().message()));
    return;
  }
  *out = *b;
}

void Section::Probability(std::string_view key, Ratio* out, std::string_view doc) {
  Document(key, "probability", FormatRatio(*out), doc);
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
    ErrorAtNode(
        *n, key,
        absl::StrCat("expected a probability (0.01, \"1%\" or \"1/100\"), got ", TypeName(*n)));
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
  const toml::node* n = Use(key);
  if (n == nullptr) return -1;
  if (n->is_string()) {
    std::string_view s = *n->value<std::string_view>();
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == s) return static_cast<int>(i);
  }
  ErrorAtNode(
      *n, key,
      absl::StrCat("expected one of ", absl::StrJoin(quoted, ", "), ", got ", TypeName(*n)));
  return -1;
}

Section Section::Table(std::string_view key, std::string_view doc) {
  Document(key, "table", "", doc);
  std::string sub = KeyPath(key);
  const toml::node* n = Use(key);
  if (n != nullptr && !n->is_table()) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a table ([", sub, "] or {...}), got ", TypeName(*n)));
    n = nullptr;
  }
  return Section(ctx_, n != nullptr ? n->as_table() : nullptr, sub);
}

std::vector<Section> Section::Tables(std::string_view key, std::string_view doc) {
  Document(key, "array of tables", "[]", doc);
  std::vector<Section> out;
  const toml::node* n = Use(key);
  if (n == nullptr) return out;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    ErrorAtNode(
        *n, key,
        absl::StrCat("expected an array of tables ([[", KeyPath(key), "]]), got ", TypeName(*n)));
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    std::string sub = absl::StrCat(KeyPath(key), "[", i, "]");
    if (!e.is_table()) {
      ctx_->Error(e.source(), sub, absl::StrCat("expected a table, got ", TypeName(e)));
      continue;
    }
    out.emplace_back(ctx_, e.as_table(), sub);
  }
  return out;
}

const toml::node* Section::Raw(std::string_view key, std::string_view type,
                               std::string_view default_text, std::string_view doc) {
  Document(key, type, std::string(default_text), doc);
  return Use(key);
}

void Section::Finish() {
  if (table_ == nullptr) return;
  for (auto&& [k, v] : *table_) {
    std::string_view key = k.str();
    if (used_.contains(std::string(key))) continue;
    std::string hint;
    size_t best = 3;
    // Suggest the closest key this section knows about (the ones a getter asked for, read or not).
    for (const std::string& candidate : known_keys_) {
      size_t d = EditDistance(key, candidate);
      if (d < best) {
        best = d;
        hint = absl::StrCat(" (did you mean \"", candidate, "\"?)");
      }
    }
    std::vector<std::string> quoted;
    for (const std::string& s : known_keys_) quoted.push_back(s);
    std::string where = k.source().path ? Context::Where(k.source()) : Context::Where(v.source());
    ctx_->ErrorAt(
        where, KeyPath(key),
        absl::StrCat(
            "unknown key", hint,
            quoted.empty()
                ? std::string(" (this table takes no keys)")
                : absl::StrCat("; ", path_.empty() ? "top level" : absl::StrCat("[", path_, "]"),
                               " takes: ", absl::StrJoin(quoted, ", "))));
  }
}

}  // namespace dsim::sim::scenario_internal
