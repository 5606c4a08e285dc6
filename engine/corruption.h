// Corruption: the DataLoss status a file's failed checksum produces, naming the file.
//
// Every verified read of an engine file (an SSTable's blocks, sstable.h) that finds bytes that
// do not match their checksum returns CorruptionError(file, what): a DataLoss status whose
// message says what failed and whose payload names the file, so the store can tell which file
// to quarantine without parsing messages. CorruptFileOf reads the name back (nullopt: not a
// corruption status, or one without a file).
//
//   absl::Status s = CorruptionError("sst-00000003.db", "data block 2 checksum mismatch");
//   std::optional<std::string> file = CorruptFileOf(s);  // "sst-00000003.db"
#ifndef DSIM_ENGINE_CORRUPTION_H_
#define DSIM_ENGINE_CORRUPTION_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace dsim::engine {

// DataLoss "sstable FILE: WHAT", with FILE as its payload.
absl::Status CorruptionError(std::string_view file, std::string_view what);
// The file a CorruptionError names; nullopt for any other status.
std::optional<std::string> CorruptFileOf(const absl::Status& status);

}  // namespace dsim::engine

#endif  // DSIM_ENGINE_CORRUPTION_H_
