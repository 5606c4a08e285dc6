// Internal to the scenario loader: typed, self-documenting access to one TOML table.
//
// A Section wraps one table of the parsed file. Each typed getter (Uint, Duration, Probability,
// ...) reads one key, checks its type, unit and range, stores it into the config field it is given
// (leaving the field's default when the key is absent) and marks the key as used; Finish() reports
// every key that no getter asked for as unknown, with a suggestion when one is close.
//
// The same getters run in "reference mode" (no table, a DocSink instead): then they record the
// key, its type, the field's current value as the default, and the description. That is how
// ScenarioReference() documents exactly what the loader accepts.
#ifndef DSIM_SIM_SCENARIO_READER_H_
#define DSIM_SIM_SCENARIO_READER_H_

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "sim/core/ratio.h"
#include "sim/core/time.h"

namespace dsim::sim::scenario_internal {

struct DocEntry {
  std::string section;  // "network.link", "faults (action = \"partition\")"
  std::string key;
  std::string type;
  std::string default_text;
  std::string doc;
};

// Collects problems (in reading mode) or documentation (in reference mode).
class Context {
 public:
  static constexpr size_t kMaxErrors = 25;

  Context() = default;
  explicit Context(std::vector<DocEntry>* docs) : docs_(docs) {}

  bool documenting() const { return docs_ != nullptr; }
  std::vector<DocEntry>* docs() { return docs_; }

  // Records "where: key: message"; `where` comes from the source region.
  void Error(const toml::source_region& where, std::string_view key, std::string_view message);
  // For problems found after parsing, located by a remembered position string.
  void ErrorAt(std::string_view where, std::string_view key, std::string_view message);

  const std::vector<std::string>& errors() const { return errors_; }
  size_t suppressed() const { return suppressed_; }

  // "file:line:column" (or just the override text for `--set` values).
  static std::string Where(const toml::source_region& where);

 private:
  std::vector<DocEntry>* docs_ = nullptr;
  std::vector<std::string> errors_;
  size_t suppressed_ = 0;
};

class Section {
 public:
  // Reading mode: `table` may be null (the section is absent: every key keeps its default).
  // Reference mode: the context is documenting and `table` is ignored.
  Section(Context* ctx, const toml::table* table, std::string path, std::string doc_section = "");

  const std::string& path() const { return path_; }
  bool present() const { return table_ != nullptr; }
  bool Has(std::string_view key) const;
  std::string Where() const;                         // position of the table itself
  std::string WhereKey(std::string_view key) const;  // position of a key's value (or the table)

  void Uint(std::string_view key, uint64_t* out, uint64_t min, uint64_t max, std::string_view doc);
  void Uint32(std::string_view key, uint32_t* out, uint32_t min, uint32_t max,
              std::string_view doc);
  void Double(std::string_view key, double* out, double min, double max, std::string_view doc);
  void Bool(std::string_view key, bool* out, std::string_view doc);
  void String(std::string_view key, std::string* out, std::string_view doc);
  void Duration(std::string_view key, Nanos* out, Nanos min, Nanos max, std::string_view doc);
  void OptionalDuration(std::string_view key, std::optional<Nanos>* out, Nanos min, Nanos max,
                        std::string_view doc);
  void OptionalDouble(std::string_view key, std::optional<double>* out, double min, double max,
                      std::string_view doc);
  void Size(std::string_view key, uint64_t* out, uint64_t min, uint64_t max, std::string_view doc);
  void Bandwidth(std::string_view key, uint64_t* out, std::string_view doc);
  void Probability(std::string_view key, Ratio* out, std::string_view doc);

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

  // A sub-table. Absent: a Section with no table (defaults). Wrong type: an error.
  Section Table(std::string_view key, std::string_view doc);
  // An array of tables ([[key]] or key = [{...}, ...]). Absent: empty.
  std::vector<Section> Tables(std::string_view key, std::string_view doc);
  // The raw node, marked as used (for values with a custom shape). Null when absent.
  const toml::node* Raw(std::string_view key, std::string_view type, std::string_view default_text,
                        std::string_view doc);

  // Records an error at a key (or at the table when the key is absent).
  void ErrorAtKey(std::string_view key, std::string_view message);
  void ErrorAtNode(const toml::node& node, std::string_view key, std::string_view message);

  // Reports keys nobody read. Call once, after every getter.
  void Finish();

  Context* ctx() const { return ctx_; }

 private:
  const toml::node* Use(std::string_view key);
  void Document(std::string_view key, std::string_view type, std::string default_text,
                std::string_view doc);
  int EnumIndex(std::string_view key, const std::vector<std::string_view>& names,
                const std::string& current, std::string_view doc);
  std::string KeyPath(std::string_view key) const;

  Context* ctx_;
  const toml::table* table_;
  std::string path_;
  std::string doc_section_;
  absl::btree_set<std::string> used_;
  std::vector<std::string> known_keys_;  // every key a getter asked for, in asking order
};

}  // namespace dsim::sim::scenario_internal

#endif  // DSIM_SIM_SCENARIO_READER_H_
