#include "engine/range_reconcile.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/coding.h"

namespace dsim::engine {
namespace {

constexpr uint8_t kEndFlag = 0x04;
constexpr int kPrefixShift = 3;
constexpr int kIdBytes = 16;

Digest128 Add128(const Digest128& a, const Digest128& b) {
  const uint64_t low = a.low + b.low;
  return Digest128{low, a.high + b.high + (low < a.low ? 1 : 0)};
}

Digest128 Sub128(const Digest128& a, const Digest128& b) {
  return Digest128{a.low - b.low, a.high - b.high - (a.low < b.low ? 1 : 0)};
}

void EncodeFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// XXH3_128 of fixed64(sum.low), fixed64(sum.high), fixed64(count).
Digest128 FingerprintOfSum(const Digest128& sum, uint64_t count) {
  char buf[24];
  EncodeFixed64(buf, sum.low);
  EncodeFixed64(buf + 8, sum.high);
  EncodeFixed64(buf + 16, count);
  return Hash128(std::string_view(buf, sizeof(buf)));
}

// The 16-byte big-endian form of an id: low half first, so byte order = Digest128 order.
std::array<uint8_t, kIdBytes> IdBytes(const Digest128& id) {
  std::array<uint8_t, kIdBytes> out;
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(id.low >> (56 - 8 * i));
    out[8 + i] = static_cast<uint8_t>(id.high >> (56 - 8 * i));
  }
  return out;
}

// The id whose big-endian form starts with bytes[0..len) and is zero after.
Digest128 IdFromPrefix(const uint8_t* bytes, int len) {
  Digest128 id;
  for (int i = 0; i < len; ++i) {
    const uint64_t b = bytes[i];
    if (i < 8) {
      id.low |= b << (56 - 8 * i);
    } else {
      id.high |= b << (56 - 8 * (i - 8));
    }
  }
  return id;
}

// The shortest bound b with p < b <= q. REQUIRES: p < q.
RangeBound Between(const RangeItem& p, const RangeItem& q) {
  RangeBound b;
  b.key = q.key;
  if (p.key != q.key) return b;
  const std::array<uint8_t, kIdBytes> pb = IdBytes(p.id);
  const std::array<uint8_t, kIdBytes> qb = IdBytes(q.id);
  int i = 0;
  while (pb[i] == qb[i]) ++i;  // p.id < q.id, so they differ at some i < 16
  b.id_prefix_len = static_cast<uint8_t>(i + 1);
  b.id = IdFromPrefix(qb.data(), i + 1);
  return b;
}

bool ItemBelow(const RangeItem& item, const RangeBound& b) {
  if (b.end) return true;
  if (item.key != b.key) return item.key < b.key;
  return item.id < b.id;
}

void PutId(std::string* out, const Digest128& id) {
  PutFixed64(out, id.low);
  PutFixed64(out, id.high);
}

bool GetId(std::string_view* in, Digest128* id) {
  return GetFixed64(in, &id->low) && GetFixed64(in, &id->high);
}

bool GetIds(std::string_view* in, std::vector<Digest128>* ids) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size() / kIdBytes) return false;
  ids->resize(n);
  for (Digest128& id : *ids) {
    if (!GetId(in, &id)) return false;
  }
  return true;
}

bool GetBits(std::string_view* in, std::vector<bool>* bits) {
  uint64_t k;
  if (!GetVarint64(in, &k) || k / 8 + (k % 8 != 0 ? 1 : 0) > in->size()) return false;
  bits->assign(k, false);
  for (uint64_t i = 0; i < k; i += 8) {
    const uint8_t byte = static_cast<uint8_t>((*in)[i / 8]);
    for (uint64_t j = 0; j < 8; ++j) {
      const bool bit = ((byte >> j) & 1) != 0;
      if (i + j < k) {
        (*bits)[i + j] = bit;
      } else if (bit) {
        return false;  // padding bits must be 0
      }
    }
  }
  in->remove_prefix(k / 8 + (k % 8 != 0 ? 1 : 0));
  return true;
}

// Parses one range after the tag byte into *e; false on malformed input.
bool GetEntry(std::string_view* in, uint8_t tag, RangeEntry* e) {
  const int len = tag >> kPrefixShift;
  e->mode = static_cast<RangeMode>(tag & 0x03);
  e->upper.end = (tag & kEndFlag) != 0;
  if (len > kIdBytes || (e->upper.end && len != 0)) return false;
  e->upper.id_prefix_len = static_cast<uint8_t>(len);
  if (!e->upper.end) {
    if (!GetFixed64(in, &e->upper.key) || in->size() < static_cast<size_t>(len)) return false;
    e->upper.id = IdFromPrefix(reinterpret_cast<const uint8_t*>(in->data()), len);
    in->remove_prefix(len);
  }
  switch (e->mode) {
    case RangeMode::kSkip:
      return true;
    case RangeMode::kFingerprint:
      return GetId(in, &e->fingerprint);
    case RangeMode::kIdList:
      return GetIds(in, &e->ids);
    case RangeMode::kIdDiff:
      return GetIds(in, &e->ids) && GetBits(in, &e->peer_lacks);
  }
  return false;
}

// Marks own items whose id is not among `theirs` (*own_only) and ids of `theirs` not among the
// own items (*theirs_only), by merging index orders sorted by id.
void MarkDifference(absl::Span<const RangeItem> own, absl::Span<const Digest128> theirs,
                    std::vector<bool>* own_only, std::vector<bool>* theirs_only) {
  std::vector<size_t> a(own.size());
  std::vector<size_t> b(theirs.size());
  std::iota(a.begin(), a.end(), size_t{0});
  std::iota(b.begin(), b.end(), size_t{0});
  std::sort(a.begin(), a.end(), [&](size_t x, size_t y) { return own[x].id < own[y].id; });
  std::sort(b.begin(), b.end(), [&](size_t x, size_t y) { return theirs[x] < theirs[y]; });
  own_only->assign(own.size(), true);
  theirs_only->assign(theirs.size(), true);
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const Digest128& x = own[a[i]].id;
    const Digest128& y = theirs[b[j]];
    if (x < y) {
      ++i;
    } else if (y < x) {
      ++j;
    } else {
      for (; i < a.size() && own[a[i]].id == x; ++i) (*own_only)[a[i]] = false;
      for (; j < b.size() && theirs[b[j]] == x; ++j) (*theirs_only)[b[j]] = false;
    }
  }
}

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

bool BoundLess(const RangeBound& a, const RangeBound& b) {
  if (a.end || b.end) return !a.end && b.end;
  if (a.key != b.key) return a.key < b.key;
  return a.id < b.id;
}

uint64_t RangeMessage::SerializedBytes() const {
  uint64_t n = 1;
  for (const RangeEntry& e : ranges) {
    DSIM_CHECK(e.upper.id_prefix_len <= kIdBytes);
    n += 1 + (e.upper.end ? 0 : 8 + e.upper.id_prefix_len);
    switch (e.mode) {
      case RangeMode::kSkip:
        break;
      case RangeMode::kFingerprint:
        n += kIdBytes;
        break;
      case RangeMode::kIdList:
        n += VarintLength(e.ids.size()) + kIdBytes * e.ids.size();
        break;
      case RangeMode::kIdDiff:
        n += VarintLength(e.ids.size()) + kIdBytes * e.ids.size();
        n += VarintLength(e.peer_lacks.size()) + (e.peer_lacks.size() + 7) / 8;
        break;
    }
  }
  return n;
}

std::string RangeMessage::Serialize() const {
  std::string out;
  out.push_back(static_cast<char>(kProtocolVersion));
  for (const RangeEntry& e : ranges) {
    const RangeBound& b = e.upper;
    DSIM_CHECK(b.id_prefix_len <= kIdBytes && static_cast<uint8_t>(e.mode) <= 3);
    out.push_back(static_cast<char>(static_cast<uint8_t>(e.mode) | (b.end ? kEndFlag : 0) |
                                    (b.end ? 0 : b.id_prefix_len << kPrefixShift)));
    if (!b.end) {
      PutFixed64(&out, b.key);
      const std::array<uint8_t, kIdBytes> id = IdBytes(b.id);
      out.append(reinterpret_cast<const char*>(id.data()), b.id_prefix_len);
    }
    if (e.mode == RangeMode::kFingerprint) PutId(&out, e.fingerprint);
    if (e.mode == RangeMode::kIdList || e.mode == RangeMode::kIdDiff) {
      PutVarint64(&out, e.ids.size());
      for (const Digest128& id : e.ids) PutId(&out, id);
    }
    if (e.mode == RangeMode::kIdDiff) {
      PutVarint64(&out, e.peer_lacks.size());
      for (size_t i = 0; i < e.peer_lacks.size(); i += 8) {
        uint8_t byte = 0;
        for (size_t j = 0; j < 8 && i + j < e.peer_lacks.size(); ++j) {
          if (e.peer_lacks[i + j]) byte |= static_cast<uint8_t>(1u << j);
        }
        out.push_back(static_cast<char>(byte));
      }
    }
  }
  return out;
}

absl::StatusOr<RangeMessage> RangeMessage::Parse(std::string_view bytes) {
  uint8_t version;
  if (!GetByte(&bytes, &version)) return absl::DataLossError("range message: empty");
  if (version != kProtocolVersion) {
    return absl::DataLossError(absl::StrFormat("range message: version %d", version));
  }
  RangeMessage m;
  RangeBound prev;  // the start of the item space
  while (!bytes.empty()) {
    uint8_t tag;
    RangeEntry e;
    if (!GetByte(&bytes, &tag) || !GetEntry(&bytes, tag, &e)) {
      return absl::DataLossError(
          absl::StrFormat("range message: range %d truncated or malformed", m.ranges.size()));
    }
    if (!BoundLess(prev, e.upper)) {
      return absl::DataLossError(
          absl::StrFormat("range message: range %d bound not increasing", m.ranges.size()));
    }
    prev = e.upper;
    m.ranges.push_back(std::move(e));
  }
  return m;
}

Digest128 FingerprintOfItems(absl::Span<const RangeItem> items) {
  Digest128 sum;
  for (const RangeItem& item : items) sum = Add128(sum, item.id);
  return FingerprintOfSum(sum, items.size());
}

// Collects the output ranges of one message: adjacent Skips merge, a trailing Skip is dropped.
class RangeReconciler::Builder {
 public:
  void Skip(const RangeBound& upper) {
    if (!msg_.ranges.empty() && msg_.ranges.back().mode == RangeMode::kSkip) {
      msg_.ranges.back().upper = upper;
      return;
    }
    RangeEntry e;
    e.upper = upper;
    msg_.ranges.push_back(std::move(e));
  }
  void Add(RangeEntry e) { msg_.ranges.push_back(std::move(e)); }
  RangeMessage Finish() {
    if (!msg_.ranges.empty() && msg_.ranges.back().mode == RangeMode::kSkip) {
      msg_.ranges.pop_back();
    }
    return std::move(msg_);
  }

 private:
  RangeMessage msg_;
};

RangeReconciler::RangeReconciler(std::vector<RangeItem> items, RangeReconcileOptions options)
    : options_(options), items_(std::move(items)) {
  DSIM_CHECK_MSG(options_.branching >= 2 && options_.branching <= 65536, "branching 2..65536");
  DSIM_CHECK_MSG(options_.id_list_threshold >= 1, "id_list_threshold >= 1");
  SortUnique(&items_);
  prefix_.resize(items_.size() + 1);
  for (size_t i = 0; i < items_.size(); ++i) prefix_[i + 1] = Add128(prefix_[i], items_[i].id);
}

RangeMessage RangeReconciler::Initiate() {
  DSIM_CHECK_MSG(role_ != Role::kResponder, "Initiate on a responder");
  role_ = Role::kInitiator;
  done_ = false;
  have_.clear();
  need_.clear();
  stats_ = RangeReconcileStats{};
  Builder b;
  Split(0, items_.size(), RangeBound::End(), &b);
  RangeMessage m = b.Finish();
  Send(m);
  return m;
}

absl::StatusOr<RangeMessage> RangeReconciler::Respond(const RangeMessage& in) {
  DSIM_CHECK_MSG(role_ != Role::kInitiator, "Respond on an initiator");
  role_ = Role::kResponder;
  RangeMessage out;
  if (absl::Status s = Process(in, &out); !s.ok()) return s;
  Send(out);
  return out;
}

absl::StatusOr<std::optional<RangeMessage>> RangeReconciler::Reconcile(const RangeMessage& in) {
  DSIM_CHECK_MSG(role_ == Role::kInitiator, "Reconcile before Initiate");
  RangeMessage out;
  absl::Status s = Process(in, &out);
  SortUnique(&have_);
  SortUnique(&need_);
  if (!s.ok()) return s;
  if (out.empty()) {
    done_ = true;
    return std::nullopt;
  }
  Send(out);
  return out;
}

absl::Status RangeReconciler::Process(const RangeMessage& in, RangeMessage* out) {
  ++stats_.messages_received;
  stats_.bytes_received += in.SerializedBytes();
  Builder b;
  RangeBound prev;  // the start of the item space
  size_t lo = 0;
  for (const RangeEntry& e : in.ranges) {
    if (!BoundLess(prev, e.upper)) {
      return absl::InvalidArgumentError("range message: bounds not increasing");
    }
    const size_t hi = IndexOf(e.upper, lo);
    ++stats_.ranges_processed;
    if (absl::Status s = ProcessEntry(e, lo, hi, &b); !s.ok()) return s;
    lo = hi;
    prev = e.upper;
  }
  *out = b.Finish();
  return absl::OkStatus();
}

absl::Status RangeReconciler::ProcessEntry(const RangeEntry& e, size_t lo, size_t hi,
                                           Builder* out) {
  switch (e.mode) {
    case RangeMode::kSkip:
      out->Skip(e.upper);
      return absl::OkStatus();
    case RangeMode::kFingerprint:
      ++stats_.fingerprints_computed;
      if (FingerprintOfIndexes(lo, hi) == e.fingerprint) {
        out->Skip(e.upper);
      } else {
        Split(lo, hi, e.upper, out);
      }
      return absl::OkStatus();
    case RangeMode::kIdList: {
      if (role_ == Role::kInitiator) {
        LearnFromIdList(lo, hi, e.ids);
        out->Skip(e.upper);
        return absl::OkStatus();
      }
      const absl::Span<const RangeItem> own(items_.data() + lo, hi - lo);
      std::vector<bool> own_only;
      RangeEntry diff;
      diff.upper = e.upper;
      diff.mode = RangeMode::kIdDiff;
      MarkDifference(own, e.ids, &own_only, &diff.peer_lacks);
      for (size_t i = 0; i < own.size(); ++i) {
        if (own_only[i]) diff.ids.push_back(own[i].id);
      }
      out->Add(std::move(diff));
      return absl::OkStatus();
    }
    case RangeMode::kIdDiff:
      if (role_ != Role::kInitiator) return absl::InvalidArgumentError("IdDiff to the responder");
      if (e.peer_lacks.size() != hi - lo) {
        return absl::InvalidArgumentError("IdDiff bit count differs from the range's items");
      }
      for (size_t i = 0; i < e.peer_lacks.size(); ++i) {
        if (e.peer_lacks[i]) have_.push_back(items_[lo + i]);
      }
      need_.insert(need_.end(), e.ids.begin(), e.ids.end());
      out->Skip(e.upper);
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("range message: unknown mode");
}

void RangeReconciler::LearnFromIdList(size_t lo, size_t hi, const std::vector<Digest128>& theirs) {
  const absl::Span<const RangeItem> own(items_.data() + lo, hi - lo);
  std::vector<bool> own_only;
  std::vector<bool> theirs_only;
  MarkDifference(own, theirs, &own_only, &theirs_only);
  for (size_t i = 0; i < own.size(); ++i) {
    if (own_only[i]) have_.push_back(own[i]);
  }
  for (size_t i = 0; i < theirs.size(); ++i) {
    if (theirs_only[i]) need_.push_back(theirs[i]);
  }
}

void RangeReconciler::Split(size_t lo, size_t hi, const RangeBound& upper, Builder* out) {
  const size_t c = hi - lo;
  if (c <= static_cast<size_t>(options_.id_list_threshold)) {
    RangeEntry e;
    e.upper = upper;
    e.mode = RangeMode::kIdList;
    e.ids.reserve(c);
    for (size_t i = lo; i < hi; ++i) e.ids.push_back(items_[i].id);
    out->Add(std::move(e));
    return;
  }
  // c > T >= 1, so pieces >= 2 and every piece holds at least one item.
  const size_t pieces = std::min(static_cast<size_t>(options_.branching), c);
  size_t begin = lo;
  for (size_t i = 1; i <= pieces; ++i) {
    const size_t end = i == pieces ? hi : lo + c * i / pieces;
    RangeEntry e;
    e.upper = i == pieces ? upper : Between(items_[end - 1], items_[end]);
    e.mode = RangeMode::kFingerprint;
    e.fingerprint = FingerprintOfIndexes(begin, end);
    ++stats_.fingerprints_computed;
    out->Add(std::move(e));
    begin = end;
  }
}

void RangeReconciler::Send(const RangeMessage& m) {
  ++stats_.messages_sent;
  stats_.bytes_sent += m.SerializedBytes();
  for (const RangeEntry& e : m.ranges) stats_.ids_sent += e.ids.size();
}

size_t RangeReconciler::IndexOf(const RangeBound& b, size_t from) const {
  if (b.end) return items_.size();
  return static_cast<size_t>(
      std::partition_point(items_.begin() + from, items_.end(),
                           [&](const RangeItem& x) { return ItemBelow(x, b); }) -
      items_.begin());
}

Digest128 RangeReconciler::FingerprintOfIndexes(size_t lo, size_t hi) const {
  return FingerprintOfSum(Sub128(prefix_[hi], prefix_[lo]), hi - lo);
}

Digest128 RangeReconciler::Fingerprint(const RangeBound& lower, const RangeBound& upper) const {
  const size_t lo = IndexOf(lower, 0);
  return FingerprintOfIndexes(lo, std::max(lo, IndexOf(upper, 0)));
}

std::vector<RangeItem> RangeReconciler::ItemsWithIds(absl::Span<const Digest128> ids) const {
  std::vector<Digest128> wanted(ids.begin(), ids.end());
  SortUnique(&wanted);
  std::vector<RangeItem> out;
  for (const RangeItem& item : items_) {
    if (std::binary_search(wanted.begin(), wanted.end(), item.id)) out.push_back(item);
  }
  return out;
}

}  // namespace dsim::engine
