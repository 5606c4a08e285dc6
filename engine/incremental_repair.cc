#include "engine/incremental_repair.h"

#include <memory>
#include <utility>

#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::engine {

RangeOverlap OverlapOf(const SSTableMetadata& table, const TokenRange& range) {
  DSIM_CHECK(table.min_token <= table.max_token);
  if (range.IsFullRing()) return RangeOverlap::kContained;
  const uint64_t lo = table.min_token;
  const uint64_t hi = table.max_token;
  const uint64_t b = range.begin();
  const uint64_t e = range.end();
  if (!range.Wraps()) {  // (b, e]
    if (hi <= b || lo > e) return RangeOverlap::kDisjoint;
    if (lo > b && hi <= e) return RangeOverlap::kContained;
    return RangeOverlap::kStraddles;
  }
  // (b, max] and [0, e]; the gap is (e, b].
  if (lo > e && hi <= b) return RangeOverlap::kDisjoint;
  if (lo > b || hi <= e) return RangeOverlap::kContained;
  return RangeOverlap::kStraddles;
}

std::string MarkerName(std::string_view sstable_name) {
  constexpr std::string_view kDb = ".db";
  DSIM_CHECK(sstable_name.size() > kDb.size() &&
             sstable_name.substr(sstable_name.size() - kDb.size()) == kDb);
  std::string name(sstable_name.substr(0, sstable_name.size() - kDb.size()));
  name += kMarkerSuffix;
  return name;
}

std::string EncodeRepairedMarker(int64_t repaired_at_us) {
  std::string out;
  PutFixed64(&out, static_cast<uint64_t>(repaired_at_us));
  PutFixed64(&out, Hash64(out));
  return out;
}

std::optional<int64_t> DecodeRepairedMarker(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  if (DecodeFixed64(bytes.data() + 8) != Hash64(bytes.substr(0, 8))) return std::nullopt;
  return static_cast<int64_t>(DecodeFixed64(bytes.data()));
}

absl::StatusOr<AntiCompactionOutput> AntiCompact(const SSTable& table, const TokenRange& range,
                                                 const SSTableOptions& options) {
  std::vector<Partition> inside;
  std::vector<Partition> outside;
  std::unique_ptr<PartitionIterator> it = table.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Partition& p = it->partition();
    (range.Contains(p.token()) ? inside : outside).push_back(p);
  }
  if (!it->status().ok()) return it->status();
  DSIM_CHECK(inside.size() + outside.size() == table.metadata().partition_count);
  AntiCompactionOutput out;
  out.inside_partitions = inside.size();
  out.outside_partitions = outside.size();
  auto build = [&options](const std::vector<Partition>& parts) -> std::optional<std::string> {
    if (parts.empty()) return std::nullopt;
    SSTableBuilder builder(options, parts.size());
    for (const Partition& p : parts) builder.Add(p);  // already in the table's order
    return builder.Finish();
  };
  out.inside = build(inside);
  out.outside = build(outside);
  return out;
}

}  // namespace dsim::engine
