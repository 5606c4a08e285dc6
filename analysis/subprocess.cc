#include "analysis/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

// Async-signal-safe write of a message to fd 2 in the child between fork and exec.
void ChildFail(const char* what, const char* arg) {
  const char* parts[] = {"dsim: cannot ", what, " ", arg, ": ", std::strerror(errno), "\n"};
  for (const char* p : parts) {
    ssize_t ignored = ::write(2, p, std::strlen(p));
    (void)ignored;
  }
  ::_exit(127);
}

}  // namespace

std::string ChildExit::Describe() const {
  if (signal != 0) return absl::StrCat("killed by signal ", signal, " (", strsignal(signal), ")");
  return absl::StrCat("exit code ", exit_code);
}

ProcessPool::ProcessPool(size_t max_running) : max_running_(max_running) {
  DSIM_CHECK(max_running >= 1);
}

ProcessPool::~ProcessPool() {
  for (Child& c : children_) ::kill(c.pid, SIGTERM);
  for (Child& c : children_) {
    if (c.stderr_fd >= 0) ::close(c.stderr_fd);
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

absl::Status ProcessPool::Start(uint64_t tag, const ChildSpec& spec) {
  DSIM_CHECK(!full());
  DSIM_CHECK(!spec.argv.empty());
  // Everything the child needs is prepared before fork: the child only calls async-signal-safe
  // functions.
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const char* out_path = spec.stdout_path.empty() ? "/dev/null" : spec.stdout_path.c_str();
  const bool search_path = spec.argv[0].find('/') == std::string::npos;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot create a pipe: ", std::strerror(errno)));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return absl::UnavailableError(absl::StrCat("cannot fork: ", std::strerror(err)));
  }
  if (pid == 0) {
    // Child. dup2 clears close-on-exec on the new descriptor, so only fds 0-2 survive exec.
    if (::dup2(fds[1], 2) < 0) ::_exit(127);
    int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0 || ::dup2(in, 0) < 0) ChildFail("open", "/dev/null");
    int out = ::open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0 || ::dup2(out, 1) < 0) ChildFail("open", out_path);
    if (!spec.working_dir.empty() && ::chdir(spec.working_dir.c_str()) != 0) {
      ChildFail("change to directory", spec.working_dir.c_str());
    }
    if (search_path) {
      ::execvp(argv[0], argv.data());
    } else {
      ::execv(argv[0], argv.data());
    }
    ChildFail("execute", argv[0]);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  children_.push_back(Child{tag, pid, fds[0], {}});
  return absl::OkStatus();
}

bool ProcessPool::Drain(Child* child) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(child->stderr_fd, buf, sizeof(buf));
    if (n > 0) {
      child->stderr_text.append(buf, static_cast<size_t>(n));
      if (child->stderr_text.size() > kMaxStderrBytes) {
        child->stderr_text.erase(0, child->stderr_text.size() - kMaxStderrBytes);
      }
      continue;
    }
    if (n == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    return true;  // a read error: treat as end of file, waitpid tells the rest
  }
}

std::vector<Finished> ProcessPool::Wait(int timeout_ms) {
  std::vector<Finished> done;
  if (children_.empty()) return done;
  std::vector<pollfd> fds;
  for (const Child& c : children_) fds.push_back(pollfd{c.stderr_fd, POLLIN, 0});
  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n <= 0) return done;  // timeout, or EINTR: the caller loops
  std::vector<Child> still;
  for (size_t i = 0; i < children_.size(); ++i) {
    Child& c = children_[i];
    if (fds[i].revents == 0 || !Drain(&c)) {
      still.push_back(std::move(c));
      continue;
    }
    ::close(c.stderr_fd);
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(c.pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    DSIM_CHECK(r == c.pid);
    Finished f;
    f.tag = c.tag;
    if (WIFEXITED(status)) {
      f.exit.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      f.exit.signal = WTERMSIG(status);
    }
    f.stderr_text = std::move(c.stderr_text);
    done.push_back(std::move(f));
  }
  children_ = std::move(still);
  return done;
}

absl::StatusOr<Finished> RunChild(const ChildSpec& spec) {
  ProcessPool pool(1);
  absl::Status st = pool.Start(0, spec);
  if (!st.ok()) return st;
  for (;;) {
    std::vector<Finished> done = pool.Wait(-1);
    if (!done.empty()) return std::move(done[0]);
  }
}

size_t AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<size_t>(n);
  }
  long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<size_t>(n) : 1;
}

}  // namespace dsim::analysis
