// Every word a report prints, one table per language. Sentences are fmt format strings
// whose arguments are listed beside them; each language phrases a finding its own way.
#pragma once

#include <string>
#include <string_view>

namespace darkscope {

/// Report languages.
enum class ReportLanguage { kEnglish, kJapanese };

/// Parses "en" / "ja"; throws std::invalid_argument on anything else.
[[nodiscard]] ReportLanguage parse_report_language(std::string_view text);

/// The text of one language.
struct ReportStrings {
  std::string_view lang;  ///< BCP 47 tag for <html lang>
  std::string_view title;
  std::string_view subtitle_period;    ///< {0} from, {1} to
  std::string_view subtitle_previous;  ///< {0} from, {1} to
  std::string_view sensor_all;
  std::string_view sensor;             ///< {0} name
  std::string_view generated_by;

  std::string_view h_overview;
  std::string_view h_totals;
  std::string_view h_ports;
  std::string_view h_countries;
  std::string_view h_mirai;
  std::string_view h_distribution;
  std::string_view h_events;
  std::string_view h_surges;
  std::string_view h_dos;
  std::string_view h_scans;

  std::string_view table_ports;        ///< {0} N
  std::string_view table_countries;    ///< {0} N
  std::string_view table_mirai_countries;  ///< {0} N
  std::string_view table_distribution;
  std::string_view fig_ports;
  std::string_view fig_countries;
  std::string_view fig_mirai;
  std::string_view fig_mirai_countries;
  std::string_view fig_focus;          ///< {0} country
  std::string_view fig_distribution;
  std::string_view label_figure;       ///< {0} number
  std::string_view label_table;        ///< {0} number
  std::string_view axis_packets;
  std::string_view axis_date;
  std::string_view moving_average;     ///< legend suffix: {0} series
  std::string_view dashed_note;

  std::string_view col_rank;
  std::string_view col_port;
  std::string_view col_country;
  std::string_view col_packets;
  std::string_view col_share;
  std::string_view col_previous_rank;
  std::string_view col_item;
  std::string_view col_value;
  std::string_view col_day;
  std::string_view col_factor;
  std::string_view col_baseline;
  std::string_view col_sources;
  std::string_view col_fingerprint;
  std::string_view col_victim;
  std::string_view col_protocol;
  std::string_view col_start;
  std::string_view col_end;
  std::string_view col_bytes;
  std::string_view col_ports;
  std::string_view col_addresses;
  std::string_view col_peak;
  std::string_view col_estimated;
  std::string_view col_source;
  std::string_view col_class;
  std::string_view col_destinations;
  std::string_view col_scan_rate;

  std::string_view t_packets;
  std::string_view t_sources;
  std::string_view t_addresses;
  std::string_view t_packets_per_address;
  std::string_view t_seconds_between;
  std::string_view t_research_packets;
  std::string_view t_research_share;
  std::string_view t_previous_packets;
  std::string_view t_change;
  std::string_view t_mirai_packets;
  std::string_view t_mirai_sources;

  std::string_view none;               ///< an empty previous rank
  std::string_view other_ports;        ///< the rest of a distribution
  std::string_view unknown_country;
  std::string_view no_data;
  std::string_view no_events;
  std::string_view events_count;       ///< {0} count, {1} shown
  std::string_view service_note;

  // Findings in words.
  std::string_view f_totals;           ///< {0} packets {1} addresses {2} seconds
  std::string_view f_change_up;        ///< {0} percent
  std::string_view f_change_down;      ///< {0} percent
  std::string_view f_change_none;
  std::string_view f_sources;          ///< {0} sources
  std::string_view f_loss;             ///< {0} dropped {1} days {2} share {3} received
  std::string_view f_loss_days;        ///< {0} number of days (when too many to list)
  std::string_view f_top_port;         ///< {0} port {1} packets {2} share; no full stop
  std::string_view f_prev_rank;        ///< {0} rank
  std::string_view f_prev_none;
  std::string_view f_new_ports;        ///< {0} N {1} list
  std::string_view f_top_country;      ///< {0} country {1} share
  std::string_view f_research;         ///< {0} share {1} packets
  std::string_view f_distribution;     ///< {0} port {1} share
  std::string_view f_mirai;            ///< {0} packets {1} sources {2} share
  std::string_view f_mirai_country;    ///< {0} country {1} share
  std::string_view f_focus;            ///< {0} country {1} packets {2} sources {3} rank
  std::string_view f_focus_unranked;   ///< {0} country {1} packets
  std::string_view f_focus_trend_up;   ///< {0} country {1} first-week avg {2} last-week avg
  std::string_view f_focus_trend_down; ///< same
  std::string_view f_surge;            ///< {0} count {1} port {2} day {3} factor
  std::string_view f_dos;              ///< {0} count {1} victim {2} packets
  std::string_view f_scans;            ///< {0} count {1} port {2} destinations
  std::string_view f_surge_one;        ///< f_surge for exactly one surge
  std::string_view f_dos_one;          ///< f_dos for exactly one attack
  std::string_view f_scans_one;        ///< f_scans for exactly one scan
  std::string_view full_stop;
  std::string_view list_separator;
  std::string_view rank_suffix;        ///< {0} rank in running text: ja "7位" (en uses ordinals)
  std::string_view date_short;         ///< axis date: {0} month {1} day
};

/// The table of a language.
[[nodiscard]] const ReportStrings& report_strings(ReportLanguage lang);

/// A country's name in the language ("US" -> "United States" / "米国"); the code itself when
/// the table does not know it.
[[nodiscard]] std::string country_name(ReportLanguage lang, const std::string& code);

}  // namespace darkscope
