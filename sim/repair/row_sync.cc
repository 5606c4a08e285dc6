#include "sim/repair/row_sync.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::sim {
namespace {

uint64_t CellDigest(const engine::Cell& cell) {
  std::string bytes = cell.value;
  bytes.push_back(cell.tombstone ? 1 : 0);
  engine::PutFixed64(&bytes, static_cast<uint64_t>(cell.timestamp_us));
  engine::PutFixed64(&bytes, static_cast<uint64_t>(cell.local_deletion_time_us));
  return engine::Hash64(bytes);
}

}  // namespace

bool RowFilter::Contains(const engine::Partition& p) const {
  if (keys.contains(p.key())) return true;
  for (const engine::TokenRange& r : ranges) {
    if (r.Contains(p.token())) return true;
  }
  return false;
}

RowSyncStrategy::CellSummary RowSyncStrategy::Summarise(std::string_view column,
                                                        const engine::Cell& cell) {
  return CellSummary{engine::Hash64(column), cell.timestamp_us, cell.tombstone, CellDigest(cell)};
}

bool RowSyncStrategy::MayLose(const CellSummary* a, const CellSummary& b) {
  if (a == nullptr) return true;
  if (a->timestamp_us != b.timestamp_us) return a->timestamp_us < b.timestamp_us;
  if (a->tombstone != b.tombstone) return !a->tombstone;  // a tombstone wins a tie
  return a->digest != b.digest;
}

RowSyncStrategy::RowSyncStrategy(RepairContext* context) : context_(context) {
  DSIM_CHECK(context_ != nullptr);
}

void RowSyncStrategy::Begin(SessionRef s) {
  const size_t n = context_->session(s).replicas.size();
  DSIM_CHECK(n >= 1 && n <= 16);  // lanes hold 15 follower positions
  if (n == 1) {
    context_->Finish(s, true);  // nobody to compare with; End follows
    return;
  }
  State& st = states_.Open(s);
  st.followers = static_cast<uint32_t>(n - 1);
  st.rows.resize(n);
  BeginNarrowing(s);
}

std::vector<engine::Partition> RowSyncStrategy::ReadRows(SessionRef s, NodeId node,
                                                         uint64_t* bytes) const {
  std::vector<engine::Partition> rows;
  *bytes = 0;
  context_->ReadRange(node, context_->session(s).range, [&](const engine::Partition& p) {
    *bytes += static_cast<uint64_t>(p.ByteSize());
    rows.push_back(p);
  });
  return rows;
}

void RowSyncStrategy::Validate(SessionRef s, NodeId node, uint64_t bytes, uint32_t pos) {
  ++validations_;
  validation_bytes_ += bytes;
  context_->ChargeValidation(s, node, bytes, pos);
}

void RowSyncStrategy::OnMessage(SessionRef s, const Delivery& d, uint32_t lane) {
  DSIM_CHECK(d.message.category == MessageCategory::kControl);
  const uint32_t type = lane / 15, pos = lane % 15 + 1;
  DSIM_CHECK(pos <= states_[s].followers);
  switch (type) {
    case kRowsRequest:
      OnRowsRequest(s, d.message.to, pos);
      break;
    case kRows:
      if (--states_[s].awaiting == 0) Pull(s);
      break;
    default:
      DSIM_CHECK(type < kRowsRequest);
      OnNarrowingMessage(s, d, type, pos);
  }
}

void RowSyncStrategy::OnWorkDone(SessionRef s, NodeId node, uint32_t pos) {
  OnNarrowingWork(s, node, pos);
}

void RowSyncStrategy::Narrowed(SessionRef s, RowFilter filter) {
  State& st = states_[s];
  if (filter.empty()) {
    context_->Finish(s, true);
    return;
  }
  st.filter = std::move(filter);
  st.awaiting = st.followers;
  const uint64_t request = kRequestBytes + st.filter.RequestBytes();
  const RepairSession& session = context_->session(s);
  for (uint32_t pos = 1; pos <= st.followers; ++pos) {
    if (!context_->SendControl(s, session.replicas[0], session.replicas[pos],
                               MessageCategory::kControl,
                               static_cast<uint32_t>(std::min<uint64_t>(request, UINT32_MAX)),
                               Lane(kRowsRequest, pos))) {
      return;  // the session failed
    }
  }
}

void RowSyncStrategy::OnRowsRequest(SessionRef s, NodeId follower, uint32_t pos) {
  const RepairSession& session = context_->session(s);
  if (!context_->cluster().node(follower).up()) return;  // the session failed already
  State& st = states_[s];
  std::vector<RowSummary>& rows = st.rows[pos];
  uint64_t bytes = kRequestBytes;
  context_->ReadRange(follower, session.range, [&](const engine::Partition& p) {
    if (!st.filter.Contains(p)) return;
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

void RowSyncStrategy::Pull(SessionRef s) {
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
  std::vector<engine::Partition> mine;
  context_->ReadRange(master, session.range, [&](const engine::Partition& p) {
    if (st.filter.Contains(p)) mine.push_back(p);
  });
  for (const engine::Partition& p : mine) {
    std::map<uint64_t, Best>& row = best[p.key()];
    for (const auto& [column, cell] : p.cells()) {
      const CellSummary c = Summarise(column, cell);
      row[c.column_hash] = Best{c, 0};
    }
  }
  std::set<std::pair<uint32_t, std::string>> pulls;  // (replica position, key)
  for (uint32_t pos = 1; pos <= st.followers; ++pos) {
    for (const RowSummary& r : st.rows[pos]) {
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
  std::vector<std::vector<std::string>> keys(st.followers + 1);
  for (const auto& [pos, key] : pulls) keys[pos].push_back(key);
  std::vector<StreamRef> streams;
  for (uint32_t pos = 1; pos <= st.followers; ++pos) {
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

void RowSyncStrategy::Push(SessionRef s) {
  const RepairSession& session = context_->session(s);
  const NodeId master = session.replicas[0];
  State& st = states_[s];
  st.pushing = true;
  // The master's versions now, with what it pulled merged in.
  std::vector<engine::Partition> merged;
  context_->ReadRange(master, session.range, [&](const engine::Partition& p) {
    if (st.filter.Contains(p)) merged.push_back(p);
  });
  std::vector<StreamRef> streams;
  for (uint32_t pos = 1; pos <= st.followers; ++pos) {
    std::map<std::string_view, const RowSummary*> theirs;
    for (const RowSummary& r : st.rows[pos]) theirs[r.key] = &r;
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

void RowSyncStrategy::Start(SessionRef s, std::vector<StreamRef> streams, bool request) {
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

void RowSyncStrategy::OnStreamDone(SessionRef s) {
  State& st = states_[s];
  DSIM_CHECK(st.streaming && st.streams_pending > 0);
  if (--st.streams_pending > 0) return;
  if (st.pushing) {
    context_->Finish(s, true);
  } else {
    Push(s);
  }
}

bool RowSyncStrategy::FailsOnReplicaDown(SessionRef s) const { return !states_[s].streaming; }

void RowSyncStrategy::End(SessionRef s, bool ok) {
  if (!states_.IsOpen(s)) return;  // a single replica: finished in Begin
  // Sessions fail only before their first stream opens, and complete only after the last ends.
  DSIM_CHECK(states_[s].streams_pending == 0);
  DSIM_CHECK(ok || !states_[s].streaming);
  EndNarrowing(s);
  states_.Close(s);
}

void RowSyncStrategy::ExportTo(MetricSet* metrics) const {
  metrics->Set("repair.validations", validations_, "count");
  metrics->Set("repair.validation_bytes", validation_bytes_, "bytes");
  metrics->Set("repair.rows.summarised", rows_summarised_, "rows");
  metrics->Set("repair.rows.pulled", rows_pulled_, "rows");
  metrics->Set("repair.rows.pushed", rows_pushed_, "rows");
}

}  // namespace dsim::sim
