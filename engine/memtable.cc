#include "engine/memtable.h"

#include <algorithm>
#include <limits>

#include "engine/check.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

class MemtableIterator final : public PartitionIterator {
 public:
  explicit MemtableIterator(const Memtable::Map* map) : map_(map), it_(map->end()) {}

  bool Valid() const override { return it_ != map_->end(); }
  void SeekToFirst() override { it_ = map_->begin(); }
  void Seek(uint64_t token) override { it_ = map_->lower_bound(Memtable::Key(token, "")); }
  void Next() override {
    DSIM_CHECK(Valid());
    ++it_;
  }
  const Partition& partition() const override {
    DSIM_CHECK(Valid());
    return it_->second;
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  const Memtable::Map* map_;
  Memtable::Map::const_iterator it_;
};

}  // namespace

void Memtable::Apply(const Mutation& mutation) { Apply(mutation.partition); }

void Memtable::Apply(const Partition& partition) {
  if (partition.empty()) return;
  if (map_.empty()) {
    min_timestamp_us_ = partition.MinTimestampUs();
    max_timestamp_us_ = partition.MaxTimestampUs();
  } else {
    min_timestamp_us_ = std::min(min_timestamp_us_, partition.MinTimestampUs());
    max_timestamp_us_ = std::max(max_timestamp_us_, partition.MaxTimestampUs());
  }
  auto [it, inserted] = map_.try_emplace(Key(partition.token(), partition.key()), partition);
  if (inserted) {
    bytes_ += partition.ByteSize();
    return;
  }
  const int64_t before = it->second.ByteSize();
  it->second.MergeFrom(partition);
  bytes_ += it->second.ByteSize() - before;
  DSIM_CHECK(bytes_ >= 0);
}

const Partition* Memtable::Get(std::string_view key) const { return Get(Token(key), key); }

const Partition* Memtable::Get(uint64_t token, std::string_view key) const {
  auto it = map_.find(Key(token, std::string(key)));
  return it == map_.end() ? nullptr : &it->second;
}

void Memtable::Clear() {
  map_.clear();
  bytes_ = 0;
  min_timestamp_us_ = 0;
  max_timestamp_us_ = 0;
}

std::unique_ptr<PartitionIterator> Memtable::NewIterator() const {
  return std::make_unique<MemtableIterator>(&map_);
}

}  // namespace dsim::engine
