#include "sim/net/message.h"

#include "engine/check.h"

namespace dsim::sim {

std::string_view MessageCategoryName(MessageCategory category) {
  switch (category) {
    case MessageCategory::kRelay:
      return "relay";
    case MessageCategory::kWrite:
      return "write";
    case MessageCategory::kWriteAck:
      return "write_ack";
    case MessageCategory::kRead:
      return "read";
    case MessageCategory::kReadResponse:
      return "read_resp";
    case MessageCategory::kHint:
      return "hint";
    case MessageCategory::kMerkleTree:
      return "merkle_tree";
    case MessageCategory::kStream:
      return "stream";
    case MessageCategory::kControl:
      return "control";
    case MessageCategory::kChunk:
      return "chunk";
    case MessageCategory::kGossip:
      return "gossip";
  }
  DSIM_CHECK_MSG(false, "unknown message category");
  return "";
}

}  // namespace dsim::sim
