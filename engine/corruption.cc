#include "engine/corruption.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace dsim::engine {
namespace {

// Debian's Abseil has its own string_view: every view crosses into it explicitly.
constexpr absl::string_view kPayloadUrl = "dsim.engine/corrupt_file";
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

absl::Status CorruptionError(std::string_view file, std::string_view what) {
  absl::Status s = absl::DataLossError(absl::StrCat("sstable ", View(file), ": ", View(what)));
  s.SetPayload(kPayloadUrl, absl::Cord(View(file)));
  return s;
}

std::optional<std::string> CorruptFileOf(const absl::Status& status) {
  if (!absl::IsDataLoss(status)) return std::nullopt;
  const auto file = status.GetPayload(kPayloadUrl);  // absl::optional<absl::Cord>
  if (!file) return std::nullopt;
  return std::string(*file);
}

}  // namespace dsim::engine
