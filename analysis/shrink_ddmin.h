// Delta debugging (Zeller and Hildebrandt's ddmin, "Simplifying and Isolating Failure-Inducing
// Input", 2002) over a set of units 0..n-1, for `dsim shrink` (analysis/shrink.h) and anything
// else that has a failing configuration to minimise.
//
// A configuration is the ascending list of the units it keeps. ddmin starts from all n units
// (which must fail) and, at granularity k, splits the current configuration into k parts; it
// first tests each part alone, then (k > 2) each complement (the configuration without one
// part). The first failing candidate in candidate order wins (never the first to finish): the
// configuration becomes it and k becomes 2 (a part) or max(k - 1, 2) (a complement). When none
// fails, k doubles (at most to the size); when k is already the size, every single removal passed
// and the configuration is 1-minimal: removing any one unit makes the test pass.
//
// Contract: the test is called with batches of candidates that are independent of each other
// (one step's parts, then its complements), so it may run them in parallel; it returns one
// outcome per candidate, in order. The candidates never depend on how the test ran them. Results
// are memoised: a configuration is tested at most once. `max_tests` bounds the number of
// configurations tested (a batch is cut to what is left, in candidate order); when the bound
// stops it early the result is the smallest failing configuration found, not proven 1-minimal.
// Cost: at most n^2 + 3n tests (the paper's worst case), about 2 log2(n) when a single unit
// fails alone, and the empty configuration is never tested (it is assumed to pass).
//
//   DdminResult r = Ddmin(10, [](const std::vector<std::vector<size_t>>& batch) {
//     std::vector<bool> fails;
//     for (const auto& c : batch) fails.push_back(Contains(c, 3) && Contains(c, 7));
//     return fails;
//   }, 200);  // r.minimal == {3, 7}, r.one_minimal
#ifndef DSIM_ANALYSIS_SHRINK_DDMIN_H_
#define DSIM_ANALYSIS_SHRINK_DDMIN_H_

#include <cstddef>
#include <functional>
#include <vector>

namespace dsim::analysis {

// Whether each candidate of a batch fails, in the batch's order. REQUIRES: one per candidate.
using BatchTest = std::function<std::vector<bool>(const std::vector<std::vector<size_t>>&)>;

struct DdminResult {
  std::vector<size_t> minimal;  // the smallest failing configuration found, ascending
  size_t tests = 0;             // configurations tested (memoised repeats not counted)
  bool one_minimal = false;     // every single removal from `minimal` was tested and passed
  bool bound_hit = false;       // max_tests stopped the search early
};

// ddmin over units 0..n-1, assuming all n fail. REQUIRES: n >= 1, max_tests >= 0.
DdminResult Ddmin(size_t n, const BatchTest& test, size_t max_tests);

// The worst-case number of tests Ddmin makes for n units: n^2 + 3n (the paper's bound).
size_t DdminWorstCaseTests(size_t n);

}  // namespace dsim::analysis

#endif  // DSIM_ANALYSIS_SHRINK_DDMIN_H_
