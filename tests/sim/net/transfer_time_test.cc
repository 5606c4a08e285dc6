#include "sim/net/transfer_time.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "sim/net/link_model.h"

namespace dsim::sim {
namespace {

TEST(TransferTimeTest, RoundsUpToTheNextNanosecond) {
  EXPECT_EQ(TransferTime(3, 3), kSecond);
  EXPECT_EQ(TransferTime(1, 3), 333'333'334);  // 333,333,333.3 ns
  EXPECT_EQ(TransferTime(2, 3), 666'666'667);  // 666,666,666.6 ns
  EXPECT_EQ(TransferTime(1, 1'000'000'000), 1);
  EXPECT_EQ(TransferTime(1, 2'000'000'000), 1);  // half a nanosecond still takes one
  EXPECT_EQ(TransferTime(0, 3), 0);
  // 64 MiB/s (repair.validation_throughput's default): 1 MiB takes 1/64 s exactly.
  EXPECT_EQ(TransferTime(1 << 20, 64 << 20), kSecond / 64);
}

TEST(TransferTimeTest, ZeroRateIsUnlimited) {
  EXPECT_EQ(TransferTime(0, 0), 0);
  EXPECT_EQ(TransferTime(uint64_t{1} << 40, 0), 0);
}

TEST(TransferTimeTest, LargeProductsDoNotOverflow) {
  // 2^40 bytes at 2^20 bytes/s: 2^20 s; bytes * 10^9 alone exceeds 64 bits.
  EXPECT_EQ(TransferTime(uint64_t{1} << 40, uint64_t{1} << 20), (int64_t{1} << 20) * kSecond);
}

TEST(TransferTimeTest, LinksUseTheSameRule) {
  for (uint64_t rate : {uint64_t{3}, uint64_t{1000}, uint64_t{125'000'000}, uint64_t{24} << 20}) {
    LinkClassConfig c;
    c.bandwidth_bytes_per_sec = rate;
    const LinkModel link(c);
    for (uint64_t bytes :
         {uint64_t{0}, uint64_t{1}, uint64_t{7}, uint64_t{1500}, uint64_t{1} << 20}) {
      EXPECT_EQ(link.SerializationDelay(bytes), TransferTime(bytes, rate)) << bytes << " " << rate;
    }
  }
}

TEST(TransferTimeTest, QueueTransferWaitsForTheResourceThenHoldsIt) {
  Nanos busy = 0;
  // Idle resource: starts at once.
  EXPECT_EQ(QueueTransfer(&busy, 100, 3, 3), 100 + kSecond);
  EXPECT_EQ(busy, 100 + kSecond);
  // Offered while busy: queues behind the previous transfer.
  EXPECT_EQ(QueueTransfer(&busy, 200, 1, 3), 100 + kSecond + 333'333'334);
  EXPECT_EQ(busy, 100 + kSecond + 333'333'334);
  // Offered after the resource went idle: starts at the offer.
  EXPECT_EQ(QueueTransfer(&busy, 5 * kSecond, 3, 3), 6 * kSecond);
  // Unlimited: ends when offered (or when the resource frees up).
  EXPECT_EQ(QueueTransfer(&busy, 7 * kSecond, 1 << 20, 0), 7 * kSecond);
  EXPECT_EQ(busy, 7 * kSecond);
}

}  // namespace
}  // namespace dsim::sim
