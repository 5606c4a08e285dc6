#include "engine/mem_disk.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::engine {
namespace {

absl::Status NotFound(std::string_view name) {
  return absl::NotFoundError(
      absl::StrCat("no such file: ", absl::string_view(name.data(), name.size())));
}

}  // namespace

absl::Status MemDisk::Append(std::string_view name, std::string_view data) {
  files_[std::string(name)].data.append(data.data(), data.size());
  counters_.bytes_appended += data.size();
  return absl::OkStatus();
}

absl::Status MemDisk::Sync(std::string_view name) {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  it->second.synced = it->second.data.size();
  ++counters_.syncs;
  return absl::OkStatus();
}

absl::Status MemDisk::Read(std::string_view name, uint64_t offset, uint64_t n, std::string* out) {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  const std::string& data = it->second.data;
  if (offset > data.size() || n > data.size() - offset) {
    return absl::OutOfRangeError(
        absl::StrCat("read past end of ", absl::string_view(name.data(), name.size())));
  }
  out->assign(data, offset, n);
  counters_.bytes_read += n;
  ++counters_.reads;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> MemDisk::Size(std::string_view name) const {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  return it->second.data.size();
}

bool MemDisk::Exists(std::string_view name) const { return files_.contains(std::string(name)); }

absl::Status MemDisk::Delete(std::string_view name) {
  if (files_.erase(std::string(name)) == 0) return NotFound(name);
  return absl::OkStatus();
}

std::vector<std::string> MemDisk::List() const {
  std::vector<std::string> names;
  names.reserve(files_.size());
  for (const auto& [name, file] : files_) names.push_back(name);
  return names;
}

void MemDisk::DropUnsyncedData() {
  for (auto& [name, file] : files_) {
    DSIM_CHECK(file.synced <= file.data.size());
    file.data.resize(file.synced);
  }
}

absl::StatusOr<uint64_t> MemDisk::SyncedSize(std::string_view name) const {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  return it->second.synced;
}

absl::Status MemDisk::FlipByte(std::string_view name, uint64_t offset, uint8_t mask) {
  DSIM_CHECK(mask != 0);
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  if (offset >= it->second.data.size()) return absl::OutOfRangeError("flip past end of file");
  it->second.data[offset] = static_cast<char>(static_cast<uint8_t>(it->second.data[offset]) ^ mask);
  return absl::OkStatus();
}

absl::Status MemDisk::Truncate(std::string_view name, uint64_t length) {
  auto it = files_.find(std::string(name));
  if (it == files_.end()) return NotFound(name);
  if (length > it->second.data.size()) return absl::OutOfRangeError("truncate past end of file");
  it->second.data.resize(length);
  it->second.synced = std::min(it->second.synced, length);
  return absl::OkStatus();
}

uint64_t MemDisk::TotalBytes() const {
  uint64_t total = 0;
  for (const auto& [name, file] : files_) total += file.data.size();
  return total;
}

}  // namespace dsim::engine
