// ASN CSV range parser (ip-location-db format): any text, then lookups.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "enrich/asn_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  darkscope::AsnTable t;
  std::vector<std::string> warnings;
  t.add_csv(text, "fuzz.csv", false, warnings);
  t.add_csv(text, "fuzz-ipv6-num.csv", true, warnings);
  t.finish();
  for (std::size_t i = 0; i + 4 <= size && i < 256; i += 4) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 24) | (std::uint32_t{data[i + 1]} << 16) |
                            (std::uint32_t{data[i + 2]} << 8) | data[i + 3];
    (void)t.name(t.lookup(darkscope::IpAddress::v4(v)));
  }
  if (size >= 16) (void)t.lookup(darkscope::IpAddress::v6(data));
  return 0;
}
