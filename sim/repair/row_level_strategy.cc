#include "sim/repair/row_level_strategy.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "engine/check.h"
#include "engine/row_set_hash.h"
#include "sim/repair/trace_digest.h"

namespace dsim::sim {
namespace {

uint64_t CellDigest(const engine::Cell& cell) {
  std::string bytes = cell.value;
  bytes.push_back(cell.tombstone ? 1 : 0);
  bytes.append(reinterpret_cast<const char*>(&cell.timestamp_us), sizeof cell.timestamp_us);
  bytes.append(reinterpret_cast<const char*>(&cell.local_deletion_time_us),
               sizeof cell.local_deletion_time_us);
  return engine::Hash64(bytes);
}

uint64_t RowsBytes(const std::vector<engine::Partition>& rows) {
  uint64_t bytes = 0;
  for (const engine::Partition& p : rows) bytes += static_cast<uint64_t>(p.ByteSize());
  return bytes;
}

}  // namespace

RowLevelStrategy::CellSummary RowLevelStrategy::Summarise(std::string_view column,
                                                          const engine::Cell& cell) {
  return CellSummary{engine::Hash64(column), cell.timestamp_us, cell.tombstone, CellDigest(cell)};
}

bool RowLevelStrategy::MayLose(const CellSummary* a, const CellSummary& b) {
  if (a == nullptr) return true;
  if (a->timestamp_us != b.timestamp_us) return a->timestamp_us < b.timestamp_us;
  if (a->tombstone != b.tombstone) return !a->tombstone;  // a tombstone wins a tie
  return a->digest != b.digest;
}

RowLevelStrategy::RowLevelStrategy(RepairContext* context) : context_(context) {
  DSIM_CHECK(context_ != nullptr);
}

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

void RowLevelStrategy::Begin(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const size_t n = session.replicas.size();
  DSIM_CHECK(n >= 1 && n <= 16);  // lanes hold 15 follower positions
  if (n == 1) {
    context_->Finish(s, true);  // nobody to compare with
    return;
  }
  State& st = states_.Open(s);
  st.followers.resize(n);
  const NodeId master = session.replicas[0];
  const engine::TokenRange& range = session.range;
  context_->ReadRange(master, range,
                      [&](const engine::Partition& p) { st.master_rows.push_back(p); });
  // Step 1: sets of row_set_rows rows, each ending at a row's offset (ties stay together).
  const uint64_t per_set = context_->config().row_set_rows;
  uint64_t in_set = 0;
  for (size_t i = 0; i + 1 < st.master_rows.size(); ++i) {
    if (++in_set < per_set) continue;
    const uint64_t end = range.Offset(st.master_rows[i].token());
    if (range.Offset(st.master_rows[i + 1].token()) == end) continue;  // same token: keep on
    st.set_ends.push_back(end);
    in_set = 0;
  }
  st.set_ends.push_back(range.WidthMinusOne());
  st.master_hashes = SetHashes(range, st, st.master_rows);
  sets_ += st.set_ends.size();
  st.awaiting = static_cast<uint32_t>(n - 1);
  const uint64_t bytes = RowsBytes(st.master_rows);
  ++validations_;
  validation_bytes_ += bytes;
  context_->ChargeValidation(s, master, bytes, 0);
  const uint32_t request = kRequestBytes + 8 * static_cast<uint32_t>(st.set_ends.size());
  for (uint32_t pos = 1; pos < n; ++pos) {
    if (!context_->SendControl(s, master, session.replicas[pos], MessageCategory::kControl,
                               request, Lane(kSetsRequest, pos))) {
      return;  // the session failed
    }
  }
}

void RowLevelStrategy::OnMessage(SessionRef s, const Delivery& d, uint32_t lane) {
  DSIM_CHECK(d.message.category == MessageCategory::kControl);
  const uint32_t pos = lane % 15 + 1;
  DSIM_CHECK(pos < context_->session(s).replicas.size());
  switch (static_cast<Message>(lane / 15)) {
    case kSetsRequest:
      OnSetsRequest(s, d.message.to, pos);
      break;
    case kSetHashes:
      states_[s].followers[pos].hashes_in = true;
      if (--states_[s].awaiting == 0) CompareSets(s);
      break;
    case kRowsRequest:
      OnRowsRequest(s, d.message.to, pos);
      break;
    case kRows:
      states_[s].followers[pos].rows_in = true;
      if (--states_[s].awaiting == 0) Pull(s);
      break;
    default:
      DSIM_CHECK_MSG(false, "unexpected row-level repair message");
  }
}

void RowLevelStrategy::OnSetsRequest(SessionRef s, NodeId follower, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  DSIM_CHECK(session.replicas[pos] == follower);
  if (!context_->cluster().node(follower).up()) return;  // the session failed already
  State& st = states_[s];
  std::vector<engine::Partition> rows;
  context_->ReadRange(follower, session.range,
                      [&](const engine::Partition& p) { rows.push_back(p); });
  st.followers[pos].set_hashes = SetHashes(session.range, st, rows);
  const uint64_t bytes = RowsBytes(rows);
  ++validations_;
  validation_bytes_ += bytes;
  context_->ChargeValidation(s, follower, bytes, pos);
}

void RowLevelStrategy::OnWorkDone(SessionRef s, NodeId node, uint32_t pos) {
  State& st = states_[s];
  if (pos == 0) {
    st.master_validated = true;
    if (st.awaiting == 0) CompareSets(s);
    return;
  }
  const RepairSession& session = context_->session(s);
  const std::vector<engine::Digest128>& hashes = st.followers[pos].set_hashes;
  for (const engine::Digest128& h : hashes) context_->MixTrace(FoldDigest(h) + pos);
  const uint32_t bytes = kRequestBytes + 16 * static_cast<uint32_t>(hashes.size());
  // Unreachable: the session failed.
  context_->SendControl(s, node, session.replicas[0], MessageCategory::kControl, bytes,
                        Lane(kSetHashes, pos));
}

void RowLevelStrategy::CompareSets(SessionRef s) {
  State& st = states_[s];
  if (!st.master_validated || st.awaiting > 0 || !st.differing.empty()) return;
  const RepairSession& session = context_->session(s);
  if (!context_->cluster().node(session.replicas[0]).up()) return;  // failed already
  context_->CountRoundTrip(s);  // the set hashes
  for (uint32_t i = 0; i < st.set_ends.size(); ++i) {
    for (size_t pos = 1; pos < st.followers.size(); ++pos) {
      if (st.followers[pos].set_hashes[i] != st.master_hashes[i]) {
        st.differing.push_back(i);
        break;
      }
    }
  }
  if (st.differing.empty()) {
    context_->Finish(s, true);
    return;
  }
  sets_differing_ += st.differing.size();
  st.awaiting = static_cast<uint32_t>(st.followers.size() - 1);
  const uint32_t request = kRequestBytes + 16 * static_cast<uint32_t>(st.differing.size());
  const NodeId master = session.replicas[0];
  for (uint32_t pos = 1; pos < st.followers.size(); ++pos) {
    if (!context_->SendControl(s, master, session.replicas[pos], MessageCategory::kControl,
                               request, Lane(kRowsRequest, pos))) {
      return;  // the session failed
    }
  }
}

void RowLevelStrategy::OnRowsRequest(SessionRef s, NodeId follower, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  if (!context_->cluster().node(follower).up()) return;  // the session failed already
  State& st = states_[s];
  std::vector<RowSummary>& rows = st.followers[pos].rows;
  uint64_t bytes = kRequestBytes;
  context_->ReadRange(follower, session.range, [&](const engine::Partition& p) {
    const uint32_t set = SetOf(st, session.range.Offset(p.token()));
    if (!std::binary_search(st.differing.begin(), st.differing.end(), set)) return;
    RowSummary row{p.key(), {}};
    for (const auto& [column, cell] : p.cells()) row.cells.push_back(Summarise(column, cell));
    bytes += p.key().size() + 4 + kCellSummaryBytes * row.cells.size();
    rows.push_back(std::move(row));
  });
  rows_summarised_ += rows.size();
  context_->SendControl(s, follower, session.replicas[0], MessageCategory::kControl,
                        static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX)),
                        Lane(kRows, pos));
}

bool RowLevelStrategy::InDiffering(const State& st, const engine::TokenRange& range,
                                   const engine::Partition& p) const {
  return std::binary_search(st.differing.begin(), st.differing.end(),
                            SetOf(st, range.Offset(p.token())));
}

void RowLevelStrategy::Pull(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const NodeId master = session.replicas[0];
  if (!context_->cluster().node(master).up()) return;  // failed already
  State& st = states_[s];
  context_->CountRoundTrip(s);  // the row summaries
  // The winner of each (row, column) as far as the summaries tell, and where it is: the
  // master's version first (source 0), then each follower's in turn; a winner held by several
  // followers is pulled from the first. A tie that only the values could break is pulled from
  // both followers (the master merges them).
  struct Best {
    CellSummary cell;
    uint32_t source = 0;
  };
  std::map<std::string, std::map<uint64_t, Best>> best;
  for (const engine::Partition& p : st.master_rows) {
    if (!InDiffering(st, session.range, p)) continue;
    std::map<uint64_t, Best>& row = best[p.key()];
    for (const auto& [column, cell] : p.cells()) {
      const CellSummary c = Summarise(column, cell);
      row[c.column_hash] = Best{c, 0};
    }
  }
  std::set<std::pair<uint32_t, std::string>> pulls;  // (replica position, key)
  for (uint32_t pos = 1; pos < st.followers.size(); ++pos) {
    for (const RowSummary& r : st.followers[pos].rows) {
      std::map<uint64_t, Best>& row = best[r.key];
      for (const CellSummary& c : r.cells) {
        const auto it = row.find(c.column_hash);
        if (it == row.end()) {
          row[c.column_hash] = Best{c, pos};
          continue;
        }
        if (!MayLose(&it->second.cell, c)) continue;
        const bool tie = it->second.cell.timestamp_us == c.timestamp_us &&
                         it->second.cell.tombstone == c.tombstone;
        if (tie && it->second.source != 0) pulls.emplace(it->second.source, r.key);
        it->second = Best{c, pos};
      }
    }
  }
  for (const auto& [key, row] : best) {
    for (const auto& [column, b] : row) {
      if (b.source != 0) pulls.emplace(b.source, key);
    }
  }
  std::vector<std::vector<std::string>> keys(st.followers.size());
  for (const auto& [pos, key] : pulls) keys[pos].push_back(key);
  std::vector<StreamRef> streams;
  for (uint32_t pos = 1; pos < st.followers.size(); ++pos) {
    if (keys[pos].empty()) continue;
    rows_pulled_ += keys[pos].size();
    streams.push_back(
        context_->OpenKeyStream(s, session.replicas[pos], master, std::move(keys[pos])));
  }
  if (streams.empty()) {
    Push(s);
    return;
  }
  Start(s, std::move(streams), /*request=*/true);
}

void RowLevelStrategy::Push(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const NodeId master = session.replicas[0];
  State& st = states_[s];
  st.pushing = true;
  // The master's versions now, with what it pulled merged in.
  std::vector<engine::Partition> merged;
  context_->ReadRange(master, session.range, [&](const engine::Partition& p) {
    if (InDiffering(st, session.range, p)) merged.push_back(p);
  });
  std::vector<StreamRef> streams;
  for (uint32_t pos = 1; pos < st.followers.size(); ++pos) {
    std::map<std::string_view, const RowSummary*> theirs;
    for (const RowSummary& r : st.followers[pos].rows) theirs[r.key] = &r;
    std::vector<std::string> keys;
    for (const engine::Partition& p : merged) {
      const auto it = theirs.find(p.key());
      bool push = it == theirs.end();
      for (auto c = p.cells().begin(); !push && c != p.cells().end(); ++c) {
        const CellSummary mine = Summarise(c->first, c->second);
        const CellSummary* their = nullptr;
        for (const CellSummary& t : it->second->cells) {
          if (t.column_hash == mine.column_hash) their = &t;
        }
        push = MayLose(their, mine);
      }
      if (push) keys.push_back(p.key());
    }
    if (keys.empty()) continue;
    rows_pushed_ += keys.size();
    streams.push_back(context_->OpenKeyStream(s, master, session.replicas[pos], std::move(keys)));
  }
  if (streams.empty()) {
    context_->Finish(s, true);
    return;
  }
  Start(s, std::move(streams), /*request=*/false);
}

void RowLevelStrategy::Start(SessionRef s, std::vector<StreamRef> streams, bool request) {
  State& st = states_[s];
  st.streaming = true;
  st.streams_pending = static_cast<uint32_t>(streams.size());
  context_->CountRoundTrip(s);  // the pulls (requests and streams), or the pushes
  // The session may finish inside the last call (every stream ended at once): touch nothing
  // after the loop.
  const NodeId master = context_->session(s).replicas[0];
  for (StreamRef t : streams) {
    if (request) {
      context_->RequestStream(t, master);
    } else {
      context_->StartStream(t);
    }
  }
}

void RowLevelStrategy::OnStreamDone(SessionRef s) {
  State& st = states_[s];
  DSIM_CHECK(st.streaming && st.streams_pending > 0);
  if (--st.streams_pending > 0) return;
  if (st.pushing) {
    context_->Finish(s, true);
  } else {
    Push(s);
  }
}

bool RowLevelStrategy::FailsOnReplicaDown(SessionRef s) const { return !states_[s].streaming; }

void RowLevelStrategy::End(SessionRef s, bool ok) {
  // Sessions fail only before their first stream opens, and complete only after the last ends.
  DSIM_CHECK(states_[s].streams_pending == 0);
  DSIM_CHECK(ok || !states_[s].streaming);
  states_.Close(s);
}

void RowLevelStrategy::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.validations", validations_, "count");
  metrics->Set("repair.validation_bytes", validation_bytes_, "bytes");
  metrics->Set("repair.row_level.sets", sets_, "sets");
  metrics->Set("repair.row_level.sets_differing", sets_differing_, "sets");
  metrics->Set("repair.row_level.rows_summarised", rows_summarised_, "rows");
  metrics->Set("repair.row_level.rows_pulled", rows_pulled_, "rows");
  metrics->Set("repair.row_level.rows_pushed", rows_pushed_, "rows");
}

}  // namespace dsim::sim
