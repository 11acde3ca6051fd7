#include "app/commands.hpp"

#include <array>

namespace darkscope {

void add_lookup_command(CLI::App& app);  // cmd_lookup.cpp
void add_report_command(CLI::App& app);  // cmd_report.cpp

void add_all_commands(CLI::App& app) {
  // One row per command; a new command is one file plus one row here.
  const std::array<AddCommand, 4> commands = {
      add_analyze_command,
      add_packets_command,
      add_report_command,
      add_lookup_command,
  };
  for (const AddCommand add : commands) add(app);
}

}  // namespace darkscope
