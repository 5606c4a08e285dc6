#include "sim/oracle/replication_tracker.h"

#include <algorithm>

#include "engine/check.h"

namespace dsim::sim {
namespace {

// v <= u in the merge order: a replica holding u holds v or something that supersedes it.
bool AtLeast(const CellVersion& u, const CellVersion& v) { return !VersionLess(u, v); }

}  // namespace

ReplicationTracker::ReplicationTracker(uint16_t full) : full_(full) { DSIM_CHECK(full_ != 0); }

bool ReplicationTracker::SetHeld(Record* r, uint16_t held, Nanos now) {
  const bool was_met = r->held == full_;
  r->held = held;
  const bool is_met = r->held == full_;
  if (r->obligation) {
    if (was_met && !is_met) {
      ++unmet_;
    } else if (!was_met && is_met) {
      DSIM_CHECK(unmet_ > 0);
      if (--unmet_ == 0) met_since_ = now;
    }
    return false;
  }
  if (is_met && r->completed < 0) {
    r->completed = now;
    if (r->acked) lag_.Record(r->completed - r->issued);
  }
  return Done(*r);
}

void ReplicationTracker::EraseDone(absl::flat_hash_map<uint64_t, Records>::iterator it) {
  Records& rs = it->second;
  rs.erase(std::remove_if(rs.begin(), rs.end(), &ReplicationTracker::Done), rs.end());
  if (rs.empty()) records_.erase(it);
}

void ReplicationTracker::AddWrite(uint64_t cell, const CellVersion& v, uint16_t held, Nanos now) {
  Record r;
  r.v = v;
  r.issued = now;
  SetHeld(&r, held, now);  // an unacknowledged write is never done
  records_[cell].push_back(r);
}

void ReplicationTracker::AckWrite(uint64_t cell, const CellVersion& v) {
  auto it = records_.find(cell);
  if (it == records_.end()) return;
  Records& rs = it->second;
  for (Record& r : rs) {
    if (r.obligation || r.acked || !(r.v == v)) continue;
    r.acked = true;
    if (r.completed >= 0) {
      lag_.Record(r.completed - r.issued);
      EraseDone(it);
    }
    return;
  }
}

void ReplicationTracker::ClearObligations(Nanos at) {
  for (auto it = records_.begin(); it != records_.end();) {
    Records& rs = it->second;
    rs.erase(std::remove_if(rs.begin(), rs.end(), [](const Record& r) { return r.obligation; }),
             rs.end());
    if (rs.empty()) {
      records_.erase(it++);
    } else {
      ++it;
    }
  }
  obligations_ = 0;
  unmet_ = 0;
  met_since_ = at;
}

void ReplicationTracker::Owe(uint64_t cell, const CellVersion& target, uint16_t held, Nanos now) {
  Records& rs = records_[cell];
  for (Record& r : rs) {
    if (!r.obligation) continue;
    if (AtLeast(r.v, target)) return;
    r.v = target;
    SetHeld(&r, held, now);
    return;
  }
  Record r;
  r.v = target;
  r.issued = now;
  r.obligation = true;
  r.held = full_;  // counted as met until SetHeld says otherwise
  ++obligations_;
  SetHeld(&r, held, now);
  rs.push_back(r);
}

ReplicationTracker::FirstApplication ReplicationTracker::OnMerged(uint64_t cell, uint16_t bit,
                                                                  const CellVersion& u,
                                                                  bool was_absent, uint16_t also,
                                                                  Nanos now) {
  FirstApplication first;
  auto it = records_.find(cell);
  if (it == records_.end()) return first;
  Records& rs = it->second;
  bool drop = false;
  for (Record& r : rs) {
    const bool covers = AtLeast(u, r.v);
    uint16_t held = r.held;
    if (was_absent) held = static_cast<uint16_t>(held & ~bit);
    if (covers) held = static_cast<uint16_t>(held | bit | also);
    if (!r.obligation && !r.applied && r.v == u) {
      r.applied = true;
      first = FirstApplication{true, r.issued, held};
    }
    drop |= SetHeld(&r, held, now);
  }
  if (drop) EraseDone(it);
  return first;
}

void ReplicationTracker::OnReread(uint64_t cell, uint16_t bit,
                                  absl::FunctionRef<bool(const CellVersion&)> holds, Nanos now) {
  auto it = records_.find(cell);
  if (it == records_.end()) return;
  bool drop = false;
  for (Record& r : it->second) {
    const uint16_t held =
        holds(r.v) ? static_cast<uint16_t>(r.held | bit) : static_cast<uint16_t>(r.held & ~bit);
    // A write that completed keeps its lag; SetHeld never un-completes it.
    drop |= SetHeld(&r, held, now);
  }
  if (drop) EraseDone(it);
}

uint64_t ReplicationTracker::UnreplicatedAcked() const {
  uint64_t n = 0;
  for (const auto& [cell, rs] : records_) {
    for (const Record& r : rs) n += (!r.obligation && r.acked && r.completed < 0) ? 1 : 0;
  }
  return n;
}

}  // namespace dsim::sim
