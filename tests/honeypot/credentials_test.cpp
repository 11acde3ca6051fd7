#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "honeypot/credentials.hpp"

namespace darkscope {
namespace {

TEST(MiraiCredentials, SixtyTwoRowsSixtyOneDistinctWeightsSumTo152) {
  const auto rows = mirai_credentials();
  EXPECT_EQ(rows.size(), 62u);
  std::set<std::pair<std::string_view, std::string_view>> distinct;
  int total = 0;
  for (const auto& r : rows) {
    distinct.emplace(r.username, r.password);
    total += r.weight;
  }
  EXPECT_EQ(distinct.size(), 61u);
  EXPECT_EQ(total, 152);
}

TEST(MiraiCredentials, HeaviestFiveInOrder) {
  const auto rows = mirai_credentials();
  const std::pair<const char*, const char*> expected[] = {
      {"root", "xc3511"}, {"root", "vizxv"}, {"root", "admin"}, {"admin", "admin"}, {"root", "888888"}};
  const int weights[] = {10, 9, 8, 7, 6};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(rows[i].username, expected[i].first);
    EXPECT_EQ(rows[i].password, expected[i].second);
    EXPECT_EQ(rows[i].weight, weights[i]);
  }
  // Every other row weighs at most 5.
  for (std::size_t i = 5; i < rows.size(); ++i) EXPECT_LE(rows[i].weight, 5) << i;
}

TEST(CredentialPolicy, DefaultAcceptsMiraiPairsOnly) {
  const CredentialPolicy policy;
  EXPECT_EQ(policy.size(), 61u);
  EXPECT_TRUE(policy.accepts("root", "xc3511", 0));
  EXPECT_TRUE(policy.accepts("root", "", 0));
  EXPECT_TRUE(policy.accepts("mother", "fucker", 0));
  EXPECT_FALSE(policy.accepts("root", "xc3512", 0));
  EXPECT_FALSE(policy.accepts("Root", "xc3511", 0));
  EXPECT_FALSE(policy.accepts("root", "wrong", 10));
}

TEST(CredentialPolicy, ListAndAcceptAfter) {
  CredentialPolicy policy({{"pi", "raspberry"}}, 2);
  policy.add_pairs_text("# comment\nubnt:ubnt\r\n\nbad line\n");
  EXPECT_EQ(policy.size(), 2u);
  EXPECT_TRUE(policy.accepts("pi", "raspberry", 0));
  EXPECT_TRUE(policy.accepts("ubnt", "ubnt", 0));
  EXPECT_FALSE(policy.accepts("x", "y", 1));
  EXPECT_TRUE(policy.accepts("x", "y", 2));
}

}  // namespace
}  // namespace darkscope
