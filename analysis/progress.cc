#include "analysis/progress.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace dsim::analysis {
namespace {

constexpr int kBarWidth = 30;

}  // namespace

Progress::Progress(std::FILE* err, bool tty, bool enabled, uint64_t total, uint64_t resumed,
                   std::string label)
    : err_(err),
      label_(std::move(label)),
      tty_(tty),
      enabled_(enabled),
      total_(total),
      resumed_(resumed),
      start_(std::chrono::steady_clock::now()),  // wall-clock ok: progress display only
      last_line_(start_) {
  if (!enabled_) return;
  std::fprintf(err_, "%s: %llu runs, %llu already complete, %llu to run\n", label_.c_str(),
               static_cast<unsigned long long>(total_), static_cast<unsigned long long>(resumed_),
               static_cast<unsigned long long>(total_ - resumed_));
  std::fflush(err_);
}

std::string Progress::FormatSeconds(double seconds) {
  if (seconds < 0) seconds = 0;
  const uint64_t s = static_cast<uint64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

std::string Progress::Line() const {
  const auto now = std::chrono::steady_clock::now();  // wall-clock ok: progress display only
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const uint64_t done = resumed_ + finished_;
  const uint64_t remaining = total_ - done;
  std::string eta = "?";
  if (finished_ > 0)
    eta = FormatSeconds(elapsed / static_cast<double>(finished_) * static_cast<double>(remaining));
  if (remaining == 0) eta = "0:00";
  std::string line = absl::StrCat(done, "/", total_, " runs");
  if (failed_ > 0) absl::StrAppend(&line, ", ", failed_, " failed");
  if (running_ > 0) absl::StrAppend(&line, ", ", running_, " running");
  absl::StrAppend(&line, ", elapsed ", FormatSeconds(elapsed), ", ETA ", eta);
  return line;
}

void Progress::Update(uint64_t finished, uint64_t failed, size_t running) {
  finished_ = finished;
  failed_ = failed;
  running_ = running;
  if (!enabled_ || total_ == 0) return;
  const uint64_t done = resumed_ + finished_;
  if (tty_) {
    const int filled = static_cast<int>(kBarWidth * done / total_);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kBarWidth - filled), '.');
    std::fprintf(err_, "\r[%s] %s\033[K", bar.c_str(), Line().c_str());
    std::fflush(err_);
    return;
  }
  const uint64_t tenth = done * 10 / total_;
  const auto now = std::chrono::steady_clock::now();  // wall-clock ok: progress display only
  if (done < total_ && (tenth > last_tenth_ || now - last_line_ >= kPlainInterval)) {
    last_tenth_ = tenth;
    last_line_ = now;
    std::fprintf(err_, "%s: %s\n", label_.c_str(), Line().c_str());
    std::fflush(err_);
  }
}

void Progress::Finish() {
  if (!enabled_) return;
  if (tty_) std::fputs("\r\033[K", err_);
  std::fprintf(err_, "%s: %s\n", label_.c_str(), Line().c_str());
  std::fflush(err_);
}

}  // namespace dsim::analysis
