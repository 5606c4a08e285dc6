#include "sim/repair/riblt_strategy.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/check.h"

namespace dsim::sim {
namespace {

// What one batch of symbols contributes to the trace hash: their checksums and counts, folded
// in order.
uint64_t BatchDigest(const std::vector<engine::RibltSymbol>& batch) {
  uint64_t h = batch.size();
  for (const engine::RibltSymbol& x : batch) {
    h = (h ^ x.checksum) * 0x9e3779b97f4a7c15ULL;
    h ^= static_cast<uint64_t>(x.count) + (h >> 29);
  }
  return h;
}

uint32_t Clamp32(uint64_t bytes) {
  return static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX));
}

}  // namespace

std::vector<engine::RibltItem> RibltStrategy::Items(const std::vector<engine::Partition>& rows,
                                                    KeyMap* keys) {
  std::vector<engine::RibltItem> items;
  items.reserve(rows.size());
  for (const engine::Partition& p : rows) {
    items.push_back(engine::RibltItem::Of(p.token(), p.Digest()));
    (*keys)[p.token()].push_back(p.key());
  }
  return items;
}

void RibltStrategy::BeginNarrowing(SessionRef s) {
  const RepairSession& session = context()->session(s);
  State& st = states_.Open(s);
  const NodeId master = session.replicas[0];
  uint64_t bytes = 0;
  const std::vector<engine::Partition> rows = ReadRows(s, master, &bytes);
  st.master_items = Items(rows, &st.master_keys);
  st.followers.resize(session.replicas.size());
  st.decoding = followers(s);
  Validate(s, master, bytes, 0);
  for (uint32_t pos = 1; pos <= followers(s); ++pos) {
    // The request names the master's row count (within kRequestBytes): both sides know the cap.
    if (!context()->SendControl(s, master, session.replicas[pos], MessageCategory::kControl,
                                kRequestBytes, NarrowingLane(kRequest, pos))) {
      return;  // the session failed
    }
  }
}

void RibltStrategy::OnNarrowingMessage(SessionRef s, const Delivery& d, uint32_t type,
                                       uint32_t pos) {
  State& st = states_[s];
  if (type == kSymbols) {
    st.followers[pos].arrived = true;
    if (st.master_validated) Consume(s, pos);
    return;
  }
  DSIM_CHECK(type == kRequest);
  const NodeId follower = d.message.to;
  DSIM_CHECK(context()->session(s).replicas[pos] == follower);
  if (!context()->cluster().node(follower).up()) return;  // the session failed already
  if (!st.followers[pos].requested) {
    OnFirstRequest(s, follower, pos);
  } else {
    SendBatch(s, pos);  // a request for more
  }
}

void RibltStrategy::OnFirstRequest(SessionRef s, NodeId follower, uint32_t pos) {
  State& st = states_[s];
  Follower& f = st.followers[pos];
  f.requested = true;
  uint64_t bytes = 0;
  const std::vector<engine::Partition> rows = ReadRows(s, follower, &bytes);
  for (const engine::RibltItem& x : Items(rows, &f.keys)) f.encoder.Add(x);
  f.rows = rows.size();
  f.cap = 2 * (st.master_items.size() + f.rows) + 64;
  Validate(s, follower, bytes, pos);  // the first batch follows (OnNarrowingWork)
}

void RibltStrategy::OnNarrowingWork(SessionRef s, NodeId /*node*/, uint32_t pos) {
  if (pos > 0) {
    SendBatch(s, pos);
    return;
  }
  State& st = states_[s];
  st.master_validated = true;
  // Batches that arrived during the master's validation.
  for (uint32_t p = 1; p <= followers(s); ++p) {
    if (states_[s].followers[p].arrived && !Consume(s, p)) return;
  }
}

void RibltStrategy::SendBatch(SessionRef s, uint32_t pos) {
  Follower& f = states_[s].followers[pos];
  const uint64_t produced = f.encoder.symbols_produced();
  DSIM_CHECK(f.in_flight.empty() && produced < f.cap);
  const uint64_t size =
      std::min(kFirstBatch << std::min<uint64_t>(f.batches, 40), f.cap - produced);
  ++f.batches;
  f.in_flight.reserve(size);
  for (uint64_t i = 0; i < size; ++i) f.in_flight.push_back(f.encoder.ProduceNext());
  symbols_ += size;
  context()->MixTrace(BatchDigest(f.in_flight) + pos);
  const RepairSession& session = context()->session(s);
  // Unreachable: the session failed.
  context()->SendControl(s, session.replicas[pos], session.replicas[0], MessageCategory::kControl,
                         Clamp32(kRequestBytes + engine::RibltSymbol::kSerializedBytes * size),
                         NarrowingLane(kSymbols, pos));
}

bool RibltStrategy::Consume(SessionRef s, uint32_t pos) {
  const RepairSession& session = context()->session(s);
  if (!context()->cluster().node(session.replicas[0]).up()) return false;  // failed already
  State& st = states_[s];
  Follower& f = st.followers[pos];
  DSIM_CHECK(f.arrived && !f.done);
  f.arrived = false;
  // Exchanges with different followers overlap: the critical path is the longest sequence.
  if (++f.exchanges > st.rounds) {
    st.rounds = f.exchanges;
    context()->CountRoundTrip(s);
  }
  if (!f.decoder_built) {
    f.decoder_built = true;
    for (const engine::RibltItem& x : st.master_items) f.decoder.AddLocal(x);
  }
  for (const engine::RibltSymbol& x : f.in_flight) {
    f.decoder.AddRemoteSymbol(x);
    if (f.decoder.Decoded()) break;
  }
  f.in_flight.clear();
  if (f.decoder.Decoded()) {
    Collect(&st, pos, /*failed=*/false);
  } else if (f.decoder.symbols_received() >= f.cap) {
    Collect(&st, pos, /*failed=*/true);
  } else {
    return context()->SendControl(s, session.replicas[0], session.replicas[pos],
                                  MessageCategory::kControl, kRequestBytes,
                                  NarrowingLane(kRequest, pos));
  }
  if (st.decoding > 0) return true;
  Narrowed(s, std::move(st.filter));
  return false;  // the session may have completed
}

void RibltStrategy::Collect(State* st, uint32_t pos, bool failed) {
  Follower& f = st->followers[pos];
  f.done = true;
  --st->decoding;
  std::set<std::string>& keys = st->filter.keys;
  const auto add = [&keys](const KeyMap& map, uint64_t token) {
    // Absent only for an item decoded by a checksum collision (probability ~2^-64).
    const auto it = map.find(token);
    if (it != map.end()) keys.insert(it->second.begin(), it->second.end());
  };
  if (failed) {
    ++decode_failures_;
    for (const KeyMap* map : {&st->master_keys, &f.keys}) {
      for (const auto& [token, names] : *map) keys.insert(names.begin(), names.end());
    }
  } else {
    const std::vector<engine::RibltItem> mine = f.decoder.local_only();
    const std::vector<engine::RibltItem> theirs = f.decoder.remote_only();
    symbols_needed_ += f.decoder.symbols_received();
    differences_ += mine.size() + theirs.size();
    for (const engine::RibltItem& x : mine) add(st->master_keys, x.key);
    for (const engine::RibltItem& x : theirs) add(f.keys, x.key);  // the follower names its rows
    context()->MixTrace(f.decoder.symbols_received() * 0x100000001b3ULL + mine.size() * 31 +
                        theirs.size() + pos);
  }
  // The follower's coding state is no longer needed.
  f.encoder = engine::RibltEncoder();
  f.decoder = engine::RibltDecoder();
}

void RibltStrategy::ExportTo(MetricSet* metrics) const {
  RowSyncStrategy::ExportTo(metrics);
  metrics->Set("repair.riblt.symbols", symbols_, "symbols");
  metrics->Set("repair.riblt.symbols_needed", symbols_needed_, "symbols");
  metrics->Set("repair.riblt.differences", differences_, "items");
  if (differences_ == 0) {
    metrics->SetNull("repair.riblt.symbols_per_difference", "ratio");
  } else {
    metrics->Set("repair.riblt.symbols_per_difference",
                 static_cast<double>(symbols_needed_) / static_cast<double>(differences_), "ratio");
  }
  metrics->Set("repair.riblt.decode_failures", decode_failures_, "count");
}

}  // namespace dsim::sim
