// The data model of the key-value workload: key and column names, value bytes, and the
// compact "version" of a cell that the oracle compares.
//
// Keys are "k<index>" (index < workload.kv.keys) and columns "c<index>" (index < columns), as
// scenario files name them (drop_mutations keys = ["k42"]). A live value is the write's id
// (a positive integer unique to the write, in issue order) as 8 big-endian bytes followed by a
// filler derived from the id, `value_bytes` long in all; when value_bytes < 8 the value is the
// id's low value_bytes bytes, big-endian. So equal values <=> equal tags, and the byte order
// that Cell's merge uses to break timestamp ties is the numeric order of the tags.
//
// CellVersion {timestamp, tombstone, tag} is everything the oracle needs to compare cells
// exactly under the engine's merge order (engine/cell.h): the tag is the value's id for a live
// cell and the local deletion time for a tombstone (tombstones have empty values, so their
// ties break on local deletion time, as in the engine).
//
//   std::string key = KvKey(42);                 // "k42"
//   std::optional<uint64_t> i = ParseKvKey(key);  // 42
//   Cell c = Cell::Live(KvValue(write_id, 100), ts);
//   CellVersion v = VersionOf(c, 100);          // {ts, false, write_id}
#ifndef DSIM_SIM_KV_DATA_H_
#define DSIM_SIM_KV_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cell.h"

namespace dsim::sim {

std::string KvKey(uint64_t index);
std::string KvColumn(uint32_t index);
// The index of "k<digits>" / "c<digits>", or nullopt for any other string.
std::optional<uint64_t> ParseKvKey(std::string_view key);
std::optional<uint32_t> ParseKvColumn(std::string_view column);

// The value bytes of write `write_id`. REQUIRES: write_id > 0.
std::string KvValue(uint64_t write_id, uint32_t value_bytes);
// The tag of a live value made by KvValue (the id, or its low bytes).
uint64_t KvValueTag(std::string_view value);

struct CellVersion {
  int64_t timestamp_us = 0;
  bool tombstone = false;
  uint64_t tag = 0;  // live: value id; tombstone: local deletion time (as uint64 bits)

  friend bool operator==(const CellVersion&, const CellVersion&) = default;
};

// The engine's merge order (engine::CellLess) on versions.
inline bool VersionLess(const CellVersion& a, const CellVersion& b) {
  if (a.timestamp_us != b.timestamp_us) return a.timestamp_us < b.timestamp_us;
  if (a.tombstone != b.tombstone) return !a.tombstone;
  if (a.tombstone) {
    return static_cast<int64_t>(a.tag) < static_cast<int64_t>(b.tag);  // signed times
  }
  return a.tag < b.tag;
}

CellVersion VersionOf(const engine::Cell& cell);

}  // namespace dsim::sim

#endif  // DSIM_SIM_KV_DATA_H_
