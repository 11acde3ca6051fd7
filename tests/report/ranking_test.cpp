#include "report/ranking.hpp"

#include <gtest/gtest.h>

namespace darkscope {
namespace {

std::vector<std::string> keys(const std::vector<KeyCount>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.key);
  return out;
}

TEST(Ranking, MorePacketsFirst) {
  const auto r = rank({{"tcp/22", 5}, {"tcp/23", 9}, {"udp/53", 7}});
  EXPECT_EQ(keys(r), (std::vector<std::string>{"tcp/23", "udp/53", "tcp/22"}));
}

TEST(Ranking, TiesByProtocolNumberThenPortNumber) {
  // icmp (1) < tcp (6) < udp (17); ports by number (text order would put tcp/443 first).
  const auto r = rank({{"udp/53", 4}, {"tcp/8080", 4}, {"tcp/443", 4}, {"icmp", 4}, {"tcp/80", 4}});
  EXPECT_EQ(keys(r), (std::vector<std::string>{"icmp", "tcp/80", "tcp/443", "tcp/8080", "udp/53"}));
}

TEST(Ranking, CountryTiesByCode) {
  const auto r = rank({{"VN", 140}, {"JP", 140}, {"RU", 140}, {"DE", 700}});
  EXPECT_EQ(keys(r), (std::vector<std::string>{"DE", "JP", "RU", "VN"}));
}

TEST(Ranking, ZeroRowsAreNotRanked) {
  const auto r = rank({{"tcp/23", 0}, {"tcp/22", 1}});
  EXPECT_EQ(keys(r), (std::vector<std::string>{"tcp/22"}));
  EXPECT_EQ(rank_of(r, "tcp/23"), std::nullopt);
  EXPECT_EQ(rank_of(r, "tcp/22"), 1);
}

TEST(Ranking, RankOfIsThePositionAmongAllKeys) {
  std::vector<KeyCount> rows;
  for (int port = 1; port <= 12; ++port) rows.push_back({"tcp/" + std::to_string(port), 100u - port});
  const auto r = rank(rows);
  EXPECT_EQ(rank_of(r, "tcp/7"), 7);
  EXPECT_EQ(rank_of(r, "tcp/12"), 12);
}

TEST(Ranking, ParsePortKey) {
  ASSERT_TRUE(parse_port_key("tcp/23"));
  EXPECT_EQ(parse_port_key("tcp/23")->port, 23);
  EXPECT_EQ(parse_port_key("udp/65535")->protocol, 17);
  EXPECT_EQ(parse_port_key("icmp")->protocol, 1);
  EXPECT_FALSE(parse_port_key("tcp/65536"));
  EXPECT_FALSE(parse_port_key("tcp/"));
  EXPECT_FALSE(parse_port_key("tcp/2x"));
  EXPECT_FALSE(parse_port_key("JP"));
}

TEST(MovingAverage, NeedsSevenKnownDays) {
  const auto ma = moving_average_7d({7, 7, 7, 7, 7, 7, 14, 0});
  ASSERT_EQ(ma.size(), 8u);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(ma[i]) << i;
  EXPECT_DOUBLE_EQ(*ma[6], (6 * 7 + 14) / 7.0);
  EXPECT_DOUBLE_EQ(*ma[7], (5 * 7 + 14 + 0) / 7.0);
}

TEST(MovingAverage, LeadInDaysComeBeforeThePeriod) {
  // Six days of 1 before the period, then 8: the first day's mean already has 7 days.
  const auto ma = moving_average_7d({8, 8}, {9, 1, 1, 1, 1, 1, 1});
  ASSERT_EQ(ma.size(), 2u);
  EXPECT_DOUBLE_EQ(*ma[0], (6 + 8) / 7.0);  // only the last six lead-in days count
  EXPECT_DOUBLE_EQ(*ma[1], (5 + 16) / 7.0);
  const auto partial = moving_average_7d({8, 8}, {1, 1, 1, 1, 1});
  EXPECT_FALSE(partial[0]);
  EXPECT_DOUBLE_EQ(*partial[1], (5 + 16) / 7.0);
}

TEST(DayRange, PrecedingHasTheSameLength) {
  const DayRange r{100, 113};
  EXPECT_EQ(r.days(), 14);
  EXPECT_EQ(r.preceding(), (DayRange{86, 99}));
}

}  // namespace
}  // namespace darkscope
