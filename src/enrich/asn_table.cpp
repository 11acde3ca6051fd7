#include "enrich/asn_table.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <numeric>
#include <stdexcept>

#include "core/mapped_file.hpp"

namespace darkscope {
namespace {

constexpr std::size_t kMaxReportedLines = 5;

// Splits off the next CSV field; handles "quoted, with ""escaped"" quotes".
// The field is a view into `line`, or into `scratch` when quotes had to be undone.
// Returns false when a quoted field is not closed.
bool next_field(std::string_view& line, std::string& scratch, std::string_view& out) {
  if (line.empty() || line.front() != '"') {
    const auto comma = line.find(',');
    out = line.substr(0, comma);
    line.remove_prefix(comma == std::string_view::npos ? line.size() : comma + 1);
    return true;
  }
  const auto close = line.find('"', 1);
  if (close == std::string_view::npos) return false;
  if (close + 1 >= line.size() || line[close + 1] != '"') {  // no escaped quote: a view
    if (close + 1 < line.size() && line[close + 1] != ',') return false;
    out = line.substr(1, close - 1);
    line.remove_prefix(std::min(close + 2, line.size()));
    return true;
  }
  scratch.clear();
  std::size_t i = 1;
  while (true) {
    if (i >= line.size()) return false;
    if (line[i] == '"') {
      if (i + 1 < line.size() && line[i + 1] == '"') {
        scratch.push_back('"');
        i += 2;
        continue;
      }
      ++i;
      break;
    }
    scratch.push_back(line[i]);
    ++i;
  }
  if (i < line.size() && line[i] != ',') return false;
  line.remove_prefix(std::min(i + 1, line.size()));
  out = scratch;
  return true;
}

// Plain field without copying (first three fields are never quoted in these files).
std::string_view next_plain(std::string_view& line) {
  const auto comma = line.find(',');
  const auto field = line.substr(0, comma);
  line.remove_prefix(comma == std::string_view::npos ? line.size() : comma + 1);
  return field;
}

bool parse_u128(std::string_view text, Uint128& out) {
  if (text.empty() || text.size() > 39) return false;
  // 38 digits always fit in 128 bits (10^38 < 2^128); only the 39th can overflow,
  // so the check costs one comparison, not a 128-bit division per digit.
  constexpr Uint128 kMax = ~Uint128{0};
  Uint128 v = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<unsigned>(c - '0');
    if (i == 38 && (v > kMax / 10 || v * 10 > kMax - digit)) return false;  // overflow
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Uint128 to_uint128(const IpAddress& a) noexcept {
  Uint128 v = 0;
  for (const auto b : a.bytes) v = (v << 8) | b;
  return v;
}

bool parse_ipv4(std::string_view text, std::uint32_t& out) noexcept {
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t i = 0;
  while (octets < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    unsigned octet = 0;
    int digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      if (++digits > 3) return false;
      ++i;
    }
    if (octet > 255) return false;
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i != text.size()) return false;
  out = value;
  return true;
}

std::size_t AsnTable::add_csv(std::string_view text, std::string_view label, bool numbers_are_v6,
                              std::vector<std::string>& warnings) {
  std::size_t added = 0;
  std::size_t bad = 0;
  std::size_t line_no = 0;
  std::string scratch;
  std::string_view name;
  std::uint32_t last_named = 0;
  auto report = [&](std::string_view why) {
    if (++bad <= kMaxReportedLines) {
      warnings.push_back(std::string(label) + ":" + std::to_string(line_no) + ": " +
                         std::string(why) + ", line skipped");
    }
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;

    const auto first = next_plain(line);
    const auto last = next_plain(line);
    const auto asn_text = next_plain(line);
    std::uint32_t asn = 0;
    {
      const auto* end = asn_text.data() + asn_text.size();
      const auto [ptr, ec] = std::from_chars(asn_text.data(), end, asn);
      if (asn_text.empty() || ec != std::errc{} || ptr != end) {
        report("bad AS number");
        continue;
      }
    }
    if (!next_field(line, scratch, name)) {
      report("unterminated quoted name");
      continue;
    }

    std::uint32_t a4 = 0;
    std::uint32_t b4 = 0;
    Uint128 a6 = 0;
    Uint128 b6 = 0;
    bool is_v4 = false;
    if (all_digits(first) && all_digits(last)) {
      if (!parse_u128(first, a6) || !parse_u128(last, b6)) {
        report("bad numeric range");
        continue;
      }
      if (!numbers_are_v6) {
        if (a6 > 0xffffffffu || b6 > 0xffffffffu) {
          report("IPv4 number out of range");
          continue;
        }
        a4 = static_cast<std::uint32_t>(a6);
        b4 = static_cast<std::uint32_t>(b6);
        is_v4 = true;
      }
    } else if (parse_ipv4(first, a4) && parse_ipv4(last, b4)) {
      is_v4 = true;
    } else {
      const auto fa = IpAddress::parse(first);
      const auto la = IpAddress::parse(last);
      if (!fa || !la) {
        report("bad address");
        continue;
      }
      if (fa->is_v4() && la->is_v4()) {
        a4 = fa->v4_value();
        b4 = la->v4_value();
        is_v4 = true;
      } else {
        a6 = to_uint128(*fa);
        b6 = to_uint128(*la);
      }
    }
    if (is_v4 ? a4 > b4 : a6 > b6) {
      report("range ends before it starts");
      continue;
    }
    if (is_v4) {
      v4_start_.push_back(a4);
      v4_end_.push_back(b4);
      v4_asn_.push_back(asn);
    } else {
      v6_start_.push_back(a6);
      v6_end_.push_back(b6);
      v6_asn_.push_back(asn);
    }
    if (asn != 0 && asn != last_named && !name.empty()) {
      add_name(asn, name);
      last_named = asn;  // neighbouring ranges often share an AS
    }
    ++added;
  }
  if (bad > kMaxReportedLines) {
    warnings.push_back(std::string(label) + ": " + std::to_string(bad - kMaxReportedLines) +
                       " more malformed lines skipped");
  }
  return added;
}

std::size_t AsnTable::load_file(const std::string& path, std::vector<std::string>& warnings) {
  const auto slash = path.find_last_of('/');
  const std::string_view base = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
  const bool numbers_are_v6 = base.find("ipv6") != std::string_view::npos;
  // A regular file is parsed straight from its mapping: reading it into a buffer
  // would first clear and then copy it (the IPv4 file is 24 MB).
  if (const auto mapped = MappedFile::map(path)) return add_csv(mapped->text(), path, numbers_are_v6, warnings);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open ASN range file");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read ASN range file");
  return add_csv(text, path, numbers_are_v6, warnings);
}

namespace {
template <typename Key>
void sort_ranges(std::vector<Key>& start, std::vector<Key>& end, std::vector<std::uint32_t>& asn) {
  if (std::is_sorted(start.begin(), start.end())) return;  // the published files are
  std::vector<std::size_t> order(start.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return start[a] < start[b]; });
  std::vector<Key> s(start.size());
  std::vector<Key> e(start.size());
  std::vector<std::uint32_t> n(start.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    s[i] = start[order[i]];
    e[i] = end[order[i]];
    n[i] = asn[order[i]];
  }
  start.swap(s);
  end.swap(e);
  asn.swap(n);
}

template <typename Key>
std::uint32_t find_range(const std::vector<Key>& start, const std::vector<Key>& end,
                         const std::vector<std::uint32_t>& asn, Key v) noexcept {
  const auto it = std::upper_bound(start.begin(), start.end(), v);
  if (it == start.begin()) return 0;
  const auto i = static_cast<std::size_t>(it - start.begin()) - 1;
  return v <= end[i] ? asn[i] : 0;
}
}  // namespace

void AsnTable::finish() {
  sort_ranges(v4_start_, v4_end_, v4_asn_);
  sort_ranges(v6_start_, v6_end_, v6_asn_);
}

std::uint32_t AsnTable::lookup(const IpAddress& a) const noexcept {
  if (a.is_v4()) return find_range(v4_start_, v4_end_, v4_asn_, a.v4_value());
  return find_range(v6_start_, v6_end_, v6_asn_, to_uint128(a));
}

void AsnTable::add_name(std::uint32_t asn, std::string_view name) {
  NameRef& ref = names_[asn];
  if (ref.size != 0) return;  // the first name given stays
  ref = {static_cast<std::uint32_t>(name_text_.size()), static_cast<std::uint32_t>(name.size())};
  name_text_.append(name);
}

std::string_view AsnTable::name(std::uint32_t asn) const noexcept {
  const NameRef* ref = names_.find(asn);
  return ref == nullptr ? std::string_view{} : std::string_view(name_text_).substr(ref->offset, ref->size);
}

}  // namespace darkscope
