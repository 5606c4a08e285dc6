#include "engine/sstable.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/corruption.h"
#include "engine/sstable_format.h"

namespace dsim::engine {

namespace fmt = sstable_format;

namespace {

absl::Status Corrupt(std::string_view name, std::string_view what) {
  return CorruptionError(name, what);
}

// One parsed entry header of a data block.
struct EntryView {
  uint64_t token = 0;
  std::string_view key;
  std::string_view partition;  // the partition encoding
};

bool NextEntry(std::string_view* in, EntryView* e) {
  uint64_t len = 0;
  if (!GetVarint64(in, &len) || len > in->size() || len < 8) return false;
  std::string_view entry = in->substr(0, len);
  in->remove_prefix(len);
  e->token = DecodeFixed64(entry.data());
  entry.remove_prefix(8);
  e->partition = entry;
  return GetLengthPrefixed(&entry, &e->key);
}

absl::StatusOr<Partition> DecodeEntry(const EntryView& e, std::string_view name) {
  std::string_view in = e.partition;
  absl::StatusOr<Partition> p = Partition::DecodeFrom(&in);
  if (!p.ok()) {
    const absl::string_view msg = p.status().message();
    return Corrupt(name, std::string_view(msg.data(), msg.size()));
  }
  if (!in.empty() || p->token() != e.token || p->empty()) return Corrupt(name, "bad entry");
  return p;
}

class SSTableIterator final : public PartitionIterator {
 public:
  explicit SSTableIterator(const SSTable* table) : table_(table) {}

  bool Valid() const override { return valid_; }

  void SeekToFirst() override {
    LoadBlock(0);
    Advance();
  }

  void Seek(uint64_t token) override {
    const auto& index = table_->index();
    auto it =
        std::lower_bound(index.begin(), index.end(), token,
                         [](const SSTable::IndexEntry& e, uint64_t t) { return e.last_token < t; });
    LoadBlock(static_cast<size_t>(it - index.begin()));
    Advance();
    while (valid_ && current_.token() < token) Advance();
  }

  void Next() override {
    DSIM_CHECK(valid_);
    Advance();
  }

  const Partition& partition() const override {
    DSIM_CHECK(valid_);
    return current_;
  }

  absl::Status status() const override { return status_; }

 private:
  void LoadBlock(size_t i) {
    valid_ = false;
    block_index_ = i;
    rest_ = std::string_view();
    if (!status_.ok() || i >= table_->index().size()) return;
    status_ = table_->ReadBlock(i, &payload_);
    if (status_.ok()) rest_ = payload_;
  }

  // Moves to the next entry, crossing block boundaries.
  void Advance() {
    valid_ = false;
    while (status_.ok() && rest_.empty()) {
      if (block_index_ + 1 >= table_->index().size()) return;  // past the last block
      LoadBlock(block_index_ + 1);
    }
    if (!status_.ok()) return;
    EntryView e;
    if (!NextEntry(&rest_, &e)) {
      status_ = Corrupt(table_->name(), "bad entry framing");
      return;
    }
    absl::StatusOr<Partition> p = DecodeEntry(e, table_->name());
    if (!p.ok()) {
      status_ = p.status();
      return;
    }
    current_ = *std::move(p);
    valid_ = true;
  }

  const SSTable* table_;
  size_t block_index_ = 0;
  std::string payload_;
  std::string_view rest_;
  Partition current_;
  bool valid_ = false;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SSTable>> SSTable::Open(Disk* disk, std::string name) {
  DSIM_CHECK(disk != nullptr);
  absl::StatusOr<uint64_t> size = disk->Size(name);
  if (!size.ok()) return size.status();
  if (*size < fmt::kFooterBytes) return Corrupt(name, "file shorter than footer");
  const uint64_t footer_offset = *size - fmt::kFooterBytes;
  std::string footer_bytes;
  if (absl::Status s = disk->Read(name, footer_offset, fmt::kFooterBytes, &footer_bytes); !s.ok()) {
    return s;
  }
  std::string_view footer = footer_bytes;
  if (DecodeFixed64(footer.data() + 88) != fmt::kMagic) return Corrupt(name, "bad magic");
  if (Hash64(footer.substr(0, 80)) != DecodeFixed64(footer.data() + 80)) {
    return Corrupt(name, "footer checksum mismatch");
  }
  uint64_t offsets[4], sizes[4];
  for (int i = 0; i < 4; ++i) {
    offsets[i] = DecodeFixed64(footer.data() + 16 * i);
    sizes[i] = DecodeFixed64(footer.data() + 16 * i + 8);
  }
  // Meta blocks are contiguous and end at the footer.
  for (int i = 0; i < 4; ++i) {
    const uint64_t next = i < 3 ? offsets[i + 1] : footer_offset;
    if (offsets[i] > footer_offset || sizes[i] > footer_offset - offsets[i] ||
        offsets[i] + sizes[i] != next || sizes[i] < fmt::kBlockTrailerBytes) {
      return Corrupt(name, "bad block layout in footer");
    }
  }
  std::string meta;
  const uint64_t meta_bytes = footer_offset - offsets[0];
  if (absl::Status s = disk->Read(name, offsets[0], meta_bytes, &meta); !s.ok()) return s;
  std::string_view payloads[4];
  for (int i = 0; i < 4; ++i) {
    const std::string_view block = std::string_view(meta).substr(offsets[i] - offsets[0], sizes[i]);
    if (!fmt::VerifyBlock(block, &payloads[i])) {
      static constexpr const char* kNames[] = {"index", "filter", "hll", "stats"};
      return Corrupt(name, absl::StrCat(kNames[i], " block checksum mismatch"));
    }
  }
  absl::StatusOr<BloomFilter> bloom = BloomFilter::Deserialize(payloads[1]);
  if (!bloom.ok()) return Corrupt(name, "bad filter block");
  absl::StatusOr<HyperLogLog> hll = HyperLogLog::Deserialize(payloads[2]);
  if (!hll.ok()) return Corrupt(name, "bad hll block");

  std::unique_ptr<SSTable> table(
      new SSTable(disk, std::move(name), *std::move(bloom), *std::move(hll)));
  SSTableMetadata& md = table->metadata_;
  std::string_view stats = payloads[3];
  uint64_t min_ts = 0, max_ts = 0;
  if (!GetVarint64(&stats, &md.partition_count) || !GetVarint64(&stats, &md.cell_count) ||
      !GetVarint64(&stats, &md.tombstone_count) || !GetFixed64(&stats, &min_ts) ||
      !GetFixed64(&stats, &max_ts) || !GetFixed64(&stats, &md.min_token) ||
      !GetFixed64(&stats, &md.max_token) || !stats.empty()) {
    return Corrupt(table->name_, "bad stats block");
  }
  md.min_timestamp_us = static_cast<int64_t>(min_ts);
  md.max_timestamp_us = static_cast<int64_t>(max_ts);
  md.data_bytes = offsets[0];
  md.file_bytes = *size;
  md.content_digest =
      Digest128{DecodeFixed64(footer.data() + 64), DecodeFixed64(footer.data() + 72)};

  std::string_view index = payloads[0];
  uint64_t block_count = 0;
  if (!GetVarint64(&index, &block_count) || block_count > index.size()) {
    return Corrupt(table->name_, "bad index block");
  }
  uint64_t expected_offset = 0;
  table->index_.reserve(block_count);
  for (uint64_t i = 0; i < block_count; ++i) {
    IndexEntry e;
    std::string_view key;
    if (!GetVarint64(&index, &e.offset) || !GetVarint64(&index, &e.size) ||
        !GetFixed64(&index, &e.last_token) || !GetLengthPrefixed(&index, &key) ||
        e.offset != expected_offset || e.size < fmt::kBlockTrailerBytes ||
        e.size > md.data_bytes - e.offset) {
      return Corrupt(table->name_, "bad index entry");
    }
    e.last_key = std::string(key);
    expected_offset = e.offset + e.size;
    table->index_.push_back(std::move(e));
  }
  if (!index.empty() || expected_offset != md.data_bytes) {
    return Corrupt(table->name_, "index does not cover the data blocks");
  }
  return table;
}

absl::Status SSTable::ReadBlock(size_t i, std::string* payload) const {
  DSIM_CHECK(i < index_.size());
  const IndexEntry& e = index_[i];
  if (absl::Status s = disk_->Read(name_, e.offset, e.size, payload); !s.ok()) return s;
  bytes_read_ += e.size;
  std::string_view view;
  if (!fmt::VerifyBlock(*payload, &view)) {
    return Corrupt(name_, absl::StrCat("data block ", i, " checksum mismatch"));
  }
  payload->resize(view.size());
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Partition>> SSTable::Get(uint64_t token, std::string_view key) const {
  // The first block whose last (token, key) is >= the target is the only one that can hold it.
  auto it = std::lower_bound(index_.begin(), index_.end(), 0, [&](const IndexEntry& e, int) {
    return PartitionKeyLess(e.last_token, e.last_key, token, key);
  });
  if (it == index_.end()) return std::nullopt;
  std::string payload;
  if (absl::Status s = ReadBlock(static_cast<size_t>(it - index_.begin()), &payload); !s.ok()) {
    return s;
  }
  std::string_view rest = payload;
  while (!rest.empty()) {
    EntryView e;
    if (!NextEntry(&rest, &e)) return Corrupt(name_, "bad entry framing");
    if (e.token == token && e.key == key) {
      absl::StatusOr<Partition> p = DecodeEntry(e, name_);
      if (!p.ok()) return p.status();
      return std::optional<Partition>(*std::move(p));
    }
    if (PartitionKeyLess(token, key, e.token, e.key)) break;  // sorted: passed it
  }
  return std::nullopt;
}

std::unique_ptr<PartitionIterator> SSTable::NewIterator() const {
  return std::make_unique<SSTableIterator>(this);
}

absl::Status SSTable::VerifyContentDigest() const {
  std::string bytes;
  const uint64_t n = metadata_.file_bytes - fmt::kFooterBytes;
  if (absl::Status s = disk_->Read(name_, 0, n, &bytes); !s.ok()) return s;
  if (Hash128(bytes) != metadata_.content_digest) return Corrupt(name_, "content digest mismatch");
  return absl::OkStatus();
}

}  // namespace dsim::engine
