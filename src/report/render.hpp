// Renderers of a report model: HTML (one self-contained file with SVG figures), Markdown,
// JSON, CSV (one file per table) and PDF (the HTML printed by headless Chromium).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report_model.hpp"
#include "report/strings.hpp"

namespace darkscope {

/// One self-contained HTML document: inline CSS and SVG, no scripts, no external requests.
[[nodiscard]] std::string render_html(const ReportModel& model, ReportLanguage lang);

/// GitHub-flavoured Markdown with the same tables and findings (figures as daily tables).
[[nodiscard]] std::string render_markdown(const ReportModel& model, ReportLanguage lang);

/// The JSON form: language-independent keys (period, previous, totals, top_ports, ...).
[[nodiscard]] nlohmann::json report_json(const ReportModel& model);

/// A CSV table: its file name stem ("top_ports") and its RFC 4180 text with a header row.
struct CsvTable {
  std::string name;
  std::string text;
};
/// Every table of the report. Header names are the JSON keys, so files read the same in
/// every language; country names follow the language.
[[nodiscard]] std::vector<CsvTable> report_csv_tables(const ReportModel& model, ReportLanguage lang);
/// Writes each table to dir/<name>.csv (creating dir); returns the paths written.
std::vector<std::filesystem::path> write_csv_tables(const ReportModel& model, ReportLanguage lang,
                                                    const std::filesystem::path& dir);

/// The Chromium binary: $DARKSCOPE_CHROMIUM, else the first of chromium, chromium-browser,
/// google-chrome on PATH; "" when none is found.
[[nodiscard]] std::string find_chromium();

/// Prints an HTML file to PDF with headless Chromium (a throwaway profile, no network
/// services). Throws std::runtime_error when Chromium is missing or fails.
void html_file_to_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf);

/// Renders an HTML file to a PNG screenshot of width x height pixels with headless Chromium.
void html_file_to_png(const std::filesystem::path& html, const std::filesystem::path& png,
                      int width, int height);

}  // namespace darkscope
