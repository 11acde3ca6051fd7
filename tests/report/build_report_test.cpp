// Exact report tables from the generated four weeks of report_scenario.hpp.
#include <gtest/gtest.h>

#include "report/record_source.hpp"
#include "report/report_text.hpp"
#include "report_scenario.hpp"

namespace darkscope {
namespace {

using namespace report_test;

struct Expected {
  std::string key;
  std::uint64_t packets;
  std::optional<int> previous_rank;
};

void expect_rows(const std::vector<RankedRow>& rows, const std::vector<Expected>& want,
                 std::uint64_t denominator) {
  ASSERT_EQ(rows.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].key);
    EXPECT_EQ(rows[i].rank, static_cast<int>(i + 1));
    EXPECT_EQ(rows[i].key, want[i].key);
    EXPECT_EQ(rows[i].packets, want[i].packets);
    EXPECT_DOUBLE_EQ(rows[i].share, static_cast<double>(want[i].packets) / denominator);
    EXPECT_EQ(rows[i].previous_rank, want[i].previous_rank);
  }
}

RecordReportSource scenario_source() {
  RecordReportSource source(kDarknetAddresses);
  generate([&](const PacketRecord& r) { source.add(r); });
  return source;
}

ReportRequest scenario_request() {
  ReportRequest req;
  req.period = report_period();
  return req;
}

TEST(BuildReport, PreviousPeriodDefaultsToTheSameLengthBefore) {
  const auto m = build_report(scenario_source(), scenario_request());
  EXPECT_EQ(m.previous, previous_period());
  EXPECT_TRUE(m.previous_has_data);
}

TEST(BuildReport, Totals) {
  const auto m = build_report(scenario_source(), scenario_request());
  const ReportTotals& t = m.totals;
  EXPECT_EQ(t.packets, 1764u);  // 116 * 7 + 136 * 7
  EXPECT_EQ(t.sources, 10u);
  EXPECT_EQ(t.darknet_addresses, 256u);
  EXPECT_DOUBLE_EQ(t.packets_per_address, 1764.0 / 256.0);
  ASSERT_TRUE(t.seconds_between_packets_per_address);
  // SPEC: period seconds / (packets / darknet addresses).
  EXPECT_DOUBLE_EQ(*t.seconds_between_packets_per_address, 14 * 86400.0 / (1764.0 / 256.0));
  EXPECT_EQ(t.research_packets, 266u);  // (15 + 4) * 14
  EXPECT_DOUBLE_EQ(t.research_share, 266.0 / 1764.0);
  EXPECT_EQ(t.previous_packets, 588u);
  ASSERT_TRUE(t.change_vs_previous);
  EXPECT_DOUBLE_EQ(*t.change_vs_previous, 2.0);
}

TEST(BuildReport, TopPortsWithPreviousRanks) {
  const auto m = build_report(scenario_source(), scenario_request());
  // Previous period: 6379 (280), 23 (140), 22 (70), icmp (42), udp/53 (42), tcp/80 (14).
  // tcp/22 and tcp/9530 tie at 140 (lower port first); icmp and udp/53 at 56 (icmp first).
  // Backscatter to 8080 and the malformed packet are not charged to ports.
  expect_rows(m.top_ports,
              {{"tcp/23", 448, 2},
               {"tcp/6379", 210, 1},
               {"tcp/22", 140, 3},
               {"tcp/9530", 140, std::nullopt},
               {"icmp", 56, 4},
               {"udp/53", 56, 5}},
              1050);
  EXPECT_EQ(m.top_ports[0].proto, "tcp");
  EXPECT_EQ(m.top_ports[0].port, 23);
  EXPECT_EQ(m.top_ports[0].service, "telnet");
  EXPECT_EQ(m.top_ports[0].previous_packets, 140u);
  EXPECT_EQ(m.top_ports[4].proto, "icmp");
  EXPECT_EQ(m.top_ports[4].service, "");
  EXPECT_EQ(m.top_ports[5].service, "dns");
}

TEST(BuildReport, PreviousRankIsTheRankAmongAllKeysNotOnlyTheShownOnes) {
  auto req = scenario_request();
  req.top_n = 1;
  const auto m = build_report(scenario_source(), req);
  ASSERT_EQ(m.top_ports.size(), 1u);
  EXPECT_EQ(m.top_ports[0].key, "tcp/23");
  EXPECT_EQ(m.top_ports[0].previous_rank, 2);  // beyond the one row shown
}

TEST(BuildReport, TopCountries) {
  const auto m = build_report(scenario_source(), scenario_request());
  // Previous: US 280, CN 140, RU 70, JP 42, KR 42, TW 14. The malformed packet has no source,
  // so the countries' denominator is 1,764 - 14 = 1,750. JP, RU and VN tie at 140 (by code).
  expect_rows(m.top_countries,
              {{"DE", 700, std::nullopt},
               {"US", 294, 1},
               {"CN", 210, 2},
               {"JP", 140, 4},
               {"RU", 140, 3},
               {"VN", 140, std::nullopt},
               {"TW", 70, 6},
               {"KR", 56, 5}},
              1750);
  ASSERT_EQ(m.country_series.size(), 5u);
  EXPECT_EQ(m.country_series[0].key, "DE");
  EXPECT_EQ(m.country_series[0].daily, std::vector<std::uint64_t>(14, 50));
}

TEST(BuildReport, DailyPortSeriesWithMovingAverages) {
  const auto m = build_report(scenario_source(), scenario_request());
  ASSERT_EQ(m.port_series.size(), 5u);  // figures show at most five
  EXPECT_EQ(m.port_series[0].key, "tcp/23");
  EXPECT_EQ(m.port_series[0].daily, std::vector<std::uint64_t>(14, 32));
  // The store holds the six days before the period: tcp/23 had 10 a day there.
  EXPECT_DOUBLE_EQ(*m.port_series[0].moving_average_7d[0], (6 * 10 + 32) / 7.0);
  EXPECT_DOUBLE_EQ(*m.port_series[0].moving_average_7d[6], 32.0);
  const DailySeries& surge = m.port_series[3];
  ASSERT_EQ(surge.key, "tcp/9530");
  std::vector<std::uint64_t> want(7, 0);
  want.resize(14, 20);
  EXPECT_EQ(surge.daily, want);
  EXPECT_DOUBLE_EQ(*surge.moving_average_7d[6], 0.0);
  EXPECT_DOUBLE_EQ(*surge.moving_average_7d[7], 20 / 7.0);
  EXPECT_DOUBLE_EQ(*surge.moving_average_7d[13], 20.0);
}

TEST(BuildReport, MiraiSection) {
  const auto m = build_report(scenario_source(), scenario_request());
  const MiraiSection& mi = m.mirai;
  EXPECT_EQ(mi.packets, 560u);  // 30 * 14 to tcp/23 + 20 * 7 to tcp/9530
  EXPECT_EQ(mi.sources, 4u);
  EXPECT_DOUBLE_EQ(mi.share_of_all, 560.0 / 1764.0);
  std::vector<std::uint64_t> daily(7, 30);
  daily.resize(14, 50);
  EXPECT_EQ(mi.daily.daily, daily);
  EXPECT_DOUBLE_EQ(*mi.daily.moving_average_7d[0], (6 * 10 + 30) / 7.0);
  expect_rows(mi.top_countries,
              {{"CN", 210, 1}, {"JP", 140, std::nullopt}, {"VN", 140, std::nullopt},
               {"TW", 70, std::nullopt}},
              560);
  const CountryTrend& jp = mi.focus_country;
  EXPECT_EQ(jp.country, "JP");
  EXPECT_EQ(jp.packets, 140u);
  EXPECT_EQ(jp.sources, 1u);
  EXPECT_DOUBLE_EQ(jp.share, 0.25);
  EXPECT_EQ(jp.rank, 2);
  EXPECT_EQ(jp.previous_rank, std::nullopt);  // JP's packets then were not Mirai-type
  EXPECT_EQ(jp.series.daily, std::vector<std::uint64_t>(14, 10));
  EXPECT_DOUBLE_EQ(*jp.series.moving_average_7d[0], 10 / 7.0);
  EXPECT_DOUBLE_EQ(*jp.series.moving_average_7d[6], 10.0);
}

TEST(BuildReport, FocusCountryIsChosen) {
  auto req = scenario_request();
  req.focus_country = "CN";
  const auto m = build_report(scenario_source(), req);
  EXPECT_EQ(m.mirai.focus_country.packets, 210u);
  EXPECT_EQ(m.mirai.focus_country.rank, 1);
  EXPECT_EQ(m.mirai.focus_country.previous_rank, 1);
  EXPECT_EQ(m.mirai.focus_country.previous_packets, 140u);
}

TEST(BuildReport, PortDistributionWithoutResearchScanning) {
  const auto m = build_report(scenario_source(), scenario_request());
  const auto& d = m.port_distribution_excluding_research;
  ASSERT_EQ(d.size(), 4u);  // tcp/6379 and udp/53 came only from research scanners
  EXPECT_EQ(d[0].key, "tcp/23");
  EXPECT_EQ(d[0].packets, 448u);
  EXPECT_DOUBLE_EQ(d[0].share, 448.0 / 784.0);
  EXPECT_EQ(d[0].service, "telnet");
  EXPECT_EQ(d[1].key, "tcp/22");
  EXPECT_EQ(d[2].key, "tcp/9530");
  EXPECT_EQ(d[3].key, "icmp");
  EXPECT_EQ(d[3].packets, 56u);
}

TEST(BuildReport, DistributionShowsTenPortsAndTheRest) {
  RecordReportSource source(16);
  const DayRange period = report_period();
  for (std::uint16_t port = 1; port <= 12; ++port) {
    PacketRecord r{};
    r.observed = true;
    r.ip_version = 4;
    r.traffic_class = TrafficClass::kUdp;
    r.protocol = kProtoUdp;
    r.dst_port = port;
    r.ts_ns = period.first_day * kNsPerDay;
    for (int i = 0; i < 20 - port; ++i) source.add(r);  // port 1: 19 packets ... port 12: 8
  }
  ReportRequest req;
  req.period = period;
  const auto m = build_report(source, req);
  const auto& d = m.port_distribution_excluding_research;
  ASSERT_EQ(d.size(), 11u);
  EXPECT_EQ(d[0].key, "udp/1");
  EXPECT_EQ(d[9].key, "udp/10");
  EXPECT_EQ(d[10].key, "other");
  EXPECT_EQ(d[10].packets, 9u + 8u);
  EXPECT_DOUBLE_EQ(d[10].share, 17.0 / 162.0);  // 19 + 18 + ... + 8 = 162
}

TEST(BuildReport, WithoutPreviousDataNoRankIsShownAndNoChange) {
  auto req = scenario_request();
  req.previous = DayRange{day(2025, 1, 1), day(2025, 1, 14)};
  const auto m = build_report(scenario_source(), req);
  EXPECT_FALSE(m.previous_has_data);
  EXPECT_FALSE(m.totals.change_vs_previous);
  EXPECT_EQ(m.totals.previous_packets, 0u);
  for (const auto& r : m.top_ports) EXPECT_FALSE(r.previous_rank) << r.key;
  for (const auto& r : m.top_countries) EXPECT_FALSE(r.previous_rank) << r.key;
  // The tables themselves do not depend on the previous period.
  EXPECT_EQ(m.top_ports[0].key, "tcp/23");
  EXPECT_EQ(m.top_ports[3].key, "tcp/9530");
}

TEST(BuildReport, FirstWeekOfDataHasNoMovingAverageYet) {
  ReportRequest req;
  req.period = previous_period();  // the store starts on its first day
  const auto m = build_report(scenario_source(), req);
  EXPECT_FALSE(m.previous_has_data);
  ASSERT_FALSE(m.port_series.empty());
  EXPECT_FALSE(m.port_series[0].moving_average_7d[5]);
  ASSERT_TRUE(m.port_series[0].moving_average_7d[6]);
  EXPECT_EQ(m.top_ports[0].key, "tcp/6379");
}

TEST(BuildReport, EventsOfThePeriodLargestFirst) {
  RecordReportSource source = scenario_source();
  const DayRange p = report_period();
  source.add_surge({p.first_day + 7, "tcp/9530", 140, 0, 20, 1, "mirai"});
  source.add_surge({p.first_day - 3, "tcp/22", 999, 1, 9, 1, ""});  // before the period
  ScanRow small;
  small.source = "4.0.0.1";
  small.packets = 100;
  small.first_ns = p.first_day * kNsPerDay;
  ScanRow big = small;
  big.source = "1.0.0.1";
  big.packets = 300;
  ScanRow late = small;
  late.first_ns = (p.last_day + 1) * kNsPerDay;  // after the period
  source.add_scan(small);
  source.add_scan(big);
  source.add_scan(late);
  auto req = scenario_request();
  req.events_limit = 1;
  const auto m = build_report(source, req);
  EXPECT_EQ(m.surges.count, 1u);
  ASSERT_EQ(m.surges.largest.size(), 1u);
  EXPECT_EQ(m.surges.largest[0].port_key, "tcp/9530");
  EXPECT_EQ(m.scans.count, 2u);
  ASSERT_EQ(m.scans.largest.size(), 1u);
  EXPECT_EQ(m.scans.largest[0].source, "1.0.0.1");
  EXPECT_EQ(m.dos_attacks.count, 0u);
}

// The events sentence counts in words a reader would write: "One surge was
// detected", never "1 surges were".
TEST(BuildReport, EventSentencesAgreeInNumber) {
  ReportModel m;
  SurgeRow surge;
  surge.day = 18301;  // 2020-02-09
  surge.port_key = "tcp/9530";
  surge.factor = 61.31;
  m.surges.largest.push_back(surge);
  DosRow dos;
  dos.victim = "5.9.44.120";
  dos.packets = 4321;
  m.dos_attacks.largest.push_back(dos);
  ScanRow scan;
  scan.port_key = "tcp/23";
  scan.destinations = 512;
  m.scans.largest.push_back(scan);

  m.surges.count = m.dos_attacks.count = m.scans.count = 1;
  Findings one = report_findings(m, ReportLanguage::kEnglish);
  ASSERT_EQ(one.events.size(), 3u);
  EXPECT_EQ(one.events[0], "One surge was detected: 9530/TCP on 2020-02-09, 61.3 times its baseline.");
  EXPECT_EQ(one.events[1], "One DoS attack was seen through backscatter: it targeted 5.9.44.120 with 4,321 packets.");
  EXPECT_EQ(one.events[2], "One Internet-wide scan was observed: it aimed at 23/TCP and reached 512 darknet addresses.");
  const Findings ja = report_findings(m, ReportLanguage::kJapanese);
  ASSERT_EQ(ja.events.size(), 3u);
  EXPECT_EQ(ja.events[0].find("最大のもの"), std::string::npos) << ja.events[0];
  EXPECT_NE(ja.events[0].find("1件"), std::string::npos) << ja.events[0];

  m.surges.count = 3;
  m.dos_attacks.count = 2;
  m.scans.count = 40;
  Findings many = report_findings(m, ReportLanguage::kEnglish);
  ASSERT_EQ(many.events.size(), 3u);
  EXPECT_EQ(many.events[0], "3 surges were detected; the largest hit 9530/TCP on 2020-02-09, 61.3 times its baseline.");
  EXPECT_EQ(many.events[1].rfind("2 DoS attacks were seen", 0), 0u) << many.events[1];
  EXPECT_EQ(many.events[2].rfind("40 Internet-wide scans were observed", 0), 0u) << many.events[2];
}

TEST(BuildReport, CountriesTakeTheArticleInsideEnglishSentences) {
  EXPECT_EQ(country_in_sentence(ReportLanguage::kEnglish, "US"), "the United States");
  EXPECT_EQ(country_in_sentence(ReportLanguage::kEnglish, "NL"), "the Netherlands");
  EXPECT_EQ(country_in_sentence(ReportLanguage::kEnglish, "BR"), "Brazil");
  EXPECT_EQ(country_in_sentence(ReportLanguage::kJapanese, "US"), "米国");
  ReportModel m;
  RankedRow us;
  us.key = "US";
  us.share = 0.416;
  m.top_countries.push_back(us);
  const Findings f = report_findings(m, ReportLanguage::kEnglish);
  ASSERT_FALSE(f.countries.empty());
  EXPECT_EQ(f.countries[0], "The largest source region was the United States, with 41.6% of the packets.");

  // Counts of one in the singular, and only counts of one.
  m.mirai.packets = 1;
  m.mirai.sources = 1;
  m.mirai.share_of_all = 0.001;
  const Findings one = report_findings(m, ReportLanguage::kEnglish);
  ASSERT_FALSE(one.mirai.empty());
  EXPECT_EQ(one.mirai[0], "1 Mirai-type packet came from 1 source address (0.1% of all packets).");
  m.mirai.packets = 2001;
  m.mirai.sources = 21;
  EXPECT_EQ(report_findings(m, ReportLanguage::kEnglish).mirai[0],
            "2,001 Mirai-type packets came from 21 source addresses (0.1% of all packets).");
}

TEST(BuildReport, EmptySourceGivesAnEmptyReport) {
  RecordReportSource source(256);
  const auto m = build_report(source, scenario_request());
  EXPECT_EQ(m.totals.packets, 0u);
  EXPECT_FALSE(m.totals.seconds_between_packets_per_address);
  EXPECT_TRUE(m.top_ports.empty());
  EXPECT_EQ(m.mirai.daily.daily, std::vector<std::uint64_t>(14, 0));
  EXPECT_FALSE(m.mirai.focus_country.rank);
}

}  // namespace
}  // namespace darkscope
