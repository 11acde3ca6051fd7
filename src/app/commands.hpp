// The darkscope subcommands: one explicit table, one add_*_command per file.
#pragma once

#include <CLI/CLI.hpp>

namespace darkscope {

/// A command adds its CLI11 subcommand (options and callback) to the app.
using AddCommand = void (*)(CLI::App& app);

void add_analyze_command(CLI::App& app);
void add_packets_command(CLI::App& app);

/// Every subcommand, in the order `darkscope --help` lists them.
void add_all_commands(CLI::App& app);

/// Thrown by a command's callback to end with a given exit status and no further message.
struct ExitStatus {
  int code;
};

}  // namespace darkscope
