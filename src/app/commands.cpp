#include "app/commands.hpp"

#include <array>

namespace darkscope {

void add_lookup_command(CLI::App& app);  // cmd_lookup.cpp
void add_synth_command(CLI::App& app);   // cmd_synth.cpp

void add_ingest_command(CLI::App& app);  // cmd_ingest.cpp
void add_top_command(CLI::App& app);     // cmd_top.cpp
void add_series_command(CLI::App& app);  // cmd_series.cpp

void add_events_command(CLI::App& app);  // cmd_events.cpp
void add_source_command(CLI::App& app);  // cmd_source.cpp
void add_feed_command(CLI::App& app);    // cmd_feed.cpp
void add_report_command(CLI::App& app);  // cmd_report.cpp
void add_honeypot_command(CLI::App& app);        // cmd_honeypot.cpp
void add_honeypot_stats_command(CLI::App& app);  // cmd_honeypot.cpp

void add_all_commands(CLI::App& app) {
  // One row per command; a new command is one file plus one row here.
  const std::array<AddCommand, 13> commands = {
      add_analyze_command,
      add_packets_command,
      add_ingest_command,
      add_top_command,
      add_series_command,
      add_events_command,
      add_source_command,
      add_feed_command,
      add_report_command,
      add_lookup_command,
      add_synth_command,
      add_honeypot_command,
      add_honeypot_stats_command,
  };
  for (const AddCommand add : commands) add(app);
}

}  // namespace darkscope
