#include "store/capture_ingest.hpp"

#include <pthread.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/mapped_file.hpp"
#include "core/time.hpp"

namespace darkscope {

namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

/// Feeds every byte of the file at `path` to `update(data, n)`. A regular file is
/// read through a mapping of the page cache: read() would copy every byte once
/// more, and the capture reader maps the same pages anyway. Pages already fed are
/// let go, so the resident set stays small whatever the file's size.
template <typename Update>
void feed_file(const std::string& path, Update update) {
  if (const auto mapped = MappedFile::map(path)) {
    constexpr std::size_t kChunk = std::size_t{8} << 20;
    for (std::size_t off = 0; off < mapped->size(); off += kChunk) {
      const std::size_t n = std::min(kChunk, mapped->size() - off);
      update(mapped->data() + off, n);
      mapped->release(off, n);
    }
    return;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::vector<unsigned char> buf(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) update(buf.data(), n);
  if (std::ferror(f.get())) throw std::runtime_error(path + ": read error: " + std::strerror(errno));
}

}  // namespace

std::string content_digest_file(const std::string& path) {
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(), &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) throw std::runtime_error("XXH3 is not available");
  feed_file(path, [&](const unsigned char* data, std::size_t n) { XXH3_128bits_update(state.get(), data, n); });
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state.get()));
  return std::string(kDigestPrefix) + hex(canonical.digest, sizeof canonical.digest);
}

std::string sha256_file(const std::string& path) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available");
  }
  feed_file(path, [&](const unsigned char* data, std::size_t n) { EVP_DigestUpdate(ctx.get(), data, n); });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  return hex(digest, len);
}

SerialWorker::SerialWorker(const char* name, std::size_t max_queued) : max_queued_(max_queued) {
  thread_ = std::thread([this, name] {
    pthread_setname_np(pthread_self(), name);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      changed_.notify_all();
      lock.unlock();
      std::exception_ptr error;
      if (!error_) {
        try {
          task();
        } catch (...) {
          error = std::current_exception();
        }
      }
      task = nullptr;
      lock.lock();
      busy_ = false;
      if (error && !error_) error_ = error;
      changed_.notify_all();
    }
  });
}

SerialWorker::~SerialWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void SerialWorker::submit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < max_queued_ || error_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(task));
  changed_.notify_all();
}

void SerialWorker::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || error_; });
  if (error_) std::rethrow_exception(error_);
}

CommitQueue::CommitQueue(ObservationStore& store, bool threaded) : store_(store), threaded_(threaded) {
  if (threaded_) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "ds-commit");
      run();
    });
  }
}

CommitQueue::~CommitQueue() {
  if (!threaded_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void CommitQueue::submit(CommitRequest request) {
  if (!threaded_) {
    store_.commit(request);
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() || error_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(request));
  changed_.notify_all();
}

void CommitQueue::wait() {
  if (!threaded_) return;
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return (queue_.empty() && !busy_) || error_; });
  if (error_) std::rethrow_exception(error_);
}

void CommitQueue::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    CommitRequest request = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    changed_.notify_all();
    lock.unlock();
    std::exception_ptr error;
    try {
      if (!error_) store_.commit(request);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    busy_ = false;
    if (error && !error_) error_ = error;
    changed_.notify_all();
  }
}

CaptureIngest::CaptureIngest(CommitQueue& queue, BinAggregator& aggregator, int sensor_id,
                             std::shared_ptr<CaptureHandle> capture, std::uint64_t resume_after,
                             CheckpointPolicy policy, EventRecorder* events, bool feed_events)
    : queue_(queue),
      aggregator_(aggregator),
      sensor_id_(sensor_id),
      capture_(std::move(capture)),
      resume_after_(resume_after),
      policy_(policy),
      events_(events),
      feed_events_(feed_events) {}

void CaptureIngest::on_packet(const PacketRecord& r) { on_packet_at(r, seen_ + 1, seen_ + 1); }

void CaptureIngest::on_packet_at(const PacketRecord& r, std::uint64_t position, std::uint64_t serial) {
  seen_ = position;
  if (seen_ <= resume_after_) return;
  if (!r.observed) return;
  const std::int64_t boundary = policy_.boundary_of(r.ts_ns);
  const std::int64_t hour = floor_to(r.ts_ns, kBin1h * kNsPerSecond);
  // The checkpoint positions depend only on the packets since the last one, so an
  // interrupted run and an uninterrupted one commit the same segments.
  if (open_) {
    const std::size_t entries = aggregator_.entries();
    if (boundary > boundary_ || entries >= 2 * policy_.max_entries ||
        (entries >= policy_.max_entries && hour > hour_)) {
      commit(seen_ - 1, false, serial - 1);
    }
  }
  if (!open_ || boundary > boundary_) boundary_ = boundary;
  if (!open_ || hour > hour_) hour_ = hour;
  open_ = true;
  aggregator_.add(r);
  if (events_ != nullptr && feed_events_) events_->on_packet(r, serial);
  last_serial_ = serial;
  ++observed_;
}

void CaptureIngest::commit(std::uint64_t packets_done, bool complete, std::uint64_t events) {
  CommitRequest request;
  request.capture = capture_;
  request.sensor_id = sensor_id_;
  request.segment = aggregator_.take();
  if (events_ != nullptr) {
    events_->take(request.events, events);
    request.check_surges = true;
  }
  request.packets_done = packets_done;
  request.complete = complete;
  request.loss = std::move(loss_);
  loss_.clear();
  queue_.submit(std::move(request));
  ++commits_;
  open_ = false;
}

void CaptureIngest::checkpoint() {
  if (aggregator_.empty() && (events_ == nullptr || !events_->has_ended()) && loss_.empty()) return;
  commit(seen_, false, last_serial_);
}

void CaptureIngest::add_loss(std::int64_t now_ns, std::uint64_t received, std::uint64_t dropped) {
  if (received == 0 && dropped == 0) return;
  const std::int64_t start = floor_to(now_ns, kBin5m * kNsPerSecond) / kNsPerSecond;
  if (loss_.empty() || loss_.back().start < start) loss_.push_back({start, 0, 0});
  // A clock stepped back adds to the latest bin rather than reorder them.
  loss_.back().received += received;
  loss_.back().dropped += dropped;
}

void CaptureIngest::finish(bool complete) { commit(seen_, complete, last_serial_); }

void CaptureIngest::finish_at(bool complete, std::uint64_t packets) {
  seen_ = packets;
  commit(seen_, complete, last_serial_);
}

}  // namespace darkscope
