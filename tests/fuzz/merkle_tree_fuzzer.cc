// Fuzzes MerkleTree::Deserialize (a replica's validation tree as it arrives in a repair
// session). An accepted tree must compare against itself and an empty tree of the same shape,
// and serialise back to the same tree.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/check.h"
#include "engine/merkle_tree.h"
#include "engine/token.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dsim::engine::MerkleTree;
  using dsim::engine::TokenRange;
  absl::StatusOr<MerkleTree> t = MerkleTree::Deserialize(dsim::fuzz::AsView(data, size));
  if (!t.ok()) return dsim::fuzz::ExpectError(t.status());
  DSIM_CHECK(t->finalized());
  DSIM_CHECK(t->SerializedSizeBytes() == size);
  const std::string bytes = t->Serialize();
  DSIM_CHECK(bytes == dsim::fuzz::AsView(data, size));
  DSIM_CHECK(MerkleTree::Difference(*t, *t).empty());
  (void)t->root();
  // Leaf ranges tile the tree's range in order; check the first and last few leaves.
  const uint64_t leaves = t->leaf_count();
  for (uint64_t i = 0; i < leaves && i < 4; ++i) {
    const TokenRange r = t->LeafRange(i);
    (void)t->LeafIndex(r.begin() + 1);
    (void)t->LeafDigest(leaves - 1 - i);
  }
  // Against an empty tree of the same shape (small trees only: building one costs 2^depth).
  if (t->depth() <= 12) {
    MerkleTree empty(t->range(), t->depth());
    empty.Finalize();
    const std::vector<TokenRange> diff = MerkleTree::Difference(*t, empty);
    DSIM_CHECK(diff.size() <= leaves);
    // Equal roots mean no difference. (Not the converse: Deserialize does not recompute inner
    // digests, so a tree whose root differs while every leaf matches is accepted and compares
    // equal leaf by leaf.)
    if (t->root() == empty.root()) DSIM_CHECK(diff.empty());
    for (const TokenRange& r : diff) DSIM_CHECK(t->range().Contains(r.end()));
  }
  return 0;
}
