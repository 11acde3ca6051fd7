#include "store/codec.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <tuple>

namespace darkscope {

namespace {

void put_address16(std::string& out, const IpAddress& a) {
  out.append(reinterpret_cast<const char*>(a.bytes.data()), 16);
}
bool get_address16(std::string_view data, std::size_t& pos, IpAddress& a) {
  if (data.size() - pos < 16) return false;
  std::memcpy(a.bytes.data(), data.data() + pos, 16);
  pos += 16;
  return true;
}

}  // namespace

std::string encode_source_set(std::span<const std::uint32_t> v4, std::span<const IpAddress> v6) {
  std::string out;
  out.reserve(v4.size() * 3 + v6.size() * 16 + 4);
  put_varint(out, v4.size());
  put_varint(out, v6.size());
  std::uint32_t previous = 0;
  for (const std::uint32_t v : v4) {
    put_varint(out, v - previous);
    previous = v;
  }
  for (const IpAddress& a : v6) put_address16(out, a);
  return out;
}

bool decode_source_set(std::string_view data, SourceSet& out) {
  out.v4.clear();
  out.v6.clear();
  std::size_t pos = 0;
  std::uint64_t n4 = 0;
  std::uint64_t n6 = 0;
  if (!get_varint(data, pos, n4) || !get_varint(data, pos, n6) || n4 > data.size() ||
      n6 > data.size() / 16) {
    return false;
  }
  out.v4.resize(n4);
  std::uint64_t value = 0;
  for (std::uint64_t i = 0; i < n4; ++i) {
    std::uint64_t d = 0;
    // The common case, a one- or two-byte difference, without the general loop.
    const auto b0 = pos < data.size() ? static_cast<std::uint8_t>(data[pos]) : 0x80;
    if (b0 < 0x80) {
      d = b0;
      ++pos;
    } else if (!get_varint(data, pos, d)) {
      return false;
    }
    value += d;
    if (value > 0xffffffffULL) return false;
    out.v4[i] = static_cast<std::uint32_t>(value);
  }
  out.v6.resize(n6);
  for (std::uint64_t i = 0; i < n6; ++i) {
    if (!get_address16(data, pos, out.v6[i])) return false;
  }
  return pos == data.size();
}

void unite(SourceSet& into, const SourceSet& other) {
  if (other.empty()) return;
  if (into.empty()) {
    into = other;
    return;
  }
  std::vector<std::uint32_t> v4;
  v4.reserve(into.v4.size() + other.v4.size());
  std::set_union(into.v4.begin(), into.v4.end(), other.v4.begin(), other.v4.end(), std::back_inserter(v4));
  into.v4 = std::move(v4);
  if (!other.v6.empty()) {
    std::vector<IpAddress> v6;
    std::set_union(into.v6.begin(), into.v6.end(), other.v6.begin(), other.v6.end(), std::back_inserter(v6));
    into.v6 = std::move(v6);
  }
}

SourceSet unite_all(std::vector<SourceSet>& sets) {
  SourceSet out;
  if (sets.empty()) return out;
  if (sets.size() == 1) return std::move(sets[0]);
  std::size_t n4 = 0;
  for (const SourceSet& s : sets) n4 += s.v4.size();
  std::vector<std::uint32_t> all;
  all.reserve(n4);
  for (SourceSet& s : sets) {
    all.insert(all.end(), s.v4.begin(), s.v4.end());
    s.v4 = {};
    out.v6.insert(out.v6.end(), s.v6.begin(), s.v6.end());
  }
  // Two passes of 16 bits.
  std::vector<std::uint32_t> tmp(all.size());
  std::vector<std::uint32_t> count(65537);
  for (int shift = 0; shift < 32; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (const std::uint32_t v : all) ++count[((v >> shift) & 0xffff) + 1];
    for (std::size_t i = 0; i < 65536; ++i) count[i + 1] += count[i];
    for (const std::uint32_t v : all) tmp[count[(v >> shift) & 0xffff]++] = v;
    all.swap(tmp);
  }
  all.erase(std::unique(all.begin(), all.end()), all.end());
  out.v4 = std::move(all);
  std::sort(out.v6.begin(), out.v6.end());
  out.v6.erase(std::unique(out.v6.begin(), out.v6.end()), out.v6.end());
  return out;
}

std::uint64_t union_size(const std::vector<SourceSet>& sets) {
  if (sets.empty()) return 0;
  if (sets.size() == 1) return sets[0].size();
  std::vector<std::size_t> at(sets.size(), 0);
  std::vector<std::uint64_t> bits(1024, 0);  // one /16
  std::vector<std::uint32_t> touched;
  std::uint64_t n = 0;
  for (;;) {
    std::uint32_t prefix = 0xffffffffu;
    bool any = false;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      if (at[i] < sets[i].v4.size()) {
        prefix = std::min(prefix, sets[i].v4[at[i]] >> 16);
        any = true;
      }
    }
    if (!any) break;
    for (std::size_t i = 0; i < sets.size(); ++i) {
      const auto& v = sets[i].v4;
      std::size_t j = at[i];
      for (; j < v.size() && (v[j] >> 16) == prefix; ++j) {
        const std::uint32_t low = v[j] & 0xffff;
        std::uint64_t& word = bits[low >> 6];
        const std::uint64_t bit = std::uint64_t{1} << (low & 63);
        if ((word & bit) == 0) {
          if (word == 0) touched.push_back(low >> 6);
          word |= bit;
          ++n;
        }
      }
      at[i] = j;
    }
    for (const std::uint32_t w : touched) bits[w] = 0;
    touched.clear();
  }
  std::vector<IpAddress> v6;
  for (const SourceSet& s : sets) v6.insert(v6.end(), s.v6.begin(), s.v6.end());
  if (!v6.empty()) {
    std::sort(v6.begin(), v6.end());
    n += static_cast<std::uint64_t>(std::unique(v6.begin(), v6.end()) - v6.begin());
  }
  return n;
}

SourceSet intersect(const SourceSet& a, const SourceSet& b) {
  SourceSet out;
  std::set_intersection(a.v4.begin(), a.v4.end(), b.v4.begin(), b.v4.end(), std::back_inserter(out.v4));
  std::set_intersection(a.v6.begin(), a.v6.end(), b.v6.begin(), b.v6.end(), std::back_inserter(out.v6));
  return out;
}

void SetBlockWriter::add(std::uint32_t key, const std::string& set) {
  put_varint(body_, key - (count_ == 0 ? 0 : last_));
  put_varint(body_, set.size());
  body_ += set;
  if (count_ == 0) first_ = key;
  last_ = key;
  ++count_;
}

std::string SetBlockWriter::finish() {
  std::string out;
  out.reserve(body_.size() + 4);
  put_varint(out, count_);
  out += body_;
  body_.clear();
  count_ = 0;
  return out;
}

namespace {

/// Walks a set block's (key, set bytes) entries in key order until `visit` returns
/// false. False when the block is damaged before the walk ends or stops.
template <class Visit>
bool walk_sets(std::string_view block, Visit visit) {
  std::size_t pos = 0;
  std::uint64_t n = 0;
  if (!get_varint(block, pos, n) || n > block.size()) return false;
  std::uint64_t key = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t delta = 0;
    std::uint64_t size = 0;
    if (!get_varint(block, pos, delta) || !get_varint(block, pos, size) || size > block.size() - pos) return false;
    key += delta;
    if (key > 0xffffffffULL) return false;
    if (!visit(static_cast<std::uint32_t>(key), block.substr(pos, size))) return true;
    pos += size;
  }
  return pos == block.size();
}

}  // namespace

bool for_each_set(std::string_view block, const std::function<void(std::uint32_t, std::string_view)>& f) {
  return walk_sets(block, [&](std::uint32_t key, std::string_view set) {
    f(key, set);
    return true;
  });
}

bool find_set(std::string_view block, std::uint32_t key, SourceSet& out) {
  bool found = false;
  bool decoded = false;
  (void)walk_sets(block, [&](std::uint32_t k, std::string_view set) {
    if (k < key) return true;
    found = k == key;
    if (found) decoded = decode_source_set(set, out);
    return false;
  });
  return found && decoded;
}

void SourceRecordWriter::add(const SourceDay& s, std::span<const PortCount> ports, std::uint32_t scanner_id) {
  std::string& out = s.src.is_v4() ? v4_ : v6_;
  if (s.src.is_v4()) {
    put_varint(out, s.src.v4_value() - previous_);
    previous_ = s.src.v4_value();
    ++n4_;
  } else {
    put_address16(out, s.src);
    ++n6_;
  }
  put_varint(out, s.packets);
  put_varint(out, s.bytes);
  put_varint(out, s.classes);
  put_varint(out, s.fingerprints);
  out.push_back(s.country[0]);
  out.push_back(s.country[1]);
  put_varint(out, s.asn);
  put_varint(out, scanner_id);
  put_varint(out, static_cast<std::uint64_t>(s.first_ns - day_ns_));
  put_varint(out, static_cast<std::uint64_t>(s.last_ns - s.first_ns));
  put_varint(out, ports.size());
  std::uint32_t previous = 0;
  for (const PortCount& p : ports) {
    put_varint(out, p.port - previous);
    put_varint(out, p.packets);
    previous = p.port;
  }
}

std::string SourceRecordWriter::finish() {
  std::string out;
  out.reserve(v4_.size() + v6_.size() + 8);
  put_varint(out, n4_);
  put_varint(out, n6_);
  out += v4_;
  out += v6_;
  v4_.clear();
  v6_.clear();
  n4_ = n6_ = 0;
  previous_ = 0;
  return out;
}

bool decode_source_records(std::string_view data, std::int64_t day_s, std::vector<SourceRecord>& out) {
  out.clear();
  const std::int64_t day_ns = day_s * 1'000'000'000LL;
  std::size_t pos = 0;
  std::uint64_t n4 = 0;
  std::uint64_t n6 = 0;
  if (!get_varint(data, pos, n4) || !get_varint(data, pos, n6) || n4 + n6 > data.size()) return false;
  out.reserve(n4 + n6);
  std::uint64_t address = 0;
  for (std::uint64_t i = 0; i < n4 + n6; ++i) {
    SourceRecord r;
    std::uint64_t v = 0;
    if (i < n4) {
      if (!get_varint(data, pos, v)) return false;
      address += v;
      if (address > 0xffffffffULL) return false;
      r.src = IpAddress::v4(static_cast<std::uint32_t>(address));
    } else if (!get_address16(data, pos, r.src)) {
      return false;
    }
    std::uint64_t classes = 0;
    std::uint64_t fingerprints = 0;
    std::uint64_t asn = 0;
    std::uint64_t scanner = 0;
    std::uint64_t first = 0;
    std::uint64_t span = 0;
    std::uint64_t nports = 0;
    if (!get_varint(data, pos, r.packets) || !get_varint(data, pos, r.bytes) ||
        !get_varint(data, pos, classes) || !get_varint(data, pos, fingerprints) || data.size() - pos < 2) {
      return false;
    }
    r.classes = static_cast<std::uint16_t>(classes);
    r.fingerprints = static_cast<std::uint16_t>(fingerprints);
    r.country = {data[pos], data[pos + 1]};
    pos += 2;
    if (!get_varint(data, pos, asn) || !get_varint(data, pos, scanner) || !get_varint(data, pos, first) ||
        !get_varint(data, pos, span) || !get_varint(data, pos, nports) || nports > data.size()) {
      return false;
    }
    r.asn = static_cast<std::uint32_t>(asn);
    r.scanner = static_cast<std::uint32_t>(scanner);
    r.first_ns = day_ns + static_cast<std::int64_t>(first);
    r.last_ns = r.first_ns + static_cast<std::int64_t>(span);
    r.ports.resize(nports);
    std::uint64_t port = 0;
    for (std::uint64_t j = 0; j < nports; ++j) {
      std::uint64_t packets = 0;
      if (!get_varint(data, pos, v) || !get_varint(data, pos, packets)) return false;
      port += v;
      r.ports[j] = {static_cast<std::uint32_t>(port), static_cast<std::uint32_t>(packets)};
    }
    out.push_back(std::move(r));
  }
  return pos == data.size();
}

std::uint32_t source_bucket(const IpAddress& a) noexcept {
  return static_cast<std::uint32_t>(hash_address(a) >> 54);  // top 10 bits: 1024 buckets
}

namespace {

constexpr std::uint8_t kScanV6 = 1;
constexpr std::uint8_t kScanExact = 2;
constexpr std::uint8_t kScanWide = 4;

}  // namespace

std::string encode_scans(std::vector<ScanEvent> scans, std::int64_t day_s, double scale) {
  std::sort(scans.begin(), scans.end(), [](const ScanEvent& a, const ScanEvent& b) {
    return std::tie(a.source, a.protocol, a.port, a.traffic_class, a.start_ns) <
           std::tie(b.source, b.protocol, b.port, b.traffic_class, b.start_ns);
  });
  const std::int64_t day_ns = day_s * 1'000'000'000LL;
  std::string out;
  out.reserve(scans.size() * 16 + 16);
  char raw[8];
  std::memcpy(raw, &scale, 8);
  out.append(raw, 8);
  put_varint(out, scans.size());
  std::uint32_t previous = 0;
  for (const ScanEvent& e : scans) {
    const bool v4 = e.source.is_v4();
    out.push_back(static_cast<char>((v4 ? 0 : kScanV6) | (e.destinations_exact ? kScanExact : 0) |
                                    (e.internet_wide ? kScanWide : 0)));
    if (v4) {
      put_varint(out, e.source.v4_value() - previous);
      previous = e.source.v4_value();
    } else {
      put_address16(out, e.source);
    }
    out.push_back(static_cast<char>(e.protocol));
    put_varint(out, e.port);
    out.push_back(static_cast<char>(e.traffic_class));
    put_varint(out, static_cast<std::uint64_t>(e.start_ns - day_ns));
    put_varint(out, static_cast<std::uint64_t>(e.end_ns - e.start_ns));
    put_varint(out, e.packets);
    put_varint(out, e.destinations);
    put_varint(out, e.fingerprints);
  }
  return out;
}

bool decode_scans(std::string_view data, std::int64_t day_s, std::vector<ScanEvent>& out) {
  out.clear();
  if (data.size() < 8) return false;
  const std::int64_t day_ns = day_s * 1'000'000'000LL;
  double scale = 0;
  std::memcpy(&scale, data.data(), 8);
  std::size_t pos = 8;
  std::uint64_t n = 0;
  if (!get_varint(data, pos, n) || n > data.size()) return false;
  out.reserve(n);
  std::uint64_t address = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    ScanEvent e;
    if (pos >= data.size()) return false;
    const auto flags = static_cast<std::uint8_t>(data[pos++]);
    std::uint64_t v = 0;
    if ((flags & kScanV6) != 0) {
      if (!get_address16(data, pos, e.source)) return false;
    } else {
      if (!get_varint(data, pos, v)) return false;
      address += v;
      if (address > 0xffffffffULL) return false;
      e.source = IpAddress::v4(static_cast<std::uint32_t>(address));
    }
    if (pos >= data.size()) return false;
    e.protocol = static_cast<std::uint8_t>(data[pos++]);
    if (!get_varint(data, pos, v) || pos >= data.size()) return false;
    e.port = static_cast<std::uint16_t>(v);
    e.traffic_class = static_cast<TrafficClass>(static_cast<std::uint8_t>(data[pos++]));
    std::uint64_t start = 0;
    std::uint64_t span = 0;
    std::uint64_t fingerprints = 0;
    if (!get_varint(data, pos, start) || !get_varint(data, pos, span) || !get_varint(data, pos, e.packets) ||
        !get_varint(data, pos, e.destinations) || !get_varint(data, pos, fingerprints)) {
      return false;
    }
    e.start_ns = day_ns + static_cast<std::int64_t>(start);
    e.end_ns = e.start_ns + static_cast<std::int64_t>(span);
    e.fingerprints = static_cast<std::uint16_t>(fingerprints);
    e.destinations_exact = (flags & kScanExact) != 0;
    e.internet_wide = (flags & kScanWide) != 0;
    e.estimated_pps = static_cast<double>(e.packets) * scale / rate_duration_seconds(e.start_ns, e.end_ns);
    out.push_back(e);
  }
  return pos == data.size();
}

}  // namespace darkscope
