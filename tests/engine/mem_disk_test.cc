#include "engine/mem_disk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dsim::engine {
namespace {

TEST(MemDiskTest, AppendReadSizeListDelete) {
  MemDisk disk;
  EXPECT_FALSE(disk.Exists("a"));
  ASSERT_TRUE(disk.Append("b", "hello").ok());
  ASSERT_TRUE(disk.Append("a", "").ok());
  ASSERT_TRUE(disk.Append("b", " world").ok());
  EXPECT_EQ(*disk.Size("b"), 11u);
  EXPECT_EQ(disk.List(), (std::vector<std::string>{"a", "b"}));
  std::string out;
  ASSERT_TRUE(disk.Read("b", 6, 5, &out).ok());
  EXPECT_EQ(out, "world");
  EXPECT_TRUE(absl::IsOutOfRange(disk.Read("b", 7, 5, &out)));
  EXPECT_TRUE(absl::IsNotFound(disk.Read("c", 0, 0, &out)));
  EXPECT_TRUE(absl::IsNotFound(disk.Sync("c")));
  ASSERT_TRUE(disk.Delete("a").ok());
  EXPECT_TRUE(absl::IsNotFound(disk.Delete("a")));
  EXPECT_EQ(disk.TotalBytes(), 11u);
  EXPECT_EQ(disk.counters().bytes_appended, 11u);
  EXPECT_EQ(disk.counters().bytes_read, 5u);
}

TEST(MemDiskTest, PowerLossKeepsOnlySyncedBytes) {
  MemDisk disk;
  ASSERT_TRUE(disk.Append("f", "durable").ok());
  ASSERT_TRUE(disk.Sync("f").ok());
  ASSERT_TRUE(disk.Append("f", "+lost").ok());
  ASSERT_TRUE(disk.Append("g", "never synced").ok());
  EXPECT_EQ(*disk.SyncedSize("f"), 7u);
  disk.DropUnsyncedData();
  EXPECT_EQ(*disk.Size("f"), 7u);
  EXPECT_EQ(*disk.Size("g"), 0u);
  std::string out;
  ASSERT_TRUE(disk.Read("f", 0, 7, &out).ok());
  EXPECT_EQ(out, "durable");
}

TEST(MemDiskTest, FaultInjection) {
  MemDisk disk;
  ASSERT_TRUE(disk.Append("f", "abcdef").ok());
  ASSERT_TRUE(disk.Sync("f").ok());
  ASSERT_TRUE(disk.FlipByte("f", 1, 0x20).ok());
  std::string out;
  ASSERT_TRUE(disk.Read("f", 0, 6, &out).ok());
  EXPECT_EQ(out, "aBcdef");
  EXPECT_FALSE(disk.FlipByte("f", 6).ok());
  ASSERT_TRUE(disk.Truncate("f", 4).ok());  // a torn tail; synced length follows
  EXPECT_EQ(*disk.Size("f"), 4u);
  EXPECT_EQ(*disk.SyncedSize("f"), 4u);
  EXPECT_FALSE(disk.Truncate("f", 5).ok());
}

}  // namespace
}  // namespace dsim::engine
