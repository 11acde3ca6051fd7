// The HTML report as a reader sees it: rendered by headless Chromium to PNG, the page
// is not blank and every figure is drawn (with its series' colours), in both languages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "png_image.hpp"
#include "report/record_source.hpp"
#include "report/render.hpp"
#include "report/svg_chart.hpp"
#include "report_scenario.hpp"

namespace darkscope {
namespace {

using namespace report_test;

constexpr int kFigures = 6;

bool is_white(const std::uint8_t* p) { return p[0] > 245 && p[1] > 245 && p[2] > 245; }

bool near_colour(const std::uint8_t* p, std::string_view hex) {
  const auto channel = [&](int i) { return std::stoi(std::string(hex.substr(1 + 2 * i, 2)), nullptr, 16); };
  for (int i = 0; i < 3; ++i) {
    if (std::abs(p[i] - channel(i)) > 24) return false;
  }
  return true;
}

// A vertical band of rows that hold drawn pixels.
struct Band {
  int top = 0;
  int bottom = 0;
  std::uint64_t drawn = 0;
  std::set<int> palette;  // palette indexes seen in the band
};

// Bands of non-white rows, separated by at least `gap` white rows.
std::vector<Band> bands(const PngImage& img, int gap) {
  std::vector<Band> out;
  int white_run = gap;
  for (int y = 0; y < img.height; ++y) {
    std::uint64_t drawn = 0;
    std::set<int> palette;
    for (int x = 0; x < img.width; ++x) {
      const auto* p = img.pixel(x, y);
      if (is_white(p)) continue;
      ++drawn;
      for (int c = 0; c < 5; ++c) {
        if (near_colour(p, chart_colour(c))) palette.insert(c);
      }
    }
    if (drawn == 0) {
      ++white_run;
      continue;
    }
    if (white_run >= gap || out.empty()) out.push_back({y, y, 0, {}});
    white_run = 0;
    out.back().bottom = y;
    out.back().drawn += drawn;
    out.back().palette.insert(palette.begin(), palette.end());
  }
  return out;
}

// Page objects of a PDF ("/Type /Page" not followed by "s", which is "/Pages").
std::size_t count_pages(const std::string& pdf) {
  std::size_t n = 0;
  for (auto pos = pdf.find("/Type /Page"); pos != std::string::npos; pos = pdf.find("/Type /Page", pos + 1)) {
    if (pos + 11 >= pdf.size() || pdf[pos + 11] != 's') ++n;
  }
  return n;
}

class BrowserTest : public ::testing::TestWithParam<ReportLanguage> {
 protected:
  void SetUp() override {
    if (find_chromium().empty()) GTEST_SKIP() << "headless Chromium not installed (apt-get install chromium)";
    dir_ = std::filesystem::temp_directory_path() /
           ("darkscope-browser-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(static_cast<int>(GetParam())));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    RecordReportSource source(kDarknetAddresses);
    generate([&](const PacketRecord& r) { source.add(r); });
    ReportRequest req;
    req.period = report_period();
    html_ = render_html(build_report(source, req), GetParam());
  }
  void TearDown() override {
    // DARKSCOPE_KEEP_TEST_OUTPUT=1 keeps the HTML and screenshots for a look.
    if (!dir_.empty() && !std::getenv("DARKSCOPE_KEEP_TEST_OUTPUT")) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::filesystem::path dir_;
  std::string html_;
};

TEST_P(BrowserTest, PageIsNotBlank) {
  const auto png = dir_ / "page.png";
  html_file_to_png(write("report.html", html_), png, 1200, 4000);
  const PngImage img = read_png(png.string());
  ASSERT_EQ(img.width, 1200);
  ASSERT_EQ(img.height, 4000);
  std::uint64_t drawn = 0;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) drawn += is_white(img.pixel(x, y)) ? 0 : 1;
  }
  // Text, tables and figures cover a few percent of the page; a blank or error page does not.
  EXPECT_GT(drawn, static_cast<std::uint64_t>(img.width) * img.height / 50);
  const auto b = bands(img, 1);
  EXPECT_GT(b.size(), 30u);  // many lines of text and table rows
}

TEST_P(BrowserTest, EveryFigureIsDrawn) {
  // Keep the layout of the figures and hide everything else, so each figure is one band.
  std::string figures_only = html_;
  const std::string style =
      "<style>header, footer, h2, h3, p, figure.table, figcaption { display: none !important; }"
      " figure.figure { margin: 48px 0 !important; }</style>\n</head>";
  figures_only.replace(figures_only.find("</head>"), 7, style);
  const auto png = dir_ / "figures.png";
  html_file_to_png(write("figures.html", figures_only), png, 1200, 4000);
  const PngImage img = read_png(png.string());
  const auto b = bands(img, 30);
  ASSERT_EQ(b.size(), static_cast<std::size_t>(kFigures));
  const int expected_series[kFigures] = {5, 5, 1, 4, 1, 1};  // palette colours each must show
  for (int i = 0; i < kFigures; ++i) {
    SCOPED_TRACE("figure " + std::to_string(i + 1));
    EXPECT_GT(b[i].bottom - b[i].top, 120);  // a chart, not a line of text
    EXPECT_GT(b[i].drawn, 8000u);
    EXPECT_GE(b[i].palette.size(), static_cast<std::size_t>(expected_series[i]));
  }
}

TEST_P(BrowserTest, PrintsToPdf) {
  const auto pdf = dir_ / "report.pdf";
  html_file_to_pdf(write("report.html", html_), pdf);
  std::ifstream in(pdf, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
  // Several A4 pages of tables and figures (a blank page is about 1 kB).
  EXPECT_GE(count_pages(bytes), 3u);
}

INSTANTIATE_TEST_SUITE_P(Languages, BrowserTest,
                         ::testing::Values(ReportLanguage::kEnglish, ReportLanguage::kJapanese),
                         [](const ::testing::TestParamInfo<ReportLanguage>& p) {
                           return p.param == ReportLanguage::kEnglish ? std::string("en")
                                                                         : std::string("ja");
                         });

}  // namespace
}  // namespace darkscope
