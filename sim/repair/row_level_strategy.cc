#include "sim/repair/row_level_strategy.h"

#include <algorithm>
#include <utility>

#include "engine/check.h"
#include "engine/row_set_hash.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {

uint32_t RowLevelStrategy::SetOf(const State& st, uint64_t offset) const {
  const auto it = std::lower_bound(st.set_ends.begin(), st.set_ends.end(), offset);
  DSIM_CHECK(it != st.set_ends.end());
  return static_cast<uint32_t>(it - st.set_ends.begin());
}

std::vector<engine::Digest128> RowLevelStrategy::SetHashes(
    const engine::TokenRange& range, const State& st,
    const std::vector<engine::Partition>& rows) const {
  std::vector<engine::RowSetHash> sets(st.set_ends.size());
  for (const engine::Partition& p : rows) sets[SetOf(st, range.Offset(p.token()))].Add(p.Digest());
  std::vector<engine::Digest128> out;
  out.reserve(sets.size());
  for (const engine::RowSetHash& h : sets) out.push_back(h.Finish());
  return out;
}

void RowLevelStrategy::BeginNarrowing(SessionRef s) {
  const RepairSession& session = context()->session(s);
  State& st = states_.Open(s);
  const NodeId master = session.replicas[0];
  const engine::TokenRange& range = session.range;
  uint64_t bytes = 0;
  const std::vector<engine::Partition> rows = ReadRows(s, master, &bytes);
  // Sets of row_set_rows rows, each ending at a row's offset (rows sharing a token stay
  // together); the last runs to the end of the range.
  const uint64_t per_set = context()->config().row_set_rows;
  uint64_t in_set = 0;
  for (size_t i = 0; i + 1 < rows.size(); ++i) {
    if (++in_set < per_set) continue;
    const uint64_t end = range.Offset(rows[i].token());
    if (range.Offset(rows[i + 1].token()) == end) continue;
    st.set_ends.push_back(end);
    in_set = 0;
  }
  st.set_ends.push_back(range.WidthMinusOne());
  st.master_hashes = SetHashes(range, st, rows);
  st.hashes.resize(session.replicas.size());
  st.awaiting = followers(s);
  sets_ += st.set_ends.size();
  Validate(s, master, bytes, 0);
  const uint32_t request = kRequestBytes + 8 * static_cast<uint32_t>(st.set_ends.size());
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    if (!context()->SendControl(s, master, session.replicas[pos], MessageCategory::kControl,
                                request, NarrowingLane(kSetsRequest, pos))) {
      return;  // the session failed
    }
  }
}

void RowLevelStrategy::OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type,
                                          uint32_t pos) {
  if (type == kSetHashes) {
    if (--states_[s].awaiting == 0) CompareSets(s);
    return;
  }
  DSIM_CHECK(type == kSetsRequest);
  const NodeId follower = d.message.to;
  DSIM_CHECK(context()->session(s).replicas[pos] == follower);
  if (!context()->cluster().node(follower).up()) return;  // the session failed already
  State& st = states_[s];
  uint64_t bytes = 0;
  const std::vector<engine::Partition> rows = ReadRows(s, follower, &bytes);
  st.hashes[pos] = SetHashes(context()->session(s).range, st, rows);
  Validate(s, follower, bytes, pos);
}

void RowLevelStrategy::OnNarrowingWork(SessionRef s, NodeId node, uint32_t pos) {
  State& st = states_[s];
  if (pos == 0) {
    st.master_validated = true;
    CompareSets(s);
    return;
  }
  for (const engine::Digest128& h : st.hashes[pos]) context()->MixTrace(FoldDigest(h) + pos);
  const uint32_t bytes = kRequestBytes + 16 * static_cast<uint32_t>(st.hashes[pos].size());
  // Unreachable: the session failed.
  context()->SendControl(s, node, context()->session(s).replicas[0], MessageCategory::kControl,
                         bytes, NarrowingLane(kSetHashes, pos));
}

void RowLevelStrategy::CompareSets(SessionRef s) {
  const State& st = states_[s];
  if (!st.master_validated || st.awaiting > 0) return;
  const RepairSession& session = context()->session(s);
  if (!context()->cluster().node(session.replicas[0]).up()) return;  // failed already
  context()->CountRoundTrip(s);                                      // the set hashes
  RowFilter filter;
  const engine::TokenRange& range = session.range;
  for (uint32_t i = 0; i < st.set_ends.size(); ++i) {
    bool differs = false;
    for (uint32_t pos = 1; pos <= followers(s) && !differs; ++pos) {
      differs = st.hashes[pos][i] != st.master_hashes[i];
    }
    if (!differs) continue;
    ++sets_differing_;
    // Set i holds the offsets (set_ends[i-1], set_ends[i]]: tokens begin + 1 + offset.
    const uint64_t first = i == 0 ? range.begin() : range.begin() + 1 + st.set_ends[i - 1];
    const uint64_t last = range.begin() + 1 + st.set_ends[i];
    if (!filter.ranges.empty() && filter.ranges.back().end() == first) {
      filter.ranges.back() = engine::TokenRange(filter.ranges.back().begin(), last);
    } else {
      filter.ranges.emplace_back(first, last);
    }
  }
  Narrowed(s, std::move(filter));
}

void RowLevelStrategy::ExportTo(MetricSet* metrics) const {
  RowSyncStrategy::ExportTo(metrics);
  metrics->Set("repair.row_level.sets", sets_, "sets");
  metrics->Set("repair.row_level.sets_differing", sets_differing_, "sets");
}

}  // namespace dsim::sim
