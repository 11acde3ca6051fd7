// The emulated shell: the parser and the interpreter over bot-supplied lines.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include "honeypot/shell.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const darkscope::ParsedLine parsed = darkscope::parse_shell_line(text);
  if (!parsed.error.empty() && !parsed.pipelines.empty()) std::abort();
  bool stop = false;
  if (darkscope::expand_echo_escapes(text, &stop).size() > size) std::abort();

  darkscope::ShellLimits limits;
  limits.max_file_bytes = 64 * 1024;
  limits.max_output_bytes = 64 * 1024;
  darkscope::EmulatedShell shell(darkscope::find_device_profile(size % 2 ? "dvr" : "router"), limits);
  asio::io_context io;
  std::size_t start = 0;
  int lines = 0;
  while (start <= text.size() && lines++ < 64) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto f = asio::co_spawn(io, shell.run(std::string(text.substr(start, end - start)), {}), asio::use_future);
    io.restart();
    io.run();
    const darkscope::ShellOutput out = f.get();
    if (out.text.size() > limits.max_output_bytes) std::abort();
    if (shell.fs().bytes_used() > limits.max_file_bytes) std::abort();
    if (out.exit) break;
    start = end + 1;
  }
  return 0;
}
