#include "report/report_text.hpp"

#include <fmt/format.h>

#include <regex>

#include "core/time.hpp"
#include "report/ranking.hpp"

namespace darkscope {
namespace {

std::string ordinal_en(int n) {
  const int tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    switch (n % 10) {
      case 1: suffix = "st"; break;
      case 2: suffix = "nd"; break;
      case 3: suffix = "rd"; break;
      default: break;
    }
  }
  return std::to_string(n) + suffix;
}

std::string rank_words(ReportLanguage lang, int rank) {
  if (lang == ReportLanguage::kEnglish) return ordinal_en(rank);
  return fmt::format(fmt::runtime(report_strings(lang).rank_suffix), rank);
}

std::string seconds_text(double s) {
  return s >= 100 ? group_digits(static_cast<std::uint64_t>(s + 0.5)) : fmt::format("{:.1f}", s);
}

/// English counts of one take the singular: "1 source addresses" -> "1 source
/// address" (a count is "1" only when not part of a longer number like "2,1").
std::string singular_counts(std::string text) {
  static const std::regex kOne(
      R"((^|[^0-9,.])1 (Mirai-type packet|packet|distinct source address|source address|darknet address)(es|s)\b)");
  return std::regex_replace(text, kOne, "$011 $2");
}

template <class... Args>
std::string say(std::string_view pattern, Args&&... args) {
  return singular_counts(fmt::format(fmt::runtime(pattern), std::forward<Args>(args)...));
}

}  // namespace

/// A country's name inside an English sentence: "the United States", "the
/// Netherlands"; as in the tables otherwise.
std::string country_in_sentence(ReportLanguage lang, const std::string& code) {
  std::string name = country_name(lang, code);
  if (lang == ReportLanguage::kEnglish &&
      (code == "US" || code == "GB" || code == "NL" || code == "PH" || code == "AE")) {
    name = "the " + name;
  }
  return name;
}

std::string group_digits(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[i];
    if (i + 1 < n && (n - i - 1) % 3 == 0) out += ',';
  }
  return out;
}

std::string percent(double fraction) { return fmt::format("{:.1f}", fraction * 100.0); }

std::string day_text(std::int64_t day) { return format_date(day * kNsPerDay); }

std::string port_label(ReportLanguage lang, const std::string& key, const std::string& service) {
  if (key == "other") return std::string(report_strings(lang).other_ports);
  const auto p = parse_port_key(key);
  if (!p) return key;
  if (p->protocol == 1) return "ICMP";
  std::string proto = p->proto;
  for (char& ch : proto) ch = static_cast<char>(ch - 'a' + 'A');
  std::string out = std::to_string(p->port) + "/" + proto;
  if (!service.empty()) out += (lang == ReportLanguage::kJapanese ? "(" : " (") + service + ")";
  return out;
}

std::string previous_rank_text(ReportLanguage lang, std::optional<int> rank) {
  return rank ? std::to_string(*rank) : std::string(report_strings(lang).none);
}

std::string row_label(ReportLanguage lang, const RankedRow& row) {
  if (!row.proto.empty()) return port_label(lang, row.key, row.service);
  return country_name(lang, row.key);
}

std::string join_sentences(ReportLanguage lang, const std::vector<std::string>& s) {
  std::string out;
  for (const auto& sentence : s) {
    if (!out.empty() && lang == ReportLanguage::kEnglish) out += ' ';
    out += sentence;
  }
  return out;
}

Findings report_findings(const ReportModel& m, ReportLanguage lang) {
  const ReportStrings& s = report_strings(lang);
  Findings f;
  const ReportTotals& t = m.totals;
  if (t.packets == 0) {
    f.overview.emplace_back(s.no_data);
  } else {
    f.overview.push_back(say(s.f_totals, group_digits(t.packets), group_digits(t.darknet_addresses),
                             t.seconds_between_packets_per_address
                                 ? seconds_text(*t.seconds_between_packets_per_address)
                                 : std::string(s.none)));
    if (t.change_vs_previous) {
      const double c = *t.change_vs_previous;
      f.overview.push_back(
          say(c >= 0 ? s.f_change_up : s.f_change_down, percent(c >= 0 ? c : -c)));
    } else {
      f.overview.emplace_back(s.f_change_none);
    }
    f.overview.push_back(say(s.f_sources, group_digits(t.sources)));
    f.overview.push_back(say(s.f_research, percent(t.research_share), group_digits(t.research_packets)));
  }
  const CaptureLossNote& loss = m.capture_loss;
  if (loss.dropped > 0) {
    std::string days;
    if (loss.days.size() > 5) {
      days = say(s.f_loss_days, loss.days.size());
    } else {
      for (const std::int64_t d : loss.days) {
        if (!days.empty()) days += s.list_separator;
        days += day_text(d);
      }
    }
    // Two decimals: a loss of a few packets in millions still shows as more than 0.
    f.overview.push_back(say(s.f_loss, group_digits(loss.dropped), days,
                             fmt::format("{:.2f}", 100.0 * loss.share()),
                             group_digits(loss.received)));
  }

  if (!m.top_ports.empty()) {
    const RankedRow& top = m.top_ports.front();
    std::string sentence = say(s.f_top_port, port_label(lang, top.key, top.service),
                               group_digits(top.packets), percent(top.share));
    if (!m.previous_has_data) {
      sentence += s.full_stop;
    } else if (top.previous_rank) {
      sentence += say(s.f_prev_rank, rank_words(lang, *top.previous_rank));
    } else {
      sentence += s.f_prev_none;
    }
    f.ports.push_back(sentence);
    if (m.previous_has_data) {
      std::string list;
      for (const RankedRow& r : m.top_ports) {
        if (r.previous_rank && static_cast<std::size_t>(*r.previous_rank) <= m.top_n) continue;
        if (!list.empty()) list += s.list_separator;
        list += port_label(lang, r.key, r.service);
      }
      if (!list.empty()) f.ports.push_back(say(s.f_new_ports, m.top_n, list));
    }
  }
  if (!m.top_countries.empty()) {
    const RankedRow& top = m.top_countries.front();
    f.countries.push_back(say(s.f_top_country, country_in_sentence(lang, top.key), percent(top.share)));
  }

  const MiraiSection& mi = m.mirai;
  f.mirai.push_back(
      say(s.f_mirai, group_digits(mi.packets), group_digits(mi.sources), percent(mi.share_of_all)));
  if (!mi.top_countries.empty()) {
    f.mirai.push_back(say(s.f_mirai_country, country_in_sentence(lang, mi.top_countries.front().key),
                          percent(mi.top_countries.front().share)));
  }
  const CountryTrend& fc = mi.focus_country;
  if (!fc.country.empty()) {
    const std::string name = country_in_sentence(lang, fc.country);
    if (fc.rank) {
      f.mirai.push_back(say(s.f_focus, name, group_digits(fc.packets), group_digits(fc.sources),
                            rank_words(lang, *fc.rank)));
      // The trend: the first and the last 7-day average of the period.
      std::optional<double> first;
      std::optional<double> last;
      for (const auto& v : fc.series.moving_average_7d) {
        if (!v) continue;
        if (!first) first = v;
        last = v;
      }
      if (first && last && *first > 0) {
        const auto fmt1 = [](double v) { return fmt::format("{:.1f}", v); };
        if (*last >= *first * 1.1) f.mirai.push_back(say(s.f_focus_trend_up, name, fmt1(*first), fmt1(*last)));
        if (*last <= *first * 0.9) f.mirai.push_back(say(s.f_focus_trend_down, name, fmt1(*first), fmt1(*last)));
      }
    } else {
      f.mirai.push_back(say(s.f_focus_unranked, name, group_digits(fc.packets)));
    }
  }

  if (!m.port_distribution_excluding_research.empty() &&
      m.port_distribution_excluding_research.front().key != "other") {
    const DistributionSlice& d = m.port_distribution_excluding_research.front();
    f.distribution.push_back(say(s.f_distribution, port_label(lang, d.key, d.service), percent(d.share)));
  }

  if (!m.surges.largest.empty()) {
    const SurgeRow& r = m.surges.largest.front();
    f.events.push_back(say(m.surges.count == 1 ? s.f_surge_one : s.f_surge, m.surges.count, port_label(lang, r.port_key, ""),
                           day_text(r.day), fmt::format("{:.1f}", r.factor)));
  }
  if (!m.dos_attacks.largest.empty()) {
    const DosRow& r = m.dos_attacks.largest.front();
    f.events.push_back(say(m.dos_attacks.count == 1 ? s.f_dos_one : s.f_dos, m.dos_attacks.count, r.victim, group_digits(r.packets)));
  }
  if (!m.scans.largest.empty()) {
    const ScanRow& r = m.scans.largest.front();
    f.events.push_back(say(m.scans.count == 1 ? s.f_scans_one : s.f_scans, m.scans.count, port_label(lang, r.port_key, ""),
                           group_digits(r.destinations)));
  }
  return f;
}

}  // namespace darkscope
