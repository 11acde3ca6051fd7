#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

namespace darkscope {
namespace {

TEST(SvgChart, NiceTicks) {
  EXPECT_EQ(nice_ticks(448), (std::vector<double>{0, 100, 200, 300, 400, 500}));
  EXPECT_EQ(nice_ticks(50), (std::vector<double>{0, 10, 20, 30, 40, 50}));
  EXPECT_EQ(nice_ticks(0), (std::vector<double>{0, 1}));
  EXPECT_EQ(nice_ticks(3), (std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5, 3}));
}

TEST(SvgChart, ShortNumbers) {
  EXPECT_EQ(short_number(950), "950");
  EXPECT_EQ(short_number(1500), "1.5k");
  EXPECT_EQ(short_number(2'000'000), "2M");
  EXPECT_EQ(short_number(3.25e9), "3.25G");
  EXPECT_EQ(short_number(0.5), "0.5");
}

TEST(SvgChart, LineChartDrawsGapsForMissingValues) {
  DailyChart c;
  c.id = "t";
  c.title = "T";
  c.first_day = 0;
  c.series.push_back({"a", {1.0, std::nullopt, 3.0}, 0, true});
  const auto svg = line_chart_svg(c);
  // Two separate sub-paths ("M") because the middle day has no value.
  const auto d = svg.find("<path d=\"");
  ASSERT_NE(d, std::string::npos);
  const std::string path = svg.substr(d, svg.find('"', d + 9) - d);
  EXPECT_EQ(std::count(path.begin(), path.end(), 'M'), 2);
  EXPECT_EQ(std::count(path.begin(), path.end(), 'L'), 0);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(SvgChart, EscapeXml) { EXPECT_EQ(escape_xml("a<&>\"'"), "a&lt;&amp;&gt;&quot;&#39;"); }

}  // namespace
}  // namespace darkscope
