#include "honeypot/stats.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace darkscope {

namespace {
std::string string_field(const EventJson& e, const char* key) {
  const auto it = e.find(key);
  return it != e.end() && it->is_string() ? it->get<std::string>() : std::string{};
}
}  // namespace

CountedKeys top_keys(const std::map<std::string, std::uint64_t>& counts, std::size_t n) {
  CountedKeys out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (n != 0 && out.size() > n) out.resize(n);
  return out;
}

void HoneypotStatsBuilder::add(const EventJson& e) {
  if (!e.is_object()) {
    ++totals_.bad_lines;
    return;
  }
  ++totals_.events;
  const std::string id = string_field(e, "eventid");
  if (id == "cowrie.session.connect") {
    ++totals_.sessions;
    ++sources_[string_field(e, "src_ip")];
  } else if (id == "cowrie.login.success" || id == "cowrie.login.failed") {
    ++(id == "cowrie.login.success" ? totals_.logins_ok : totals_.logins_failed);
    ++credentials_[string_field(e, "username") + "/" + string_field(e, "password")];
  } else if (id == "cowrie.command.input") {
    ++totals_.commands;
    ++commands_[string_field(e, "input")];
  } else if (id == "cowrie.session.file_download") {
    ++totals_.downloads;
    ++urls_[string_field(e, "url")];
    ++shasums_[string_field(e, "shasum")];
  } else if (id == "cowrie.session.file_download.failed") {
    ++totals_.downloads_failed;
    ++urls_[string_field(e, "url")];
  } else if (id == "cowrie.session.file_upload") {
    ++shasums_[string_field(e, "shasum")];
  }
}

void HoneypotStatsBuilder::add_line(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  add(EventJson::parse(line, nullptr, false));  // discarded (not an object) on bad JSON
}

HoneypotStats HoneypotStatsBuilder::result(std::size_t top) const {
  HoneypotStats s = totals_;
  s.credentials = top_keys(credentials_, top);
  s.commands_top = top_keys(commands_, top);
  s.urls = top_keys(urls_, top);
  s.shasums = top_keys(shasums_, top);
  s.sources = top_keys(sources_, 0);
  return s;
}

HoneypotStats honeypot_stats_from_jsonl(const std::string& path, std::size_t top) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open event log " + path);
  HoneypotStatsBuilder builder;
  std::string line;
  while (std::getline(in, line)) builder.add_line(line);
  return builder.result(top);
}

}  // namespace darkscope
