// The distinct sources of a run, each with what enrichment says of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/address_map.hpp"
#include "core/packet_record.hpp"
#include "core/u32_line_map.hpp"

namespace darkscope {

class Enricher;

/// One entry per source seen in the run: one probe per packet tells both whether
/// the source is new and what it resolves to. A run that counts distinct sources
/// (`analyze`) thus reads one table per packet, where a source set beside the
/// enricher's cache would cost two random probes. Each source is resolved once, on
/// its first packet. Exact: it never forgets a source, so it grows with them
/// (8 bytes an IPv4 source, at most 3/4 full).
class SourceTable {
 public:
  /// enricher null: only new_source is set.
  explicit SourceTable(Enricher* enricher = nullptr) : enricher_(enricher) {}

  /// For every observed record with a known source: sets new_source (the first
  /// packet of that source in this table's life) and, with an enricher, the
  /// enrichment slots. Other records are untouched. The lines of the whole run are
  /// requested first, so that their misses overlap. May throw std::bad_alloc.
  void mark(std::span<PacketRecord> records);

  /// Distinct sources seen.
  [[nodiscard]] std::size_t size() const noexcept { return v4_.size() + v6_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return v4_.memory_bytes() + v6_.memory_bytes();
  }

 private:
  Enricher* enricher_;
  U32LineMap v4_;
  AddressMap<std::uint32_t> v6_;  // answer + 1: 0 marks an entry made now
};

}  // namespace darkscope
