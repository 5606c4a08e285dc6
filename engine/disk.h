// Disk: the file-system seam of the engine (LevelDB's Env, reduced to what the engine needs).
//
// A disk holds named files of bytes. Appends are buffered: they become durable only when the
// file is synced, so each file has a length and a synced length <= length. A power loss
// (DropUnsyncedData) cuts every file back to its synced length: this is how a node crash
// loses the unsynced commit-log tail. Deletes are durable at once. The engine only appends,
// reads, syncs, lists and deletes; the simulator supplies an implementation (MemDisk by
// default) and may inject faults through it.
//
// Contract for implementations: deterministic (List() sorted by name), no clock, no threads.
#ifndef DSIM_ENGINE_DISK_H_
#define DSIM_ENGINE_DISK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dsim::engine {

class Disk {
 public:
  virtual ~Disk() = default;

  // Appends `data` to the file, creating it (empty) first if it does not exist.
  [[nodiscard]] virtual absl::Status Append(std::string_view name, std::string_view data) = 0;

  // Makes everything appended so far durable. NotFound if the file does not exist.
  [[nodiscard]] virtual absl::Status Sync(std::string_view name) = 0;

  // Replaces `*out` with bytes [offset, offset + n). OutOfRange if the file is shorter,
  // NotFound if it does not exist.
  [[nodiscard]] virtual absl::Status Read(std::string_view name, uint64_t offset, uint64_t n,
                                          std::string* out) = 0;

  // Current length in bytes (synced or not). NotFound if the file does not exist.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> Size(std::string_view name) const = 0;

  virtual bool Exists(std::string_view name) const = 0;

  // Removes the file; durable at once. NotFound if it does not exist.
  [[nodiscard]] virtual absl::Status Delete(std::string_view name) = 0;

  // Every file name, sorted.
  virtual std::vector<std::string> List() const = 0;

  // Power loss: every file is cut back to its synced length (files stay, possibly empty).
  virtual void DropUnsyncedData() = 0;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_DISK_H_
