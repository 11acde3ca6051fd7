// Decode: link layer -> IP -> transport, from a frame into a PacketRecord.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/frame.hpp"
#include "core/packet_record.hpp"

namespace darkscope {

/// Fills `out` from the frame (every field, resetting what was there). Never
/// throws, never reads past the frame. Returns kNonIp for frames that carry no IP
/// (ARP, LLDP, ...) and kUnsupportedLink for link types it cannot read; cut-short
/// fixed headers become truncated_* anomalies (classify makes them `malformed`).
/// A frame too short for its own link header is kNonIp with the anomaly
/// truncated_link_header: no IP can be read from it, so it is counted with the
/// non-IP frames rather than as a malformed observation. The caller's sensor_id
/// is kept (a frame does not carry one); a wire_len of 0 means "all captured".
DecodeStatus decode_frame(const Frame& frame, PacketRecord& out) noexcept;

/// Decodes bytes that start with an IPv4 or IPv6 header (raw IP link types).
/// Capture fields of `out` (time, lengths, link type) are left as they are.
DecodeStatus decode_ip(Bytes packet, PacketRecord& out) noexcept;

[[nodiscard]] bool is_supported_link_type(std::uint16_t link_type) noexcept;
/// "EN10MB", "LINUX_SLL2", ... (libpcap's names), or "" when unknown.
[[nodiscard]] std::string_view link_type_name(std::uint16_t link_type) noexcept;

}  // namespace darkscope
