// Live capture through libpcap.
#include <pcap/pcap.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "capture/capture_source.hpp"

namespace darkscope {

struct LiveCapture::Impl {
  pcap_t* handle = nullptr;
  CaptureInfo info;
  std::atomic<bool> stop{false};
  std::optional<std::chrono::steady_clock::time_point> drain_until;  // set once stopped
  std::int64_t subsecond_ns = 1000;
  std::uint16_t link_type = 0;
  std::function<void(std::int64_t)> on_idle;
  std::chrono::steady_clock::time_point last_idle{};
  int fd = -1;  // to wait on for packets
  LiveStats counted;  // pcap_stats' 32-bit counters, extended (stats())

  ~Impl() {
    if (handle != nullptr) pcap_close(handle);
  }
};

namespace {
constexpr int kBufferBytes = 64 << 20;
constexpr int kTimeoutMs = 100;

[[noreturn]] void fail(const std::string& interface, const std::string& what) {
  throw CaptureOpenError("live capture on " + interface + ": " + what);
}
}  // namespace

LiveCapture::LiveCapture(const std::string& interface, const std::string& filter, int snaplen)
    : impl_(std::make_unique<Impl>()) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  impl_->handle = pcap_create(interface.c_str(), errbuf);
  if (impl_->handle == nullptr) fail(interface, errbuf);
  pcap_t* p = impl_->handle;
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, 1);
  pcap_set_immediate_mode(p, 0);
  pcap_set_buffer_size(p, kBufferBytes);
  pcap_set_timeout(p, kTimeoutMs);
  // Nanosecond stamps where the platform has them; microseconds otherwise.
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    std::string what = pcap_statustostr(rc);
    const std::string detail = pcap_geterr(p);
    if (!detail.empty()) what += " (" + detail + ")";
    fail(interface, what);
  }
  if (pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO) impl_->subsecond_ns = 1;
  // next() waits in poll() itself, with a timeout (see there).
  if (pcap_setnonblock(p, 1, errbuf) != 0)
    fail(interface, std::string("cannot set non-blocking mode: ") + errbuf);
  impl_->fd = pcap_get_selectable_fd(p);
  if (!filter.empty()) {
    bpf_program program{};
    if (pcap_compile(p, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      fail(interface, "bad filter \"" + filter + "\": " + pcap_geterr(p));
    }
    const int set = pcap_setfilter(p, &program);
    pcap_freecode(&program);
    if (set != 0) fail(interface, std::string("cannot set filter: ") + pcap_geterr(p));
  }
  // pcap_datalink gives a DLT value; Frame link types accept the DLT aliases too.
  impl_->link_type = static_cast<std::uint16_t>(pcap_datalink(p));
  impl_->info.path = interface;
  impl_->info.format = "live";
  impl_->info.link_types.push_back(impl_->link_type);
}

LiveCapture::~LiveCapture() = default;

bool LiveCapture::next(Frame& frame) {
  Impl& s = *impl_;
  using Clock = std::chrono::steady_clock;
  while (true) {
    if (s.stop.load(std::memory_order_relaxed) && !s.drain_until) {
      // After a stop request the capture reads on, without blocking, for two buffer
      // timeouts: the kernel hands over its last block when the timeout retires it,
      // so packets that arrived before the request are counted, not dropped.
      s.drain_until = Clock::now() + std::chrono::milliseconds(2 * kTimeoutMs);
    }
    if (s.drain_until && Clock::now() >= *s.drain_until) return false;
    pcap_pkthdr* header = nullptr;
    const std::uint8_t* data = nullptr;
    const int rc = pcap_next_ex(s.handle, &header, &data);
    if (rc == 1) {
      frame.data = Bytes(data, header->caplen);
      frame.ts_ns = static_cast<std::int64_t>(header->ts.tv_sec) * 1'000'000'000 +
                    static_cast<std::int64_t>(header->ts.tv_usec) * s.subsecond_ns;
      frame.wire_len = header->len;
      frame.link_type = s.link_type;
      frame.interface_id = 0;
      ++s.info.packets;
      return true;
    }
    if (rc == 0) {  // nothing ready (the handle does not block)
      if (s.drain_until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      // libpcap's own wait on a TPACKET_V3 ring has no timeout on a quiet
      // interface, so the capture waits here: the kernel hands over a block within
      // the buffer timeout once it holds a packet, and time moves on meanwhile.
      const auto now = Clock::now();
      if (s.on_idle && now - s.last_idle >= std::chrono::milliseconds(kTimeoutMs)) {
        s.last_idle = now;
        const auto wall = std::chrono::system_clock::now().time_since_epoch();
        s.on_idle(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count());
      }
      if (s.fd >= 0) {
        pollfd p{s.fd, POLLIN, 0};
        (void)::poll(&p, 1, kTimeoutMs);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      continue;
    }
    if (rc == PCAP_ERROR_BREAK) continue;  // request_stop: drain, then end
    s.info.complete = false;
    s.info.error = "live capture on " + s.info.path + ": " + pcap_geterr(s.handle);
    return false;
  }
}

const CaptureInfo& LiveCapture::info() const { return impl_->info; }

void LiveCapture::request_stop() noexcept {
  impl_->stop.store(true, std::memory_order_relaxed);
  pcap_breakloop(impl_->handle);
}

void LiveCapture::set_idle_handler(std::function<void(std::int64_t now_ns)> handler) {
  impl_->on_idle = std::move(handler);
}

LiveStats LiveCapture::stats() const {
  pcap_stat st{};
  LiveStats& c = impl_->counted;
  if (pcap_stats(impl_->handle, &st) == 0) {
    c.received = extend_counter32(c.received, st.ps_recv);
    c.dropped = extend_counter32(c.dropped, st.ps_drop);
    c.interface_dropped = extend_counter32(c.interface_dropped, st.ps_ifdrop);
  }
  return c;
}

}  // namespace darkscope
