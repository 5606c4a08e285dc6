#include "engine/drive.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/coding.h"

namespace dsim::engine {

void DriveEntry::AppendTo(std::string* out) const {
  PutFixed64(out, sstable_id);
  PutFixed64(out, dag_root.low);
  PutFixed64(out, dag_root.high);
  PutFixed64(out, size_bytes);
  PutFixed64(out, chunk_count);
}

absl::StatusOr<DriveEntry> DriveEntry::Parse(std::string_view bytes) {
  if (bytes.size() != kSerializedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("drive entry: ", bytes.size(), " bytes, expected ", kSerializedBytes));
  }
  DriveEntry e;
  const bool ok = GetFixed64(&bytes, &e.sstable_id) && GetFixed64(&bytes, &e.dag_root.low) &&
                  GetFixed64(&bytes, &e.dag_root.high) && GetFixed64(&bytes, &e.size_bytes) &&
                  GetFixed64(&bytes, &e.chunk_count);
  DSIM_CHECK(ok && bytes.empty());
  return e;
}

absl::Status Drive::Add(const DriveEntry& entry) {
  auto [it, inserted] = manifest_.try_emplace(entry.sstable_id, entry);
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("drive: SSTable ", entry.sstable_id, " is already published"));
  }
  DSIM_CHECK_MSG(size_bytes_ <= UINT64_MAX - entry.size_bytes, "drive: size overflows");
  size_bytes_ += entry.size_bytes;
  log_.push_back(DriveChange{log_.size() + 1, DriveOp::kAdd, entry});
  root_.reset();
  return absl::OkStatus();
}

absl::Status Drive::Remove(uint64_t sstable_id) {
  auto it = manifest_.find(sstable_id);
  if (it == manifest_.end()) {
    return absl::NotFoundError(absl::StrCat("drive: SSTable ", sstable_id, " is not published"));
  }
  const DriveEntry entry = it->second;
  manifest_.erase(it);
  DSIM_CHECK(size_bytes_ >= entry.size_bytes);
  size_bytes_ -= entry.size_bytes;
  log_.push_back(DriveChange{log_.size() + 1, DriveOp::kRemove, entry});
  root_.reset();
  return absl::OkStatus();
}

Digest128 Drive::root() const {
  if (!root_.has_value()) {
    std::string in;
    in.reserve(25 + DriveEntry::kSerializedBytes * manifest_.size());
    in.push_back(static_cast<char>(kDriveRootType));
    PutFixed64(&in, range_.begin());
    PutFixed64(&in, range_.end());
    PutFixed64(&in, manifest_.size());
    for (const auto& [id, entry] : manifest_) entry.AppendTo(&in);  // btree: ascending id
    root_ = Hash128(in);
  }
  return *root_;
}

std::optional<DriveEntry> Drive::Find(uint64_t sstable_id) const {
  auto it = manifest_.find(sstable_id);
  if (it == manifest_.end()) return std::nullopt;
  return it->second;
}

std::vector<DriveEntry> Drive::Entries() const {
  std::vector<DriveEntry> out;
  out.reserve(manifest_.size());
  for (const auto& [id, entry] : manifest_) out.push_back(entry);
  return out;
}

absl::StatusOr<absl::Span<const DriveChange>> Drive::ChangesSince(uint64_t v) const {
  if (v > version()) {
    return absl::OutOfRangeError(
        absl::StrCat("drive: version ", v, " is past the current version ", version()));
  }
  return absl::MakeConstSpan(log_).subspan(v);
}

absl::StatusOr<DriveDelta> Drive::NetChangesSince(uint64_t v) const {
  absl::StatusOr<absl::Span<const DriveChange>> changes = ChangesSince(v);
  if (!changes.ok()) return changes.status();
  // The state at v of every id touched since: the first change to an id tells it (an Add needs
  // the id absent, a Remove carries the entry that was held).
  absl::btree_map<uint64_t, std::optional<DriveEntry>> at_v;
  for (const DriveChange& c : *changes) {
    if (c.op == DriveOp::kAdd) {
      at_v.try_emplace(c.entry.sstable_id, std::nullopt);
    } else {
      at_v.try_emplace(c.entry.sstable_id, c.entry);
    }
  }
  DriveDelta delta;
  for (const auto& [id, before] : at_v) {
    const std::optional<DriveEntry> now = Find(id);
    if (before == now) continue;
    if (before.has_value()) delta.removed.push_back(*before);
    if (now.has_value()) delta.added.push_back(*now);
  }
  return delta;
}

std::string Drive::SerializeManifest() const {
  std::string out;
  out.reserve(ManifestSerializedBytes());
  PutFixed64(&out, range_.begin());
  PutFixed64(&out, range_.end());
  PutFixed64(&out, version());
  PutFixed64(&out, manifest_.size());
  for (const auto& [id, entry] : manifest_) entry.AppendTo(&out);
  DSIM_CHECK(out.size() == ManifestSerializedBytes());
  return out;
}

DriveDiff DiffDrives(const Drive& a, const Drive& b) {
  DSIM_CHECK_MSG(a.range() == b.range(), "DiffDrives: drives of different token ranges");
  DriveDiff diff;
  if (a.root() == b.root()) return diff;
  // A sorted merge of the two manifests by id; an id held by both with different contents
  // goes to both sides.
  auto ia = a.manifest().begin(), ib = b.manifest().begin();
  const auto ea = a.manifest().end(), eb = b.manifest().end();
  while (ia != ea || ib != eb) {
    if (ib == eb || (ia != ea && ia->first < ib->first)) {
      diff.only_a.push_back((ia++)->second);
    } else if (ia == ea || ib->first < ia->first) {
      diff.only_b.push_back((ib++)->second);
    } else {
      if (ia->second != ib->second) {
        diff.only_a.push_back(ia->second);
        diff.only_b.push_back(ib->second);
      }
      ++ia;
      ++ib;
    }
  }
  return diff;
}

std::vector<ChunkAddress> LackingChunks(absl::Span<const ChunkAddress> wanted,
                                        absl::Span<const ChunkAddress> have) {
  std::vector<ChunkAddress> w(wanted.begin(), wanted.end());
  std::vector<ChunkAddress> h(have.begin(), have.end());
  std::sort(w.begin(), w.end());
  w.erase(std::unique(w.begin(), w.end()), w.end());
  std::sort(h.begin(), h.end());
  std::vector<ChunkAddress> out;
  std::set_difference(w.begin(), w.end(), h.begin(), h.end(), std::back_inserter(out));
  return out;
}

}  // namespace dsim::engine
