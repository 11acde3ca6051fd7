#include "core/services.hpp"

#include <algorithm>
#include <array>

namespace darkscope {
namespace {

struct Service {
  std::uint16_t port;
  std::string_view tcp;
  std::string_view udp;
};

// Sorted by port. Names follow IANA's registry where it has one; the ports that
// dominate darknet rankings (IoT, databases, remote access) are all here.
constexpr std::array kServices = {
    Service{7, "echo", "echo"},           Service{17, "qotd", "qotd"},
    Service{19, "chargen", "chargen"},    Service{21, "ftp", ""},
    Service{22, "ssh", ""},               Service{23, "telnet", ""},
    Service{25, "smtp", ""},              Service{37, "time", "time"},
    Service{53, "dns", "dns"},            Service{69, "", "tftp"},
    Service{80, "http", ""},              Service{81, "http-alt", ""},
    Service{88, "kerberos", "kerberos"},  Service{110, "pop3", ""},
    Service{111, "sunrpc", "sunrpc"},     Service{113, "ident", ""},
    Service{123, "", "ntp"},              Service{135, "msrpc", ""},
    Service{137, "", "netbios-ns"},       Service{138, "", "netbios-dgm"},
    Service{139, "netbios-ssn", ""},      Service{143, "imap", ""},
    Service{161, "", "snmp"},             Service{389, "ldap", "cldap"},
    Service{443, "https", "quic"},        Service{445, "microsoft-ds", ""},
    Service{500, "", "isakmp"},           Service{502, "modbus", ""},
    Service{520, "", "rip"},              Service{523, "ibm-db2", "ibm-db2"},
    Service{554, "rtsp", ""},             Service{587, "submission", ""},
    Service{631, "ipp", "ipp"},           Service{993, "imaps", ""},
    Service{995, "pop3s", ""},            Service{1080, "socks", ""},
    Service{1433, "mssql", ""},           Service{1434, "", "mssql-browser"},
    Service{1723, "pptp", ""},            Service{1900, "", "ssdp"},
    Service{2323, "telnet-alt", ""},      Service{2375, "docker", ""},
    Service{3306, "mysql", ""},           Service{3389, "rdp", "rdp"},
    Service{3702, "", "ws-discovery"},    Service{5060, "sip", "sip"},
    Service{5353, "", "mdns"},            Service{5432, "postgresql", ""},
    Service{5555, "adb", ""},             Service{5900, "vnc", ""},
    Service{6379, "redis", ""},           Service{7547, "cwmp", ""},
    Service{8080, "http-proxy", ""},      Service{8081, "http-alt", ""},
    Service{8443, "https-alt", ""},       Service{8888, "http-alt", ""},
    Service{9200, "elasticsearch", ""},   Service{9530, "dvr-backdoor", ""},
    Service{11211, "memcached", "memcached"}, Service{27017, "mongodb", ""},
    Service{37215, "huawei-upnp", ""},    Service{52869, "upnp", ""},
};

}  // namespace

std::string_view service_name(std::uint8_t protocol, std::uint16_t port) noexcept {
  const auto it = std::lower_bound(kServices.begin(), kServices.end(), port,
                                   [](const Service& s, std::uint16_t p) { return s.port < p; });
  if (it == kServices.end() || it->port != port) return {};
  return protocol == 17 ? it->udp : it->tcp;
}

}  // namespace darkscope
