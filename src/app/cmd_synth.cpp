// darkscope synth: write a realistic synthetic darknet capture (tests, demos, benchmarks).
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "app/commands.hpp"
#include "core/prefix.hpp"
#include "core/time.hpp"
#include "synth/synth.hpp"

namespace darkscope {
namespace {

struct SynthCommandOptions {
  std::uint64_t packets = 1'000'000;
  std::string darknet;
  std::string start = "2020-02-07";
  int days = 7;
  std::uint64_t seed = 1;
  int surge_day = 4;
  std::string output;
  bool quiet = false;
};

int run_synth(const SynthCommandOptions& o) {
  SynthOptions options;
  options.packets = o.packets;
  try {
    options.darknet = PrefixSet::parse_list(o.darknet);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "darkscope synth: bad --darknet: %s\n", e.what());
    return 2;
  }
  if (options.darknet.empty()) {
    std::fprintf(stderr, "darkscope synth: --darknet needs at least one IPv4 prefix\n");
    return 2;
  }
  const auto start = parse_time(o.start);
  if (!start) {
    std::fprintf(stderr, "darkscope synth: bad --start '%s' (expected YYYY-MM-DD[THH:MM[:SS]])\n",
                 o.start.c_str());
    return 2;
  }
  options.start_ns = *start;
  options.days = o.days;
  options.seed = o.seed;
  options.surge_day = o.surge_day;

  const auto began = std::chrono::steady_clock::now();
  const bool show_progress = !o.quiet && isatty(STDERR_FILENO);
  if (show_progress) {
    const std::uint64_t total = o.packets;
    options.progress = [total](std::uint64_t done) {
      std::fprintf(stderr, "\rsynth: %llu / %llu packets (%.0f%%)",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
    };
  }
  const SynthStats stats = write_synthetic_capture(options, o.output);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (show_progress) std::fputc('\n', stderr);
  if (!o.quiet) {
    std::fprintf(stderr, "synth: wrote %llu packets (%.1f MB) to %s in %.2f s (%.2f Mpps)\n",
                 static_cast<unsigned long long>(stats.packets),
                 static_cast<double>(stats.bytes) / 1e6, o.output.c_str(), seconds,
                 seconds > 0 ? static_cast<double>(stats.packets) / seconds / 1e6 : 0.0);
    for (int k = 0; k < kSynthKindCount; ++k) {
      std::fprintf(stderr, "  %-17s %llu\n", std::string(kSynthKindNames[k]).c_str(),
                   static_cast<unsigned long long>(stats.by_kind[k]));
    }
  }
  return 0;
}

}  // namespace

void add_synth_command(CLI::App& app) {
  auto opts = std::make_shared<SynthCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "synth", "Write a realistic synthetic darknet capture (pcap), the same bytes for the same seed");
  cmd->add_option("--packets,-n", opts->packets, "number of packets (records) to write")
      ->capture_default_str();
  cmd->add_option("--darknet", opts->darknet, "darknet prefixes, CIDR[,CIDR...] (an IPv4 one at least)")
      ->required();
  cmd->add_option("--start", opts->start, "first day, YYYY-MM-DD[THH:MM[:SS]] (UTC)")
      ->capture_default_str();
  cmd->add_option("--days", opts->days, "length of the capture in days")
      ->check(CLI::Range(1, 3660))
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "random seed")->capture_default_str();
  cmd->add_option("--surge-day", opts->surge_day,
                  "day index (0-based) of the 9530/tcp surge; -1 for none")
      ->check(CLI::Range(-1, 3659))
      ->capture_default_str();
  cmd->add_option("-o,--output", opts->output, "output pcap file")->required();
  cmd->add_flag("--quiet,-q", opts->quiet, "print nothing on success");
  cmd->callback([opts] {
    const int code = run_synth(*opts);
    if (code != 0) throw ExitStatus{code};
  });
}

}  // namespace darkscope
