// Fuzzes SSTable::Open and reading an opened table (iterator, Get, content digest), plus the
// partition decoder beneath its data blocks. The first input byte picks the mode (mod 3):
//   0  the rest is an SSTable file, as is (mostly stopped by the checksums);
//   1  the same, after "resealing": every block checksum the footer and index locate, the
//      footer checksum and the content digest are recomputed, so the fuzzer reaches the block
//      decoders (index, filter, hll, stats, data entries) with valid checksums;
//   2  the rest is a sequence of partition encodings (Partition::DecodeFrom, as a data-block
//      entry or commit-log payload holds), each accepted one re-encoded and decoded again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/hash.h"
#include "engine/mem_disk.h"
#include "engine/partition.h"
#include "engine/partition_iterator.h"
#include "engine/sstable.h"
#include "engine/sstable_format.h"
#include "tests/fuzz/fuzz_check.h"

namespace dsim::engine {
namespace {

namespace fmt = sstable_format;

// Rewrites the trailer of the block at [offset, offset + size) when it lies inside `limit`.
void SealBlock(std::string* file, uint64_t offset, uint64_t size, uint64_t limit) {
  if (size < fmt::kBlockTrailerBytes || offset > limit || size > limit - offset) return;
  const uint64_t payload = size - fmt::kBlockTrailerBytes;
  std::string trailer;
  PutFixed64(&trailer, Hash64(std::string_view(*file).substr(offset, payload)));
  file->replace(offset + payload, fmt::kBlockTrailerBytes, trailer);
}

// Mode 1: recomputes what the checksums cover, wherever the footer and index say it is.
void Reseal(std::string* file) {
  if (file->size() < fmt::kFooterBytes) return;
  const uint64_t footer = file->size() - fmt::kFooterBytes;
  std::string magic;
  PutFixed64(&magic, fmt::kMagic);
  file->replace(footer + 88, 8, magic);
  uint64_t offsets[4], sizes[4];
  for (int i = 0; i < 4; ++i) {
    offsets[i] = DecodeFixed64(file->data() + footer + 16 * i);
    sizes[i] = DecodeFixed64(file->data() + footer + 16 * i + 8);
    SealBlock(file, offsets[i], sizes[i], footer);
  }
  // Data blocks, as the index lists them (offset, size: the reader checks the layout).
  if (offsets[0] <= footer && sizes[0] >= fmt::kBlockTrailerBytes &&
      sizes[0] <= footer - offsets[0]) {
    const std::string index_copy =
        file->substr(offsets[0], sizes[0] - fmt::kBlockTrailerBytes);
    std::string_view index = index_copy;
    uint64_t count = 0;
    if (GetVarint64(&index, &count)) {
      for (uint64_t i = 0; i < count && i < 4096; ++i) {
        uint64_t offset = 0, size = 0, last_token = 0;
        std::string_view key;
        if (!GetVarint64(&index, &offset) || !GetVarint64(&index, &size) ||
            !GetFixed64(&index, &last_token) || !GetLengthPrefixed(&index, &key)) {
          break;
        }
        SealBlock(file, offset, size, offsets[0]);
      }
    }
    SealBlock(file, offsets[0], sizes[0], footer);  // the index itself, after the data
  }
  const Digest128 digest = Hash128(std::string_view(*file).substr(0, footer));
  std::string tail;
  PutFixed64(&tail, digest.low);
  PutFixed64(&tail, digest.high);
  file->replace(footer + 64, 16, tail);
  std::string footer_sum;
  PutFixed64(&footer_sum, Hash64(std::string_view(*file).substr(footer, 80)));
  file->replace(footer + 80, 8, footer_sum);
}

void ReadTable(std::string file) {
  MemDisk disk;
  DSIM_CHECK(disk.Append("sst-00000001.db", file).ok());
  DSIM_CHECK(disk.Sync("sst-00000001.db").ok());
  absl::StatusOr<std::unique_ptr<SSTable>> t = SSTable::Open(&disk, "sst-00000001.db");
  if (!t.ok()) {
    fuzz::ExpectError(t.status());
    return;
  }
  const SSTable& table = **t;
  DSIM_CHECK(table.file_bytes() == file.size());
  if (absl::Status s = table.VerifyContentDigest(); !s.ok()) fuzz::ExpectError(s);
  // Every partition, in order; each one is also found by Get.
  std::unique_ptr<PartitionIterator> it = table.NewIterator();
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 100'000; it->Next(), ++n) {
    const Partition& p = it->partition();
    (void)table.MayContain(p.token());
    absl::StatusOr<std::optional<Partition>> got = table.Get(p.token(), p.key());
    if (!got.ok()) fuzz::ExpectError(got.status());
  }
  if (!it->Valid() && !it->status().ok()) fuzz::ExpectError(it->status());
  for (const SSTable::IndexEntry& e : table.index()) {
    absl::StatusOr<std::optional<Partition>> got = table.Get(e.last_token, e.last_key);
    if (!got.ok()) fuzz::ExpectError(got.status());
  }
  it->Seek(table.metadata().min_token);
}

void DecodePartitions(std::string_view in) {
  for (int i = 0; i < 1000 && !in.empty(); ++i) {
    absl::StatusOr<Partition> p = Partition::DecodeFrom(&in);
    if (!p.ok()) {
      fuzz::ExpectError(p.status());
      return;
    }
    const std::string encoded = p->Encode();
    std::string_view view = encoded;
    absl::StatusOr<Partition> again = Partition::DecodeFrom(&view);
    DSIM_CHECK(again.ok() && view.empty());
    DSIM_CHECK(*again == *p);
    DSIM_CHECK(again->Digest() == p->Digest());
  }
}

}  // namespace
}  // namespace dsim::engine

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = dsim::fuzz::AsView(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      dsim::engine::ReadTable(std::string(rest));
      break;
    case 1: {
      std::string file(rest);
      dsim::engine::Reseal(&file);
      dsim::engine::ReadTable(std::move(file));
      break;
    }
    default:
      dsim::engine::DecodePartitions(rest);
      break;
  }
  return 0;
}
