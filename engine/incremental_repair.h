// Incremental repair's SSTable bookkeeping (Cassandra 4.0): the repair state of an SSTable, the
// groups compaction keeps apart, the "repaired" marker file, and anticompaction.
//
// Every SSTable is unrepaired, pending (claimed by one incremental repair session, by id) or
// repaired (at some time). A session's prepare step claims the unrepaired data of its range:
// an SSTable wholly inside the range becomes pending as it is; one that straddles the range's
// bounds is anticompacted, rewritten as two SSTables, the part inside (pending) and the part
// outside (still unrepaired); one wholly outside is left alone. Validation then reads only the
// session's pending SSTables, data streamed in by the session is written pending too, and the
// session ends by promoting its pending SSTables to repaired (success) or releasing them to
// unrepaired (failure). The next session on the range validates only what is unrepaired:
// the data written since.
//
// Groups: compaction never merges SSTables of different groups (repaired, unrepaired, each
// pending session), so repaired data stays repaired and a session's pending set stays exactly
// what it claimed. A merge of repaired SSTables is repaired at the oldest of their times.
//
// Durability: the state is not in the SSTable file (which is immutable). "Repaired" is
// persisted in a small marker file beside the SSTable (MarkerName; RepairedMarker encodes it,
// with a checksum); "pending" lives only in memory, so a restart releases every pending
// SSTable, as a failed session would (the session fails when a replica goes down before its
// streams, and a replica that crashes later keeps its claimed data unrepaired: it is
// validated again next time, never wrongly marked repaired). A marker that fails its checksum
// reads as unrepaired, the safe side.
#ifndef DSIM_ENGINE_INCREMENTAL_REPAIR_H_
#define DSIM_ENGINE_INCREMENTAL_REPAIR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/partition.h"
#include "engine/repair_state.h"
#include "engine/sstable.h"
#include "engine/sstable_builder.h"
#include "engine/token.h"

namespace dsim::engine {

// How an SSTable's token span [min_token, max_token] lies against a range.
enum class RangeOverlap { kDisjoint, kContained, kStraddles };
RangeOverlap OverlapOf(const SSTableMetadata& table, const TokenRange& range);

// "sstable-00000007.db" -> "sstable-00000007.repaired". REQUIRES: the name ends in ".db".
std::string MarkerName(std::string_view sstable_name);
inline constexpr std::string_view kMarkerSuffix = ".repaired";

// The marker file's bytes: fixed64 repaired_at_us, fixed64 XXH3_64 of those 8 bytes.
std::string EncodeRepairedMarker(int64_t repaired_at_us);
// The time a marker holds; nullopt if the bytes are not a valid marker.
std::optional<int64_t> DecodeRepairedMarker(std::string_view bytes);

// An anticompaction's output: the SSTable's partitions with a token in the range (inside) and
// the others (outside), each as complete SSTable file bytes, or nullopt when that side is empty.
struct AntiCompactionOutput {
  std::optional<std::string> inside;
  std::optional<std::string> outside;
  uint64_t inside_partitions = 0;
  uint64_t outside_partitions = 0;
};

// Splits `table` at `range`'s bounds. Cells are copied unchanged (no merge, no purge: the data
// a replica holds is the same before and after). DataLoss if the table is corrupt.
[[nodiscard]] absl::StatusOr<AntiCompactionOutput> AntiCompact(const SSTable& table,
                                                               const TokenRange& range,
                                                               const SSTableOptions& options);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_INCREMENTAL_REPAIR_H_
