// analysis/shrink_ddmin.h against synthetic tests with a known minimal failing subset: the result
// is that subset, 1-minimal, within the documented bound of tests; a batch's first failing
// candidate wins, whatever the test's order of evaluation; the bound stops it early.
#include "analysis/shrink_ddmin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <vector>

namespace dsim::analysis {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

using Config = std::vector<size_t>;

bool Has(const Config& c, size_t u) { return std::binary_search(c.begin(), c.end(), u); }

// A BatchTest from a predicate on one configuration, counting the configurations it saw.
BatchTest Batch(std::function<bool(const Config&)> fails, size_t* seen) {
  return [fails, seen](const std::vector<Config>& batch) {
    std::vector<bool> out;
    for (const Config& c : batch) {
      EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
      EXPECT_FALSE(c.empty());
      out.push_back(fails(c));
    }
    *seen += batch.size();
    return out;
  };
}

TEST(Ddmin, FindsAPairThatFailsOnlyTogether) {
  size_t seen = 0;
  const DdminResult r =
      Ddmin(10, Batch([](const Config& c) { return Has(c, 3) && Has(c, 7); }, &seen), 1000);
  EXPECT_THAT(r.minimal, ElementsAre(3u, 7u));
  EXPECT_TRUE(r.one_minimal);
  EXPECT_FALSE(r.bound_hit);
  EXPECT_EQ(r.tests, seen);
  EXPECT_LE(r.tests, DdminWorstCaseTests(10));
}

TEST(Ddmin, EitherOfTwoSingletonsTheFirstInCandidateOrder) {
  size_t seen = 0;
  const DdminResult r =
      Ddmin(8, Batch([](const Config& c) { return Has(c, 2) || Has(c, 5); }, &seen), 1000);
  // The first half {0..3} fails (it holds 2) and is taken before the second; then {2}.
  EXPECT_THAT(r.minimal, ElementsAre(2u));
  EXPECT_TRUE(r.one_minimal);
  // A single failing unit takes about 2 log2(n) tests.
  EXPECT_LE(r.tests, 2u * 3u + 2u);
}

TEST(Ddmin, EveryUnitNeeded) {
  size_t seen = 0;
  const DdminResult r = Ddmin(6, Batch([](const Config& c) { return c.size() == 6; }, &seen), 1000);
  EXPECT_THAT(r.minimal, ElementsAre(0u, 1u, 2u, 3u, 4u, 5u));
  EXPECT_TRUE(r.one_minimal);
  EXPECT_LE(r.tests, DdminWorstCaseTests(6));
}

TEST(Ddmin, ThreeScatteredUnitsWithinTheBoundForManySizes) {
  for (size_t n : {3u, 5u, 9u, 16u, 33u, 64u}) {
    const Config want = {0, n / 2, n - 1};
    size_t seen = 0;
    const DdminResult r = Ddmin(n,
                                Batch(
                                    [&](const Config& c) {
                                      return std::all_of(want.begin(), want.end(),
                                                         [&](size_t u) { return Has(c, u); });
                                    },
                                    &seen),
                                100000);
    EXPECT_THAT(r.minimal, ElementsAreArray(want)) << "n = " << n;
    EXPECT_TRUE(r.one_minimal) << "n = " << n;
    EXPECT_LE(r.tests, DdminWorstCaseTests(n)) << "n = " << n;
  }
}

TEST(Ddmin, OneUnitIsAlreadyMinimal) {
  size_t seen = 0;
  const DdminResult r = Ddmin(1, Batch([](const Config&) { return true; }, &seen), 10);
  EXPECT_THAT(r.minimal, ElementsAre(0u));
  EXPECT_TRUE(r.one_minimal);
  EXPECT_EQ(r.tests, 0u);
}

TEST(Ddmin, MemoisedConfigurationsAreNotTestedTwice) {
  std::vector<Config> all;
  BatchTest test = [&](const std::vector<Config>& batch) {
    all.insert(all.end(), batch.begin(), batch.end());
    std::vector<bool> out;
    for (const Config& c : batch) out.push_back(Has(c, 1) && Has(c, 4) && Has(c, 6));
    return out;
  };
  const DdminResult r = Ddmin(12, test, 1000);
  EXPECT_THAT(r.minimal, ElementsAre(1u, 4u, 6u));
  std::vector<Config> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_EQ(r.tests, all.size());
}

TEST(Ddmin, TheBoundStopsItWithTheSmallestFailingFound) {
  size_t seen = 0;
  const DdminResult r =
      Ddmin(32, Batch([](const Config& c) { return Has(c, 3) && Has(c, 29); }, &seen), 5);
  EXPECT_TRUE(r.bound_hit);
  EXPECT_FALSE(r.one_minimal);
  EXPECT_LE(r.tests, 5u);
  EXPECT_TRUE(Has(r.minimal, 3) && Has(r.minimal, 29));
}

}  // namespace
}  // namespace dsim::analysis
