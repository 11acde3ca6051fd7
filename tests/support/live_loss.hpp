// A live capture's kernel readings committed through the store API, for the tests
// of what readers (top, series, reports) make of capture loss.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analyze/bins.hpp"
#include "store/capture_ingest.hpp"
#include "store/observation_store.hpp"

namespace darkscope::testing {

/// One reading of the kernel's counters: what they grew by, at ts_ns (wall clock).
struct KernelReading {
  std::int64_t ts_ns = 0;
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;
};

/// Registers the live capture `id` of `sensor` in the store at `db` and commits
/// `readings` for it, as a live ingest would.
inline void store_live_loss(const std::string& db, const SensorInfo& sensor, const std::string& id,
                            const std::vector<KernelReading>& readings) {
  auto store = open_sqlite_store(db, true);
  const int sid = store->sensor_id(sensor);
  auto handle = std::make_shared<CaptureHandle>();
  handle->file = {id, "eth0", 0};
  handle->id = store->begin_capture(sid, handle->file, false).id;
  BinAggregator agg;
  CommitQueue queue(*store, false);
  CaptureIngest in(queue, agg, sid, handle, 0);
  for (const KernelReading& r : readings) in.add_loss(r.ts_ns, r.received, r.dropped);
  in.finish(false);
}

}  // namespace darkscope::testing
