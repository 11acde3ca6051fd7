// The emulated busybox shell: a parser for the command lines bots send and an
// interpreter over an in-memory filesystem. Nothing received is ever executed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "honeypot/device_profile.hpp"
#include "honeypot/download.hpp"

namespace darkscope {

/// `>`/`>>`/`<` and fd forms (`2>`, `2>&1`).
struct Redirect {
  int fd = 1;
  enum class Kind : std::uint8_t { Write, Append, Read, DupToStdout } kind = Kind::Write;
  std::string target;
};

struct SimpleCommand {
  std::vector<std::string> argv;
  std::vector<Redirect> redirects;
};

/// Commands joined by `|`, run when the connector allows: `;` and `&` always,
/// `&&` after success, `||` after failure.
struct Pipeline {
  enum class RunIf : std::uint8_t { Always, Success, Failure } run_if = RunIf::Always;
  std::vector<SimpleCommand> commands;
};

struct ParsedLine {
  std::vector<Pipeline> pipelines;
  std::string error;  ///< non-empty: a syntax error ash would report
};

/// Words and operators of one line: quotes ('', "" with \-escapes), backslash,
/// `;` `&&` `||` `|` `&` `>` `>>` `<` `N>` `N>&M`, `#` comments. At most
/// kMaxWords words; the rest of a longer line is dropped.
[[nodiscard]] ParsedLine parse_shell_line(std::string_view line);
inline constexpr std::size_t kMaxShellWords = 4096;

/// `echo -e` escapes: \xNN, \0NNN, \NNN, \n, \t, \\, \c (stops output), ...
/// Sets *stop when \c was met.
[[nodiscard]] std::string expand_echo_escapes(std::string_view text, bool* stop = nullptr);

/// Bounds on what one session may do to its emulated device.
struct ShellLimits {
  std::size_t max_file_bytes = 4 * 1024 * 1024;  ///< all files written in the session together
  std::size_t max_output_bytes = 1024 * 1024;    ///< one command line's output
  int max_script_depth = 3;                      ///< sh FILE inside sh FILE ...
  std::size_t max_script_lines = 2000;
};

/// A session's copy-on-write view of the profile's filesystem.
class SessionFs {
 public:
  SessionFs(std::shared_ptr<const FsTree> base, std::vector<std::string> writable_mounts,
            std::size_t max_bytes);

  /// Absolute normalised path for `path` relative to `cwd`.
  [[nodiscard]] static std::string resolve(std::string_view cwd, std::string_view path);
  /// The node, symlinks followed (up to 8); nullopt when absent.
  [[nodiscard]] std::optional<FsNode> stat(const std::string& abs, bool follow = true) const;
  /// Writes (or appends to) a file; returns "" or an error text ("Read-only file system", ...).
  std::string write(const std::string& abs, std::string_view data, bool append);
  std::string remove(const std::string& abs, bool recursive);
  std::string make_dir(const std::string& abs);
  std::string set_mode(const std::string& abs, std::uint32_t mode);
  /// Children names of a directory, sorted.
  [[nodiscard]] std::vector<std::string> list(const std::string& abs) const;
  [[nodiscard]] bool writable(const std::string& abs) const;
  /// Paths written in this session that still exist as files, with their content.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> written_files() const;
  [[nodiscard]] std::size_t bytes_used() const noexcept { return used_; }

 private:
  [[nodiscard]] std::optional<FsNode> lookup(const std::string& abs) const;
  std::shared_ptr<const FsTree> base_;
  std::vector<std::string> writable_;
  std::map<std::string, std::optional<FsNode>, std::less<>> overlay_;  // nullopt: deleted
  std::size_t max_bytes_;
  std::size_t used_ = 0;
};

/// Fetches a URL for wget/curl/tftp; the session logs and stores the payload.
using FetchFunction = std::function<asio::awaitable<FetchResult>(FetchRequest)>;

/// What a command line produced.
struct ShellOutput {
  std::string text;   ///< stdout and stderr as the terminal shows them ('\n' line ends)
  bool exit = false;  ///< `exit`/`logout`: the session ends
};

/// One session's shell.
class EmulatedShell {
 public:
  EmulatedShell(std::shared_ptr<const DeviceProfile> profile, ShellLimits limits);

  /// Runs one line. fetch may be empty: downloads then fail as unreachable.
  asio::awaitable<ShellOutput> run(std::string line, FetchFunction fetch);
  /// The prompt to print next.
  [[nodiscard]] std::string prompt() const;
  [[nodiscard]] const std::string& cwd() const noexcept { return cwd_; }
  [[nodiscard]] SessionFs& fs() noexcept { return fs_; }
  [[nodiscard]] const DeviceProfile& profile() const noexcept { return *profile_; }

 private:
  struct Result {
    std::string out;
    std::string err;
    int status = 0;
  };
  asio::awaitable<ShellOutput> run_line(const std::string& line, const FetchFunction& fetch,
                                        int depth);
  asio::awaitable<Result> run_command(std::vector<std::string> argv, std::string input,
                                      const FetchFunction& fetch, int depth, bool* exit);
  asio::awaitable<Result> run_applet(const std::string& name, std::vector<std::string> argv,
                                     std::string input, const FetchFunction& fetch, int depth,
                                     bool* exit);
  asio::awaitable<Result> download(const std::string& tool, const std::vector<std::string>& argv,
                                   const FetchFunction& fetch);
  Result execute_file(const std::string& path, const std::string& shown);
  std::string usage(std::string_view applet) const;

  std::shared_ptr<const DeviceProfile> profile_;
  ShellLimits limits_;
  SessionFs fs_;
  std::string cwd_;
  int last_status_ = 0;
};

}  // namespace darkscope
