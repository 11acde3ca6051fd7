// The event detectors' flags (shared by `ingest`) and the `events`, `source` and
// `feed` commands' helpers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "store/events_store.hpp"

namespace darkscope {

void add_events_command(CLI::App& app);  // cmd_events.cpp
void add_source_command(CLI::App& app);  // cmd_source.cpp
void add_feed_command(CLI::App& app);    // cmd_feed.cpp

/// The detector thresholds as flags take them (durations in seconds).
struct EventFlags {
  bool disabled = false;
  double scan_timeout_s = 600;
  std::uint64_t scan_min_packets = 2;
  std::uint64_t scan_min_destinations = 100;
  double scan_min_pps = 10;
  std::uint64_t dos_min_packets = 25;
  double dos_min_duration_s = 60;
  std::uint64_t dos_min_window_packets = 30;
  double dos_timeout_s = 300;
  double surge_factor = 5;
  std::uint64_t surge_min_packets = 1000;
  std::uint64_t surge_min_sources = 50;
  int surge_min_history = 14;

  [[nodiscard]] EventOptions options() const;
};

/// Adds the "Events" flag group (--no-events, --scan-timeout, --dos-min-packets, ...).
void add_event_flags(CLI::App* cmd, EventFlags& flags);

/// Parses a --from/--to value to nanoseconds; throws CLI::ValidationError naming the flag.
[[nodiscard]] std::optional<std::int64_t> parse_event_time(const std::string& flag,
                                                           const std::string& text);

/// "tcp", "udp", "icmp", "icmpv6", or the number.
[[nodiscard]] std::string protocol_text(std::uint8_t protocol);

}  // namespace darkscope
