// Shared helpers of the libFuzzer targets in tests/fuzz/ (one *_fuzzer.cc per reader or
// deserialiser; tests/fuzz/README.md says how to build and run them).
//
// A target feeds its input to one entry point and checks only what must hold for any input: no
// crash, no sanitizer report, no escaping exception, and a rejected input comes back as an
// error Status with a message. Where it is cheap a target also checks a round trip
// (decode(encode(x)) == x) with DSIM_CHECK, whose failure aborts, which libFuzzer reports.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     absl::StatusOr<BloomFilter> f = BloomFilter::Deserialize(dsim::fuzz::AsView(data, size));
//     if (!f.ok()) return dsim::fuzz::ExpectError(f.status());
//     ...
//   }
#ifndef DSIM_TESTS_FUZZ_FUZZ_CHECK_H_
#define DSIM_TESTS_FUZZ_FUZZ_CHECK_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "engine/check.h"

namespace dsim::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// A rejected input: the status is an error and says why. Returns 0 (LLVMFuzzerTestOneInput's
// "keep going").
inline int ExpectError(const absl::Status& status) {
  DSIM_CHECK(!status.ok());
  DSIM_CHECK_MSG(!status.message().empty(), "an error status without a message");
  return 0;
}

// A private directory for targets whose entry point reads a file (the analysis loaders take a
// directory or a path): made once per process (so `-jobs=N` workers do not share it) under
// $TMPDIR, removed at exit.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") +
                          "/dsim-fuzz-XXXXXX";
    DSIM_CHECK(mkdtemp(pattern.data()) != nullptr);
    auto* d = new std::string(pattern);
    std::atexit([] { std::filesystem::remove_all(ScratchDir()); });
    return d;
  }();
  return *dir;
}

// Writes `bytes` to ScratchDir()/name (replacing it) and returns the path.
inline std::string WriteScratchFile(const std::string& name, std::string_view bytes) {
  const std::string path = ScratchDir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  DSIM_CHECK(f != nullptr);
  DSIM_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
  DSIM_CHECK(std::fclose(f) == 0);
  return path;
}

}  // namespace dsim::fuzz

#endif  // DSIM_TESTS_FUZZ_FUZZ_CHECK_H_
