// The SSTable file format, shared by SSTableBuilder (writer) and SSTable (reader).
//
// An SSTable is one immutable file of sorted partitions (order: token, then key):
//
//   [data block 0] ... [data block N-1] [index block] [filter block] [hll block]
//   [stats block] [footer]
//
// Every block except the footer is `payload | fixed64 XXH3_64(payload)`, so a flipped byte in a
// block (payload or checksum) is detected when the block is read.
//   - data block payload: entries, each `varint entry_len | fixed64 token | partition encoding`
//     (entry_len counts the token and the partition; partition encoding: see partition.h).
//     A block is closed once its payload reaches block_size_bytes, so it holds whole
//     partitions (a large partition makes a large block).
//   - index payload: varint block_count, then per data block: varint offset, varint size
//     (payload + checksum), fixed64 last token, varint last key length, last key bytes.
//   - filter payload: BloomFilter::Serialize() over the partition tokens.
//   - hll payload: HyperLogLog::Serialize() over the partition tokens.
//   - stats payload: varint partition_count, varint cell_count, varint tombstone_count,
//     fixed64 min_timestamp_us, fixed64 max_timestamp_us, fixed64 min_token, fixed64 max_token.
// Footer (kFooterBytes = 96, fixed): fixed64 offset and fixed64 size of the index, filter, hll
// and stats blocks (in that order, 64 bytes), the content digest (fixed64 low, fixed64 high:
// XXH3_128 of every byte before the footer), fixed64 XXH3_64 of the preceding 80 footer bytes,
// fixed64 kMagic. Blocks are contiguous: data ends where the index starts, and so on.
#ifndef DSIM_ENGINE_SSTABLE_FORMAT_H_
#define DSIM_ENGINE_SSTABLE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/coding.h"
#include "engine/hash.h"

namespace dsim::engine::sstable_format {

inline constexpr uint64_t kMagic = 0x6473696d53535431ULL;  // "dsimSST1"
inline constexpr uint64_t kFooterBytes = 96;
inline constexpr uint64_t kBlockTrailerBytes = 8;

// Appends `payload` and its checksum to `*out`.
inline void AppendBlock(std::string* out, std::string_view payload) {
  out->append(payload.data(), payload.size());
  PutFixed64(out, Hash64(payload));
}

// Checks the trailer of a whole block; on success `*payload` views the payload.
inline bool VerifyBlock(std::string_view block, std::string_view* payload) {
  if (block.size() < kBlockTrailerBytes) return false;
  *payload = block.substr(0, block.size() - kBlockTrailerBytes);
  return Hash64(*payload) == DecodeFixed64(block.data() + payload->size());
}

}  // namespace dsim::engine::sstable_format

#endif  // DSIM_ENGINE_SSTABLE_FORMAT_H_
