// MemDisk: the in-memory Disk, with fault injection for tests and the simulator.
//
// Files live in a sorted map; each tracks its synced length. Beyond the Disk interface it
// can flip a byte, truncate a file (a torn tail) and report I/O counters. Not thread-safe
// (nothing in the engine is).
//
//   MemDisk disk;
//   DSIM_CHECK(disk.Append("log", "abc").ok());
//   disk.DropUnsyncedData();  // "log" is now empty: it was never synced
#ifndef DSIM_ENGINE_MEM_DISK_H_
#define DSIM_ENGINE_MEM_DISK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "engine/disk.h"

namespace dsim::engine {

class MemDisk : public Disk {
 public:
  struct Counters {
    uint64_t bytes_appended = 0;
    uint64_t bytes_read = 0;
    uint64_t syncs = 0;
    uint64_t reads = 0;
  };

  absl::Status Append(std::string_view name, std::string_view data) override;
  absl::Status Sync(std::string_view name) override;
  absl::Status Read(std::string_view name, uint64_t offset, uint64_t n, std::string* out) override;
  absl::StatusOr<uint64_t> Size(std::string_view name) const override;
  bool Exists(std::string_view name) const override;
  absl::Status Delete(std::string_view name) override;
  std::vector<std::string> List() const override;
  void DropUnsyncedData() override;

  // Synced length of the file. NotFound if it does not exist.
  [[nodiscard]] absl::StatusOr<uint64_t> SyncedSize(std::string_view name) const;

  // Fault injection: XORs the byte at `offset` with `mask` (REQUIRES: mask != 0).
  [[nodiscard]] absl::Status FlipByte(std::string_view name, uint64_t offset, uint8_t mask = 0x01);
  // Fault injection: cuts the file to `length` bytes (a torn write). The synced length is cut
  // too if it was longer.
  [[nodiscard]] absl::Status Truncate(std::string_view name, uint64_t length);

  // Total bytes held by all files.
  uint64_t TotalBytes() const;
  const Counters& counters() const { return counters_; }

 private:
  struct File {
    std::string data;
    uint64_t synced = 0;
  };
  absl::btree_map<std::string, File> files_;
  Counters counters_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MEM_DISK_H_
