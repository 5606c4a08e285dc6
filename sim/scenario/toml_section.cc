// The Section/Context plumbing: modes, positions, errors, sub-tables, arrays and unknown keys.
// The typed getters are in toml_section_getters.cc.
#include "sim/scenario/toml_section.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/check.h"

namespace dsim::sim::toml_section {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

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

}  // namespace

std::string DescribeValue(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return n.as_array()->empty() ? "an empty array" : "an array";
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

std::string Context::Where(const toml::source_region& where) {
  std::string file = where.path ? *where.path : std::string("<input>");
  if (file.rfind("--set ", 0) == 0) return file;
  if (where.begin.line == 0) return file;
  return absl::StrCat(file, ":", where.begin.line, ":", where.begin.column);
}

bool Context::InFile(const toml::source_region& where) {
  return where.path && where.path->rfind("--set ", 0) != 0 && where.begin.line > 0;
}

const toml::node* Context::Find(const toml::table& root, std::string_view path) {
  const toml::node* node = &root;
  for (absl::string_view piece : absl::StrSplit(AV(path), '.')) {
    const std::string_view part(piece.data(), piece.size());
    // "name[3]": the table key, then array indices.
    const size_t bracket = part.find('[');
    const toml::table* t = node->as_table();
    node = t != nullptr ? t->get(part.substr(0, bracket)) : nullptr;
    for (size_t open = bracket; node != nullptr && open != std::string_view::npos;
         open = part.find('[', open + 1)) {
      const size_t close = part.find(']', open);
      size_t index = 0;
      const toml::array* arr = node->as_array();
      if (close == std::string_view::npos || arr == nullptr ||
          !absl::SimpleAtoi(AV(part.substr(open + 1, close - open - 1)), &index) ||
          index >= arr->size()) {
        return nullptr;
      }
      node = arr->get(index);
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

void Context::ErrorAtPaths(const std::vector<std::string>& paths, std::string_view message) {
  DSIM_CHECK(!paths.empty());
  if (!reading() || root_ == nullptr) return;
  std::string where;
  std::vector<std::string> from_set;
  for (const std::string& path : paths) {
    const toml::node* n = Find(*root_, path);
    if (n == nullptr) continue;
    if (where.empty() && InFile(n->source())) where = Where(n->source());
    const std::string origin = n->source().path ? *n->source().path : std::string();
    if (origin.rfind("--set ", 0) == 0 &&
        std::find(from_set.begin(), from_set.end(), origin) == from_set.end()) {
      from_set.push_back(origin);
    }
  }
  // None of the keys is in the file: the deepest table above the first that is, else the file.
  for (std::string_view p = paths[0]; where.empty() && !p.empty();) {
    const size_t cut = p.find_last_of(".[");
    p = p.substr(0, cut == std::string_view::npos ? 0 : cut);
    const toml::node* n = p.empty() ? nullptr : Find(*root_, p);
    if (n != nullptr && InFile(n->source())) where = Where(n->source());
  }
  if (where.empty()) where = root_->source().path ? *root_->source().path : "<input>";
  std::string text(message);
  for (const std::string& origin : from_set) absl::StrAppend(&text, " (from ", origin, ")");
  ErrorAt(where, paths[0], text);
}

void Context::Error(const toml::source_region& where, std::string_view key,
                    std::string_view message) {
  if (!reading()) return;
  ErrorAt(Where(where), key, message);
}

void Context::ErrorAt(std::string_view where, std::string_view key, std::string_view message) {
  if (!reading()) return;
  if (errors_.size() >= kMaxErrors) {
    ++suppressed_;
    return;
  }
  errors_.push_back(key.empty() ? absl::StrCat(AV(where), ": ", AV(message))
                                : absl::StrCat(AV(where), ": ", AV(key), ": ", AV(message)));
}

Section::Section(Context* ctx, const toml::table* table, std::string path, std::string doc_section)
    : ctx_(ctx),
      table_(ctx->reading() ? table : nullptr),
      echo_(ctx->echoing() ? ctx->echo_root() : nullptr),
      path_(std::move(path)),
      doc_section_(doc_section.empty() ? path_ : std::move(doc_section)) {
  if (ctx->reading() && path_.empty() && table_ != nullptr) ctx->SetRoot(table_);
  if (ctx->echoing()) {
    DSIM_CHECK_MSG(echo_ != nullptr && path_.empty(),
                   "an echo Section is constructed only for the top level");
    if (echo_->is_null()) *echo_ = nlohmann::json::object();
    DSIM_CHECK(echo_->is_object());
  }
}

Section::Section(Context* ctx, EchoInto echo, std::string path)
    : ctx_(ctx), table_(nullptr), echo_(echo.object), path_(std::move(path)), doc_section_(path_) {
  DSIM_CHECK(ctx->echoing() && echo_ != nullptr && echo_->is_object());
}

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
  if (std::find(known_keys_.begin(), known_keys_.end(), key) != known_keys_.end()) return;
  known_keys_.emplace_back(key);
  if (!documenting()) return;
  ctx_->docs()->push_back(DocEntry{doc_section_, KeyPath(key), std::string(key), std::string(type),
                                   std::move(default_text), std::string(doc)});
}

void Section::Note(std::string_view label, std::string_view default_text, std::string_view doc) {
  if (!documenting()) return;
  ctx_->docs()->push_back(DocEntry{doc_section_, KeyPath(label), std::string(label), "",
                                   std::string(default_text), std::string(doc)});
}

void Section::Echo(std::string_view key, nlohmann::json value) {
  if (echo_ == nullptr) return;
  (*echo_)[std::string(key)] = std::move(value);
}

void Section::Require(std::string_view key, std::string_view message) {
  if (reading() && !Has(key)) ErrorAtKey(key, message);
}

void Section::ErrorAtKey(std::string_view key, std::string_view message) {
  ctx_->ErrorAt(WhereKey(key), KeyPath(key), message);
}

void Section::ErrorAtKeys(std::string_view key, const std::vector<std::string_view>& siblings,
                          std::string_view message) {
  std::vector<std::string> paths = {KeyPath(key)};
  for (std::string_view s : siblings) paths.push_back(KeyPath(s));
  ctx_->ErrorAtPaths(paths, message);
}

void Section::ErrorAtNode(const toml::node& node, std::string_view key, std::string_view message) {
  ctx_->Error(node.source(), KeyPath(key), message);
}

Section Section::Table(std::string_view key, std::string_view doc) {
  Document(key, "table", "", doc);
  std::string sub = KeyPath(key);
  if (echo_ != nullptr) {
    nlohmann::json& child = (*echo_)[std::string(key)];
    child = nlohmann::json::object();
    return Section(ctx_, EchoInto{&child}, sub);
  }
  const toml::node* n = Use(key);
  if (n != nullptr && !n->is_table()) {
    ErrorAtNode(*n, key,
                absl::StrCat("expected a table ([", sub, "] or {...}), got ", DescribeValue(*n)));
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
    ErrorAtNode(*n, key,
                absl::StrCat("expected an array of tables ([[", KeyPath(key), "]]), got ",
                             DescribeValue(*n)));
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = *arr->get(i);
    std::string sub = absl::StrCat(KeyPath(key), "[", i, "]");
    if (!e.is_table()) {
      ctx_->Error(e.source(), sub, absl::StrCat("expected a table, got ", DescribeValue(e)));
      continue;
    }
    out.emplace_back(ctx_, e.as_table(), sub);
  }
  return out;
}

Section Section::DocElement(std::string_view key) const {
  DSIM_CHECK(documenting());
  return Section(ctx_, nullptr, absl::StrCat(KeyPath(key), "[]"),
                 absl::StrCat("[[", KeyPath(key), "]]"));
}

std::vector<Section> Section::EchoElements(std::string_view key, size_t count) {
  DSIM_CHECK(echo_ != nullptr);
  nlohmann::json& arr = (*echo_)[std::string(key)];
  arr = nlohmann::json::array();
  for (size_t i = 0; i < count; ++i) arr.push_back(nlohmann::json::object());
  // The array is complete before any element is handed out, so the pointers stay valid.
  std::vector<Section> out;
  for (size_t i = 0; i < count; ++i) {
    out.push_back(Section(ctx_, EchoInto{&arr[i]}, absl::StrCat(KeyPath(key), "[", i, "]")));
  }
  return out;
}

const toml::node* Section::Raw(std::string_view key, std::string_view type,
                               std::string_view default_text, std::string_view doc) {
  Document(key, type, std::string(default_text), doc);
  return Use(key);
}

void Section::Finish() {
  if (finished_ || table_ == nullptr) return;
  finished_ = true;
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
    std::string where = k.source().path ? Context::Where(k.source()) : Context::Where(v.source());
    ctx_->ErrorAt(
        where, KeyPath(key),
        absl::StrCat(
            "unknown key", hint,
            known_keys_.empty()
                ? std::string(" (this table takes no keys)")
                : absl::StrCat("; ", path_.empty() ? "top level" : absl::StrCat("[", path_, "]"),
                               " takes: ", absl::StrJoin(known_keys_, ", "))));
  }
}

}  // namespace dsim::sim::toml_section
