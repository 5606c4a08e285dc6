#include "sim/kv/kv_data.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::sim {
namespace {

template <typename T>
std::optional<T> ParseIndex(std::string_view s, char prefix) {
  if (s.size() < 2 || s[0] != prefix) return std::nullopt;
  // Canonical decimal only ("k007" is not a workload key).
  if (s.size() > 2 && s[1] == '0') return std::nullopt;
  T v = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    const T next = static_cast<T>(v * 10 + static_cast<T>(c - '0'));
    if (next / 10 != v) return std::nullopt;  // overflow
    v = next;
  }
  return v;
}

}  // namespace

std::string KvKey(uint64_t index) { return absl::StrCat("k", index); }
std::string KvColumn(uint32_t index) { return absl::StrCat("c", index); }

std::optional<uint64_t> ParseKvKey(std::string_view key) { return ParseIndex<uint64_t>(key, 'k'); }
std::optional<uint32_t> ParseKvColumn(std::string_view column) {
  return ParseIndex<uint32_t>(column, 'c');
}

std::string KvValue(uint64_t write_id, uint32_t value_bytes) {
  DSIM_CHECK(write_id > 0);
  std::string v(value_bytes, '\0');
  const uint32_t id_bytes = value_bytes < 8 ? value_bytes : 8;
  for (uint32_t i = 0; i < id_bytes; ++i) {
    v[id_bytes - 1 - i] = static_cast<char>((write_id >> (8 * i)) & 0xff);
  }
  // Filler: a cheap function of the id, so equal ids give equal bytes.
  const char fill = static_cast<char>('a' + write_id % 26);
  for (uint32_t i = id_bytes; i < value_bytes; ++i) v[i] = fill;
  return v;
}

uint64_t KvValueTag(std::string_view value) {
  const size_t n = value.size() < 8 ? value.size() : 8;
  uint64_t tag = 0;
  for (size_t i = 0; i < n; ++i) tag = tag << 8 | static_cast<uint8_t>(value[i]);
  return tag;
}

CellVersion VersionOf(const engine::Cell& cell) {
  if (cell.tombstone) {
    return CellVersion{cell.timestamp_us, true, static_cast<uint64_t>(cell.local_deletion_time_us)};
  }
  return CellVersion{cell.timestamp_us, false, KvValueTag(cell.value)};
}

}  // namespace dsim::sim
