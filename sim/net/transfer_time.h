// TransferTime: how long moving `bytes` takes at `bytes_per_sec`, the one rounding rule for
// every rate-limited transfer in the simulator: a link's serialisation delay
// (LinkModel::SerializationDelay, Network's hops), a node's repair stream throttle and its
// validation work (sim/repair/). Integer nanoseconds, rounded up, so a transfer of at least one
// byte over a limited rate always takes at least 1 ns; a rate of 0 means unlimited (0 ns).
//
// QueueTransfer models a serial resource that serves one transfer at a time (a link's sender, a
// node's outgoing stream throttle, a node's validation queue): a transfer offered at `at`
// starts when the resource is free, holds it for TransferTime, and the resource is busy until
// the transfer ends.
//
//   Nanos done = QueueTransfer(&node.stream_busy_until, now, batch_bytes, rate);
//   scheduler.Schedule(done, ...);
//
// Both are pure functions of their arguments: no state, no randomness.
#ifndef DSIM_SIM_NET_TRANSFER_TIME_H_
#define DSIM_SIM_NET_TRANSFER_TIME_H_

#include <algorithm>
#include <cstdint>

#include "engine/check.h"
#include "sim/core/time.h"

namespace dsim::sim {

// ceil(bytes * 10^9 / bytes_per_sec) nanoseconds; 0 when bytes_per_sec is 0 (unlimited).
// The product is computed in 128 bits, so it never overflows before the division.
constexpr Nanos TransferTime(uint64_t bytes, uint64_t bytes_per_sec) {
  if (bytes_per_sec == 0) return 0;
  const unsigned __int128 num = static_cast<unsigned __int128>(bytes) * uint64_t{kSecond};
  return static_cast<Nanos>((num + bytes_per_sec - 1) / bytes_per_sec);
}

// Offers a transfer of `bytes` to the serial resource busy until *busy_until, at time `at`:
// it starts at max(at, *busy_until) and ends TransferTime later. Sets *busy_until to the end
// and returns it. REQUIRES: busy_until != nullptr.
inline Nanos QueueTransfer(Nanos* busy_until, Nanos at, uint64_t bytes, uint64_t bytes_per_sec) {
  DSIM_CHECK(busy_until != nullptr);
  const Nanos end = std::max(at, *busy_until) + TransferTime(bytes, bytes_per_sec);
  *busy_until = end;
  return end;
}

}  // namespace dsim::sim

#endif  // DSIM_SIM_NET_TRANSFER_TIME_H_
