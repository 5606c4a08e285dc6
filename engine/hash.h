// Hashing primitives: every hash in the engine goes through these (XXH3, seed 0).
//
// Digest128 is the 128-bit content digest used for partitions, Merkle nodes and SSTable
// contents; Hash64 is the 64-bit hash used for tokens, Bloom filters and HyperLogLog. Both are
// pure functions of the bytes, identical on every platform xxHash supports.
//
//   Digest128 d = Hash128("bytes");
//   uint64_t h = Hash64("bytes");
#ifndef DSIM_ENGINE_HASH_H_
#define DSIM_ENGINE_HASH_H_

#include <xxhash.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace dsim::engine {

struct Digest128 {
  uint64_t low = 0;
  uint64_t high = 0;

  friend bool operator==(const Digest128&, const Digest128&) = default;
  friend auto operator<=>(const Digest128&, const Digest128&) = default;

  // 32 lowercase hex digits, high half first.
  std::string ToHex() const { return absl::StrFormat("%016x%016x", high, low); }
};

inline uint64_t Hash64(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

inline Digest128 Hash128(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return Digest128{h.low64, h.high64};
}

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_HASH_H_
