#include <gtest/gtest.h>

#include <vector>

#include "analyze/surge_detector.hpp"
#include "core/time.hpp"

namespace darkscope {
namespace {

const std::int64_t kSurgeDay = days_from_civil(2020, 2, 11);  // 9530/tcp, a Tuesday

std::vector<std::int64_t> days(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t d = first; d <= last; ++d) out.push_back(d);
  return out;
}

TEST(EventsSurge, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median_of({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median_of({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median_of({}), 0.0);
}

TEST(EventsSurge, SurgeOnItsDayAndNoneBeforeOrAfter) {
  // 40 quiet days alternating 90 / 110 packets (median 100, MAD 10), then 20,000 on
  // 2020-02-11 and 25,000 on the 12th (the same surge), then quiet again.
  const auto covered = days(kSurgeDay - 40, kSurgeDay + 5);
  std::vector<SurgeDay> series;
  for (std::int64_t d : covered) {
    std::uint64_t p = (d % 2 == 0) ? 90 : 110;
    if (d == kSurgeDay) p = 20000;
    if (d == kSurgeDay + 1) p = 25000;
    series.push_back({d, p, 10});
  }
  const auto found = find_surges(covered, series, SurgeOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].day, kSurgeDay);
  EXPECT_EQ(format_date(found[0].day * kNsPerDay), "2020-02-11");
  EXPECT_EQ(found[0].packets, 20000u);
  EXPECT_EQ(found[0].sources, 10u);
  EXPECT_EQ(found[0].metric, "packets");
  EXPECT_DOUBLE_EQ(found[0].baseline, 100.0);
  EXPECT_DOUBLE_EQ(found[0].factor, 200.0);
}

TEST(EventsSurge, WeeklyPatternIsNotASurge) {
  // Eight weeks: 1,000 packets every Monday, 100 on other days. Against the 28-day
  // median (100) a Monday would be a factor of 10; against Mondays it is 1.
  const std::int64_t first = days_from_civil(2020, 1, 6);  // a Monday
  const auto covered = days(first, first + 8 * 7 - 1);
  std::vector<SurgeDay> series;
  for (std::int64_t d : covered) series.push_back({d, (d - first) % 7 == 0 ? 1000u : 100u, 20});
  EXPECT_TRUE(find_surges(covered, series, SurgeOptions{}).empty());

  const std::size_t monday = 35;  // day 35 is the sixth Monday
  std::vector<double> packets;
  for (const auto& s : series) packets.push_back(static_cast<double>(s.packets));
  const SurgeBaseline b = surge_baseline(covered, packets, monday, SurgeOptions{});
  EXPECT_EQ(b.history, 28);
  EXPECT_DOUBLE_EQ(b.median, 100.0);
  EXPECT_DOUBLE_EQ(b.weekday_median, 1000.0);
  EXPECT_DOUBLE_EQ(b.baseline(), 1000.0);

  // A real surge on a Monday of the same pattern is still found.
  series[monday].packets = 10000;
  const auto found = find_surges(covered, series, SurgeOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].day, covered[monday]);
  EXPECT_DOUBLE_EQ(found[0].factor, 10.0);
}

TEST(EventsSurge, PortWithNoHistorySurgesAboveVolumeOnly) {
  const auto covered = days(kSurgeDay - 30, kSurgeDay);
  const auto found = find_surges(covered, {{kSurgeDay, 5000, 40}}, SurgeOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].baseline, 0.0);
  EXPECT_DOUBLE_EQ(found[0].factor, 5000.0);
  // Below the minimum volume (1,000 packets, 50 sources): nothing.
  EXPECT_TRUE(find_surges(covered, {{kSurgeDay, 999, 49}}, SurgeOptions{}).empty());
}

TEST(EventsSurge, NotEnoughHistoryNoCheck) {
  // 13 covered days before the jump: below the 14-day minimum.
  const auto covered = days(kSurgeDay - 13, kSurgeDay);
  EXPECT_TRUE(find_surges(covered, {{kSurgeDay, 50000, 500}}, SurgeOptions{}).empty());
  const auto covered14 = days(kSurgeDay - 14, kSurgeDay);
  EXPECT_EQ(find_surges(covered14, {{kSurgeDay, 50000, 500}}, SurgeOptions{}).size(), 1u);
}

TEST(EventsSurge, FactorJustBelowAndAbove) {
  const auto covered = days(kSurgeDay - 28, kSurgeDay);
  std::vector<SurgeDay> series;
  for (std::int64_t d = kSurgeDay - 28; d < kSurgeDay; ++d) series.push_back({d, 1000, 5});
  series.push_back({kSurgeDay, 4999, 5});
  EXPECT_TRUE(find_surges(covered, series, SurgeOptions{}).empty());
  series.back().packets = 5000;
  const auto found = find_surges(covered, series, SurgeOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].factor, 5.0);
}

TEST(EventsSurge, SourcesAloneCanSurge) {
  const auto covered = days(kSurgeDay - 28, kSurgeDay);
  std::vector<SurgeDay> series;
  for (std::int64_t d = kSurgeDay - 28; d < kSurgeDay; ++d) series.push_back({d, 10000, 20});
  series.push_back({kSurgeDay, 10000, 400});
  const auto found = find_surges(covered, series, SurgeOptions{});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].metric, "sources");
  EXPECT_DOUBLE_EQ(found[0].baseline, 20.0);
  EXPECT_DOUBLE_EQ(found[0].factor, 20.0);
}

TEST(EventsSurge, AQuietDayBetweenMakesTwoEvents) {
  const auto covered = days(kSurgeDay - 28, kSurgeDay + 2);
  std::vector<SurgeDay> series;
  for (std::int64_t d = kSurgeDay - 28; d < kSurgeDay; ++d) series.push_back({d, 100, 5});
  series.push_back({kSurgeDay, 9000, 5});
  series.push_back({kSurgeDay + 1, 100, 5});
  series.push_back({kSurgeDay + 2, 9000, 5});
  const auto found = find_surges(covered, series, SurgeOptions{});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].day, kSurgeDay + 2);
}

TEST(EventsSurge, UncoveredDaysAreNotZeros) {
  // The sensor was down for 20 days: those days are not zero-packet days, and the
  // 8 covered days left in the window are too few to judge.
  std::vector<std::int64_t> covered = days(kSurgeDay - 28, kSurgeDay - 21);
  covered.push_back(kSurgeDay);
  std::vector<SurgeDay> series;
  for (std::int64_t d : covered) series.push_back({d, d == kSurgeDay ? 50000u : 100u, 5});
  EXPECT_TRUE(find_surges(covered, series, SurgeOptions{}).empty());
}

}  // namespace
}  // namespace darkscope
