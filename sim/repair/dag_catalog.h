// DagCatalog: the Merkle DAG (engine/merkle_dag.h) of every SSTable file the sstable_dag
// strategy has chunked, keyed by the file's content digest (XXH3-128 of its bytes, from the
// footer), so identical files on several nodes share one entry and a file is chunked once.
// It also keeps which nodes have chunked which files: a node pays the simulated cost of
// chunking a file (its validation queue) the first time only, as a node that keeps its chunk
// store on disk would.
//
// Entries live as long as some node's live SSTable has them (Retain drops the others).
// Deterministic: ordered maps only.
//
//   DagCatalog catalog(options);
//   const DagCatalog::Entry& e = catalog.Add(digest, file_bytes);  // chunks on first sight
//   e.dag.root();
#ifndef DSIM_SIM_REPAIR_DAG_CATALOG_H_
#define DSIM_SIM_REPAIR_DAG_CATALOG_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "engine/chunker.h"
#include "engine/hash.h"
#include "engine/merkle_dag.h"
#include "sim/core/ids.h"

namespace dsim::sim {

class DagCatalog {
 public:
  struct Entry {
    engine::MerkleDag dag{std::vector<engine::ChunkRef>{}};
    std::vector<engine::ChunkSpan> spans;  // chunk i is bytes spans[i] of the file
  };

  // REQUIRES: options.Validate().ok().
  explicit DagCatalog(const engine::ChunkingOptions& options) : chunker_(options) {}

  // The entry of the file with content digest `digest`, or nullptr if it was never chunked.
  const Entry* Find(const engine::Digest128& digest) const;
  // The entry for `file` (whose content digest is `digest`), chunking it if it is new.
  const Entry& Add(const engine::Digest128& digest, std::string_view file);

  // Records that `node` chunked the file; true the first time (the node pays for it then).
  bool MarkChunked(NodeId node, const engine::Digest128& digest);

  // Drops the entries (and chunked marks) of files not in `live`.
  void Retain(const absl::btree_set<engine::Digest128>& live);

  size_t size() const { return entries_.size(); }

 private:
  engine::Chunker chunker_;
  absl::btree_map<engine::Digest128, Entry> entries_;
  absl::btree_set<std::pair<engine::Digest128, NodeId>> chunked_;
};

}  // namespace dsim::sim

#endif  // DSIM_SIM_REPAIR_DAG_CATALOG_H_
