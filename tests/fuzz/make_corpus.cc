// Writes the engine seeds of tests/fuzz/corpus/ (bloom_filter, hyper_log_log, merkle_tree,
// sstable, commit_log_replay): small, real serialised structures made by the engine's own
// writers, with the mode byte each target expects in front where it has modes. Built with the
// fuzzers (DSIM_FUZZ=ON); run as `build-fuzz/fuzz/make_corpus tests/fuzz/corpus` after a
// format change. The scenario and analysis seeds are shipped scenarios, baselines and files
// written by `dsim run` / `dsim sweep` (tests/fuzz/README.md).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/bloom_filter.h"
#include "engine/cell.h"
#include "engine/check.h"
#include "engine/commit_log.h"
#include "engine/hyper_log_log.h"
#include "engine/mem_disk.h"
#include "engine/merkle_tree.h"
#include "engine/mutation.h"
#include "engine/partition.h"
#include "engine/sstable_builder.h"
#include "engine/token.h"

namespace dsim::engine {
namespace {

std::string g_root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  const std::string dir = absl::StrCat(g_root, "/", target);
  std::filesystem::create_directories(dir);
  std::FILE* f = std::fopen(absl::StrCat(dir, "/", name).c_str(), "wb");
  DSIM_CHECK(f != nullptr);
  DSIM_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  DSIM_CHECK(std::fclose(f) == 0);
}

// `count` partitions with live cells and a tombstone, sorted by (token, key).
std::vector<Partition> Partitions(int count) {
  std::vector<Partition> out;
  for (int i = 0; i < count; ++i) {
    Partition p(absl::StrCat("user:", i));
    p.Put("name", Cell::Live(absl::StrCat("n", i), 1000 + i));
    p.Put("age", Cell::Live(std::to_string(20 + i), 2000 + i));
    if (i % 3 == 0) p.Put("email", Cell::Tombstone(3000 + i, 3000 + i + 7));
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Partition& a, const Partition& b) {
    return PartitionKeyLess(a.token(), a.key(), b.token(), b.key());
  });
  return out;
}

void Bloom() {
  BloomFilter small = BloomFilter::ForCapacity(10, 0.01);
  for (int i = 0; i < 10; ++i) small.Add(absl::StrCat("user:", i));
  Write("bloom_filter", "ten-keys-1pct", small.Serialize());
  BloomFilter loose = BloomFilter::ForCapacity(40, 0.2);
  for (int i = 0; i < 25; ++i) loose.Add(absl::StrCat("k", i));
  Write("bloom_filter", "forty-keys-20pct", loose.Serialize());
  Write("bloom_filter", "one-bit", BloomFilter(1, 1, 0.5).Serialize());
}

void Hll() {
  HyperLogLog sparse(13);
  for (int i = 0; i < 20; ++i) sparse.AddHash(Token(absl::StrCat("user:", i)));
  Write("hyper_log_log", "sparse-p13", sparse.Serialize());
  for (int p : {4, 8}) {
    HyperLogLog dense(p);
    for (int i = 0; i < 2000; ++i) dense.AddHash(Token(absl::StrCat("k", i)));
    DSIM_CHECK(!dense.sparse());
    Write("hyper_log_log", absl::StrCat("dense-p", p), dense.Serialize());
  }
  Write("hyper_log_log", "empty-p13", HyperLogLog(13).Serialize());
}

void Merkle() {
  const std::vector<Partition> parts = Partitions(12);
  for (int depth : {0, 2, 4}) {
    MerkleTree t(TokenRange::FullRing(), depth);
    for (const Partition& p : parts) t.Add(p.token(), p.Digest());
    t.Finalize();
    Write("merkle_tree", absl::StrCat("full-ring-depth", depth), t.Serialize());
  }
  MerkleTree narrow(TokenRange(100, 1000), 3);
  narrow.Add(500, Partitions(1)[0].Digest());
  narrow.Finalize();
  Write("merkle_tree", "range-100-1000-depth3", narrow.Serialize());
}

void Sstable() {
  const std::vector<Partition> parts = Partitions(8);
  SSTableBuilder b({.bloom_fp_chance = 0.05, .hll_precision = 4, .block_size_bytes = 96},
                   parts.size());
  for (const Partition& p : parts) b.Add(p);
  const std::string file = b.Finish();
  Write("sstable", "mode0-eight-partitions", absl::StrCat(std::string(1, '\0'), file));
  Write("sstable", "mode1-eight-partitions", absl::StrCat(std::string(1, '\1'), file));
  std::string encodings(1, '\2');
  for (int i = 0; i < 3; ++i) parts[i].EncodeTo(&encodings);
  Write("sstable", "mode2-three-partitions", encodings);
}

void CommitLogs() {
  const std::vector<Mutation> mutations = {
      Mutation::Put("user:1", "name", "ada", 1000), Mutation::Put("user:2", "age", "36", 1001),
      Mutation::Delete("user:1", "email", 1002, 1009)};
  MemDisk disk;
  CommitLog log(&disk, {.sync = CommitLogSync::kBatch});
  DSIM_CHECK(log.Open().ok());
  for (const Mutation& m : mutations) DSIM_CHECK(log.Append(m, 0).ok());
  std::string segment;
  DSIM_CHECK(disk.Read(log.active_segment(), 0, *disk.Size(log.active_segment()), &segment).ok());
  Write("commit_log_replay", "mode0-three-records", absl::StrCat(std::string(1, '\0'), segment));
  Write("commit_log_replay", "mode0-two-segments-torn",
        absl::StrCat(std::string(1, '\0'), segment, "\n--segment--\n",
                     segment.substr(0, segment.size() - 5)));
  std::string framed(1, '\1');
  for (const Mutation& m : mutations) {
    const std::string payload = m.Encode();
    DSIM_CHECK(payload.size() < 256);
    framed += static_cast<char>(payload.size());
    framed += payload;
  }
  Write("commit_log_replay", "mode1-three-payloads", framed);
}

}  // namespace
}  // namespace dsim::engine

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus CORPUS_DIR (tests/fuzz/corpus)\n");
    return 2;
  }
  dsim::engine::g_root = argv[1];
  dsim::engine::Bloom();
  dsim::engine::Hll();
  dsim::engine::Merkle();
  dsim::engine::Sstable();
  dsim::engine::CommitLogs();
  return 0;
}
