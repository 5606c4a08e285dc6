// Store: setting aside an SSTable whose block failed its checksum (see store.h, "Corruption").
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/check.h"
#include "engine/corruption.h"
#include "engine/store.h"

namespace dsim::engine {

bool Store::QuarantineIfCorrupt(const absl::Status& s) {
  const std::optional<std::string> file = CorruptFileOf(s);
  if (!file) return false;
  auto it = std::find_if(sstables_.begin(), sstables_.end(),
                         [&](const std::unique_ptr<SSTable>& t) { return t->name() == *file; });
  if (it == sstables_.end()) return false;  // not one of ours (a fetched file, say)
  std::unique_ptr<SSTable> table = std::move(*it);
  sstables_.erase(it);
  SetAside(*table);
  return true;
}

void Store::SetAside(const SSTable& table) {
  const SSTableMetadata& m = table.metadata();
  quarantined_.push_back({table.name(), m.min_token, m.max_token, m.partition_count});
  // Its file goes (and its repair marker): nothing of it is read again, here or after a
  // restart.
  const absl::Status deleted = DeleteSSTableFiles(table);
  DSIM_CHECK_MSG(deleted.ok() || absl::IsNotFound(deleted), "deleting a quarantined SSTable");
  ++stats_.sstables_quarantined;
  DataChanged();
}

std::vector<QuarantinedSSTable> Store::TakeQuarantined() { return std::exchange(quarantined_, {}); }

namespace {

// The table's digest, then each data block's checksum: the first failure, or OK.
absl::Status VerifyTable(const SSTable& table) {
  if (absl::Status s = table.VerifyContentDigest(); !s.ok()) return s;
  std::string payload;
  for (size_t i = 0; i < table.index().size(); ++i) {
    if (absl::Status s = table.ReadBlock(i, &payload); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

Store::VerifyReport Store::Verify() {
  DSIM_CHECK_MSG(up_, "Store::Verify on a store that is down");
  VerifyReport report;
  std::vector<std::string> corrupt;
  for (const std::unique_ptr<SSTable>& table : sstables_) {
    ++report.sstables_checked;
    report.bytes_read += table->file_bytes();
    const absl::Status s = VerifyTable(*table);
    if (s.ok()) continue;
    // Only a checksum or digest mismatch names the file; a disk error is a bug on a MemDisk.
    DSIM_CHECK_MSG(CorruptFileOf(s).has_value(), "verify: an SSTable read failed");
    corrupt.push_back(table->name());
  }
  for (const std::string& name : corrupt) {
    const bool set_aside = QuarantineIfCorrupt(CorruptionError(name, "verify"));
    DSIM_CHECK(set_aside);
    ++report.sstables_quarantined;
  }
  return report;
}

}  // namespace dsim::engine
