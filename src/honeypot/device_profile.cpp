#include "honeypot/device_profile.hpp"

#include <algorithm>

namespace darkscope {

namespace {

void put16(std::string& out, std::size_t at, std::uint16_t v, bool be) {
  out[at] = static_cast<char>(be ? v >> 8 : v & 0xff);
  out[at + 1] = static_cast<char>(be ? v & 0xff : v >> 8);
}
void put32(std::string& out, std::size_t at, std::uint32_t v, bool be) {
  for (int i = 0; i < 4; ++i) {
    const int shift = be ? 24 - 8 * i : 8 * i;
    out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> shift) & 0xff);
  }
}

const std::vector<std::string>& common_applets() {
  static const std::vector<std::string> applets = {
      "[",      "[[",      "addgroup", "adduser", "ash",      "awk",     "basename", "cat",
      "chmod",  "chown",   "chroot",   "cp",      "cut",      "date",    "dd",       "df",
      "dmesg",  "echo",    "egrep",    "env",     "false",    "fgrep",   "free",     "grep",
      "gunzip", "gzip",    "halt",     "head",    "hostname", "ifconfig", "init",    "kill",
      "killall", "ln",     "login",    "ls",      "mkdir",    "mknod",   "more",     "mount",
      "mv",     "netstat", "nslookup", "passwd",  "ping",     "ps",      "pwd",      "reboot",
      "rm",     "rmdir",   "route",    "sed",     "sh",       "sleep",   "sync",     "tail",
      "tar",    "telnetd", "test",     "top",     "touch",    "tr",      "true",     "udhcpc",
      "umount", "uname",   "uptime",   "usleep",  "vi",       "wc",      "wget",     "which",
      "xargs",
  };
  return applets;
}

void add_dir(FsTree& fs, const std::string& path) { fs[path] = FsNode{FsNode::Kind::Dir, "", 0755}; }
void add_file(FsTree& fs, const std::string& path, std::string content, std::uint32_t mode = 0644) {
  fs[path] = FsNode{FsNode::Kind::File, std::move(content), mode};
}
void add_link(FsTree& fs, const std::string& path, std::string target) {
  fs[path] = FsNode{FsNode::Kind::Symlink, std::move(target), 0777};
}

std::shared_ptr<const FsTree> build_fs(const DeviceProfile& p, const std::string& cpuinfo,
                                       const std::string& mounts, const std::string& passwd,
                                       const std::vector<std::pair<std::string, std::string>>& extra) {
  FsTree fs;
  for (const char* d : {"/", "/bin", "/dev", "/etc", "/home", "/lib", "/mnt", "/proc", "/root",
                        "/sbin", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/sbin", "/var",
                        "/var/run", "/var/tmp", "/dev/pts"}) {
    add_dir(fs, d);
  }
  add_file(fs, "/bin/busybox", make_elf_image(p.arch, 1024), 0755);
  for (const auto& a : p.applets) {
    if (a == "[" || a == "[[") continue;
    const bool sbin = a == "halt" || a == "ifconfig" || a == "init" || a == "reboot" ||
                      a == "route" || a == "telnetd" || a == "udhcpc";
    add_link(fs, (sbin ? "/sbin/" : "/bin/") + a, "/bin/busybox");
  }
  add_file(fs, "/proc/cpuinfo", cpuinfo, 0444);
  add_file(fs, "/proc/mounts", mounts, 0444);
  add_file(fs, "/proc/version",
           p.uname_s + " version " + p.uname_r + " (root@build) (gcc version 4.4.1) " + p.uname_v + "\n",
           0444);
  add_file(fs, "/proc/meminfo",
           "MemTotal:          62288 kB\nMemFree:           12584 kB\nBuffers:               0 kB\n"
           "Cached:            19768 kB\nSwapCached:            0 kB\n",
           0444);
  add_dir(fs, "/proc/1");
  add_file(fs, "/proc/1/cmdline", std::string("init\0", 5), 0444);
  add_link(fs, "/proc/self", "/proc/1");
  add_link(fs, "/proc/1/exe", "/bin/busybox");
  add_file(fs, "/etc/passwd", passwd);
  add_file(fs, "/etc/shadow", "root:$1$$zdlNHiCDxYDfeF4MZL.H3/:10933:0:99999:7:::\n", 0600);
  add_file(fs, "/etc/hostname", p.hostname + "\n");
  add_file(fs, "/etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\n::restart:/sbin/init\n");
  add_dir(fs, "/etc/init.d");
  add_file(fs, "/etc/init.d/rcS", "#!/bin/sh\nmount -a\ntelnetd &\n", 0755);
  add_file(fs, "/dev/null", "", 0666);
  add_file(fs, "/dev/zero", "", 0666);
  for (const auto& [path, content] : extra) {
    if (!content.empty() && content.back() == '/') {
      add_dir(fs, path);
    } else {
      add_file(fs, path, content);
    }
  }
  return std::make_shared<const FsTree>(std::move(fs));
}

std::shared_ptr<const DeviceProfile> make_dvr() {
  auto p = std::make_shared<DeviceProfile>();
  p->name = "dvr";
  p->hostname = "(none)";
  p->banner = "\r\n";
  p->login_prompt = "(none) login: ";
  p->password_prompt = "Password: ";
  p->motd = "\r\n\r\nBusyBox v1.20.2 (2014-06-18 17:07:35 CST) built-in shell (ash)\r\n"
            "Enter 'help' for a list of built-in commands.\r\n\r\n";
  p->prompt = "# ";
  p->uname_r = "3.0.8";
  p->uname_v = "#1 Wed Jun 18 17:07:35 CST 2014";
  p->uname_m = "armv7l";
  p->busybox_version = "BusyBox v1.20.2 (2014-06-18 17:07:35 CST)";
  p->applets = common_applets();
  p->applets.emplace_back("tftp");
  std::sort(p->applets.begin(), p->applets.end());
  p->writable_mounts = {"/tmp", "/var", "/dev", "/mnt/mtd"};
  p->ps_output =
      "  PID USER       VSZ STAT COMMAND\n"
      "    1 root      1600 S    init\n"
      "    2 root         0 SW   [kthreadd]\n"
      "    3 root         0 SW   [ksoftirqd/0]\n"
      "    5 root         0 SW   [events/0]\n"
      "   48 root         0 SW   [mtdblock0]\n"
      "  412 root      1604 S    telnetd\n"
      "  431 root     38432 S    /var/Sofia\n"
      "  433 root      1600 S    -sh\n"
      "  501 root      1600 R    ps\n";
  p->arch = ElfArch{40, false, 0x05000002, 0x00008194, 0x00008000};
  const std::string cpuinfo =
      "Processor\t: ARMv7 Processor rev 1 (v7l)\n"
      "BogoMIPS\t: 786.43\n"
      "Features\t: swp half thumb fastmult vfp edsp neon vfpv3 tls\n"
      "CPU implementer\t: 0x41\n"
      "CPU architecture: 7\n"
      "CPU variant\t: 0x4\n"
      "CPU part\t: 0xc09\n"
      "CPU revision\t: 1\n\n"
      "Hardware\t: hi3520d\n"
      "Revision\t: 0000\n"
      "Serial\t\t: 0000000000000000\n";
  const std::string mounts =
      "/dev/root / squashfs ro,relatime 0 0\n"
      "proc /proc proc rw,relatime 0 0\n"
      "sysfs /sys sysfs rw,relatime 0 0\n"
      "tmpfs /dev tmpfs rw,relatime 0 0\n"
      "devpts /dev/pts devpts rw,relatime,mode=600 0 0\n"
      "tmpfs /var tmpfs rw,relatime,size=10240k 0 0\n"
      "tmpfs /tmp tmpfs rw,relatime,size=4096k 0 0\n"
      "/dev/mtdblock3 /mnt/mtd jffs2 rw,relatime 0 0\n";
  const std::string passwd = "root:x:0:0:root:/:/bin/sh\n";
  p->fs = build_fs(*p, cpuinfo, mounts, passwd,
                   {{"/mnt/mtd/", "/"},
                    {"/mnt/mtd/Config/", "/"},
                    {"/mnt/mtd/Config/network", "IP=192.168.1.10\nMASK=255.255.255.0\nGW=192.168.1.1\n"},
                    {"/var/Sofia", ""},
                    {"/usr/etc/", "/"}});
  return p;
}

std::shared_ptr<const DeviceProfile> make_router() {
  auto p = std::make_shared<DeviceProfile>();
  p->name = "router";
  p->hostname = "HG532e";
  p->banner = "\r\n";
  p->login_prompt = "HG532e login: ";
  p->password_prompt = "Password: ";
  p->motd = "\r\n\r\nBusyBox v1.9.1 (2013-08-29 11:18:49 CST) built-in shell (ash)\r\n"
            "Enter 'help' for a list of built-in commands.\r\n\r\n";
  p->prompt = "{cwd} # ";
  p->home = "/";
  p->uname_r = "2.6.21.5";
  p->uname_v = "#1 Thu Aug 29 11:21:02 CST 2013";
  p->uname_m = "mips";
  p->busybox_version = "BusyBox v1.9.1 (2013-08-29 11:18:49 CST)";
  p->applets = common_applets();
  p->applets.emplace_back("tftp");
  p->applets.emplace_back("iptables");
  std::sort(p->applets.begin(), p->applets.end());
  p->writable_mounts = {"/tmp", "/var", "/dev"};
  p->ps_output =
      "  PID  Uid        VSZ Stat Command\n"
      "    1 root        384 S   init\n"
      "    2 root            SW< [kthreadd]\n"
      "    3 root            SWN [ksoftirqd/0]\n"
      "   72 root        256 S   /bin/mic\n"
      "  130 root        400 S   /sbin/udhcpc -i nas_8_35\n"
      "  180 root        364 S   telnetd\n"
      "  190 root       1140 S   /bin/sh\n"
      "  201 root        388 R   ps\n";
  p->arch = ElfArch{8, true, 0x00001007, 0x00400260, 0x00400000};
  const std::string cpuinfo =
      "system type\t\t: EcoNet EN7512\n"
      "processor\t\t: 0\n"
      "cpu model\t\t: MIPS 34Kc V5.8\n"
      "BogoMIPS\t\t: 447.69\n"
      "wait instruction\t: yes\n"
      "microsecond timers\t: yes\n"
      "tlb_entries\t\t: 32\n"
      "extra interrupt vector\t: yes\n"
      "hardware watchpoint\t: yes, count: 4, address/irw mask: [0x0000, 0x0ff8, 0x0ff8, 0x0ff8]\n"
      "ASEs implemented\t: mips16 dsp mt\n"
      "shadow register sets\t: 1\n"
      "core\t\t\t: 0\n"
      "VCED exceptions\t\t: not available\n"
      "VCEI exceptions\t\t: not available\n";
  const std::string mounts =
      "rootfs / rootfs rw 0 0\n"
      "/dev/mtdblock1 / squashfs ro 0 0\n"
      "/proc /proc proc rw 0 0\n"
      "none /dev/pts devpts rw 0 0\n"
      "tmpfs /tmp tmpfs rw 0 0\n"
      "tmpfs /var tmpfs rw 0 0\n"
      "tmpfs /dev tmpfs rw 0 0\n";
  const std::string passwd =
      "admin:$1$$iC.dUsGpxNNJGeOm1dFio/:0:0:root:/:/bin/sh\n"
      "nobody:x:99:99:nobody:/:/bin/false\n";
  p->fs = build_fs(*p, cpuinfo, mounts, passwd,
                   {{"/etc/config/", "/"},
                    {"/etc/config/network", "config interface 'lan'\n\toption ipaddr '192.168.1.1'\n"},
                    {"/bin/mic", ""},
                    {"/var/tmp/", "/"}});
  return p;
}

}  // namespace

std::string make_elf_image(const ElfArch& arch, std::size_t total_size) {
  constexpr std::size_t kEhdr = 52;
  constexpr std::size_t kPhdr = 32;
  constexpr std::size_t kHeaders = kEhdr + 2 * kPhdr;
  if (total_size < kHeaders) total_size = kHeaders;
  std::string out(total_size, '\0');
  const bool be = arch.big_endian;
  out[0] = 0x7f;
  out[1] = 'E';
  out[2] = 'L';
  out[3] = 'F';
  out[4] = 1;             // ELFCLASS32
  out[5] = be ? 2 : 1;    // ELFDATA2MSB / ELFDATA2LSB
  out[6] = 1;             // EV_CURRENT
  put16(out, 16, 2, be);  // ET_EXEC
  put16(out, 18, arch.machine, be);
  put32(out, 20, 1, be);
  put32(out, 24, arch.entry, be);
  put32(out, 28, kEhdr, be);  // e_phoff
  put32(out, 32, 0, be);      // e_shoff: stripped of section headers, as bots' own binaries are
  put32(out, 36, arch.flags, be);
  put16(out, 40, kEhdr, be);
  put16(out, 42, kPhdr, be);
  put16(out, 44, 2, be);   // e_phnum
  put16(out, 46, 40, be);  // e_shentsize
  put16(out, 48, 0, be);
  put16(out, 50, 0, be);
  // PT_LOAD: the whole file, read + execute.
  std::size_t ph = kEhdr;
  put32(out, ph + 0, 1, be);
  put32(out, ph + 4, 0, be);
  put32(out, ph + 8, arch.load_addr, be);
  put32(out, ph + 12, arch.load_addr, be);
  put32(out, ph + 16, static_cast<std::uint32_t>(total_size), be);
  put32(out, ph + 20, static_cast<std::uint32_t>(total_size), be);
  put32(out, ph + 24, 5, be);
  put32(out, ph + 28, 0x10000, be);
  // PT_GNU_STACK: non-executable stack.
  ph += kPhdr;
  put32(out, ph + 0, 0x6474e551, be);
  put32(out, ph + 24, 6, be);
  put32(out, ph + 28, 4, be);
  return out;
}

bool DeviceProfile::has_applet(std::string_view applet) const {
  return std::binary_search(applets.begin(), applets.end(), applet,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

std::vector<std::string> device_profile_names() { return {"dvr", "router"}; }

std::shared_ptr<const DeviceProfile> find_device_profile(std::string_view name) {
  static const std::shared_ptr<const DeviceProfile> dvr = make_dvr();
  static const std::shared_ptr<const DeviceProfile> router = make_router();
  if (name == "dvr") return dvr;
  if (name == "router") return router;
  return nullptr;
}

}  // namespace darkscope
