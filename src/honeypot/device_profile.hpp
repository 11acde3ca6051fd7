// Emulated devices: what a bot sees of the box it logged into.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace darkscope {

/// One entry of an emulated filesystem.
struct FsNode {
  enum class Kind : std::uint8_t { File, Dir, Symlink };
  Kind kind = Kind::File;
  std::string data;  ///< file content, or the symlink target
  std::uint32_t mode = 0644;
};

/// Absolute, normalised path -> node. Shared read-only by every session.
using FsTree = std::map<std::string, FsNode, std::less<>>;

/// ELF machine and byte order of an emulated CPU.
struct ElfArch {
  std::uint16_t machine = 40;  ///< e_machine: 40 ARM, 8 MIPS, 3 i386, 20 PPC
  bool big_endian = false;
  std::uint32_t flags = 0;      ///< e_flags (ARM EABI version, MIPS ISA)
  std::uint32_t entry = 0;      ///< e_entry
  std::uint32_t load_addr = 0;  ///< p_vaddr of the text segment
};

/// A valid ELF32 executable header (52 bytes) with two program headers, then
/// padding: what `cat /bin/echo` returns, enough for a loader to read the architecture.
[[nodiscard]] std::string make_elf_image(const ElfArch& arch, std::size_t total_size);

/// A device: banner, prompts, identity and filesystem.
struct DeviceProfile {
  std::string name;         ///< profile name on the command line ("dvr", "router")
  std::string hostname;
  std::string banner;       ///< printed before the first login prompt
  std::string login_prompt; ///< ends in ':' (and a space)
  std::string password_prompt;
  std::string motd;         ///< printed after a good login
  std::string prompt;       ///< "{cwd}" is replaced by the working directory; ends in "# "
  std::string home = "/";
  std::string uname_s = "Linux";
  std::string uname_r;      ///< kernel release
  std::string uname_v;      ///< kernel version string
  std::string uname_m;      ///< machine (armv7l, mips)
  std::string busybox_version;  ///< "BusyBox v1.20.2 (2014-06-18 17:07:35 CST)"
  std::vector<std::string> applets;  ///< sorted busybox applet names
  std::vector<std::string> writable_mounts;  ///< mount points a session may write to
  std::string ps_output;
  ElfArch arch;
  std::shared_ptr<const FsTree> fs;

  [[nodiscard]] bool has_applet(std::string_view name) const;
};

/// The built-in profiles ("dvr": busybox DVR/IP camera, ARM; "router": home router,
/// MIPS big endian).
[[nodiscard]] std::vector<std::string> device_profile_names();
/// nullptr when the name is unknown.
[[nodiscard]] std::shared_ptr<const DeviceProfile> find_device_profile(std::string_view name);

}  // namespace darkscope
