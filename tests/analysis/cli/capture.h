// Runs a dsim subcommand in-process with its stdout and stderr captured, for the CLI tests.
//
//   Captured r = Call(&HelpCommand, {"scenario"});
//   EXPECT_EQ(r.code, kExitOk);  r.out, r.err
#ifndef DSIM_TESTS_ANALYSIS_CLI_CAPTURE_H_
#define DSIM_TESTS_ANALYSIS_CLI_CAPTURE_H_

#include <cstdio>
#include <string>
#include <vector>

namespace dsim::cli::testing {

struct Captured {
  int code;
  std::string out;
  std::string err;
};

// Reads `f` from its start, and closes it.
inline std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

inline Captured Call(int (*cmd)(const std::vector<std::string>&, std::FILE*, std::FILE*),
                     std::vector<std::string> args) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  const int code = cmd(args, out, err);
  return {code, ReadAll(out), ReadAll(err)};
}

}  // namespace dsim::cli::testing

#endif  // DSIM_TESTS_ANALYSIS_CLI_CAPTURE_H_
