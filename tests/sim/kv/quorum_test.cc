#include "sim/kv/quorum.h"

#include <gtest/gtest.h>

namespace dsim::sim {
namespace {

TEST(QuorumTest, RequiredResponsesPerConsistencyLevel) {
  EXPECT_EQ(RequiredResponses(ConsistencyLevel::kOne, 3), 1u);
  EXPECT_EQ(RequiredResponses(ConsistencyLevel::kQuorum, 3), 2u);
  EXPECT_EQ(RequiredResponses(ConsistencyLevel::kQuorum, 4), 3u);
  EXPECT_EQ(RequiredResponses(ConsistencyLevel::kQuorum, 1), 1u);
  EXPECT_EQ(RequiredResponses(ConsistencyLevel::kAll, 5), 5u);
}

TEST(QuorumTest, MetOnceByTheReplyThatReachesTheLevel) {
  QuorumTracker q;
  q.Reset(3, 2);
  EXPECT_FALSE(q.Count(1));
  EXPECT_TRUE(q.counted(1));
  EXPECT_FALSE(q.counted(0));
  EXPECT_FALSE(q.decided());
  EXPECT_TRUE(q.Count(2));  // the second reply meets QUORUM
  EXPECT_TRUE(q.decided());
  EXPECT_FALSE(q.all_counted());
  EXPECT_FALSE(q.Count(0));  // met already: not reported twice
  EXPECT_TRUE(q.all_counted());
  EXPECT_EQ(q.counted_mask(), 0b111u);
  EXPECT_FALSE(q.Fail());  // a timeout after success changes nothing
}

TEST(QuorumTest, AFailureStandsAndResetStartsOver) {
  QuorumTracker q;
  q.Reset(3, 3);
  EXPECT_FALSE(q.Count(0));
  EXPECT_TRUE(q.Fail());
  EXPECT_FALSE(q.Fail());
  EXPECT_FALSE(q.Count(1));
  EXPECT_FALSE(q.Count(2));  // would have met ALL, but the operation failed first
  EXPECT_TRUE(q.all_counted());
  q.Reset(2, 1);
  EXPECT_FALSE(q.decided());
  EXPECT_EQ(q.counted_mask(), 0u);
  EXPECT_TRUE(q.Count(1));
}

}  // namespace
}  // namespace dsim::sim
