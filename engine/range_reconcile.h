// RangeReconciler: range-based set reconciliation between two replicas (after Aljoscha Meyer's
// "Range-Based Set Reconciliation" and the Negentropy protocol), as a step-wise two-party state
// machine with exact message sizes. Pure library: no simulator, no clock, no randomness.
//
// Items. Each side holds a set of RangeItem {key, id}: key is the row's 64-bit token, id its
// 128-bit row digest. Items are ordered by key, then by id (Digest128's order: low, then high).
// The constructor sorts the items and drops exact duplicates. Ids are compared as set members
// inside a range, so two different items of one set must not share an id (row digests cover the
// row key, so they do not); if they do, the result is unspecified but nothing crashes. To
// reconcile one token range, both sides pass the items of that range: the protocol covers the
// whole item space from (key 0, id 0) to its end, whatever the keys are (a wrapping token range
// works too, as items are ordered by key value, not by ring position).
//
// Ranges and bounds. A message is a list of ranges that partition the item space in order: each
// range is [previous upper bound, upper bound), the first starts at (0, 0), the last upper bound
// may be kEnd (past every item); space after the last range is Skip. A bound is a point of the
// item space (key, id); to keep bounds short the id is a prefix of id_prefix_len bytes of the
// id's 16-byte big-endian form (low half first, then high half), zero-padded. A split bound
// between adjacent items p < q is (q.key, no id) when p.key != q.key, else (q.key, the shortest
// prefix of q.id that exceeds p.id).
//
// Fingerprint of a range: let S be the 128-bit wrapping sum of the ids in it (low + high * 2^64)
// and c the item count; the fingerprint is XXH3_128 of fixed64(S.low), fixed64(S.high),
// fixed64(c) (24 bytes, little-endian; the Merkle leaf rule), kept as 16 bytes. It is
// order-independent and incremental: prefix sums over the sorted items give any range's
// fingerprint with one binary search for its bound and O(1) arithmetic.
//
// Protocol (B = branching, T = id_list_threshold). "Splitting" a range the sender holds c items
// in: if c <= T it sends them as an IdList; else it cuts them into min(B, c) pieces of equal
// count (piece i ends before item floor(c * i / pieces), integer math) and sends a Fingerprint
// per piece. The initiator splits the whole item space. On receipt, for each range:
//   Skip        -> nothing (adjacent Skips merge; a trailing Skip is dropped).
//   Fingerprint -> equal to own fingerprint: Skip; else split own items of the range.
//   IdList      -> responder: reply IdDiff (the ids it has there that the list lacks, plus one bit
//                  per listed id: set when the responder lacks it). Initiator: compare the list
//                  with its own items of the range and record have/need; Skip.
//   IdDiff      -> initiator only: record have (its items whose bit is set) and need (the ids).
// The responder replies to every message (an empty one too). The initiator is done when the
// reply leaves it nothing to send. Then the initiator knows the whole difference: have() = its
// items the responder lacks, need() = ids the responder has and it lacks. The responder learns
// nothing it keeps (it may resolve need() ids to its items with ItemsWithIds). Every split
// strictly lowers the splitter's count in each piece, so the exchange terminates. Unlike
// Negentropy, whose responder answers an IdList with its own full IdList, the IdDiff answer
// carries only the differences and one bit per listed id. Rounds: every initiator message gets
// exactly one reply, so a session of r rounds is 2 r one-way messages; r is about
// ceil((ceil(log_B(n / T)) + 1) / 2), independent of the number of differences (see the test).
// Cost per received range: one binary search for its bound, then O(1) for a fingerprint compare,
// B fingerprints for a split, or a sort of the two id lists for an IdList.
//
// Wire format (RangeMessage::Serialize; SerializedBytes() is its exact length). All fixed64 are
// little-endian, varints LEB128 (engine/coding.h).
//   byte kProtocolVersion (1), then per range:
//   byte tag: bits 0-1 mode (0 Skip, 1 Fingerprint, 2 IdList, 3 IdDiff), bit 2 upper is kEnd,
//             bits 3-7 id_prefix_len (0..16; 0 when kEnd);
//   unless kEnd: fixed64 key, then id_prefix_len bytes of the id (big-endian form above);
//   Fingerprint: fixed64 low, fixed64 high (16 bytes);
//   IdList:      varint n, then n ids as fixed64 low, fixed64 high (varint + 16 n bytes);
//   IdDiff:      varint m, m ids, varint k, then k bits in ceil(k / 8) bytes (bit i is bit i % 8
//                of byte i / 8; unused bits 0): varint + 16 m + varint + ceil(k / 8) bytes.
// So a Fingerprint range costs 1 + 8 + 16 = 25 bytes with a plain key bound (17 with kEnd). With
// equal sets of n > T items whose keys differ, the session is one round: the initiator's B
// fingerprints, 1 + (B - 1) * 25 + 17 bytes (393 for B = 16), and the empty 1-byte reply.
//
//   RangeReconciler a(items_a), b(items_b);
//   RangeMessage m = a.Initiate();
//   for (;;) {
//     absl::StatusOr<RangeMessage> reply = b.Respond(m);          // send m, then reply
//     absl::StatusOr<std::optional<RangeMessage>> next = a.Reconcile(*reply);
//     if (!next->has_value()) break;
//     m = **next;
//   }
//   // a.have(), a.need(), a.stats().messages_sent == rounds
#ifndef DSIM_ENGINE_RANGE_RECONCILE_H_
#define DSIM_ENGINE_RANGE_RECONCILE_H_

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/hash.h"

namespace dsim::engine {

struct RangeItem {
  uint64_t key = 0;
  Digest128 id;

  friend bool operator==(const RangeItem&, const RangeItem&) = default;
  friend auto operator<=>(const RangeItem&, const RangeItem&) = default;
};

// A point of the item space: items strictly below it lie in the range it ends. == compares the
// encoding (two bounds at one point with different prefix lengths differ); BoundLess, the point.
struct RangeBound {
  bool end = false;  // kEnd: past every item; key and id unused (0)
  uint64_t key = 0;
  Digest128 id;               // id_prefix_len bytes of the big-endian form, the rest zero
  uint8_t id_prefix_len = 0;  // 0..16

  static RangeBound End() { return RangeBound{true, 0, {}, 0}; }
  friend bool operator==(const RangeBound&, const RangeBound&) = default;
};

// True when `a` lies before `b` in the item space (kEnd after everything).
bool BoundLess(const RangeBound& a, const RangeBound& b);

enum class RangeMode : uint8_t { kSkip = 0, kFingerprint = 1, kIdList = 2, kIdDiff = 3 };

struct RangeEntry {
  RangeBound upper;
  RangeMode mode = RangeMode::kSkip;
  Digest128 fingerprint;         // kFingerprint
  std::vector<Digest128> ids;    // kIdList: all ids; kIdDiff: ids the receiver lacks
  std::vector<bool> peer_lacks;  // kIdDiff: per id of the answered IdList, sender lacks it

  friend bool operator==(const RangeEntry&, const RangeEntry&) = default;
};

struct RangeMessage {
  static constexpr uint8_t kProtocolVersion = 1;

  std::vector<RangeEntry> ranges;  // upper bounds strictly increasing

  bool empty() const { return ranges.empty(); }
  // Exact length of Serialize().
  uint64_t SerializedBytes() const;
  std::string Serialize() const;
  // DataLoss on truncated or malformed input (bad version, tag, bound order, counts, padding).
  [[nodiscard]] static absl::StatusOr<RangeMessage> Parse(std::string_view bytes);

  friend bool operator==(const RangeMessage&, const RangeMessage&) = default;
};

// Fingerprint of a list of items (any order), computed directly: the reference for the
// prefix-sum version.
Digest128 FingerprintOfItems(absl::Span<const RangeItem> items);

struct RangeReconcileOptions {
  int branching = 16;          // B, REQUIRES 2..65536
  int id_list_threshold = 32;  // T, REQUIRES >= 1 (Negentropy: 2 * B)
};

// Counters of one side. Bytes are SerializedBytes() of the messages.
struct RangeReconcileStats {
  uint64_t messages_sent = 0;  // on the initiator: the rounds (round trips) so far
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;
  uint64_t bytes_received = 0;
  uint64_t ranges_processed = 0;       // received range entries handled
  uint64_t fingerprints_computed = 0;  // own range fingerprints (to compare and to send)
  uint64_t ids_sent = 0;               // ids in sent IdList and IdDiff ranges
};

class RangeReconciler {
 public:
  explicit RangeReconciler(std::vector<RangeItem> items, RangeReconcileOptions options = {});

  // Initiator: starts (or restarts) a session; clears have/need and stats. REQUIRES: Respond
  // was never called on this object.
  RangeMessage Initiate();

  // Responder: the reply to an initiator message (always sent, possibly empty).
  // InvalidArgument when the message is inconsistent (bound order, an IdDiff).
  // REQUIRES: Initiate was never called on this object.
  [[nodiscard]] absl::StatusOr<RangeMessage> Respond(const RangeMessage& in);

  // Initiator: processes a reply; returns the next message, or nullopt when done (have/need
  // complete). InvalidArgument when the reply is inconsistent (bound order, an IdDiff whose bit
  // count differs from the items of its range); the session is then broken (Initiate again).
  // REQUIRES: Initiate was called.
  [[nodiscard]] absl::StatusOr<std::optional<RangeMessage>> Reconcile(const RangeMessage& in);

  bool done() const { return done_; }
  // Initiator: own items the peer lacks, sorted.
  const std::vector<RangeItem>& have() const { return have_; }
  // Initiator: ids the peer has and this side lacks, sorted.
  const std::vector<Digest128>& need() const { return need_; }
  const RangeReconcileStats& stats() const { return stats_; }

  // Own items whose id is in `ids`, in item order (the responder resolves need() ids).
  std::vector<RangeItem> ItemsWithIds(absl::Span<const Digest128> ids) const;

  // Fingerprint of own items in [lower, upper) from the prefix sums.
  Digest128 Fingerprint(const RangeBound& lower, const RangeBound& upper) const;
  const std::vector<RangeItem>& items() const { return items_; }
  const RangeReconcileOptions& options() const { return options_; }

 private:
  enum class Role : uint8_t { kNone, kInitiator, kResponder };
  class Builder;

  absl::Status Process(const RangeMessage& in, RangeMessage* out);
  absl::Status ProcessEntry(const RangeEntry& e, size_t lo, size_t hi, Builder* out);
  size_t IndexOf(const RangeBound& b, size_t from) const;
  Digest128 FingerprintOfIndexes(size_t lo, size_t hi) const;
  void Split(size_t lo, size_t hi, const RangeBound& upper, Builder* out);
  void LearnFromIdList(size_t lo, size_t hi, const std::vector<Digest128>& theirs);
  void Send(const RangeMessage& m);

  RangeReconcileOptions options_;
  std::vector<RangeItem> items_;   // sorted, unique
  std::vector<Digest128> prefix_;  // prefix_[i] = wrapping sum of items_[0..i) ids
  Role role_ = Role::kNone;
  bool done_ = false;
  std::vector<RangeItem> have_;
  std::vector<Digest128> need_;
  RangeReconcileStats stats_;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_RANGE_RECONCILE_H_
