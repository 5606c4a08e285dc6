#include "engine/chunker.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::engine {
namespace {

constexpr std::array<uint64_t, 256> MakeGearTable() {
  std::array<uint64_t, 256> table{};
  uint64_t state = kGearSeed;
  for (uint64_t& v : table) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    v = z ^ (z >> 31);
  }
  return table;
}

constexpr std::array<uint64_t, 256> kGear = MakeGearTable();

// The spread masks cover the high 48 bits: bits 16..63.
constexpr int kMaskSpanBits = 48;

// Abseil here predates absl::string_view being std::string_view.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Invalid(std::string_view field, uint64_t value, std::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("chunking: ", AV(field), " = ", value, " ", AV(rule)));
}

}  // namespace

std::string_view ChunkingKindName(ChunkingKind kind) {
  return kind == ChunkingKind::kFixed ? "fixed" : "cdc";
}

absl::StatusOr<ChunkingKind> ParseChunkingKind(std::string_view name) {
  if (name == "fixed") return ChunkingKind::kFixed;
  if (name == "cdc") return ChunkingKind::kCdc;
  return absl::InvalidArgumentError(
      absl::StrCat("chunking: unknown kind \"", AV(name), "\" (expected \"fixed\" or \"cdc\")"));
}

absl::Status ChunkingOptions::Validate() const {
  if (avg_bytes < kMinChunkBytes) {
    return Invalid("avg_bytes", avg_bytes, absl::StrCat("is below the minimum ", kMinChunkBytes));
  }
  if (avg_bytes > kMaxChunkBytes) {
    return Invalid("avg_bytes", avg_bytes, absl::StrCat("exceeds the limit ", kMaxChunkBytes));
  }
  if (kind == ChunkingKind::kFixed) return absl::OkStatus();
  if (!std::has_single_bit(avg_bytes)) {
    return Invalid("avg_bytes", avg_bytes, "is not a power of two (needed for cdc)");
  }
  if (min_bytes < kMinChunkBytes) {
    return Invalid("min_bytes", min_bytes, absl::StrCat("is below the minimum ", kMinChunkBytes));
  }
  if (min_bytes > avg_bytes) {
    return Invalid("min_bytes", min_bytes, absl::StrCat("exceeds avg_bytes = ", avg_bytes));
  }
  if (max_bytes < avg_bytes) {
    return Invalid("max_bytes", max_bytes, absl::StrCat("is below avg_bytes = ", avg_bytes));
  }
  if (max_bytes > kMaxChunkBytes) {
    return Invalid("max_bytes", max_bytes, absl::StrCat("exceeds the limit ", kMaxChunkBytes));
  }
  if (normalization_level < 0 || normalization_level > kMaxNormalizationLevel) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunking: normalization_level = ", normalization_level, " is outside [0, ",
                     kMaxNormalizationLevel, "]"));
  }
  return absl::OkStatus();
}

const std::array<uint64_t, 256>& GearTable() { return kGear; }

uint64_t SpreadMask(int bits) {
  DSIM_CHECK(bits >= 1 && bits <= kMaskSpanBits);
  uint64_t mask = 0;
  int taken = 0;
  // i = 0..63 reverses to every r in 0..63 once, 48 of them in range: `bits` are always found.
  for (uint32_t i = 0; taken < bits; ++i) {
    DSIM_CHECK(i < 64);
    uint32_t r = 0;
    for (int b = 0; b < 6; ++b) r |= ((i >> b) & 1) << (5 - b);
    if (r >= kMaskSpanBits) continue;
    mask |= uint64_t{1} << (63 - r);
    ++taken;
  }
  DSIM_CHECK(std::popcount(mask) == bits);
  return mask;
}

Chunker::Chunker(const ChunkingOptions& options) : options_(options) {
  const absl::Status status = options.Validate();
  DSIM_CHECK_MSG(status.ok(), "Chunker: invalid ChunkingOptions");
  if (options.kind == ChunkingKind::kCdc) {
    // a in [6, 26], level in [0, 4]: both bit counts are in [2, 30].
    const int a = std::countr_zero(options.avg_bytes);
    mask_small_ = SpreadMask(a + options.normalization_level);
    mask_large_ = SpreadMask(a - options.normalization_level);
  }
}

uint64_t Chunker::NextChunkLength(std::string_view rest) const {
  DSIM_CHECK(!rest.empty());
  if (options_.kind == ChunkingKind::kFixed)
    return std::min<uint64_t>(rest.size(), options_.avg_bytes);
  const uint64_t length = CdcCut(rest);
  DSIM_CHECK(length >= 1 && length <= rest.size() && length <= options_.max_bytes);
  return length;
}

uint64_t Chunker::CdcCut(std::string_view rest) const {
  const uint64_t n = rest.size();
  if (n <= options_.min_bytes) return n;
  const uint64_t end = std::min(n, options_.max_bytes);
  const uint64_t normal = std::min(end, options_.avg_bytes);
  const auto* p = reinterpret_cast<const unsigned char*>(rest.data());
  uint64_t h = 0;
  uint64_t i = options_.min_bytes;  // cut-point skipping: bytes below min are never hashed
  for (; i < normal; ++i) {
    h = (h << 1) + kGear[p[i]];
    if ((h & mask_small_) == 0) return i + 1;
  }
  for (; i < end; ++i) {
    h = (h << 1) + kGear[p[i]];
    if ((h & mask_large_) == 0) return i + 1;
  }
  return end;
}

std::vector<ChunkSpan> Chunker::Split(std::string_view data) const {
  std::vector<ChunkSpan> chunks;
  chunks.reserve(data.size() / options_.avg_bytes + 1);
  uint64_t offset = 0;
  while (offset < data.size()) {
    const uint64_t length = NextChunkLength(data.substr(offset));
    chunks.push_back(ChunkSpan{offset, length});
    offset += length;
  }
  DSIM_CHECK(offset == data.size());
  return chunks;
}

}  // namespace dsim::engine
