// ReadStats::bloom_expected_false_positives: the sum of the theoretical FP rate of every filter
// queried for a partition it does not hold (added for the cluster layer's Bloom metric).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/mem_disk.h"
#include "engine/store.h"

namespace dsim::engine {
namespace {

TEST(StoreReadStatsTest, ExpectedFalsePositivesSumTheFiltersQueriedForAbsentKeys) {
  MemDisk disk;
  StoreOptions o;
  o.memtable_flush_threshold_bytes = 32 << 10;
  auto store = *Store::Open(o, &disk);
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(store->Apply(Mutation::Put(absl::StrCat("k", i), "c", "value", i), i).ok());
  }
  ASSERT_TRUE(store->Flush().ok());
  const size_t tables = store->sstables().size();
  ASSERT_GE(tables, 3u);
  double all = 0;
  for (const auto& t : store->sstables()) all += t->bloom().TheoreticalFpRate();

  // An absent key: every filter is queried for a partition it does not hold.
  ReadStats absent;
  ASSERT_TRUE(store->Read("absent", &absent).ok());
  EXPECT_EQ(absent.bloom_true_negatives + absent.bloom_false_positives, tables);
  EXPECT_DOUBLE_EQ(absent.bloom_expected_false_positives, all);

  // A present key lives in exactly one table: that table's filter is not counted.
  ReadStats present;
  ASSERT_TRUE(store->Read("k0", &present).ok());
  EXPECT_EQ(present.bloom_true_positives, 1u);
  double others = 0;
  for (const auto& t : store->sstables()) {
    if (!(t->MayContain(Token("k0")) && t->Get(Token("k0"), "k0")->has_value())) {
      others += t->bloom().TheoreticalFpRate();
    }
  }
  EXPECT_DOUBLE_EQ(present.bloom_expected_false_positives, others);
  EXPECT_LT(present.bloom_expected_false_positives, all);

  // Cumulative in StoreStats; the observed count stays within binomial noise of it.
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(store->Read(absl::StrCat("none", i)).ok());
  const StoreStats& s = store->stats();
  const double expected = s.bloom_expected_false_positives;
  EXPECT_GT(expected,
            absent.bloom_expected_false_positives + present.bloom_expected_false_positives);
  EXPECT_NEAR(static_cast<double>(s.bloom_false_positives), expected, 5 * std::sqrt(expected) + 1);
}

}  // namespace
}  // namespace dsim::engine
