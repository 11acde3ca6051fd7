// One MaxMind DB file read through libmaxminddb: country in either schema
// (GeoLite2/GeoIP2 `country.iso_code`, flat `country_code`) and the GeoLite2-ASN fields.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.hpp"

namespace darkscope {

class MmdbFile {
 public:
  /// Opens the file; throws std::runtime_error "PATH: reason" when it is missing
  /// or not a readable MaxMind DB.
  explicit MmdbFile(const std::string& path);
  ~MmdbFile();
  MmdbFile(const MmdbFile&) = delete;
  MmdbFile& operator=(const MmdbFile&) = delete;

  /// ISO 3166 alpha-2 code, nullopt when not found, not two letters, or on a
  /// corrupt record. Never throws.
  [[nodiscard]] std::optional<std::array<char, 2>> country(const IpAddress& a) const noexcept;

  struct AsnAnswer {
    std::uint32_t asn = 0;
    std::string_view name;  ///< points into the mapped file; valid while it is open
  };
  /// autonomous_system_number/organization, nullopt when absent. Never throws.
  [[nodiscard]] std::optional<AsnAnswer> asn(const IpAddress& a) const noexcept;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// metadata database_type, e.g. "GeoLite2-Country".
  [[nodiscard]] const std::string& database_type() const noexcept { return type_; }

 private:
  struct Db;
  std::unique_ptr<Db> db_;
  std::string path_;
  std::string type_;
};

}  // namespace darkscope
