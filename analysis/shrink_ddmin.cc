#include "analysis/shrink_ddmin.h"

#include <algorithm>
#include <optional>

#include "absl/container/btree_map.h"
#include "engine/check.h"

namespace dsim::analysis {
namespace {

using Config = std::vector<size_t>;

// The memoised test, bounded by max_tests.
class Tester {
 public:
  Tester(const BatchTest& test, size_t max_tests) : test_(test), max_tests_(max_tests) {}

  // The index of the first candidate that fails, in candidate order; nullopt when none does.
  // Untested candidates past the bound count as passing (and set bound_hit()).
  std::optional<size_t> FirstFailing(const std::vector<Config>& candidates) {
    std::vector<Config> fresh;
    for (const Config& c : candidates) {
      if (cache_.contains(c) || std::find(fresh.begin(), fresh.end(), c) != fresh.end()) {
        continue;
      }
      if (tests_ + fresh.size() >= max_tests_) {
        bound_hit_ = true;
        break;
      }
      fresh.push_back(c);
    }
    if (!fresh.empty()) {
      const std::vector<bool> fails = test_(fresh);
      DSIM_CHECK(fails.size() == fresh.size());
      for (size_t i = 0; i < fresh.size(); ++i) cache_[fresh[i]] = fails[i];
      tests_ += fresh.size();
    }
    for (size_t i = 0; i < candidates.size(); ++i) {
      auto it = cache_.find(candidates[i]);
      if (it != cache_.end() && it->second) return i;
    }
    return std::nullopt;
  }

  // Whether `c` was tested and passed.
  bool Passed(const Config& c) const {
    auto it = cache_.find(c);
    return it != cache_.end() && !it->second;
  }

  size_t tests() const { return tests_; }
  bool bound_hit() const { return bound_hit_; }

 private:
  const BatchTest& test_;
  size_t max_tests_;
  size_t tests_ = 0;
  bool bound_hit_ = false;
  absl::btree_map<Config, bool> cache_;
};

// `c` split into k parts of near-equal size, in order. REQUIRES: 1 <= k <= c.size().
std::vector<Config> Split(const Config& c, size_t k) {
  DSIM_CHECK(k >= 1 && k <= c.size());
  std::vector<Config> parts;
  size_t begin = 0;
  for (size_t i = 0; i < k; ++i) {
    const size_t end = begin + (c.size() - begin) / (k - i);
    parts.emplace_back(c.begin() + begin, c.begin() + end);
    begin = end;
  }
  DSIM_CHECK(begin == c.size());
  return parts;
}

Config Without(const Config& c, const Config& part) {
  Config out;
  std::set_difference(c.begin(), c.end(), part.begin(), part.end(), std::back_inserter(out));
  return out;
}

}  // namespace

size_t DdminWorstCaseTests(size_t n) { return n * n + 3 * n; }

DdminResult Ddmin(size_t n, const BatchTest& test, size_t max_tests) {
  DSIM_CHECK(n >= 1);
  Tester tester(test, max_tests);
  Config current(n);
  for (size_t i = 0; i < n; ++i) current[i] = i;
  size_t k = std::min<size_t>(2, n);
  // Each round either shrinks `current` or raises k; both are bounded by n.
  while (current.size() >= 2 && !tester.bound_hit()) {
    const std::vector<Config> parts = Split(current, k);
    if (std::optional<size_t> i = tester.FirstFailing(parts)) {
      current = parts[*i];
      k = 2;
      continue;
    }
    if (k > 2) {
      std::vector<Config> complements;
      for (const Config& p : parts) complements.push_back(Without(current, p));
      if (std::optional<size_t> i = tester.FirstFailing(complements)) {
        current = complements[*i];
        k = std::max<size_t>(k - 1, 2);
        continue;
      }
    }
    if (k == current.size()) break;
    k = std::min(2 * k, current.size());
  }
  DdminResult r;
  r.minimal = current;
  r.tests = tester.tests();
  r.bound_hit = tester.bound_hit();
  r.one_minimal = true;
  for (size_t u : current) {
    // A single unit is 1-minimal against the empty configuration, which is assumed to pass.
    if (current.size() > 1 && !tester.Passed(Without(current, {u}))) r.one_minimal = false;
  }
  return r;
}

}  // namespace dsim::analysis
