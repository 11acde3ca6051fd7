// Telnet option negotiation and data stream from untrusted clients.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "honeypot/telnet_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  darkscope::TelnetParser parser;
  std::string out;
  std::string replies;
  // Feed in uneven pieces: state must carry across reads.
  std::size_t at = 0;
  std::size_t step = 1;
  while (at < size) {
    const std::size_t n = std::min(step, size - at);
    parser.feed(std::span<const std::uint8_t>(data + at, n), out, replies);
    at += n;
    step = step * 3 % 17 + 1;
  }
  // Data never grows beyond the input; each option is refused at most once per
  // direction (3 bytes) and TTYPE is asked once (6 bytes).
  if (out.size() > size) std::abort();
  if (replies.size() > 2 * 256 * 3 + 6) std::abort();
  return 0;
}
