#include "core/time.hpp"

#include <gtest/gtest.h>

namespace darkscope {

TEST(Time, FormatsIso8601) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(1581390245LL * kNsPerSecond), "2020-02-11T03:04:05Z");
  EXPECT_EQ(format_iso8601(1581390245LL * kNsPerSecond + 123456000), "2020-02-11T03:04:05.123456Z");
  EXPECT_EQ(format_iso8601(1581390245LL * kNsPerSecond + 7), "2020-02-11T03:04:05.000000007Z");
  EXPECT_EQ(format_iso8601(-1 * kNsPerSecond), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_date(1581390245LL * kNsPerSecond), "2020-02-11");
}

TEST(Time, ParsesDatesAndTimes) {
  EXPECT_EQ(parse_time("2020-02-11"), 1581379200LL * kNsPerSecond);
  EXPECT_EQ(parse_time("2020-02-11T03:04:05Z"), 1581390245LL * kNsPerSecond);
  EXPECT_EQ(parse_time("2020-02-11 03:04"), 1581390240LL * kNsPerSecond);
  EXPECT_EQ(parse_time("2020-02-11T03:04:05.5"), 1581390245LL * kNsPerSecond + 500000000);
  EXPECT_EQ(parse_time("1581390245"), 1581390245LL * kNsPerSecond);
  EXPECT_EQ(parse_time("2024-02-29"), days_from_civil(2024, 2, 29) * kNsPerDay);
}

TEST(Time, RejectsBadText) {
  EXPECT_FALSE(parse_time(""));
  EXPECT_FALSE(parse_time("2020-13-01"));
  EXPECT_FALSE(parse_time("2020-02-11T25:00"));
  EXPECT_FALSE(parse_time("2020-02-11X"));
  EXPECT_FALSE(parse_time("yesterday"));
}

TEST(Time, FloorTo) {
  EXPECT_EQ(floor_to(299, 300), 0);
  EXPECT_EQ(floor_to(300, 300), 300);
  EXPECT_EQ(floor_to(-1, 300), -300);
}

}  // namespace darkscope
