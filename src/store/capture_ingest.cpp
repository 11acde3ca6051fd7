#include "store/capture_ingest.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/time.hpp"

namespace darkscope {

std::string sha256_file(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available");
  }
  std::vector<unsigned char> buf(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  if (std::ferror(f.get())) throw std::runtime_error(path + ": read error: " + std::strerror(errno));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

CaptureIngest::CaptureIngest(ObservationStore& store, BinAggregator& aggregator, int sensor_id,
                             const CaptureState& state, CheckpointPolicy policy)
    : store_(store),
      aggregator_(aggregator),
      sensor_id_(sensor_id),
      capture_id_(state.id),
      resume_after_(state.packets_done),
      policy_(policy) {}

void CaptureIngest::on_packet(const PacketRecord& r) {
  ++seen_;
  if (seen_ <= resume_after_) {
    ++skipped_;
    return;
  }
  if (!r.observed) return;
  const std::int64_t boundary = floor_to(r.ts_ns, policy_.boundary_s * kNsPerSecond);
  // The checkpoint position depends only on the packets before it, so an interrupted
  // run and an uninterrupted one commit the same segments.
  if (have_boundary_ && (boundary > current_boundary_ || aggregator_.cells() >= policy_.max_cells)) {
    store_.commit(capture_id_, sensor_id_, aggregator_.flush(), seen_ - 1, false);
    ++commits_;
    have_boundary_ = false;
  }
  if (!have_boundary_) {
    current_boundary_ = boundary;
    have_boundary_ = true;
  }
  aggregator_.add(r);
  ++observed_;
}

void CaptureIngest::checkpoint() {
  if (aggregator_.empty()) return;
  store_.commit(capture_id_, sensor_id_, aggregator_.flush(), seen_, false);
  ++commits_;
  have_boundary_ = false;
}

void CaptureIngest::finish(bool complete) {
  store_.commit(capture_id_, sensor_id_, aggregator_.flush(), seen_, complete);
  ++commits_;
  have_boundary_ = false;
}

}  // namespace darkscope
