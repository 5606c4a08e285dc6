// Invariant checks that stay on in every build type (Release included).
//
// DSIM_CHECK(cond) aborts with file:line and the failed condition when `cond` is false. Use it
// for programmer errors and broken invariants; expected failures (bad input, corruption) are
// reported with absl::Status instead. A failed check prints file, line and condition, then
// calls check_failure_hook (when a program installed one), then aborts.
//
//   DSIM_CHECK(time >= now_);
//   DSIM_CHECK_MSG(n > 0, "bloom filter sized for zero keys");
#ifndef DSIM_ENGINE_CHECK_H_
#define DSIM_ENGINE_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace dsim::internal {

// Called after the failure is printed, before abort(); a program may install one to exit its
// own way (the dsim command prints how to reproduce the run and exits 4). It must not return
// into the failed code: it ends the process. Null (the default): abort().
inline void (*check_failure_hook)() = nullptr;

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond,
                                     const char* msg) {
  std::fprintf(stderr, "%s:%d: DSIM_CHECK failed: %s%s%s\n", file, line, cond, msg[0] ? ": " : "",
               msg);
  std::fflush(stderr);
  if (check_failure_hook != nullptr) check_failure_hook();
  std::abort();
}

}  // namespace dsim::internal

#define DSIM_CHECK(cond)                                            \
  do {                                                              \
    if (__builtin_expect(!(cond), 0))                               \
      ::dsim::internal::CheckFailed(__FILE__, __LINE__, #cond, ""); \
  } while (0)

#define DSIM_CHECK_MSG(cond, msg)                                      \
  do {                                                                 \
    if (__builtin_expect(!(cond), 0))                                  \
      ::dsim::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)

#endif  // DSIM_ENGINE_CHECK_H_
