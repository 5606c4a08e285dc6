// Messages on the simulated network: a category (what kind of traffic, for accounting), a size
// in bytes (every byte that crosses a link is counted), the endpoints, and one 64-bit payload
// word that the sending layer interprets (a value, or an index into a pool the layer owns).
//
//   network.Send({.from = 1, .to = 7, .category = MessageCategory::kWrite, .bytes = 512,
//                 .payload = mutation_index});
#ifndef DSIM_SIM_MESSAGE_H_
#define DSIM_SIM_MESSAGE_H_

#include <cstdint>
#include <string_view>

#include "sim/core/time.h"
#include "sim/scenario/config.h"

namespace dsim::sim {

// Values are part of the trace hash (delivery events carry them): append, never renumber.
enum class MessageCategory : uint8_t {
  kRelay = 0,         // the relay workload
  kWrite = 1,         // coordinator -> replica mutation
  kWriteAck = 2,      // replica -> coordinator
  kRead = 3,          // coordinator -> replica read (data or digest)
  kReadResponse = 4,  // replica -> coordinator
  kHint = 5,          // hinted handoff replay
  kMerkleTree = 6,    // repair: validation trees
  kStream = 7,        // repair: streamed partitions / SSTable pieces
  kControl = 8,       // everything else (repair session control)
  kChunk = 9,         // repair: content-addressed SSTable chunks (sstable_dag)
  kGossip = 10,       // failure detector heartbeats (cluster.failure_detector = "phi")
};
inline constexpr int kMessageCategoryCount = 11;

// The name used in metric paths ("network.relay.sent.messages").
std::string_view MessageCategoryName(MessageCategory category);

struct Message {
  NodeId from = 0;
  NodeId to = 0;
  MessageCategory category = MessageCategory::kControl;
  uint32_t bytes = 0;
  uint64_t payload = 0;
};

// What a receiver sees.
struct Delivery {
  Message message;
  Nanos sent_at = 0;       // true time of Send
  bool duplicate = false;  // an extra copy made by the network (the original came before)
  bool corrupted = false;  // a byte of it was flipped in transit (a `corrupt` fault)
};

// The receiving side of one or more categories (Network::SetSink).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void OnMessage(const Delivery& delivery) = 0;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_MESSAGE_H_
