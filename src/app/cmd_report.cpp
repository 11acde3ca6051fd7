// darkscope report: a period report (TSUBAME/NICTER style) from the store.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "core/time.hpp"
#include "report/render.hpp"
#include "report/report_source.hpp"

namespace darkscope {
namespace {

struct ReportOptions {
  std::string db;
  std::string from;
  std::string to;
  std::string previous_from;
  std::string previous_to;
  std::string sensor;
  std::size_t top = 10;
  std::string lang = "en";
  std::string focus_country = "JP";
  std::string format = "html";
  std::string out;
  std::string table;
};

std::int64_t parse_day(const std::string& flag, const std::string& text) {
  const auto ns = parse_time(text);
  if (!ns) throw CLI::ValidationError(flag, "'" + text + "' is not a date (YYYY-MM-DD)");
  return floor_to(*ns, kNsPerDay) / kNsPerDay;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

// Text formats go to -o or, without it, to stdout.
void emit(const ReportOptions& o, const std::string& text) {
  if (o.out.empty() || o.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  write_file(o.out, text);
  std::printf("%s\n", o.out.c_str());
}

int run_report(const ReportOptions& o) {
  ReportRequest req;
  req.period = {parse_day("--from", o.from), parse_day("--to", o.to)};
  if (req.period.days() <= 0) throw CLI::ValidationError("--to", "the period ends before it starts");
  if (o.previous_from.empty() != o.previous_to.empty()) {
    throw CLI::ValidationError("--previous-from", "give both --previous-from and --previous-to");
  }
  if (!o.previous_from.empty()) {
    req.previous = DayRange{parse_day("--previous-from", o.previous_from),
                            parse_day("--previous-to", o.previous_to)};
    if (req.previous->days() <= 0) {
      throw CLI::ValidationError("--previous-to", "the previous period ends before it starts");
    }
  }
  req.sensor = o.sensor;
  req.top_n = o.top;
  req.focus_country = o.focus_country;
  const ReportLanguage lang = parse_report_language(o.lang);
  const ReportModel model = build_report(o.db, req);

  if (o.format == "html") {
    emit(o, render_html(model, lang));
  } else if (o.format == "md") {
    emit(o, render_markdown(model, lang));
  } else if (o.format == "json") {
    emit(o, report_json(model).dump(2) + "\n");
  } else if (o.format == "csv") {
    if (!o.table.empty()) {
      for (const CsvTable& t : report_csv_tables(model, lang)) {
        if (t.name == o.table) {
          emit(o, t.text);
          return 0;
        }
      }
      throw CLI::ValidationError("--table", "no table named '" + o.table + "'");
    }
    if (o.out.empty()) throw CLI::ValidationError("-o", "csv writes one file per table: give -o DIR");
    for (const auto& path : write_csv_tables(model, lang, o.out)) std::printf("%s\n", path.c_str());
  } else if (o.format == "pdf") {
    if (o.out.empty()) throw CLI::ValidationError("-o", "pdf needs -o FILE.pdf");
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "darkscope-report-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
    const std::filesystem::path dir = dir_template;
    try {
      write_file(dir / "report.html", render_html(model, lang));
      html_file_to_pdf(dir / "report.html", o.out);
    } catch (...) {
      std::filesystem::remove_all(dir);
      throw;
    }
    std::filesystem::remove_all(dir);
    std::printf("%s\n", o.out.c_str());
  }
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "A period report (top ports and regions with previous ranks, Mirai, research scanning, "
                "events) as HTML, Markdown, JSON, CSV or PDF");
  cmd->add_option("--db", opts->db, "the SQLite database written by ingest")->required()->check(CLI::ExistingFile);
  cmd->add_option("--from", opts->from, "first day of the period (YYYY-MM-DD, UTC)")->required();
  cmd->add_option("--to", opts->to, "last day of the period, inclusive")->required();
  cmd->add_option("--previous-from", opts->previous_from,
                  "first day of the period to compare with (default: the same length just before)");
  cmd->add_option("--previous-to", opts->previous_to, "last day of that period, inclusive");
  cmd->add_option("--sensor", opts->sensor, "only this sensor (default: all)");
  cmd->add_option("--top", opts->top, "rows of the ranking tables")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--lang", opts->lang, "en or ja")->capture_default_str()->check(CLI::IsMember({"en", "ja"}));
  cmd->add_option("--focus-country", opts->focus_country,
                  "the source region whose Mirai-type trend is shown (ISO 3166 alpha-2)")
      ->capture_default_str();
  cmd->add_option("--format", opts->format, "html|md|json|csv|pdf")
      ->capture_default_str()
      ->check(CLI::IsMember({"html", "md", "json", "csv", "pdf"}));
  cmd->add_option("-o,--output", opts->out,
                  "output file (html, md, json, pdf; default stdout), or the directory of the csv files");
  cmd->add_option("--table", opts->table,
                  "csv only: write this one table (top_ports, top_countries, totals, ...) to -o or stdout");
  cmd->footer(
      "Ranks: more packets first; ties by protocol then port number (ports) or by code (regions). "
      "Previous ranks are ranks among every key of the previous period. pdf needs headless "
      "Chromium (the chromium package, or DARKSCOPE_CHROMIUM).");
  cmd->callback([opts] {
    for (char& ch : opts->focus_country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const int rc = run_report(*opts);
    if (rc != 0) throw ExitStatus{rc};
  });
}

}  // namespace darkscope
