// darkscope: darknet and IoT-honeypot observation and analysis.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"darkscope: observe a darknet (network telescope) and an IoT honeypot, and report what "
               "the Internet does to them.",
               "darkscope"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", [] { return darkscope::version_text(); });
  app.footer("Run 'darkscope COMMAND --help' for the options of a command.");
  darkscope::add_all_commands(app);

  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const darkscope::ExitStatus& s) {
    return s.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "darkscope: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
