// Scanner-list parser: any text, then lookups over the compiled ranges.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/scanner_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  darkscope::ScannerRanges s;
  std::vector<std::string> warnings;
  s.add_text(text, "fuzz.txt", "fuzz", warnings);
  // A second list overlapping the first exercises the overlap resolution.
  s.add_text(text.substr(size / 2), "fuzz2.nft", "other", warnings);
  s.finish();
  std::uint32_t v = 0;
  for (std::size_t i = 0; i + 4 <= size && i < 256; i += 4) {
    v = (std::uint32_t{data[i]} << 24) | (std::uint32_t{data[i + 1]} << 16) | (std::uint32_t{data[i + 2]} << 8) |
        data[i + 3];
    (void)s.org_name(s.lookup(darkscope::IpAddress::v4(v)));
  }
  if (size >= 16) (void)s.lookup(darkscope::IpAddress::v6(data));
  (void)s.lookup(darkscope::IpAddress::v4(0));
  (void)s.lookup(darkscope::IpAddress::v4(0xffffffffu));
  return 0;
}
