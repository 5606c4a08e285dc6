// Chunker: cuts a byte string into contiguous chunks [offset, offset + length), the pieces an
// SSTable is replicated in when it is shipped as a content-addressed Merkle DAG.
//
// Two kinds (ChunkingOptions::kind):
//   - fixed: every chunk is avg_bytes long, the last one possibly shorter (BitTorrent pieces,
//     hypercore blocks). Inserting k bytes at offset x moves every later boundary by k, so every
//     chunk after x changes unless k is a multiple of the size.
//   - cdc: content-defined chunking, FastCDC with normalised chunking (Xia et al., "FastCDC: a
//     Fast and Efficient Content-Defined Chunking Approach for Data Deduplication", USENIX ATC
//     2016). A boundary depends only on the bytes just before it (and on where its chunk
//     started), so an insertion rewrites the chunk holding it and the boundaries after it
//     resynchronise: for a 1..300-byte insertion with the defaults, 92-94 % of the time no other
//     chunk changes, and about 1.5 % of the time more than 3 do (chunker_test; cut-point skipping
//     can carry a misalignment over a few chunks).
//
// FastCDC, as implemented here. From a chunk's start, the first min_bytes bytes are skipped
// (never hashed: no cut can fall there). Then each byte b at index j (0-based in the chunk)
// updates the Gear hash h = (h << 1) + kGear[b] (mod 2^64, h = 0 at index min_bytes) and the
// chunk ends after byte j when (h & mask) == 0, with mask = MaskS for j < avg_bytes (the
// "normal" size) and MaskL from there on; a chunk that reaches max_bytes ends there. So every
// chunk but the last has min_bytes < length <= max_bytes (exactly max_bytes if min == max), and
// the last has 1..max_bytes.
// (FastCDC's reference code cuts before byte j instead of after it; either is content-defined.)
// Since h is shifted left once per byte, bit k of h depends on the last k + 1 bytes only: the
// cut test sees a 64-byte window.
//
// Masks: with a = log2(avg_bytes) and level L (normalization_level, FastCDC's "NC level"),
// MaskS has a + L one-bits and MaskL has a - L, so a byte before the normal size ends a chunk
// with probability 2^-(a+L) and one after it with 2^-(a-L): chunk sizes bunch around avg_bytes
// (L = 0 is plain Gear CDC with one mask). The one-bits lie in the high 48 bits of the word,
// FastCDC's "padded" masks: the low bits of h depend on the last few bytes only, so a mask there
// would see a window of a dozen bytes; every bit used here depends on at least the last 17 bytes
// (bit k on the last k + 1). SpreadMask(b) takes the first b of the positions 63 - r for
// r = 0..47 in van der Corput order (r = the 6-bit reversal of 0, 1, 2, ..., skipping r >= 48:
// bits 63, 31, 47, 55, 23, 39, 59, ...), so any mask is spread over the whole span and a mask
// with fewer bits is a subset of one with more: MaskL is inside MaskS, as in FastCDC's own masks,
// and a position that passes the strict test passes the loose one (an insertion that pushes a
// cut point past the normal size keeps it).
// The expected chunk length under the model "each hashed byte passes the test independently
// with probability 2^-popcount(mask)" is computed by chunker_test and matched by measurement:
// 9348 bytes for the defaults, not 8192, since the 6 KiB under MaskS (2^-15) cut only 17 % of
// chunks and the rest run on under MaskL (mean 2 KiB more).
//
// The Gear table: kGear[i] is output number i + 1 of SplitMix64 (Steele, Lea, Flood 2014) whose
// state starts at kGearSeed, computed at compile time; 256 well-mixed 64-bit values that never
// change (boundaries, and so every chunk address, depend on them).
//
// Cost: one shift, one add, one table load and one test per hashed byte; no allocation per byte
// (Split appends one ChunkSpan per chunk; NextChunkLength allocates nothing).
//
//   ChunkingOptions opts;                     // cdc, 2 KiB / 8 KiB / 64 KiB, level 2
//   if (absl::Status s = opts.Validate(); !s.ok()) return s;
//   std::vector<ChunkSpan> chunks = Chunker(opts).Split(sstable_bytes);
#ifndef DSIM_ENGINE_CHUNKER_H_
#define DSIM_ENGINE_CHUNKER_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dsim::engine {

enum class ChunkingKind { kFixed, kCdc };

// "fixed" or "cdc".
std::string_view ChunkingKindName(ChunkingKind kind);
// InvalidArgument naming the accepted names unless `name` is "fixed" or "cdc".
[[nodiscard]] absl::StatusOr<ChunkingKind> ParseChunkingKind(std::string_view name);

struct ChunkingOptions {
  static constexpr uint64_t kMinChunkBytes = 64;        // below this a chunk's address costs more
                                                        // than a sizeable share of its bytes
  static constexpr uint64_t kMaxChunkBytes = 1u << 26;  // 64 MiB: a chunk is held in memory whole
  static constexpr int kMaxNormalizationLevel = 4;      // FastCDC evaluates levels 1..3

  ChunkingKind kind = ChunkingKind::kCdc;
  // FastCDC's evaluated configuration (min 2 KiB, normal 8 KiB, max 64 KiB, level 2).
  uint64_t min_bytes = 2048;    // cdc only
  uint64_t avg_bytes = 8192;    // cdc: the normal size, a power of two; fixed: the chunk size
  uint64_t max_bytes = 65536;   // cdc only
  int normalization_level = 2;  // cdc only

  // InvalidArgument naming the offending field and value. fixed: kMinChunkBytes <= avg_bytes <=
  // kMaxChunkBytes (min, max and level are ignored). cdc: kMinChunkBytes <= min_bytes <= avg_bytes
  // <= max_bytes <= kMaxChunkBytes, avg_bytes a power of two, 0 <= level <=
  // kMaxNormalizationLevel.
  [[nodiscard]] absl::Status Validate() const;
};

// One chunk: bytes [offset, offset + length) of the chunked string.
struct ChunkSpan {
  uint64_t offset = 0;
  uint64_t length = 0;

  uint64_t end() const { return offset + length; }
  friend bool operator==(const ChunkSpan&, const ChunkSpan&) = default;
};

// Initial SplitMix64 state of the Gear table ("gear-cdc" in ASCII, read big-endian).
inline constexpr uint64_t kGearSeed = 0x676561722d636463ULL;

// The 256 Gear values (see above).
const std::array<uint64_t, 256>& GearTable();

// A 64-bit mask with `bits` one-bits among bits 16..63 (see above); SpreadMask(b) is a subset of
// SpreadMask(b + 1). REQUIRES: 1 <= bits <= 48.
uint64_t SpreadMask(int bits);

class Chunker {
 public:
  // REQUIRES: options.Validate().ok() (checked).
  explicit Chunker(const ChunkingOptions& options);

  // Length of the chunk that starts at the front of `rest` (rest holds everything from the
  // chunk's start to the end of the string). 1 <= result <= min(rest.size(), max length).
  // REQUIRES: !rest.empty().
  uint64_t NextChunkLength(std::string_view rest) const;

  // Every chunk of `data` in order: contiguous, covering [0, data.size()); empty for "".
  std::vector<ChunkSpan> Split(std::string_view data) const;

  const ChunkingOptions& options() const { return options_; }
  // cdc only (0 for fixed): the masks used before and after the normal size.
  uint64_t mask_small() const { return mask_small_; }
  uint64_t mask_large() const { return mask_large_; }

 private:
  uint64_t CdcCut(std::string_view rest) const;

  ChunkingOptions options_;
  uint64_t mask_small_ = 0;
  uint64_t mask_large_ = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_CHUNKER_H_
