// Mutation: a write to one partition, the unit of the commit log and of replication.
//
// A mutation carries the partition key and the cells to merge into it (live values and/or
// tombstones); applying it is Partition::MergeFrom, so applying a mutation twice, or two
// mutations in either order, gives the same result. Its encoding is the partition encoding
// (see partition.h).
//
//   Mutation m = Mutation::Put("user:42", "name", "ada", /*timestamp_us=*/1000);
//   m.partition.Put("age", Cell::Live("36", 1000));
#ifndef DSIM_ENGINE_MUTATION_H_
#define DSIM_ENGINE_MUTATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/partition.h"

namespace dsim::engine {

struct Mutation {
  Partition partition;  // key + cells to merge

  static Mutation Put(std::string_view key, std::string_view column, std::string_view value,
                      int64_t timestamp_us);
  static Mutation Delete(std::string_view key, std::string_view column, int64_t timestamp_us,
                         int64_t local_deletion_time_us);

  const std::string& key() const { return partition.key(); }
  std::string Encode() const { return partition.Encode(); }
  // Decodes a whole buffer (no trailing bytes allowed).
  [[nodiscard]] static absl::StatusOr<Mutation> Decode(std::string_view bytes);

  friend bool operator==(const Mutation&, const Mutation&) = default;
};

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_MUTATION_H_
