// Store: the read paths, point reads and merged range scans, and how they go on past a
// corrupt SSTable (store.h, "Corruption"; the quarantine itself is store_quarantine.cc).
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/check.h"
#include "engine/corruption.h"
#include "engine/merging_iterator.h"
#include "engine/store.h"
#include "engine/token.h"

namespace dsim::engine {

absl::StatusOr<std::optional<Partition>> Store::Read(std::string_view key, ReadStats* stats) {
  DSIM_CHECK_MSG(up_, "Read on a store that is down");
  for (;;) {
    absl::StatusOr<std::optional<Partition>> r = ReadOnce(key, stats);
    if (r.ok() || !QuarantineIfCorrupt(r.status())) return r;
  }
}

absl::StatusOr<std::optional<Partition>> Store::ReadOnce(std::string_view key, ReadStats* stats) {
  ReadStats local;
  const uint64_t token = Token(key);
  std::optional<Partition> result;
  if (const Partition* p = memtable_.Get(token, key); p != nullptr) {
    result = *p;
    local.memtable_hit = true;
  }
  for (auto it = sstables_.rbegin(); it != sstables_.rend(); ++it) {  // newest first
    const SSTable& table = **it;
    if (!table.MayContain(token)) {
      ++local.bloom_true_negatives;
      local.bloom_expected_false_positives += table.bloom().TheoreticalFpRate();
      continue;
    }
    ++local.sstables_consulted;
    const uint64_t before = table.bytes_read();
    absl::StatusOr<std::optional<Partition>> got = table.Get(token, key);
    local.bytes_read += table.bytes_read() - before;
    if (!got.ok()) {
      stats_.bytes_read += local.bytes_read;
      return got.status();
    }
    if (!got->has_value()) {
      ++local.bloom_false_positives;
      local.bloom_expected_false_positives += table.bloom().TheoreticalFpRate();
      continue;
    }
    ++local.bloom_true_positives;
    if (result.has_value()) {
      result->MergeFrom(**got);
    } else {
      result = *std::move(*got);
    }
  }
  ++stats_.reads;
  stats_.reads_found += result.has_value() ? 1 : 0;
  stats_.sstables_consulted += local.sstables_consulted;
  stats_.bloom_true_negatives += local.bloom_true_negatives;
  stats_.bloom_false_positives += local.bloom_false_positives;
  stats_.bloom_true_positives += local.bloom_true_positives;
  stats_.bloom_expected_false_positives += local.bloom_expected_false_positives;
  stats_.bytes_read += local.bytes_read;
  if (stats != nullptr) *stats = local;
  return result;
}

absl::Status Store::ForEachPartitionInRange(const TokenRange& range,
                                            absl::FunctionRef<void(const Partition&)> fn) {
  DSIM_CHECK_MSG(up_, "ForEachPartitionInRange on a store that is down");
  return ScanRange(
      range, true, [](const SSTable&) { return true; }, fn);
}

absl::Status Store::ViewPartitionsInRange(const TokenRange& range,
                                          absl::FunctionRef<void(const Partition&)> fn) {
  DSIM_CHECK_MSG(up_, "ViewPartitionsInRange on a store that is not recovered");
  return ScanRange(
      range, true, [](const SSTable&) { return true; }, fn, /*quarantine=*/false);
}

absl::Status Store::ScanRange(const TokenRange& range, bool include_memtable,
                              absl::FunctionRef<bool(const SSTable&)> use,
                              absl::FunctionRef<void(const Partition&)> fn, bool quarantine) {
  // The range as inclusive token intervals in ring order.
  struct Interval {
    uint64_t lo, hi;
  };
  std::vector<Interval> intervals;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  if (!range.Wraps()) {
    intervals.push_back({range.begin() + 1, range.end()});
  } else {
    if (range.begin() != kMax) intervals.push_back({range.begin() + 1, kMax});
    intervals.push_back({0, range.end()});
  }
  std::vector<std::string> skipped;  // corrupt tables left out (when not quarantining)
  for (const Interval& interval : intervals) {
    // After a corrupt block the scan resumes past the last partition it delivered.
    std::optional<std::pair<uint64_t, std::string>> last;
    for (;;) {
      std::vector<std::unique_ptr<PartitionIterator>> children;
      if (include_memtable) children.push_back(memtable_.NewIterator());
      for (const auto& t : sstables_) {
        if (use(*t) && std::find(skipped.begin(), skipped.end(), t->name()) == skipped.end()) {
          children.push_back(t->NewIterator());
        }
      }
      MergingIterator it(std::move(children));
      it.Seek(last ? last->first : interval.lo);
      while (it.Valid() && last && it.token() == last->first &&
             it.partition().key() <= last->second) {
        it.Next();
      }
      for (; it.Valid() && it.token() <= interval.hi; it.Next()) {
        fn(it.partition());
        last.emplace(it.token(), it.partition().key());
      }
      if (it.status().ok()) break;
      if (quarantine) {
        if (!QuarantineIfCorrupt(it.status())) return it.status();
        continue;
      }
      const std::optional<std::string> file = CorruptFileOf(it.status());
      if (!file || std::find(skipped.begin(), skipped.end(), *file) != skipped.end()) {
        return it.status();
      }
      skipped.push_back(*file);
    }
  }
  return absl::OkStatus();
}

}  // namespace dsim::engine
