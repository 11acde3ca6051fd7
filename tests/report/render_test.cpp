// The renderers over the scenario's model: exact JSON keys, tables in both languages,
// CSV files, and the HTML's figures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "report/record_source.hpp"
#include "report/render.hpp"
#include "report_scenario.hpp"

namespace darkscope {
namespace {

using namespace report_test;

ReportModel scenario_model() {
  RecordReportSource source(kDarknetAddresses);
  generate([&](const PacketRecord& r) { source.add(r); });
  DosRow dos;
  dos.victim = "6.0.0.1";
  dos.protocol = "tcp";
  dos.start_ns = report_period().first_day * kNsPerDay;
  dos.end_ns = dos.start_ns + 3600 * kNsPerSecond;
  dos.packets = 700;
  source.add_dos(dos);
  source.add_surge({report_period().first_day + 7, "tcp/9530", 20, 0, 20, 1, "mirai"});
  ReportRequest req;
  req.period = report_period();
  return build_report(source, req);
}

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

TEST(ReportJson, KeysAndValues) {
  const auto j = report_json(scenario_model());
  for (const char* k : {"period", "previous", "totals", "top_ports", "top_countries", "mirai",
                        "port_distribution_excluding_research", "surges", "dos_attacks", "scans"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_EQ(j["period"]["from"], "2026-03-02");
  EXPECT_EQ(j["period"]["to"], "2026-03-15");
  EXPECT_EQ(j["previous"]["from"], "2026-02-16");
  EXPECT_EQ(j["previous"]["to"], "2026-03-01");
  const std::set<std::string> totals = {"packets", "sources", "darknet_addresses",
                                        "packets_per_address", "seconds_between_packets_per_address",
                                        "research_packets", "research_share", "change_vs_previous",
                                        "previous_packets"};
  EXPECT_EQ(keys_of(j["totals"]), totals);
  EXPECT_EQ(j["totals"]["packets"], 1764);
  EXPECT_EQ(j["totals"]["research_packets"], 266);
  EXPECT_DOUBLE_EQ(j["totals"]["change_vs_previous"].get<double>(), 2.0);

  const auto& p0 = j["top_ports"][0];
  for (const char* k : {"rank", "key", "packets", "share", "previous_rank", "proto", "port", "service"}) {
    EXPECT_TRUE(p0.contains(k)) << k;
  }
  EXPECT_EQ(p0["rank"], 1);
  EXPECT_EQ(p0["key"], "tcp/23");
  EXPECT_EQ(p0["packets"], 448);
  EXPECT_EQ(p0["previous_rank"], 2);
  EXPECT_EQ(p0["proto"], "tcp");
  EXPECT_EQ(p0["port"], 23);
  EXPECT_EQ(p0["service"], "telnet");
  EXPECT_TRUE(j["top_ports"][3]["previous_rank"].is_null());  // tcp/9530, new
  const auto& c0 = j["top_countries"][0];
  EXPECT_EQ(c0["key"], "DE");
  EXPECT_FALSE(c0.contains("proto"));
  for (const char* k : {"rank", "key", "packets", "share", "previous_rank"}) EXPECT_TRUE(c0.contains(k));

  const auto& mi = j["mirai"];
  for (const char* k : {"packets", "sources", "daily", "top_countries", "focus_country"}) {
    EXPECT_TRUE(mi.contains(k)) << k;
  }
  EXPECT_EQ(mi["packets"], 560);
  EXPECT_EQ(mi["sources"], 4);
  ASSERT_EQ(mi["daily"].size(), 14u);
  EXPECT_EQ(mi["daily"][0]["date"], "2026-03-02");
  EXPECT_EQ(mi["daily"][0]["packets"], 30);
  EXPECT_EQ(mi["daily"][13]["packets"], 50);
  EXPECT_EQ(mi["top_countries"][0]["key"], "CN");
  EXPECT_EQ(mi["top_countries"][0]["previous_rank"], 1);
  EXPECT_EQ(mi["focus_country"]["country"], "JP");
  EXPECT_EQ(mi["focus_country"]["packets"], 140);
  EXPECT_EQ(mi["focus_country"]["rank"], 2);

  EXPECT_EQ(j["port_distribution_excluding_research"][0]["key"], "tcp/23");
  EXPECT_EQ(j["dos_attacks"]["count"], 1);
  EXPECT_EQ(j["dos_attacks"]["largest"][0]["victim"], "6.0.0.1");
  EXPECT_EQ(j["surges"]["largest"][0]["key"], "tcp/9530");
  EXPECT_EQ(j["surges"]["largest"][0]["date"], "2026-03-09");
  EXPECT_EQ(j["scans"]["count"], 0);
}

TEST(ReportMarkdown, EnglishTables) {
  const auto md = render_markdown(scenario_model(), ReportLanguage::kEnglish);
  EXPECT_TRUE(contains(md, "**Table 2 Top 10 destination ports by packets**"));
  EXPECT_TRUE(contains(md, "| Rank | Destination port | Packets | Share | Previous rank |"));
  EXPECT_TRUE(contains(md, "| 1 | 23/TCP (telnet) | 448 | 42.7% | 2 |"));
  EXPECT_TRUE(contains(md, "| 4 | 9530/TCP (dvr-backdoor) | 140 | 13.3% | - |"));
  EXPECT_TRUE(contains(md, "| 5 | ICMP | 56 | 5.3% | 4 |"));
  EXPECT_TRUE(contains(md, "| 1 | Germany | 700 | 40.0% | - |"));
  EXPECT_TRUE(contains(md, "| 2 | United States | 294 | 16.8% | 1 |"));
  EXPECT_TRUE(contains(md, "| Observed packets | 1,764 |"));
  EXPECT_TRUE(contains(md, "| Change against the previous period | +200.0% |"));
  EXPECT_TRUE(contains(md, "The most targeted destination port was 23/TCP (telnet), with 448 packets "
                           "(42.7% of the port-directed packets); it ranked 2nd in the previous "
                           "period."));
  EXPECT_TRUE(contains(md, "New in the top 10 against the previous period: 9530/TCP (dvr-backdoor)."));
  EXPECT_TRUE(contains(md, "That is 200.0% more than in the previous period."));
  EXPECT_TRUE(contains(md, "Mirai-type packets from Japan: 140 packets from 1 source address, "
                           "ranked 2nd among source regions."));
}

TEST(ReportMarkdown, JapaneseTables) {
  const auto md = render_markdown(scenario_model(), ReportLanguage::kJapanese);
  EXPECT_TRUE(contains(md, "**表2 宛先ポート別パケット数の上位10件**"));
  EXPECT_TRUE(contains(md, "| 順位 | 宛先ポート番号 | 観測パケット数 | 割合 | 前期順位 |"));
  EXPECT_TRUE(contains(md, "| 1 | 23/TCP(telnet) | 448 | 42.7% | 2 |"));
  EXPECT_TRUE(contains(md, "| 4 | 9530/TCP(dvr-backdoor) | 140 | 13.3% | - |"));
  EXPECT_TRUE(contains(md, "前期の上位10件に含まれていなかった宛先ポートは9530/TCP(dvr-backdoor)です。"));
  EXPECT_TRUE(contains(md, "| 1 | ドイツ | 700 | 40.0% | - |"));
  EXPECT_TRUE(contains(md, "| 2 | 米国 | 294 | 16.8% | 1 |"));
  EXPECT_TRUE(contains(md, "送信元地域別パケット数の上位10件"));
  EXPECT_TRUE(contains(md, "調査目的のスキャン"));
  EXPECT_TRUE(contains(md, "宛先ポート番号別では、23/TCP(telnet)宛のパケットが最も多く観測され(448パケット)、"
                           "全体の42.7%を占めました(前期順位: 2位)。"));
  EXPECT_TRUE(contains(md, "前期と比べて約200.0%増加しました。"));
  EXPECT_TRUE(contains(md, "送信元地域が日本となっているMirai型パケットは140パケット(送信元1件)で、"
                           "送信元地域別では2位にランクされました。"));
  EXPECT_FALSE(contains(md, "Previous rank"));
  EXPECT_FALSE(contains(md, "Destination port"));
}

TEST(ReportCsv, OneFilePerTable) {
  const auto dir = std::filesystem::temp_directory_path() / "darkscope_report_csv_test";
  std::filesystem::remove_all(dir);
  const auto files = write_csv_tables(scenario_model(), ReportLanguage::kEnglish, dir);
  std::set<std::string> names;
  for (const auto& f : files) names.insert(f.filename().string());
  for (const char* n : {"totals.csv", "top_ports.csv", "top_countries.csv", "mirai_daily.csv",
                        "mirai_top_countries.csv", "port_distribution_excluding_research.csv",
                        "surges.csv", "dos_attacks.csv", "scans.csv", "port_daily.csv"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  std::ifstream in(dir / "top_ports.csv", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.substr(0, text.find("\r\n")),
            "rank,key,name,packets,share,previous_rank,proto,port,service");
  EXPECT_TRUE(contains(text, "\r\n1,tcp/23,23/TCP (telnet),448,0.426667,2,tcp,23,telnet\r\n"));
  EXPECT_TRUE(contains(text, "\r\n4,tcp/9530,9530/TCP (dvr-backdoor),140,0.133333,,tcp,9530,dvr-backdoor\r\n"));
  EXPECT_EQ(count(text, "\r\n"), 7u);  // header + 6 ports
  std::filesystem::remove_all(dir);
}

TEST(ReportCsv, JapaneseNamesQuotedWhenNeeded) {
  const auto tables = report_csv_tables(scenario_model(), ReportLanguage::kJapanese);
  for (const auto& t : tables) {
    if (t.name == "top_countries") {
      EXPECT_TRUE(contains(t.text, "\r\n2,US,米国,294,0.168,1\r\n"));
    }
    if (t.name == "mirai_daily") {
      EXPECT_TRUE(contains(t.text, "\r\n2026-03-02,30,12.8571\r\n"));  // (6 * 10 + 30) / 7
    }
  }
}

TEST(ReportHtml, OneSvgPerFigureWithAxesAndLegends) {
  const auto m = scenario_model();
  for (auto lang : {ReportLanguage::kEnglish, ReportLanguage::kJapanese}) {
    const auto html = render_html(m, lang);
    EXPECT_EQ(count(html, "<svg "), 6u);
    for (const char* id : {"fig-ports", "fig-countries", "fig-mirai", "fig-mirai-countries",
                           "fig-focus", "fig-distribution"}) {
      const auto start = html.find(std::string("id=\"") + id + "\"");
      ASSERT_NE(start, std::string::npos) << id;
      const auto end = html.find("</svg>", start);
      const std::string svg = html.substr(start, end - start);
      EXPECT_TRUE(contains(svg, "class=\"axis x-axis\"")) << id;
      if (std::string(id) != "fig-distribution") {
        EXPECT_TRUE(contains(svg, "class=\"axis y-axis\"")) << id;
        EXPECT_TRUE(contains(svg, "class=\"legend\"")) << id;
      }
    }
    EXPECT_FALSE(contains(html, "<script"));
    EXPECT_FALSE(contains(html, "http://") && contains(html, "src=\"http"));
  }
  const auto en = render_html(m, ReportLanguage::kEnglish);
  EXPECT_TRUE(contains(en, "<html lang=\"en\">"));
  // Legends name the series: the top ports and their dashed 7-day averages.
  EXPECT_TRUE(contains(en, ">23/TCP (telnet)</text>"));
  EXPECT_TRUE(contains(en, ">23/TCP (telnet) (7-day avg.)</text>"));
  EXPECT_TRUE(contains(en, "stroke-dasharray=\"6 4\""));
  EXPECT_TRUE(contains(en, ">Germany</text>"));
  EXPECT_TRUE(contains(en, ">Packets per day</text>"));
  EXPECT_TRUE(contains(en, ">03-02</text>"));
  const auto ja = render_html(m, ReportLanguage::kJapanese);
  EXPECT_TRUE(contains(ja, "<html lang=\"ja\">"));
  EXPECT_TRUE(contains(ja, ">23/TCP(telnet)(7日間平均)</text>"));
  EXPECT_TRUE(contains(ja, ">ドイツ</text>"));
  EXPECT_TRUE(contains(ja, ">3/2</text>"));
  EXPECT_TRUE(contains(ja, "図1 宛先ポート別パケット観測数の推移"));
  EXPECT_TRUE(contains(ja, "送信元地域が日本となっているMirai型パケットの推移"));
}

TEST(ReportHtml, EscapesText) {
  auto m = scenario_model();
  m.sensor = "<b>&\"x\"";
  const auto html = render_html(m, ReportLanguage::kEnglish);
  EXPECT_FALSE(contains(html, "<b>&"));
  EXPECT_TRUE(contains(html, "&lt;b&gt;&amp;&quot;x&quot;"));
}

TEST(ReportLanguage, Parse) {
  EXPECT_EQ(parse_report_language("en"), ReportLanguage::kEnglish);
  EXPECT_EQ(parse_report_language("ja"), ReportLanguage::kJapanese);
  EXPECT_THROW((void)parse_report_language("de"), std::invalid_argument);
  EXPECT_EQ(country_name(ReportLanguage::kJapanese, "US"), "米国");
  EXPECT_EQ(country_name(ReportLanguage::kEnglish, "XK"), "XK");
  EXPECT_EQ(country_name(ReportLanguage::kJapanese, ""), "不明");
}

}  // namespace
}  // namespace darkscope
