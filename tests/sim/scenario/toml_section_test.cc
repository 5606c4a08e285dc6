#include "sim/scenario/toml_section.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace dsim::sim::toml_section {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Item {
  std::string name;
  uint32_t weight = 1;
};

// A small config with one key of every getter, read by one reader in every mode.
struct Config {
  uint64_t count = 7;
  double ratio = 0.5;
  bool on = true;
  std::string label = "x";
  Nanos wait = 1500 * kMillisecond;
  std::optional<Nanos> deadline;
  std::optional<double> offset;
  std::string nickname;
  uint32_t node = 0;
  bool has_node = false;
  uint64_t size = 64 << 10;
  uint64_t rate = 0;
  Ratio chance{1, 100};
  enum class Mode { kFast, kSlow } mode = Mode::kSlow;
  std::vector<Item> items;
};

void ReadItem(Section& s, Item* item) {
  s.Require("name", "missing: every item needs a name");
  s.String("name", &item->name, "item name");
  s.Uint32("weight", &item->weight, 0, 10, "item weight");
}

void ReadConfig(Section& s, Config* c) {
  s.Uint("count", &c->count, 0, 100, "a count");
  s.Double("ratio", &c->ratio, 0, 1, "a number");
  s.Bool("on", &c->on, "a switch");
  s.String("label", &c->label, "a string");
  s.Duration("wait", &c->wait, 0, kHour, "a duration");
  s.OptionalDuration("deadline", &c->deadline, 0, kHour, "an optional duration");
  s.OptionalDouble("offset", &c->offset, -1, 1, "an optional number");
  s.OptionalString("nickname", &c->nickname, "an optional string");
  s.OptionalUint32("node", &c->node, &c->has_node, 0, 9, "an optional node");
  s.Size("size", &c->size, 0, uint64_t{1} << 30, "a size");
  s.Bandwidth("rate", &c->rate, "a bandwidth");
  s.Probability("chance", &c->chance, "a probability");
  s.Enum("mode", &c->mode, {{"fast", Config::Mode::kFast}, {"slow", Config::Mode::kSlow}},
         "an enum");
  s.Array("items", "the items", &c->items, Item{}, ReadItem);
}

nlohmann::json Echo(Config c) {
  nlohmann::json out;
  Context ctx(&out);
  Section top(&ctx, nullptr, "");
  ReadConfig(top, &c);
  return out;
}

TEST(TomlSection, EchoWritesCanonicalTextForms) {
  Config c;
  c.items = {{"a", 2}, {"b", 3}};
  EXPECT_EQ(Echo(c).dump(),
            R"({"chance":"1/100","count":7,"items":[{"name":"a","weight":2},{"name":"b",)"
            R"("weight":3}],"label":"x","mode":"slow","on":true,"rate":"unlimited",)"
            R"("ratio":0.5,"size":"64KiB","wait":"1500ms"})");
}

TEST(TomlSection, EchoWritesOptionalValuesOnlyWhenSet) {
  Config c;
  c.deadline = 2 * kSecond;
  c.offset = -0.25;
  c.nickname = "n";
  c.node = 4;
  c.has_node = true;
  nlohmann::json j = Echo(c);
  EXPECT_EQ(j["deadline"], "2s");
  EXPECT_EQ(j["offset"], -0.25);
  EXPECT_EQ(j["nickname"], "n");
  EXPECT_EQ(j["node"], 4);
  EXPECT_EQ(j["items"], nlohmann::json::array());  // an empty array is still echoed
}

TEST(TomlSection, ReadingThenEchoingGivesBackTheFile) {
  toml::table root = toml::parse(R"(
count = 3
wait = "250ms"
node = 2
rate = "1MiB/s"
chance = "1%"
mode = "fast"
[[items]]
name = "only"
)");
  Config c;
  Context ctx;
  Section top(&ctx, &root, "");
  ReadConfig(top, &c);
  top.Finish();
  ASSERT_THAT(ctx.errors(), ::testing::IsEmpty());
  EXPECT_TRUE(c.has_node);
  nlohmann::json j = Echo(c);
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["wait"], "250ms");
  EXPECT_EQ(j["node"], 2);
  EXPECT_EQ(j["rate"], "1MiB/s");
  EXPECT_EQ(j["chance"], "1/100");
  EXPECT_EQ(j["mode"], "fast");
  EXPECT_EQ(j["items"].dump(), R"([{"name":"only","weight":1}])");
}

TEST(TomlSection, DocumentingRecordsEveryKeyAndOneArrayElement) {
  std::vector<DocEntry> docs;
  Context ctx(&docs);
  Section top(&ctx, nullptr, "");
  Config c;
  ReadConfig(top, &c);
  std::vector<std::string> paths;
  for (const DocEntry& d : docs) paths.push_back(d.path);
  EXPECT_THAT(paths, ElementsAre("count", "ratio", "on", "label", "wait", "deadline", "offset",
                                 "nickname", "node", "size", "rate", "chance", "mode", "items",
                                 "items[].name", "items[].weight"));
  EXPECT_EQ(docs.back().section, "[[items]]");
  EXPECT_EQ(docs[4].default_text, "\"1500ms\"");
  EXPECT_EQ(docs[5].default_text, "(unset)");
  EXPECT_EQ(docs[12].type, "one of \"fast\", \"slow\"");
  EXPECT_THAT(ctx.errors(), ::testing::IsEmpty());  // Require and checks report nothing here
}

TEST(TomlSection, DocumentingAKeyTwiceKeepsTheFirstEntry) {
  std::vector<DocEntry> docs;
  Context ctx(&docs);
  Section s(&ctx, nullptr, "t");
  bool flag = false;
  s.Bool("one_way", &flag, "first");
  s.Bool("one_way", &flag, "second");
  s.Note("(more keys)", "[t]", "a note");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].doc, "first");
  EXPECT_EQ(docs[1].key, "(more keys)");
}

TEST(TomlSection, ArrayElementsAreReadFromThePrototypeAndFinished) {
  toml::table root = toml::parse(R"(
[[items]]
weight = 5
[[items]]
name = "b"
wieght = 2
)",
                                 std::string_view("t.toml"));
  Context ctx;
  Section top(&ctx, &root, "");
  std::vector<Item> items;
  top.Array("items", "", &items, Item{"proto", 9}, ReadItem);
  top.Finish();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].weight, 5u);
  EXPECT_EQ(items[1].weight, 9u);  // from the prototype
  EXPECT_THAT(ctx.errors(),
              ElementsAre("t.toml:2:1: items[0].name: missing: every item needs a name",
                          "t.toml:6:1: items[1].wieght: unknown key (did you mean \"weight\"?); "
                          "[items[1]] takes: name, weight"));
}

TEST(TomlSection, FinishReportsOnceAndNotesAreNotKeys) {
  toml::table root = toml::parse("alpha = 1\nbeta = 2\n", std::string_view("t.toml"));
  Context ctx;
  Section s(&ctx, &root, "");
  uint64_t a = 0;
  s.Uint("alpha", &a, 0, 9, "");
  s.Note("beta", "", "only documented");
  s.Finish();
  s.Finish();
  EXPECT_THAT(ctx.errors(), ElementsAre("t.toml:2:1: beta: unknown key; top level takes: alpha"));
}

TEST(TomlSection, OnlyReadingReportsProblems) {
  nlohmann::json out;
  Context ctx(&out);
  Section s(&ctx, nullptr, "");
  s.Require("x", "missing");
  s.ErrorAtKey("x", "bad");
  EXPECT_THAT(ctx.errors(), ::testing::IsEmpty());
}

TEST(TomlSection, TablesInEchoModeAreSubObjects) {
  nlohmann::json out;
  Context ctx(&out);
  Section top(&ctx, nullptr, "");
  Section sub = top.Table("inner", "");
  Nanos d = kSecond;
  sub.Duration("d", &d, 0, kHour, "");
  top.Echo("raw", nlohmann::json::array({1, 2}));
  EXPECT_EQ(out.dump(), R"({"inner":{"d":"1s"},"raw":[1,2]})");
  EXPECT_THAT(sub.path(), HasSubstr("inner"));
}

}  // namespace
}  // namespace dsim::sim::toml_section
