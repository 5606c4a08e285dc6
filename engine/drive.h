// Drive: a node's published set of SSTables for one token range, hyperdrive style: a manifest
// (SSTable id -> the SSTable's DAG root, byte size, chunk count) with a root hash of its own,
// versioned as an append-only log of changes.
//
// Every Add or Remove appends one DriveChange to the log and bumps version() by one (version 0 is
// the empty drive, version v the state after the first v changes), so a peer that last saw
// version v asks for ChangesSince(v): a view of the log's tail, O(1), or its net effect
// (NetChangesSince: what is held now and was not at v, and the reverse). An SSTable id may come
// back after being removed (a new entry; the log keeps both). The log is never truncated: about
// 56 bytes per change in memory.
//
// Root (type prefix kDriveRootType = 0x03, after the DAG's 0x00..0x02 so no DAG node can pass
// for a drive root): XXH3-128 of 0x03, fixed64 range.begin, fixed64 range.end, fixed64 entry
// count, then every entry in ascending id order as its 40-byte wire form. It depends on the
// manifest and the range only, not on the history or the version: two replicas holding the same
// SSTables have the same root, whatever order they got them in. Computed on demand and cached
// until the next change (O(n) then, O(1) after).
//
// Wire sizes (what a replication strategy charges as control bytes):
//   DriveEntry: fixed64 sstable_id, dag_root low, high, fixed64 size_bytes, fixed64 chunk_count
//     = 40 bytes.
//   DriveChange: one op byte (1 add, 2 remove) + the entry = 41 bytes (its version is implied
//     by its position after the starting version).
//   Manifest: fixed64 range.begin, range.end, version, entry count, then the entries: 32 + 40 n.
//   Changes since v: fixed64 v, fixed64 change count, then the changes: 16 + 41 c (a size
//     only: nothing encodes this form yet).
//
//   Drive d(range);
//   d.Add({id, dag.root(), dag.size_bytes(), dag.chunk_count()}).IgnoreError();
//   DriveDiff diff = DiffDrives(mine, theirs);   // diff.only_b: their SSTables I lack
//   std::vector<ChunkAddress> need = LackingChunks(their_dag.ChunkAddresses(), my_store);
#ifndef DSIM_ENGINE_DRIVE_H_
#define DSIM_ENGINE_DRIVE_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/chunk_store.h"
#include "engine/hash.h"
#include "engine/token.h"

namespace dsim::engine {

inline constexpr uint8_t kDriveRootType = 0x03;

struct DriveEntry {
  static constexpr uint64_t kSerializedBytes = 40;

  uint64_t sstable_id = 0;
  Digest128 dag_root;
  uint64_t size_bytes = 0;
  uint64_t chunk_count = 0;

  friend bool operator==(const DriveEntry&, const DriveEntry&) = default;
  friend auto operator<=>(const DriveEntry&, const DriveEntry&) = default;

  void AppendTo(std::string* out) const;
  // InvalidArgument unless bytes.size() == kSerializedBytes.
  [[nodiscard]] static absl::StatusOr<DriveEntry> Parse(std::string_view bytes);
};

enum class DriveOp : uint8_t { kAdd = 1, kRemove = 2 };

struct DriveChange {
  static constexpr uint64_t kSerializedBytes = 1 + DriveEntry::kSerializedBytes;

  uint64_t version = 0;  // the drive's version once this change is applied (the first: 1)
  DriveOp op = DriveOp::kAdd;
  DriveEntry entry;  // the entry added, or the entry removed as it was

  friend bool operator==(const DriveChange&, const DriveChange&) = default;
};

// Net effect of a run of changes, each list sorted by sstable_id. An id whose entry was replaced
// (removed, then added again with other contents) is in both.
struct DriveDelta {
  std::vector<DriveEntry> added;    // held at the end, not at the start
  std::vector<DriveEntry> removed;  // held at the start, not at the end

  friend bool operator==(const DriveDelta&, const DriveDelta&) = default;
};

class Drive {
 public:
  explicit Drive(TokenRange range) : range_(range) {}

  // Publishes an SSTable. AlreadyExists if its id is held (Remove it first).
  [[nodiscard]] absl::Status Add(const DriveEntry& entry);
  // Withdraws an SSTable (compacted away, or dropped). NotFound if its id is not held.
  [[nodiscard]] absl::Status Remove(uint64_t sstable_id);

  const TokenRange& range() const { return range_; }
  uint64_t version() const { return log_.size(); }
  size_t sstable_count() const { return manifest_.size(); }
  // Sum of the held SSTables' sizes.
  uint64_t size_bytes() const { return size_bytes_; }
  Digest128 root() const;

  std::optional<DriveEntry> Find(uint64_t sstable_id) const;
  // The manifest, ascending by id.
  std::vector<DriveEntry> Entries() const;
  const absl::btree_map<uint64_t, DriveEntry>& manifest() const { return manifest_; }

  // Changes number v + 1 .. version(), oldest first; a view valid until the next Add or Remove.
  // OutOfRange if v > version().
  [[nodiscard]] absl::StatusOr<absl::Span<const DriveChange>> ChangesSince(uint64_t v) const;
  // The net effect of ChangesSince(v), O(c log c) for c changes. OutOfRange if v > version().
  [[nodiscard]] absl::StatusOr<DriveDelta> NetChangesSince(uint64_t v) const;

  uint64_t ManifestSerializedBytes() const { return 32 + 40 * manifest_.size(); }
  std::string SerializeManifest() const;
  static uint64_t ChangesSerializedBytes(uint64_t changes) {
    return 16 + DriveChange::kSerializedBytes * changes;
  }

 private:
  TokenRange range_;
  absl::btree_map<uint64_t, DriveEntry> manifest_;
  std::vector<DriveChange> log_;
  uint64_t size_bytes_ = 0;
  mutable std::optional<Digest128> root_;  // cleared by every change
};

// Entries each side holds and the other does not (by whole entry: an id with different
// contents is on both sides), ascending by id. O(1) when the roots match, else O(n_a + n_b).
struct DriveDiff {
  std::vector<DriveEntry> only_a;
  std::vector<DriveEntry> only_b;  // what a lacks of b

  friend bool operator==(const DriveDiff&, const DriveDiff&) = default;
};
// REQUIRES: a.range() == b.range().
DriveDiff DiffDrives(const Drive& a, const Drive& b);

// The distinct addresses of `wanted` that are not in `have` (both any order, repeats allowed),
// sorted: the chunks to fetch. O((w + h) log(w + h)).
std::vector<ChunkAddress> LackingChunks(absl::Span<const ChunkAddress> wanted,
                                        absl::Span<const ChunkAddress> have);
// The same against a chunk store: have.Missing(wanted).
inline std::vector<ChunkAddress> LackingChunks(absl::Span<const ChunkAddress> wanted,
                                               const ChunkStore& have) {
  return have.Missing(wanted);
}

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_DRIVE_H_
