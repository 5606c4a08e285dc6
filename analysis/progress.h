// Progress of a sweep (or of dsim attribute's runs) on stderr. On a terminal: one line redrawn in
// place, with a bar, counts and an ETA. Otherwise (a log file, CI): a plain line each time another
// tenth of the runs is done or kPlainInterval passed, and a last line at the end.
//
// The elapsed time and ETA come from the wall clock; they are shown, never written to a file.
#ifndef DSIM_ANALYSIS_PROGRESS_H_
#define DSIM_ANALYSIS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace dsim::analysis {

class Progress {
 public:
  static constexpr std::chrono::seconds kPlainInterval{30};

  // `total`: runs this invocation is responsible for; `resumed`: how many of them were already
  // complete. `enabled` false: prints nothing. `label` starts every plain line ("sweep: ...").
  Progress(std::FILE* err, bool tty, bool enabled, uint64_t total, uint64_t resumed,
           std::string label = "sweep");

  // Reports the current counts (runs finished in this invocation, failures among them, children
  // running). Cheap; call after every event and periodically.
  void Update(uint64_t finished, uint64_t failed, size_t running);
  // Clears the terminal line or prints the last plain line.
  void Finish();

  // "1:02:03", "4:05", "0:07".
  static std::string FormatSeconds(double seconds);

 private:
  std::string Line() const;

  std::FILE* err_;
  std::string label_;
  bool tty_;
  bool enabled_;
  uint64_t total_;
  uint64_t resumed_;
  uint64_t finished_ = 0;
  uint64_t failed_ = 0;
  size_t running_ = 0;
  uint64_t last_tenth_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_line_;
};

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_PROGRESS_H_
