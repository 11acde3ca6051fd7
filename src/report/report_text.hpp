// Text pieces shared by the HTML and Markdown renderers (internal to src/report).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report_model.hpp"
#include "report/strings.hpp"

namespace darkscope {

/// 1234567 -> "1,234,567".
[[nodiscard]] std::string group_digits(std::uint64_t v);
/// 0.2421 -> "24.2" (one decimal, no % sign).
[[nodiscard]] std::string percent(double fraction);
/// A day number as "YYYY-MM-DD".
[[nodiscard]] std::string day_text(std::int64_t day);
/// "23/TCP (telnet)", "53/UDP (dns)", "ICMP"; Japanese omits the space, as TSUBAME does.
[[nodiscard]] std::string port_label(ReportLanguage lang, const std::string& key,
                                     const std::string& service);
/// A previous rank as shown in a table: "7" / "7位", or "-" when absent.
[[nodiscard]] std::string previous_rank_text(ReportLanguage lang, std::optional<int> rank);
/// A country's name inside an English sentence ("the United States"); in
/// Japanese, and for other countries, the name as in the tables.
[[nodiscard]] std::string country_in_sentence(ReportLanguage lang, const std::string& code);
/// The label of a ranked row (port label or country name).
[[nodiscard]] std::string row_label(ReportLanguage lang, const RankedRow& row);

/// The findings in words, one list of sentences per section.
struct Findings {
  std::vector<std::string> overview;
  std::vector<std::string> ports;
  std::vector<std::string> countries;
  std::vector<std::string> mirai;
  std::vector<std::string> distribution;
  std::vector<std::string> events;
};
[[nodiscard]] Findings report_findings(const ReportModel& model, ReportLanguage lang);

/// Joins sentences: with a space in English, directly in Japanese.
[[nodiscard]] std::string join_sentences(ReportLanguage lang, const std::vector<std::string>& s);

}  // namespace darkscope
