// A ReportSource over packet records held in memory: a report straight from a capture,
// without a store, and the known-answer source of the report tests.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ip_address.hpp"
#include "core/packet_record.hpp"
#include "report/report_source.hpp"

namespace darkscope {

/// Tallies observed packets per UTC day, counting as SPEC.md "Rankings" says.
class RecordReportSource final : public ReportSource {
 public:
  /// darknet_addresses: the monitored address count; 0 = count distinct destinations.
  explicit RecordReportSource(std::uint64_t darknet_addresses = 0)
      : darknet_addresses_(darknet_addresses) {}

  /// Adds one record; records not `observed` are ignored.
  void add(const PacketRecord& r);
  /// Events come from the analyser; they are kept as given.
  void add_surge(const SurgeRow& s) { surges_.push_back(s); }
  void add_dos(const DosRow& d) { dos_.push_back(d); }
  void add_scan(const ScanRow& s) { scans_.push_back(s); }

  [[nodiscard]] std::vector<KeyDaily> daily(Measure m, DayRange days) const override;
  [[nodiscard]] std::uint64_t unique_sources(DayRange days, bool mirai_only,
                                             const std::string& country) const override;
  [[nodiscard]] std::uint64_t darknet_addresses(DayRange days) const override;
  [[nodiscard]] std::optional<std::int64_t> first_day() const override;
  [[nodiscard]] EventSection<SurgeRow> surges(DayRange days, std::size_t limit) const override;
  [[nodiscard]] EventSection<DosRow> dos_attacks(DayRange days, std::size_t limit) const override;
  [[nodiscard]] EventSection<ScanRow> scans(DayRange days, std::size_t limit) const override;

 private:
  struct Day {
    std::map<std::string, std::uint64_t> by_measure[7];
  };
  struct Source {
    std::string country;
    std::set<std::int64_t> days;
    std::set<std::int64_t> mirai_days;
  };

  std::uint64_t darknet_addresses_;
  std::map<std::int64_t, Day> days_;
  std::unordered_map<IpAddress, Source, IpAddressHash> sources_;
  std::unordered_map<IpAddress, std::set<std::int64_t>, IpAddressHash> destinations_;
  std::vector<SurgeRow> surges_;
  std::vector<DosRow> dos_;
  std::vector<ScanRow> scans_;
};

}  // namespace darkscope
