// Typed, self-documenting, self-echoing access to the tables of a TOML file: the layer under the
// scenario loader (sim/scenario/) and the baseline reader (analysis/baseline.cc).
//
// A reader function is written once, against a Section, and runs in one of three modes chosen by
// its Context:
//
//   reading      Each typed getter (Uint, Duration, Probability, ...) reads one key of the table,
//                checks its type, unit and range, and stores it into the field it is given (the
//                field keeps its value, the default, when the key is absent). Finish() reports
//                every key that no getter asked for as unknown, with a suggestion when one is
//                close. Problems are collected by the Context, located "FILE:LINE:COLUMN".
//   documenting  There is no table: each getter records a DocEntry (key, type, the field's
//                current value as the default, and the description). A reference rendered from
//                the entries documents exactly the keys the reader accepts. A key documented
//                twice in one section keeps its first entry (readers that share a key, such as
//                the fault actions, pass the same description).
//   echo         There is no table: each getter writes the field's current value into a JSON
//                object, in the canonical text form a file would hold (below). Running the
//                readers over an already-loaded value echoes it (results.json) with the same
//                calls that read it.
//
// So a getter call is a key's only declaration: it reads, documents and echoes the key. Readers
// test the mode only where the modes differ in substance (a check that needs the file, the
// starting value of an element); Require() and Array() cover the common cases. Only reading
// reports problems: in the other modes the values are a default or an already-loaded value and
// there is no file to locate a problem in, so ErrorAt* records nothing.
//
// Echo forms: integers and numbers as JSON numbers, booleans and strings as themselves,
// durations FormatDuration ("1500ms"), sizes FormatSize ("64KiB"), bandwidths "unlimited" (0) or
// FormatBandwidth, probabilities FormatRatio ("1/100"), enums their name; the Optional* getters
// only when set; Table a sub-object, Array an array of objects (always, also when empty); Raw
// nothing (the reader echoes such a custom-shaped value itself with Echo()).
//
// Ownership: a Section borrows its Context, its table and its JSON object, which must outlive
// it; a copy keeps its own record of the keys used. Errors and documentation accumulate in the
// Context in call order.
//
//   Context ctx;  // reading
//   Section top(&ctx, &root, "");
//   Section head = top.Table("baseline", "what the baseline was written from");
//   head.String("scenario", &b.scenario, "the scenario name (required)");
//   head.Finish();
//   top.Finish();
//   if (!ctx.errors().empty()) { ... }
#ifndef DSIM_SIM_SCENARIO_TOML_SECTION_H_
#define DSIM_SIM_SCENARIO_TOML_SECTION_H_

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"

namespace dsim::sim::toml_section {

// One documented key (or a note row of the reference).
struct DocEntry {
  std::string section;  // the reference heading: "network.link", "[[faults]]", "" (top level)
  std::string path;     // the key's path, "[]" for an array element: "faults[].groups"
  std::string key;
  std::string type;
  std::string default_text;
  std::string doc;
};

// "the string \"five\"", "the integer 3", "a table": how a value is named in error messages.
std::string DescribeValue(const toml::node& n);

// The mode of a run of readers, and what it collects: problems (reading), documentation
// (documenting) or the echo's root object (echo).
class Context {
 public:
  enum class Mode { kRead, kDocument, kEcho };
  static constexpr size_t kMaxErrors = 25;

  Context() = default;  // reading
  explicit Context(std::vector<DocEntry>* docs) : mode_(Mode::kDocument), docs_(docs) {}
  // REQUIRES: `echo` is a JSON object (or null, which becomes one).
  explicit Context(nlohmann::json* echo) : mode_(Mode::kEcho), echo_(echo) {}

  Mode mode() const { return mode_; }
  bool reading() const { return mode_ == Mode::kRead; }
  bool documenting() const { return mode_ == Mode::kDocument; }
  bool echoing() const { return mode_ == Mode::kEcho; }
  std::vector<DocEntry>* docs() { return docs_; }
  nlohmann::json* echo_root() { return echo_; }

  // Records "where: key: message" (reading mode only); `where` comes from the source region.
  void Error(const toml::source_region& where, std::string_view key, std::string_view message);
  // For problems found after parsing, located by a remembered position string.
  void ErrorAt(std::string_view where, std::string_view key, std::string_view message);
  // A problem spanning several keys (a check across keys), named by their dotted paths from the
  // root ("cluster.replication_factor", "faults[2].at"), the key the message is about first.
  // Records "where: paths[0]: message" located at the first of `paths` that the file holds (else
  // the deepest table above paths[0] that it holds, else the file), and names after the message
  // every `--set` that gave one of them: "... (from --set cluster.nodes=2)".
  // REQUIRES: !paths.empty(); reading mode after SetRoot (otherwise nothing is recorded).
  void ErrorAtPaths(const std::vector<std::string>& paths, std::string_view message);
  // Reading: the root table that ErrorAtPaths resolves paths in (a top-level Section sets it).
  void SetRoot(const toml::table* root) { root_ = root; }

  // At most kMaxErrors problems are kept; suppressed() counts the rest.
  const std::vector<std::string>& errors() const { return errors_; }
  size_t suppressed() const { return suppressed_; }

  // "file:line:column" (or just the override text for `--set` values: "--set KEY=VALUE").
  static std::string Where(const toml::source_region& where);
  // Whether the region is a position in the file (not a `--set` value or a made-up node).
  static bool InFile(const toml::source_region& where);
  // The node at a dotted path ("faults[2].at") below `root`, or null.
  static const toml::node* Find(const toml::table& root, std::string_view path);

 private:
  Mode mode_ = Mode::kRead;
  std::vector<DocEntry>* docs_ = nullptr;
  nlohmann::json* echo_ = nullptr;
  const toml::table* root_ = nullptr;
  std::vector<std::string> errors_;
  size_t suppressed_ = 0;
};

class Section {
 public:
  // Reading: `table` may be null (the section is absent: every key keeps its default).
  // Documenting: `table` is ignored; entries get the heading `doc_section` (default: `path`).
  // Echo: `table` is ignored; the Section writes into the Context's root object, so construct
  // only the top level this way (sub-sections come from Table and Array).
  Section(Context* ctx, const toml::table* table, std::string path, std::string doc_section = "");

  Context* ctx() const { return ctx_; }
  bool reading() const { return ctx_->reading(); }
  bool documenting() const { return ctx_->documenting(); }
  bool echoing() const { return ctx_->echoing(); }

  const std::string& path() const { return path_; }
  bool present() const { return table_ != nullptr; }  // reading, and the table is in the file
  bool Has(std::string_view key) const;               // reading, and the key is in the table
  std::string Where() const;                          // position of the table itself
  std::string WhereKey(std::string_view key) const;   // position of a key's value (or the table)

  // The typed getters. `min`/`max` bound the value read; `doc` is the reference's description.
  void Uint(std::string_view key, uint64_t* out, uint64_t min, uint64_t max, std::string_view doc);
  void Uint32(std::string_view key, uint32_t* out, uint32_t min, uint32_t max,
              std::string_view doc);
  void Double(std::string_view key, double* out, double min, double max, std::string_view doc);
  void Bool(std::string_view key, bool* out, std::string_view doc);
  void String(std::string_view key, std::string* out, std::string_view doc);
  void Duration(std::string_view key, Nanos* out, Nanos min, Nanos max, std::string_view doc);
  void Size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max, std::string_view doc);
  void Bandwidth(std::string_view key, uint64_t* out, std::string_view doc);  // 0 = unlimited
  void Probability(std::string_view key, Ratio* out, std::string_view doc);

  // Optional values: documented as "(unset)" (OptionalString and OptionalUint32: as their
  // plain forms), echoed only when set.
  void OptionalDuration(std::string_view key, std::optional<Nanos>* out, Nanos min, Nanos max,
                        std::string_view doc);
  void OptionalDouble(std::string_view key, std::optional<double>* out, double min, double max,
                      std::string_view doc);
  // A string whose empty value means "not given".
  void OptionalString(std::string_view key, std::string* out, std::string_view doc);
  // A value kept as (value, has_value): reading sets *has_value to whether the key is given.
  void OptionalUint32(std::string_view key, uint32_t* out, bool* has_value, uint32_t min,
                      uint32_t max, std::string_view doc);

  // One of `names`; the echo and the documented default are the name of *out's value.
  template <typename E>
  void Enum(std::string_view key, E* out,
            std::initializer_list<std::pair<std::string_view, E>> names, std::string_view doc) {
    std::vector<std::string_view> all;
    std::string current;
    for (const auto& [name, value] : names) {
      all.push_back(name);
      if (value == *out) current = std::string(name);
    }
    int index = EnumIndex(key, all, current, doc);
    if (index >= 0) *out = (names.begin() + index)->second;
  }

  // One of `names`, kept as the name itself (the echo and the documented default: *out).
  void Choice(std::string_view key, std::string* out, const std::vector<std::string_view>& names,
              std::string_view doc) {
    const int index = EnumIndex(key, names, *out, doc);
    if (index >= 0) *out = std::string(names[static_cast<size_t>(index)]);
  }

  // A sub-table. Reading: absent gives a Section with no table (defaults); a wrong type is an
  // error. Echo: a sub-object under `key`.
  Section Table(std::string_view key, std::string_view doc);
  // An array of tables ([[key]] or key = [{...}, ...]), reading and documenting only: the
  // elements that are tables (absent: none). Prefer Array, which also echoes.
  std::vector<Section> Tables(std::string_view key, std::string_view doc);

  // An array of tables held in *out, each element read by `read(Section& element, T* value)`:
  //   reading      every element starts as a copy of `prototype`, is read, has its unknown keys
  //                reported (Finish) and is appended to *out;
  //   documenting  `read` documents one copy of `prototype` under the heading "[[path.key]]";
  //   echo         `read` echoes every element of *out into an array under `key`.
  template <typename T, typename Read>
  void Array(std::string_view key, std::string_view doc, std::vector<T>* out, const T& prototype,
             Read&& read) {
    if (echoing()) {
      std::vector<Section> elements = EchoElements(key, out->size());
      for (size_t i = 0; i < elements.size(); ++i) read(elements[i], &(*out)[i]);
      return;
    }
    std::vector<Section> elements = Tables(key, doc);
    if (documenting()) {
      Section element = DocElement(key);
      T value = prototype;
      read(element, &value);
      return;
    }
    for (Section& element : elements) {
      T value = prototype;
      read(element, &value);
      element.Finish();
      out->push_back(std::move(value));
    }
  }

  // The raw node, marked as used, for a value with a custom shape: null when absent (and in
  // the other modes). The reader checks it, and echoes the value itself with Echo().
  const toml::node* Raw(std::string_view key, std::string_view type, std::string_view default_text,
                        std::string_view doc);
  // Echo mode: writes `value` under `key`. Other modes: nothing.
  void Echo(std::string_view key, nlohmann::json value);
  // Documenting mode: a reference row that is not a key (e.g. "(link keys)", pointing to keys
  // documented elsewhere). Other modes: nothing; the label is not a key the table takes.
  void Note(std::string_view label, std::string_view default_text, std::string_view doc);

  // Reading mode: reports "KEY: message" at the table when `key` is absent.
  void Require(std::string_view key, std::string_view message);
  // Records an error at a key (or at the table when the key is absent).
  void ErrorAtKey(std::string_view key, std::string_view message);
  // A problem of `key` that other keys of this table take part in (`siblings`):
  // Context::ErrorAtPaths with their paths, KeyPath(key) first. For keys of other tables, call
  // ctx()->ErrorAtPaths with absolute paths.
  void ErrorAtKeys(std::string_view key, const std::vector<std::string_view>& siblings,
                   std::string_view message);
  void ErrorAtNode(const toml::node& node, std::string_view key, std::string_view message);

  // Reports the keys nobody read. Call after every getter; later calls do nothing.
  void Finish();

 private:
  struct EchoInto {
    nlohmann::json* object;
  };
  Section(Context* ctx, EchoInto echo, std::string path);  // an echo sub-section

  template <typename T>
  using PlainGetter = void (Section::*)(std::string_view, T*, T, T, std::string_view);
  template <typename T>
  void OptionalOf(std::string_view key, std::optional<T>* out, std::string_view type,
                  PlainGetter<T> plain, T min, T max, std::string_view doc);

  const toml::node* Use(std::string_view key);
  void Document(std::string_view key, std::string_view type, std::string default_text,
                std::string_view doc);
  int EnumIndex(std::string_view key, const std::vector<std::string_view>& names,
                const std::string& current, std::string_view doc);
  std::string KeyPath(std::string_view key) const;
  Section DocElement(std::string_view key) const;
  std::vector<Section> EchoElements(std::string_view key, size_t count);

  Context* ctx_;
  const toml::table* table_;
  nlohmann::json* echo_ = nullptr;  // echo mode: the object this section writes into
  std::string path_;
  std::string doc_section_;
  absl::btree_set<std::string> used_;
  std::vector<std::string> known_keys_;  // every key a getter asked for, in asking order
  bool finished_ = false;
};

}  // namespace dsim::sim::toml_section

#endif  // DSIM_SIM_SCENARIO_TOML_SECTION_H_
