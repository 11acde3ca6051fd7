#include "enrich/scanner_list.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "core/prefix.hpp"

namespace darkscope {
namespace {

constexpr std::size_t kMaxReportedLines = 20;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string normalise(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return key;
}

// Tokens separated by commas and white space.
template <typename F>
bool for_each_token(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i])))) ++i;
    const std::size_t b = i;
    while (i < s.size() && s[i] != ',' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b && !f(s.substr(b, i - b))) return false;
  }
  return true;
}

template <typename Key>
void compile(std::vector<Key> const* /*tag*/, auto& ranges, std::vector<Key>& starts,
             std::vector<std::uint16_t>& orgs, Key max_key) {
  struct Event {
    Key pos;
    bool open;
    std::uint16_t org;
  };
  std::vector<Event> events;
  events.reserve(ranges.size() * 2);
  for (const auto& r : ranges) {
    events.push_back({r.first, true, r.org});
    if (r.last != max_key) events.push_back({static_cast<Key>(r.last + 1), false, r.org});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.pos < b.pos; });
  std::multiset<std::uint16_t> active;
  std::uint16_t current = 0;
  starts.clear();
  orgs.clear();
  for (std::size_t i = 0; i < events.size();) {
    const Key pos = events[i].pos;
    for (; i < events.size() && events[i].pos == pos; ++i) {
      if (events[i].open) {
        active.insert(events[i].org);
      } else {
        active.erase(active.find(events[i].org));
      }
    }
    // Lower index = loaded earlier = wins an overlap.
    const std::uint16_t org = active.empty() ? 0 : *active.begin();
    if (org != current) {
      starts.push_back(pos);
      orgs.push_back(org);
      current = org;
    }
  }
  ranges.clear();
  ranges.shrink_to_fit();
}

template <typename Key>
std::uint16_t find_org(const std::vector<Key>& starts, const std::vector<std::uint16_t>& orgs,
                       Key v) noexcept {
  const auto it = std::upper_bound(starts.begin(), starts.end(), v);
  if (it == starts.begin()) return 0;
  return orgs[static_cast<std::size_t>(it - starts.begin()) - 1];
}

bool is_list_file(const std::filesystem::path& p) {
  const auto name = p.filename().string();
  if (name.empty() || name.front() == '.') return false;
  // Directories of lists usually carry their licence and readme beside them.
  std::string upper;
  for (const char c : name) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  for (const std::string_view skip : {"LICENSE", "LICENCE", "README", "COPYING", "NOTICE"}) {
    if (upper.starts_with(skip)) return false;
  }
  const auto ext = p.extension().string();
  return ext.empty() || ext == ".txt" || ext == ".nft" || ext == ".lst" || ext == ".list" ||
         ext == ".cidr";
}

}  // namespace

ScannerRanges::ScannerRanges() {
  orgs_.push_back({});
  keys_.emplace_back();
}

std::uint16_t ScannerRanges::org_id(std::string_view name) {
  const auto key = normalise(name);
  for (std::size_t i = 1; i < keys_.size(); ++i) {
    if (keys_[i] == key) return static_cast<std::uint16_t>(i);
  }
  if (orgs_.size() >= 0xffff) throw std::runtime_error("more than 65534 scanner organisations");
  orgs_.push_back({std::string(name), {}, 0});
  keys_.push_back(key);
  return static_cast<std::uint16_t>(orgs_.size() - 1);
}

std::string ScannerRanges::org_from_file_name(std::string_view path) {
  const auto slash = path.find_last_of('/');
  std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  for (const std::string_view ext : {".txt", ".nft", ".lst", ".list", ".cidr"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) {
      name.remove_suffix(ext.size());
      break;
    }
  }
  for (const std::string_view suffix : {"_v4", "_v6", "-v4", "-v6", "_ipv4", "_ipv6"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.remove_suffix(suffix.size());
      break;
    }
  }
  return std::string(name);
}

bool ScannerRanges::add_token(std::string_view token, std::uint16_t org) {
  std::uint32_t v4 = 0;
  // Fast path for the common bare IPv4 address and a.b.c.d/n.
  const auto slash = token.find('/');
  if (parse_ipv4(token.substr(0, slash), v4)) {
    int len = 32;
    if (slash != std::string_view::npos) {
      const auto t = token.substr(slash + 1);
      const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), len);
      if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size() || len < 0 || len > 32) {
        return false;
      }
    }
    const std::uint32_t host = len == 0 ? 0xffffffffu : (len == 32 ? 0u : (0xffffffffu >> len));
    v4_ranges_.push_back({v4 & ~host, v4 | host, org});
    return true;
  }
  const auto dash = token.find('-');
  if (dash != std::string_view::npos) {  // "first-last"
    const auto a = IpAddress::parse(token.substr(0, dash));
    const auto b = IpAddress::parse(token.substr(dash + 1));
    if (!a || !b || a->is_v4() != b->is_v4() || *b < *a) return false;
    if (a->is_v4()) {
      v4_ranges_.push_back({a->v4_value(), b->v4_value(), org});
    } else {
      v6_ranges_.push_back({to_uint128(*a), to_uint128(*b), org});
    }
    return true;
  }
  const auto p = Prefix::parse(token);
  if (!p) return false;
  if (p->is_v4()) {
    const int len = p->length();
    const std::uint32_t host = len == 0 ? 0xffffffffu : (len == 32 ? 0u : (0xffffffffu >> len));
    v4_ranges_.push_back({p->network.v4_value(), p->network.v4_value() | host, org});
  } else {
    const Uint128 first = to_uint128(p->network);
    const Uint128 host = p->bits == 0 ? ~Uint128{0} : (p->bits == 128 ? 0 : (~Uint128{0} >> p->bits));
    v6_ranges_.push_back({first, first | host, org});
  }
  return true;
}

std::size_t ScannerRanges::add_text(std::string_view text, std::string_view label,
                                    std::string_view default_org, std::vector<std::string>& warnings) {
  std::uint16_t org = 0;  // created on the first range, so a file of comments adds no org
  std::size_t added = 0;
  std::size_t bad = 0;
  std::size_t line_no = 0;
  bool in_set = false;
  std::size_t set_line = 0;
  auto report = [&](std::string_view why, std::string_view what) {
    ++malformed_;
    if (++bad <= kMaxReportedLines) {
      std::string shown(what.substr(0, 60));
      warnings.push_back(std::string(label) + ":" + std::to_string(line_no) + ": " + std::string(why) +
                         " '" + shown + "', skipped");
    }
  };
  auto current_org = [&]() {
    if (org == 0) org = org_id(default_org.empty() ? std::string_view("unnamed") : default_org);
    return org;
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    const auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;

    if (!in_set && line.front() == '[') {
      const auto close = line.find(']');
      const auto name = close == std::string_view::npos ? std::string_view{} : trim(line.substr(1, close - 1));
      if (name.empty()) {
        report("bad section line", line);
        continue;
      }
      org = org_id(name);
      const auto source = trim(line.substr(close + 1));
      if (!source.empty()) orgs_[org].source = std::string(source);
      continue;
    }
    if (!in_set && (line.starts_with("define ") || line.starts_with("elements"))) {
      const auto brace = line.find('{');
      if (brace == std::string_view::npos) {
        report("set without '{'", line);
        continue;
      }
      in_set = true;
      set_line = line_no;
      line = line.substr(brace + 1);
    }
    if (in_set) {
      const auto close = line.find('}');
      if (close != std::string_view::npos) {
        in_set = false;
        line = line.substr(0, close);
      }
      for_each_token(line, [&](std::string_view token) {
        const auto o = current_org();
        if (add_token(token, o)) {
          ++orgs_[o].entries;
          ++added;
        } else {
          report("not an address or CIDR", token);
        }
        return true;
      });
      continue;
    }
    // Plain lines: every token must be an address, CIDR or range, or the line is skipped.
    const std::size_t v4_before = v4_ranges_.size();
    const std::size_t v6_before = v6_ranges_.size();
    std::size_t n = 0;
    const auto o = current_org();
    std::string_view failed;
    const bool ok = for_each_token(line, [&](std::string_view token) {
      if (!add_token(token, o)) {
        failed = token;
        return false;
      }
      ++n;
      return true;
    });
    if (!ok) {
      v4_ranges_.resize(v4_before);
      v6_ranges_.resize(v6_before);
      report("not an address or CIDR", failed);
      continue;
    }
    orgs_[o].entries += n;
    added += n;
  }
  if (in_set) {
    line_no = set_line;
    report("set not closed with '}'", "{");
  }
  if (bad > kMaxReportedLines) {
    warnings.push_back(std::string(label) + ": " + std::to_string(bad - kMaxReportedLines) +
                       " more malformed lines skipped");
  }
  return added;
}

std::size_t ScannerRanges::add_path(const std::string& path, std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && is_list_file(entry.path())) files.push_back(entry.path());
    }
    if (ec) throw std::runtime_error(path + ": cannot read scanner-list directory");
    std::sort(files.begin(), files.end());
    std::size_t added = 0;
    for (const auto& f : files) added += add_path(f.string(), warnings);
    if (files.empty()) warnings.push_back(path + ": no scanner-list files in this directory");
    return added;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open scanner list");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return add_text(text, path, org_from_file_name(path), warnings);
}

void ScannerRanges::finish() {
  compile(static_cast<std::vector<std::uint32_t>*>(nullptr), v4_ranges_, v4_start_, v4_org_,
          std::uint32_t{0xffffffffu});
  compile(static_cast<std::vector<Uint128>*>(nullptr), v6_ranges_, v6_start_, v6_org_, ~Uint128{0});
}

std::uint16_t ScannerRanges::lookup(const IpAddress& a) const noexcept {
  if (a.is_v4()) return find_org(v4_start_, v4_org_, a.v4_value());
  if (v6_start_.empty()) return 0;
  return find_org(v6_start_, v6_org_, to_uint128(a));
}

std::string_view ScannerRanges::org_name(std::uint16_t org) const noexcept {
  if (org == 0 || org >= orgs_.size()) return {};
  return orgs_[org].name;
}

}  // namespace darkscope
