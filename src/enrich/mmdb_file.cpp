#include "enrich/mmdb_file.hpp"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

namespace darkscope {

struct MmdbFile::Db {
  MMDB_s mmdb{};
};

MmdbFile::MmdbFile(const std::string& path) : db_(std::make_unique<Db>()), path_(path) {
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_->mmdb);
  if (status != MMDB_SUCCESS) {
    std::string reason = MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) reason += std::string(" (") + std::strerror(errno) + ")";
    throw std::runtime_error(path + ": cannot open MaxMind DB: " + reason);
  }
  const auto& md = db_->mmdb.metadata;
  if (md.database_type != nullptr) type_ = md.database_type;
  // Reject the shapes libmaxminddb accepts but that cannot be searched.
  if (md.node_count == 0 || (md.ip_version != 4 && md.ip_version != 6)) {
    MMDB_close(&db_->mmdb);
    db_.reset();
    throw std::runtime_error(path + ": not a usable MaxMind DB (empty search tree or bad ip_version)");
  }
}

MmdbFile::~MmdbFile() {
  if (db_) MMDB_close(&db_->mmdb);
}

namespace {

// Looks an address up; false when not found or on any error.
bool find_entry(const MMDB_s& mmdb, const IpAddress& a, MMDB_lookup_result_s& out) noexcept {
  int mmdb_error = MMDB_SUCCESS;
  if (a.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, a.bytes.data() + 12, 4);
    out = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&sin), &mmdb_error);
  } else {
    if (mmdb.metadata.ip_version == 4) return false;
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    std::memcpy(&sin6.sin6_addr, a.bytes.data(), 16);
    out = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&sin6), &mmdb_error);
  }
  return mmdb_error == MMDB_SUCCESS && out.found_entry;
}

bool get_string(MMDB_entry_s& entry, MMDB_entry_data_s& data, const char* a, const char* b) noexcept {
  const int status = b == nullptr ? MMDB_get_value(&entry, &data, a, nullptr)
                                  : MMDB_get_value(&entry, &data, a, b, nullptr);
  return status == MMDB_SUCCESS && data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING;
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

}  // namespace

std::optional<std::array<char, 2>> MmdbFile::country(const IpAddress& a) const noexcept {
  MMDB_lookup_result_s result{};
  if (!find_entry(db_->mmdb, a, result)) return std::nullopt;
  MMDB_entry_data_s data{};
  if (!get_string(result.entry, data, "country", "iso_code") &&
      !get_string(result.entry, data, "country_code", nullptr)) {
    return std::nullopt;
  }
  if (data.data_size != 2) return std::nullopt;
  const char c0 = data.utf8_string[0];
  const char c1 = data.utf8_string[1];
  if (!is_upper(c0) || !is_upper(c1)) return std::nullopt;
  return std::array<char, 2>{c0, c1};
}

std::optional<MmdbFile::AsnAnswer> MmdbFile::asn(const IpAddress& a) const noexcept {
  MMDB_lookup_result_s result{};
  if (!find_entry(db_->mmdb, a, result)) return std::nullopt;
  MMDB_entry_data_s data{};
  if (MMDB_get_value(&result.entry, &data, "autonomous_system_number", nullptr) != MMDB_SUCCESS ||
      !data.has_data) {
    return std::nullopt;
  }
  AsnAnswer answer;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT32: answer.asn = data.uint32; break;
    case MMDB_DATA_TYPE_UINT16: answer.asn = data.uint16; break;
    case MMDB_DATA_TYPE_INT32:
      if (data.int32 < 0) return std::nullopt;
      answer.asn = static_cast<std::uint32_t>(data.int32);
      break;
    case MMDB_DATA_TYPE_UINT64:
      if (data.uint64 > 0xffffffffu) return std::nullopt;
      answer.asn = static_cast<std::uint32_t>(data.uint64);
      break;
    default: return std::nullopt;
  }
  MMDB_entry_data_s name{};
  if (get_string(result.entry, name, "autonomous_system_organization", nullptr)) {
    answer.name = std::string_view(name.utf8_string, name.data_size);
  }
  return answer;
}

}  // namespace darkscope
