// ChunkStore: a node's content-addressed store of chunks, with reference counts.
//
// A chunk's address is XXH3-128 of its bytes (ChunkAddressOf), so equal chunks are stored once
// however many SSTables hold them, and a chunk received from a peer is checked against the
// address it was asked for (PutVerified). Each reference (typically: one SSTable naming the chunk
// in its DAG) is one count: Put stores a new chunk with count 1 or adds 1 to a held one, AddRef
// adds 1, Release subtracts 1 and frees the bytes when the count reaches 0. A chunk is held
// exactly while its count is positive.
//
// Deterministic: chunks are kept in address order (Addresses() is sorted). Get returns a view
// into the store, valid until that chunk is freed (other Puts and Releases do not move it).
// Two different byte strings with one address (a 128-bit XXH3 collision) fail a DSIM_CHECK.
// Costs: O(log n) per operation plus the hash (Put) or comparison (Put of a held chunk) of its
// bytes.
//
//   ChunkStore store;
//   ChunkStore::PutResult r = store.Put(bytes);     // r.inserted: the bytes were new here
//   store.Get(r.address);                          // the bytes
//   bool freed = *store.Release(r.address);         // true: the last reference went
#ifndef DSIM_ENGINE_CHUNK_STORE_H_
#define DSIM_ENGINE_CHUNK_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/hash.h"

namespace dsim::engine {

using ChunkAddress = Digest128;

inline ChunkAddress ChunkAddressOf(std::string_view bytes) { return Hash128(bytes); }

class ChunkStore {
 public:
  struct PutResult {
    ChunkAddress address;
    bool inserted = false;  // the chunk was not held before this Put
  };

  // Takes one reference on the chunk holding `bytes`, storing it first if it is new.
  PutResult Put(std::string_view bytes);
  // Put, for bytes that must have address `expected` (a chunk fetched by address): DataLoss,
  // and nothing stored, if ChunkAddressOf(bytes) != expected.
  [[nodiscard]] absl::StatusOr<PutResult> PutVerified(const ChunkAddress& expected,
                                                      std::string_view bytes);

  // One more reference on a held chunk. NotFound if it is not held.
  [[nodiscard]] absl::Status AddRef(const ChunkAddress& address);
  // One reference less; at zero the bytes are freed. Returns whether they were. NotFound if the
  // chunk is not held.
  [[nodiscard]] absl::StatusOr<bool> Release(const ChunkAddress& address);

  // The chunk's bytes (a view valid until it is freed). NotFound if it is not held.
  [[nodiscard]] absl::StatusOr<std::string_view> Get(const ChunkAddress& address) const;
  bool Contains(const ChunkAddress& address) const { return chunks_.contains(address); }
  // 0 for a chunk not held.
  uint64_t RefCount(const ChunkAddress& address) const;

  // Of `wanted` (any order, repeats allowed), the distinct addresses not held, sorted.
  std::vector<ChunkAddress> Missing(absl::Span<const ChunkAddress> wanted) const;
  // Every held address, sorted.
  std::vector<ChunkAddress> Addresses() const;

  uint64_t chunk_count() const { return chunks_.size(); }
  // Sum of the held chunks' lengths (each chunk once, whatever its count).
  uint64_t bytes_held() const { return bytes_held_; }
  // Sum of the counts.
  uint64_t ref_count_total() const { return refs_total_; }

 private:
  struct Entry {
    std::string bytes;
    uint64_t refs = 0;
  };
  PutResult PutAt(const ChunkAddress& address, std::string_view bytes);

  // std::map, not a btree: its nodes never move, so Get's views stay valid.
  std::map<ChunkAddress, Entry> chunks_;
  uint64_t bytes_held_ = 0;
  uint64_t refs_total_ = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_CHUNK_STORE_H_
