#include "engine/chunk_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::engine {

ChunkStore::PutResult ChunkStore::Put(std::string_view bytes) {
  return PutAt(ChunkAddressOf(bytes), bytes);
}

absl::StatusOr<ChunkStore::PutResult> ChunkStore::PutVerified(const ChunkAddress& expected,
                                                              std::string_view bytes) {
  const ChunkAddress actual = ChunkAddressOf(bytes);
  if (actual != expected) {
    return absl::DataLossError(absl::StrCat("chunk store: bytes hash to ", actual.ToHex(),
                                            ", expected ", expected.ToHex()));
  }
  return PutAt(actual, bytes);
}

ChunkStore::PutResult ChunkStore::PutAt(const ChunkAddress& address, std::string_view bytes) {
  auto [it, inserted] = chunks_.try_emplace(address);
  Entry& e = it->second;
  if (inserted) {
    e.bytes.assign(bytes);
    bytes_held_ += bytes.size();
  } else {
    DSIM_CHECK_MSG(e.bytes == bytes, "chunk store: two chunks with one XXH3-128 address");
  }
  DSIM_CHECK(e.refs < UINT64_MAX);
  ++e.refs;
  ++refs_total_;
  return PutResult{address, inserted};
}

absl::Status ChunkStore::AddRef(const ChunkAddress& address) {
  auto it = chunks_.find(address);
  if (it == chunks_.end()) {
    return absl::NotFoundError(absl::StrCat("chunk store: AddRef of ", address.ToHex()));
  }
  DSIM_CHECK(it->second.refs >= 1);
  ++it->second.refs;
  ++refs_total_;
  return absl::OkStatus();
}

absl::StatusOr<bool> ChunkStore::Release(const ChunkAddress& address) {
  auto it = chunks_.find(address);
  if (it == chunks_.end()) {
    return absl::NotFoundError(absl::StrCat("chunk store: Release of ", address.ToHex()));
  }
  Entry& e = it->second;
  DSIM_CHECK(e.refs >= 1 && refs_total_ >= e.refs);
  --e.refs;
  --refs_total_;
  if (e.refs > 0) return false;
  DSIM_CHECK(bytes_held_ >= e.bytes.size());
  bytes_held_ -= e.bytes.size();
  chunks_.erase(it);
  return true;
}

absl::StatusOr<std::string_view> ChunkStore::Get(const ChunkAddress& address) const {
  auto it = chunks_.find(address);
  if (it == chunks_.end()) {
    return absl::NotFoundError(absl::StrCat("chunk store: no chunk ", address.ToHex()));
  }
  return std::string_view(it->second.bytes);
}

uint64_t ChunkStore::RefCount(const ChunkAddress& address) const {
  auto it = chunks_.find(address);
  return it == chunks_.end() ? 0 : it->second.refs;
}

std::vector<ChunkAddress> ChunkStore::Missing(absl::Span<const ChunkAddress> wanted) const {
  std::vector<ChunkAddress> out;
  for (const ChunkAddress& a : wanted) {
    if (!chunks_.contains(a)) out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<ChunkAddress> ChunkStore::Addresses() const {
  std::vector<ChunkAddress> out;
  out.reserve(chunks_.size());
  for (const auto& [address, entry] : chunks_) out.push_back(address);
  return out;
}

}  // namespace dsim::engine
