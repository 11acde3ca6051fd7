// The one ranking rule of every report table, and the 7-day moving average.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/report_model.hpp"

namespace darkscope {

/// A key and its packets in one period, before ranking.
struct KeyCount {
  std::string key;
  std::uint64_t packets = 0;
};

/// The tie rule: more packets first; equal packets in ascending key order, where port keys
/// compare as (protocol number, port) -- so "icmp" (1) < "tcp/22" < "tcp/23" < "udp/53" --
/// and every other key compares as text ("CN" < "US"). Ranks are dense positions 1, 2, 3,
/// ... in that order (two keys never share a rank). Keys with zero packets are not ranked.
[[nodiscard]] bool ranks_before(const KeyCount& a, const KeyCount& b);

/// Sorts by ranks_before and drops zero rows.
[[nodiscard]] std::vector<KeyCount> rank(std::vector<KeyCount> rows);

/// The 1-based rank of `key` in an already ranked list, or nullopt when absent.
[[nodiscard]] std::optional<int> rank_of(const std::vector<KeyCount>& ranked, const std::string& key);

/// Trailing mean over 7 days: value[i] = mean(values[i-6..i]). `lead_in` holds the days just
/// before values[0] (oldest first, at most 6 used); a day without 6 known days before it
/// has no average (nullopt), so a line never starts from invented zeros.
[[nodiscard]] std::vector<std::optional<double>> moving_average_7d(
    const std::vector<std::uint64_t>& values, const std::vector<std::uint64_t>& lead_in = {});

/// Splits a port ranking key: "tcp/23" -> {"tcp", 23}; "icmp" -> {"icmp", 0}.
/// nullopt when the key is not a port key.
struct ParsedPortKey {
  std::string proto;
  std::uint8_t protocol = 0;
  std::uint16_t port = 0;
};
[[nodiscard]] std::optional<ParsedPortKey> parse_port_key(const std::string& key);

}  // namespace darkscope
