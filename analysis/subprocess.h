// Child processes for sweeps (`dsim run` per run) and reports (`gnuplot` per plot), POSIX only:
// fork, exec, a pipe per child for its stderr, poll, waitpid. No threads, no signal handlers.
//
// A ProcessPool runs up to `max_running` children at once. Each child's stderr is read through a
// pipe into memory (the last kMaxStderrBytes are kept); the end of that pipe tells the pool that
// the child is exiting, so Wait() needs no SIGCHLD handler and can also time out, which lets the
// caller refresh a progress display while children run.
//
//   ProcessPool pool(4);
//   pool.Start(/*tag=*/7, ChildSpec{{"gnuplot", "plot.gp"}, "out/plots"});
//   while (pool.running() > 0)
//     for (const Finished& f : pool.Wait(/*timeout_ms=*/250)) ... f.tag, f.exit, f.stderr_text ...
#ifndef DSIM_ANALYSIS_SUBPROCESS_H_
#define DSIM_ANALYSIS_SUBPROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dsim::analysis {

struct ChildSpec {
  // argv[0] is the program: a path when it contains '/', else looked up in PATH.
  std::vector<std::string> argv;
  std::string working_dir;  // empty: inherit
  std::string stdout_path;  // empty: /dev/null
};

struct ChildExit {
  int exit_code = -1;  // when the child exited normally
  int signal = 0;      // when a signal ended it
  bool ok() const { return signal == 0 && exit_code == 0; }
  // "exit code 4", "killed by signal 9 (Killed)".
  std::string Describe() const;
};

struct Finished {
  uint64_t tag = 0;
  ChildExit exit;
  std::string stderr_text;
};

class ProcessPool {
 public:
  static constexpr size_t kMaxStderrBytes = 64 * 1024;

  // REQUIRES: max_running >= 1.
  explicit ProcessPool(size_t max_running);
  // Terminates (SIGTERM, then waits for) children still running.
  ~ProcessPool();
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  size_t running() const { return children_.size(); }
  bool full() const { return children_.size() >= max_running_; }

  // Starts a child. A program that cannot be executed shows up as a child exiting with code 127
  // and a message on its stderr. Errors: Unavailable when fork or pipe fail.
  // REQUIRES: !full().
  [[nodiscard]] absl::Status Start(uint64_t tag, const ChildSpec& spec);

  // Waits until at least one child has exited or `timeout_ms` passed (-1: no timeout), and
  // returns the children that exited, in the order they were started.
  std::vector<Finished> Wait(int timeout_ms);

 private:
  struct Child {
    uint64_t tag;
    pid_t pid;
    int stderr_fd;  // read end; -1 once closed
    std::string stderr_text;
  };
  // Reads what is available; returns true at end of file.
  static bool Drain(Child* child);

  size_t max_running_;
  std::vector<Child> children_;  // in start order
};

// Runs one child to completion. Errors: Unavailable when it cannot be started.
[[nodiscard]] absl::StatusOr<Finished> RunChild(const ChildSpec& spec);

// The number of CPUs this process may run on (at least 1).
size_t AvailableCpus();

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SUBPROCESS_H_
