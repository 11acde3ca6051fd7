#!/usr/bin/python3
"""Writes small deterministic captures, one per decode/classify rule, into DIR.

    gen_test_captures.py DIR

Packets are built with scapy (Debian's python3-scapy); files are written by the
few lines of pcap writing below so that link type, captured length and wire
length are exactly what each case needs. Timestamps start at 2023-11-14 22:13:20
UTC and step one second per packet, so the files are identical on every run.
tests/decode/generated_captures_test.cpp checks every packet of every file.
"""
import os
import struct
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q,
                       Ether, ICMPv6EchoRequest, IPerror, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw,
                       TCPerror, fragment)

T0 = 1700000000
DARK = "203.0.113.5"      # a darknet address
SRC = "198.51.100.7"      # the remote sender
VICTIM = "192.0.2.80"     # a DoS victim / scan target outside the darknet
DARK6 = "2001:db8:d::5"
SRC6 = "2001:db8:1::7"
MAC = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")

LINK_NULL, LINK_ETHERNET, LINK_RAW, LINK_SLL, LINK_SLL2 = 0, 1, 101, 113, 276


def ip_to_int(dotted):
    a, b, c, d = (int(x) for x in dotted.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def write_pcap(path, link_type, packets):
    """packets: bytes, or (bytes, wire_len) for a frame cut by the snap length."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link_type))
        for i, p in enumerate(packets):
            data, wire = (p, len(p)) if isinstance(p, (bytes, bytearray)) else p
            f.write(struct.pack("<IIII", T0 + i, 0, len(data), wire))
            f.write(data)


def eth(pkt):
    return bytes(Ether(**MAC) / pkt)


def syn(**kw):
    ip_kw = {k: kw.pop(k) for k in list(kw) if k in ("id", "ttl", "dst", "src", "flags_ip")}
    ip = IP(src=ip_kw.get("src", SRC), dst=ip_kw.get("dst", DARK), id=ip_kw.get("id", 1000),
            ttl=ip_kw.get("ttl", 64))
    tcp = TCP(sport=kw.pop("sport", 40000), dport=kw.pop("dport", 23), seq=kw.pop("seq", 1),
              flags=kw.pop("flags", "S"), window=kw.pop("window", 5840),
              options=kw.pop("options", []))
    assert not kw, kw
    return ip / tcp


def main(out):
    os.makedirs(out, exist_ok=True)
    dark = ip_to_int(DARK)
    w = lambda name, link, pkts: write_pcap(os.path.join(out, name), link, pkts)

    # Mirai: seq == destination address. 0: port 23 from a high port (mirai, strict too);
    # 1: to 2323 from port 1024 (mirai, not strict); 2: same seq but SYN+ACK (no probe).
    w("mirai.pcap", LINK_ETHERNET, [
        eth(syn(seq=dark, sport=40000, dport=23)),
        eth(syn(seq=dark, sport=1024, dport=2323)),
        eth(syn(seq=dark, flags="SA")),
    ])
    # ZMap: IP ID 54321 on SYN, UDP and ICMP echo probes; not on a timestamp request.
    w("zmap.pcap", LINK_ETHERNET, [
        eth(syn(id=54321, window=65535, ttl=255, dport=80)),
        eth(IP(src=SRC, dst=DARK, id=54321) / UDP(sport=40000, dport=53) / Raw(b"\x00" * 12)),
        eth(IP(src=SRC, dst=DARK, id=54321) / ICMP(type=8, id=1, seq=1)),
        eth(IP(src=SRC, dst=DARK, id=54321) / ICMP(type=13) / Raw(b"\x00" * 12)),
    ])
    # masscan: IP ID == (dst ^ dport ^ seq) & 0xffff, its usual TTL 255 and window
    # 1024 (so also large-scale); then the relation off by one.
    seq = 0x5EED1234
    mid = (dark ^ 443 ^ seq) & 0xFFFF
    w("masscan.pcap", LINK_ETHERNET, [
        eth(syn(seq=seq, dport=443, id=mid, ttl=255, window=1024)),
        eth(syn(seq=seq, dport=443, id=(mid + 1) & 0xFFFF, ttl=255, window=1024)),
    ])
    # large-scale: no options, TTL >= 200, window 1024; then TTL 199.
    w("large_scale.pcap", LINK_ETHERNET, [
        eth(syn(ttl=240, window=1024, id=7)),
        eth(syn(ttl=199, window=1024, id=7)),
    ])
    # nmap: window 1024/2048/3072/4096 and MSS as the only option; then MSS + SACK.
    w("nmap.pcap", LINK_ETHERNET, [
        eth(syn(window=2048, options=[("MSS", 1460)], ttl=44, id=4711)),
        eth(syn(window=1024, options=[("MSS", 1460), ("SAckOK", b"")], ttl=44, id=4711)),
    ])
    # Backscatter: SYN+ACK, RST, RST+ACK from a victim to the darknet.
    w("backscatter.pcap", LINK_ETHERNET, [
        eth(IP(src=VICTIM, dst=DARK) / TCP(sport=80, dport=3333, flags="SA", seq=9, ack=2)),
        eth(IP(src=VICTIM, dst=DARK) / TCP(sport=80, dport=3334, flags="R", seq=9)),
        eth(IP(src=VICTIM, dst=DARK) / TCP(sport=80, dport=3335, flags="RA", seq=0, ack=2)),
    ])
    # A router near the victim answers a SYN that claimed to come from the darknet.
    quoted = IPerror(src=DARK, dst=VICTIM) / TCPerror(sport=3333, dport=80, flags="S")
    w("icmp_unreachable.pcap", LINK_ETHERNET, [
        eth(IP(src="192.0.2.1", dst=DARK) / ICMP(type=3, code=1) / quoted),
    ])
    # IPv6: hop-by-hop, routing, destination options, then TCP; a first fragment
    # (UDP) and a later fragment.
    v6 = IPv6(src=SRC6, dst=DARK6)
    w("ipv6_ext.pcap", LINK_ETHERNET, [
        eth(v6 / IPv6ExtHdrHopByHop() / IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt() /
            TCP(sport=40000, dport=22, flags="S")),
        eth(v6 / IPv6ExtHdrFragment(offset=0, m=1, id=0x12345678) /
            UDP(sport=5000, dport=161) / Raw(b"A" * 16)),
        eth(v6 / IPv6ExtHdrFragment(offset=100, m=0, id=0x12345678, nh=17) / Raw(b"B" * 16)),
        eth(v6 / ICMPv6EchoRequest()),
    ])
    # VLAN: one 802.1Q tag, QinQ (802.1ad + 802.1Q).
    probe = syn(dport=8080)
    w("vlan.pcap", LINK_ETHERNET, [
        bytes(Ether(**MAC) / Dot1Q(vlan=100) / probe),
        bytes(Ether(**MAC) / Dot1AD(vlan=200) / Dot1Q(vlan=100) / probe),
    ])
    w("sll.pcap", LINK_SLL, [bytes(CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6) / probe)])
    w("sll2.pcap", LINK_SLL2, [bytes(CookedLinuxV2(pkttype=0, lladdrtype=1, lladdrlen=6) / probe)])
    # BSD null: the family in the capturing host's byte order (2 = AF_INET, 30 = AF_INET6).
    w("null.pcap", LINK_NULL, [
        struct.pack("<I", 2) + bytes(probe),
        struct.pack(">I", 2) + bytes(probe),
        struct.pack("<I", 30) + bytes(v6 / TCP(sport=1, dport=2, flags="S")),
    ])
    w("raw.pcap", LINK_RAW, [bytes(probe), bytes(v6 / UDP(sport=1, dport=53))])
    # IPv4 fragments of one UDP datagram: first (transport decoded), then later ones.
    datagram = IP(src=SRC, dst=DARK, id=999) / UDP(sport=6000, dport=1900) / Raw(b"x" * 100)
    w("fragments.pcap", LINK_ETHERNET, [eth(f) for f in fragment(datagram, fragsize=40)])
    # Truncation: the same packets cut by the snap length inside each fixed header.
    full_tcp = eth(syn(options=[("MSS", 1460)]))
    full_udp = eth(IP(src=SRC, dst=DARK) / UDP(sport=1, dport=2) / Raw(b"u" * 10))
    full_icmp = eth(IP(src=SRC, dst=DARK) / ICMP(type=8) / Raw(b"i" * 10))
    w("truncated.pcap", LINK_ETHERNET, [
        (full_tcp[:10], len(full_tcp)),   # inside the Ethernet header
        (full_tcp[:24], len(full_tcp)),   # inside the IP header
        (full_tcp[:44], len(full_tcp)),   # inside the TCP fixed header
        (full_tcp[:56], len(full_tcp)),   # inside the TCP options
        (full_udp[:38], len(full_udp)),   # inside the UDP header
        (full_icmp[:38], len(full_icmp)),  # inside the ICMP header
        (full_udp[:45], len(full_udp)),   # inside the UDP payload
    ])
    # Bad checksums: IP header, TCP, UDP, ICMP (each otherwise valid).
    w("bad_checksums.pcap", LINK_ETHERNET, [
        eth(IP(src=SRC, dst=DARK, chksum=0x1234) / TCP(sport=1, dport=23, flags="S")),
        eth(IP(src=SRC, dst=DARK) / TCP(sport=1, dport=23, flags="S", chksum=0x1234)),
        eth(IP(src=SRC, dst=DARK) / UDP(sport=1, dport=53, chksum=0x1234) / Raw(b"q")),
        eth(IP(src=SRC, dst=DARK) / ICMP(type=8, chksum=0x1234)),
    ])
    w("arp.pcap", LINK_ETHERNET, [
        bytes(Ether(src=MAC["src"], dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=SRC, pdst=DARK)),
    ])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_test_captures.py DIR")
    main(sys.argv[1])
