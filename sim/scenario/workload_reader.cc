// [workload] of the key table (key_table.h): the relay and key-value workloads, and
// [[workload.kv.phases]].
#include <limits>

#include "sim/scenario/key_table.h"

namespace dsim::sim::scenario_keys {
namespace {

void ReadRelay(Section r, RelayWorkloadConfig* relay) {
  r.Uint32("messages_per_node", &relay->messages_per_node, 1, 1'000'000,
           "messages each node starts with (K)");
  r.Uint("deliveries", &relay->deliveries, 0, std::numeric_limits<int64_t>::max(),
         "stop after this many deliveries (M; 0: run until simulation.duration)");
  uint64_t size = relay->message_bytes;
  r.Size("message_size", &size, 1, 64 << 20, "size of each relay message");
  relay->message_bytes = static_cast<uint32_t>(size);
  r.Finish();
}

void ReadPhase(Section& d, KvPhaseConfig* ph) {
  d.String("name", &ph->name, "a label for reports");
  d.Duration("duration", &ph->duration, 1, kYear, "how long the phase lasts");
  d.Uint("rate", &ph->rate_per_sec, 0, 100'000'000,
         "client operations per second, cluster-wide (Poisson)");
  d.Uint32("insert", &ph->insert, 0, 1'000'000, "weight of inserts (new keys, in order)");
  d.Uint32("update", &ph->update, 0, 1'000'000, "weight of updates (one column of a written key)");
  d.Uint32("delete", &ph->remove, 0, 1'000'000,
           "weight of deletes (a written partition, with tombstones)");
  d.Uint32("read", &ph->read, 0, 1'000'000, "weight of reads");
  if (ph->rate_per_sec > 0 && uint64_t{ph->insert} + ph->update + ph->remove + ph->read == 0) {
    d.ErrorAtKeys("read", {"insert", "update", "delete", "rate"},
                  absl::StrCat("every operation weight is 0 but the rate is not (",
                               ph->rate_per_sec, " per second)"));
  }
}

void ReadKv(Section k, KvWorkloadConfig* kv) {
  k.Uint("keys", &kv->keys, 1, uint64_t{1} << 40, "partition keys (\"k0\", \"k1\", ...)");
  k.Uint32("columns", &kv->columns, 1, 1024,
           "columns per partition: an insert writes all, an update one");
  uint64_t value = kv->value_bytes;
  k.Size("value_size", &value, 0, 64 << 20, "size of each cell value");
  kv->value_bytes = static_cast<uint32_t>(value);
  k.Enum("popularity", &kv->popularity,
         {{"uniform", KvWorkloadConfig::Popularity::kUniform},
          {"zipf", KvWorkloadConfig::Popularity::kZipf}},
         "how updates, deletes and reads pick among written keys");
  k.Double("zipf_exponent", &kv->zipf_exponent, 0.01, 10, "zipf: the exponent s");
  k.Array("phases", "the workload's phases, in order (none: one phase with the defaults below)",
          &kv->phases, KvPhaseConfig{}, ReadPhase);
  k.Finish();
}

}  // namespace

void ReadWorkload(Section s, Scenario* sc) {
  WorkloadConfig& w = sc->workload;
  s.Enum("kind", &w.kind,
         {{"relay", WorkloadConfig::Kind::kRelay}, {"kv", WorkloadConfig::Kind::kKv}},
         "what the nodes do; \"relay\": forward messages between random nodes (the network "
         "benchmark); \"kv\": client reads and writes on the replicated store");
  ReadRelay(s.Table("relay", "parameters of the relay workload"), &w.relay);
  ReadKv(s.Table("kv", "parameters of the key-value workload"), &w.kv);
  s.Finish();
}

}  // namespace dsim::sim::scenario_keys
