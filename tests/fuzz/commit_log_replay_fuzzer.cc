// Fuzzes CommitLog::Replay, the crash-recovery path of every store. The first input byte picks
// the mode (mod 2):
//   0  the rest is split at each "\n--segment--\n" into commit-log segments, replayed as is
//      (torn and corrupt records are the common case: the checksums stop most bytes);
//   1  the rest is a list of records `byte n, n payload bytes`, each framed with a correct
//      header (length and checksum) so the fuzzer reaches the mutation decoder; a trailing
//      short chunk is appended raw, as a torn tail.
// Checked: every replayed mutation re-encodes and decodes to itself, and the counts add up.
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/coding.h"
#include "engine/commit_log.h"
#include "engine/mem_disk.h"
#include "engine/mutation.h"
#include "tests/fuzz/fuzz_check.h"

namespace dsim::engine {
namespace {

constexpr std::string_view kSeparator = "\n--segment--\n";

void AddSegment(MemDisk* disk, int id, std::string_view bytes) {
  const std::string name = absl::StrFormat("commitlog-%08d", id);
  DSIM_CHECK(disk->Append(name, bytes).ok());
  DSIM_CHECK(disk->Sync(name).ok());
}

// The record framing of commit_log.h, with a correct checksum.
void AppendRecord(std::string* out, std::string_view payload) {
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  PutFixed64(out, XXH3_64bits_withSeed(payload.data(), payload.size(), payload.size()));
  out->append(payload.data(), payload.size());
}

}  // namespace
}  // namespace dsim::engine

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dsim::engine;
  if (size == 0) return 0;
  std::string_view rest = dsim::fuzz::AsView(data + 1, size - 1);
  MemDisk disk;
  uint64_t framed = 0;
  if (data[0] % 2 == 0) {
    int id = 1;
    for (size_t cut; (cut = rest.find(kSeparator)) != std::string_view::npos && id < 64; ++id) {
      AddSegment(&disk, id, rest.substr(0, cut));
      rest.remove_prefix(cut + kSeparator.size());
    }
    AddSegment(&disk, id, rest);
  } else {
    std::string segment;
    while (!rest.empty()) {
      const size_t n = static_cast<uint8_t>(rest[0]);
      if (n + 1 > rest.size()) {
        segment.append(rest.substr(1));  // torn tail
        break;
      }
      AppendRecord(&segment, rest.substr(1, n));
      ++framed;
      rest.remove_prefix(n + 1);
    }
    AddSegment(&disk, 1, segment);
  }
  uint64_t applied = 0;
  absl::StatusOr<ReplayResult> r =
      CommitLog::Replay(&disk, "commitlog-", [&applied](Mutation&& m) {
        ++applied;
        absl::StatusOr<Mutation> again = Mutation::Decode(m.Encode());
        DSIM_CHECK(again.ok());
        DSIM_CHECK(*again == m);
      });
  if (!r.ok()) return dsim::fuzz::ExpectError(r.status());
  DSIM_CHECK(r->records_replayed == applied);
  DSIM_CHECK(r->segments >= 1);
  if (data[0] % 2 == 1) {
    DSIM_CHECK(r->records_replayed <= framed);
    // Replay stops at the first bad record and counts it and every framed record after it.
    DSIM_CHECK(r->records_replayed + r->records_dropped >= framed);
  }
  return 0;
}
