#include "sim/repair/dag_catalog.h"

#include <utility>

#include "engine/check.h"
#include "engine/sstable_format.h"

namespace dsim::sim {

const DagCatalog::Entry* DagCatalog::Find(const engine::Digest128& digest) const {
  auto it = entries_.find(digest);
  return it == entries_.end() ? nullptr : &it->second;
}

const DagCatalog::Entry& DagCatalog::Add(const engine::Digest128& digest, std::string_view file) {
  if (const Entry* e = Find(digest)) return *e;
  constexpr uint64_t kFooter = engine::sstable_format::kFooterBytes;
  DSIM_CHECK_MSG(
      file.size() >= kFooter && engine::Hash128(file.substr(0, file.size() - kFooter)) == digest,
      "an SSTable file whose content digest is not the one named");
  Entry e;
  e.spans = chunker_.Split(file);
  e.dag = engine::MerkleDag::FromData(file, e.spans);
  return entries_.emplace(digest, std::move(e)).first->second;
}

bool DagCatalog::MarkChunked(NodeId node, const engine::Digest128& digest) {
  return chunked_.insert({digest, node}).second;
}

void DagCatalog::Retain(const absl::btree_set<engine::Digest128>& live) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = live.contains(it->first) ? std::next(it) : entries_.erase(it);
  }
  for (auto it = chunked_.begin(); it != chunked_.end();) {
    it = live.contains(it->first) ? std::next(it) : chunked_.erase(it);
  }
}

}  // namespace dsim::sim
