#include "engine/mutation.h"

#include <utility>

namespace dsim::engine {

Mutation Mutation::Put(std::string_view key, std::string_view column, std::string_view value,
                       int64_t timestamp_us) {
  Mutation m{Partition(std::string(key))};
  m.partition.Put(column, Cell::Live(value, timestamp_us));
  return m;
}

Mutation Mutation::Delete(std::string_view key, std::string_view column, int64_t timestamp_us,
                          int64_t local_deletion_time_us) {
  Mutation m{Partition(std::string(key))};
  m.partition.Put(column, Cell::Tombstone(timestamp_us, local_deletion_time_us));
  return m;
}

absl::StatusOr<Mutation> Mutation::Decode(std::string_view bytes) {
  absl::StatusOr<Partition> p = Partition::DecodeFrom(&bytes);
  if (!p.ok()) return p.status();
  if (!bytes.empty()) return absl::DataLossError("mutation: trailing bytes");
  return Mutation{*std::move(p)};
}

}  // namespace dsim::engine
