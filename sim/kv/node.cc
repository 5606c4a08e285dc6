#include "sim/kv/node.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::sim {
namespace {

std::unique_ptr<engine::Store> OpenStore(const engine::StoreOptions& options,
                                         engine::MemDisk* disk) {
  absl::StatusOr<std::unique_ptr<engine::Store>> store = engine::Store::Open(options, disk);
  DSIM_CHECK_MSG(store.ok(), "opening a store on a simulated disk failed");
  return *std::move(store);
}

}  // namespace

Node::Node(NodeId id, const engine::StoreOptions& options, uint64_t root_seed)
    : options_(options),
      id_(id),
      disk_(std::make_unique<engine::MemDisk>()),
      drop_rng_(StreamSeed(root_seed, "replica_faults", id)) {
  store_ = OpenStore(options_, disk_.get());
}

std::vector<std::string> Node::Crash(engine::CrashKind kind) {
  DSIM_CHECK_MSG(up_, "crash of a node that is down");
  std::vector<std::string> keys = MemtableKeys();
  store_->Crash(kind);
  absl::StatusOr<engine::RecoveryReport> report = store_->Recover();
  DSIM_CHECK_MSG(report.ok(), "recovering a crashed store failed");
  up_ = false;
  ++incarnation_;
  validation_busy_until = 0;
  stream_busy_until = 0;
  return keys;
}

std::vector<std::string> Node::MemtableKeys() const {
  std::vector<std::string> keys;
  keys.reserve(store_->memtable().partition_count());
  for (const auto& [token_key, partition] : store_->memtable().partitions()) {
    keys.push_back(token_key.second);
  }
  return keys;
}

void Node::Restart() {
  DSIM_CHECK_MSG(!up_, "restart of a node that is up");
  up_ = true;
}

void Node::Replace() {
  DSIM_CHECK_MSG(!up_, "replace of a node that is up");
  retired_stats_.push_back(store_->stats());
  store_.reset();
  disk_ = std::make_unique<engine::MemDisk>();
  store_ = OpenStore(options_, disk_.get());
  hlc_us_ = INT64_MIN;
  up_ = true;
}

bool Node::DropsMutation(uint64_t key_index) {
  for (const DropWindow& w : drop_windows) {
    if (std::binary_search(w.keys.begin(), w.keys.end(), key_index) ||
        drop_rng_.Chance(w.fraction)) {
      ++mutations_dropped_;
      return true;
    }
  }
  return false;
}

}  // namespace dsim::sim
