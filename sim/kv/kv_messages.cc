#include "sim/kv/kv_messages.h"

namespace dsim::sim {

uint32_t KvWireBytes(const engine::Partition& p) {
  return kKvHeaderBytes + static_cast<uint32_t>(p.ByteSize());
}

uint64_t KvTraceDigest(const engine::Partition& p) {
  const engine::Digest128 d = p.Digest();
  return d.low ^ (d.high * 0x9e3779b97f4a7c15ULL);
}

}  // namespace dsim::sim
