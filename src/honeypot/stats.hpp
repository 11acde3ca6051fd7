// honeypot-stats: what the honeypot saw, counted from its events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "honeypot/events.hpp"

namespace darkscope {

using CountedKeys = std::vector<std::pair<std::string, std::uint64_t>>;

/// Totals and rankings (most first, ties by key) over a set of events.
struct HoneypotStats {
  std::uint64_t events = 0;
  std::uint64_t sessions = 0;
  std::uint64_t logins_ok = 0;
  std::uint64_t logins_failed = 0;
  std::uint64_t commands = 0;
  std::uint64_t downloads = 0;
  std::uint64_t downloads_failed = 0;
  std::uint64_t bad_lines = 0;  ///< lines that were not JSON objects (skipped)
  CountedKeys credentials;      ///< "user/password" over failed and good logins
  CountedKeys commands_top;     ///< command lines
  CountedKeys urls;             ///< download URLs (fetched or not)
  CountedKeys shasums;          ///< payload hashes (downloads and files written in sessions)
  CountedKeys sources;          ///< sessions per source address (all, not cut to top)
};

/// Counts events one by one.
class HoneypotStatsBuilder {
 public:
  void add(const EventJson& event);
  /// Adds one JSONL line; counts it as bad when it is not a JSON object.
  void add_line(std::string_view line);
  /// Rankings cut to `top` entries (0: all), except `sources`.
  [[nodiscard]] HoneypotStats result(std::size_t top) const;

 private:
  HoneypotStats totals_;
  std::map<std::string, std::uint64_t> credentials_;
  std::map<std::string, std::uint64_t> commands_;
  std::map<std::string, std::uint64_t> urls_;
  std::map<std::string, std::uint64_t> shasums_;
  std::map<std::string, std::uint64_t> sources_;
};

/// Reads a Cowrie-style JSONL file; throws std::runtime_error when it cannot be opened.
[[nodiscard]] HoneypotStats honeypot_stats_from_jsonl(const std::string& path, std::size_t top);

/// The top `n` of counted keys, most first, ties by key.
[[nodiscard]] CountedKeys top_keys(const std::map<std::string, std::uint64_t>& counts, std::size_t n);

}  // namespace darkscope
