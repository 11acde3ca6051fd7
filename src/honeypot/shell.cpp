#include "honeypot/shell.hpp"

#include <algorithm>
#include <charconv>

namespace darkscope {

namespace {

std::string basename_of(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string parent_of(const std::string& abs) {
  const auto slash = abs.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return abs.substr(0, slash);
}

bool is_elf(std::string_view data) { return data.size() >= 4 && data.substr(0, 4) == "\x7f" "ELF"; }

std::string mode_string(const FsNode& node) {
  std::string s = node.kind == FsNode::Kind::Dir ? "d" : node.kind == FsNode::Kind::Symlink ? "l" : "-";
  const char* rwx = "rwx";
  for (int i = 8; i >= 0; --i) s.push_back((node.mode >> i) & 1 ? rwx[(8 - i) % 3] : '-');
  return s;
}

}  // namespace

// ---------------------------------------------------------------- SessionFs

SessionFs::SessionFs(std::shared_ptr<const FsTree> base, std::vector<std::string> writable_mounts,
                     std::size_t max_bytes)
    : base_(std::move(base)), writable_(std::move(writable_mounts)), max_bytes_(max_bytes) {}

std::string SessionFs::resolve(std::string_view cwd, std::string_view path) {
  std::vector<std::string_view> parts;
  auto push_parts = [&parts](std::string_view p) {
    while (!p.empty()) {
      const auto slash = p.find('/');
      const std::string_view part = p.substr(0, slash);
      p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();
        continue;
      }
      parts.push_back(part);
    }
  };
  if (path.empty() || path.front() != '/') push_parts(cwd);
  push_parts(path);
  std::string out;
  for (const auto part : parts) {
    out.push_back('/');
    out.append(part);
  }
  return out.empty() ? "/" : out;
}

std::optional<FsNode> SessionFs::lookup(const std::string& abs) const {
  if (const auto it = overlay_.find(abs); it != overlay_.end()) return it->second;
  if (const auto it = base_->find(abs); it != base_->end()) return it->second;
  return std::nullopt;
}

std::optional<FsNode> SessionFs::stat(const std::string& abs, bool follow) const {
  std::string path = abs;
  for (int hops = 0; hops < 8; ++hops) {
    auto node = lookup(path);
    if (!node || !follow || node->kind != FsNode::Kind::Symlink) return node;
    path = resolve(parent_of(path), node->data);
  }
  return std::nullopt;  // symlink loop
}

bool SessionFs::writable(const std::string& abs) const {
  return std::any_of(writable_.begin(), writable_.end(), [&abs](const std::string& m) {
    return abs.size() > m.size() && abs.compare(0, m.size(), m) == 0 && abs[m.size()] == '/';
  });
}

std::string SessionFs::write(const std::string& abs, std::string_view data, bool append) {
  if (abs == "/dev/null") return {};
  const auto existing = stat(abs);
  if (existing && existing->kind == FsNode::Kind::Dir) return "Is a directory";
  const auto parent = stat(parent_of(abs));
  if (!parent || parent->kind != FsNode::Kind::Dir) return "No such file or directory";
  if (!writable(abs)) return "Read-only file system";
  FsNode node = existing && existing->kind == FsNode::Kind::File ? *existing : FsNode{};
  const std::size_t before = node.data.size();
  if (!append) node.data.clear();
  const std::size_t after = node.data.size() + data.size();
  if (used_ - std::min(used_, before) + after > max_bytes_) return "No space left on device";
  node.data.append(data);
  used_ = used_ - std::min(used_, before) + after;
  overlay_[abs] = std::move(node);
  return {};
}

std::string SessionFs::remove(const std::string& abs, bool recursive) {
  const auto node = stat(abs, false);
  if (!node) return "No such file or directory";
  if (!writable(abs)) return "Read-only file system";
  if (node->kind == FsNode::Kind::Dir) {
    if (!recursive) return "Is a directory";
    for (const auto& child : list(abs)) remove(abs + "/" + child, true);
  }
  if (node->kind == FsNode::Kind::File) used_ -= std::min(used_, node->data.size());
  if (base_->count(abs) != 0) {
    overlay_[abs] = std::nullopt;
  } else {
    overlay_.erase(abs);
  }
  return {};
}

std::string SessionFs::make_dir(const std::string& abs) {
  if (stat(abs)) return "File exists";
  const auto parent = stat(parent_of(abs));
  if (!parent || parent->kind != FsNode::Kind::Dir) return "No such file or directory";
  if (!writable(abs)) return "Read-only file system";
  overlay_[abs] = FsNode{FsNode::Kind::Dir, "", 0755};
  return {};
}

std::string SessionFs::set_mode(const std::string& abs, std::uint32_t mode) {
  auto node = stat(abs);
  if (!node) return "No such file or directory";
  if (!writable(abs)) return "Read-only file system";
  node->mode = mode & 07777;
  overlay_[abs] = std::move(*node);
  return {};
}

std::vector<std::string> SessionFs::list(const std::string& abs) const {
  const std::string prefix = abs == "/" ? "/" : abs + "/";
  std::vector<std::string> names;
  auto child_name = [&prefix](const std::string& key) -> std::string {
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) return {};
    const std::string rest = key.substr(prefix.size());
    return rest.find('/') == std::string::npos ? rest : std::string{};
  };
  for (auto it = base_->lower_bound(prefix); it != base_->end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (auto name = child_name(it->first); !name.empty()) names.push_back(std::move(name));
  }
  for (const auto& [key, node] : overlay_) {
    auto name = child_name(key);
    if (name.empty()) continue;
    const auto at = std::find(names.begin(), names.end(), name);
    if (node && at == names.end()) names.push_back(std::move(name));
    if (!node && at != names.end()) names.erase(at);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::pair<std::string, std::string>> SessionFs::written_files() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, node] : overlay_) {
    if (node && node->kind == FsNode::Kind::File && !node->data.empty()) out.emplace_back(key, node->data);
  }
  return out;
}

// ---------------------------------------------------------------- EmulatedShell

EmulatedShell::EmulatedShell(std::shared_ptr<const DeviceProfile> profile, ShellLimits limits)
    : profile_(std::move(profile)),
      limits_(limits),
      fs_(profile_->fs, profile_->writable_mounts, limits.max_file_bytes),
      cwd_(profile_->home) {}

std::string EmulatedShell::prompt() const {
  std::string p = profile_->prompt;
  const auto at = p.find("{cwd}");
  if (at != std::string::npos) p.replace(at, 5, cwd_);
  return p;
}

asio::awaitable<ShellOutput> EmulatedShell::run(std::string line, FetchFunction fetch) {
  co_return co_await run_line(line, fetch, 0);
}

asio::awaitable<ShellOutput> EmulatedShell::run_line(const std::string& line, const FetchFunction& fetch,
                                                     int depth) {
  ShellOutput output;
  const ParsedLine parsed = parse_shell_line(line);
  if (!parsed.error.empty()) {
    output.text = "-sh: " + parsed.error + "\n";
    last_status_ = 2;
    co_return output;
  }
  for (const Pipeline& pipe : parsed.pipelines) {
    if (pipe.run_if == Pipeline::RunIf::Success && last_status_ != 0) continue;
    if (pipe.run_if == Pipeline::RunIf::Failure && last_status_ == 0) continue;
    std::string input;
    int status = 0;
    for (std::size_t i = 0; i < pipe.commands.size(); ++i) {
      const SimpleCommand& cmd = pipe.commands[i];
      Result r;
      bool redirect_failed = false;
      for (const Redirect& red : cmd.redirects) {
        if (red.kind != Redirect::Kind::Read) continue;
        const std::string abs = SessionFs::resolve(cwd_, red.target);
        const auto node = fs_.stat(abs);
        if (!node || node->kind != FsNode::Kind::File) {
          output.text += "-sh: can't open '" + red.target + "': No such file or directory\n";
          redirect_failed = true;
        } else {
          input = node->data;
        }
      }
      if (redirect_failed) {
        status = 1;
        input.clear();
        continue;
      }
      if (!cmd.argv.empty()) {
        r = co_await run_command(cmd.argv, std::move(input), fetch, depth, &output.exit);
      }
      input.clear();
      for (const Redirect& red : cmd.redirects) {
        if (red.kind == Redirect::Kind::Read) continue;
        if (red.kind == Redirect::Kind::DupToStdout) {
          if (red.fd == 2) {
            r.out += r.err;
            r.err.clear();
          }
          continue;
        }
        std::string& stream = red.fd == 2 ? r.err : r.out;
        const std::string abs = SessionFs::resolve(cwd_, red.target);
        const std::string error = fs_.write(abs, stream, red.kind == Redirect::Kind::Append);
        if (!error.empty()) {
          output.text += "-sh: can't create " + red.target + ": " + error + "\n";
          r = Result{};  // ash opens redirections first: the command never ran
          r.status = 1;
          break;
        }
        stream.clear();
      }
      output.text += r.err;
      if (i + 1 < pipe.commands.size()) {
        input = std::move(r.out);
      } else {
        output.text += r.out;
      }
      status = r.status;
      if (output.text.size() > limits_.max_output_bytes) break;
    }
    last_status_ = status;
    if (output.exit || output.text.size() > limits_.max_output_bytes) break;
  }
  if (output.text.size() > limits_.max_output_bytes) output.text.resize(limits_.max_output_bytes);
  co_return output;
}

EmulatedShell::Result EmulatedShell::execute_file(const std::string& path, const std::string& shown) {
  const auto node = fs_.stat(path);
  Result r;
  if (!node) {
    r.err = "-sh: " + shown + ": not found\n";
    r.status = 127;
  } else if (node->kind == FsNode::Kind::Dir || (node->mode & 0111) == 0) {
    r.err = "-sh: " + shown + ": Permission denied\n";
    r.status = 126;
  } else if (node->data.empty() || !is_elf(node->data)) {
    r.err = "-sh: " + shown + ": not found\n";  // what ash says for an empty or foreign file
    r.status = 127;
  }
  // An ELF is "started" and says nothing: received programs are never run.
  return r;
}

asio::awaitable<EmulatedShell::Result> EmulatedShell::run_command(std::vector<std::string> argv,
                                                                  std::string input,
                                                                  const FetchFunction& fetch,
                                                                  int depth, bool* exit) {
  const std::string& name = argv[0];
  if (name.find('/') != std::string::npos) {
    const std::string abs = SessionFs::resolve(cwd_, name);
    const auto link = fs_.stat(abs, false);
    // Named locals, not temporaries, cross co_await (GCC 12 coroutine temporaries).
    const std::string busybox = "busybox";
    if (abs == "/bin/busybox") co_return co_await run_applet(busybox, argv, std::move(input), fetch, depth, exit);
    if (link && link->kind == FsNode::Kind::Symlink && link->data == "/bin/busybox") {
      const std::string applet = basename_of(abs);
      co_return co_await run_applet(applet, argv, std::move(input), fetch, depth, exit);
    }
    const auto node = fs_.stat(abs);
    if (node && node->kind == FsNode::Kind::File && !is_elf(node->data) && (node->mode & 0111) != 0 &&
        node->data.compare(0, 2, "#!") == 0 && depth < limits_.max_script_depth) {
      std::vector<std::string> sh_argv = {"sh", abs};
      const std::string sh = "sh";
      std::string no_input;
      co_return co_await run_applet(sh, sh_argv, std::move(no_input), fetch, depth, exit);
    }
    co_return execute_file(abs, name);
  }
  if (name == "cd") {
    Result r;
    const std::string target = argv.size() > 1 ? SessionFs::resolve(cwd_, argv[1]) : profile_->home;
    const auto node = fs_.stat(target);
    if (!node || node->kind != FsNode::Kind::Dir) {
      r.err = "-sh: cd: can't cd to " + (argv.size() > 1 ? argv[1] : target) + "\n";
      r.status = 2;
    } else {
      cwd_ = target;
    }
    co_return r;
  }
  if (name == "exit" || name == "logout") {
    *exit = true;
    co_return Result{};
  }
  if (name == "echo" || name == "pwd" || name == "true" || name == "false" || name == "kill" ||
      name == "test" || name == "[" || name == "export" || name == "unset" || name == "set" ||
      name == "ulimit" || name == "trap" || name == "alias" || name == "type" || name == "read" ||
      profile_->has_applet(name)) {
    co_return co_await run_applet(name, std::move(argv), std::move(input), fetch, depth, exit);
  }
  Result r;
  r.err = "-sh: " + name + ": not found\n";
  r.status = 127;
  co_return r;
}

std::string EmulatedShell::usage(std::string_view applet) const {
  const std::string head = profile_->busybox_version + " multi-call binary.\n\n";
  if (applet == "wget") {
    return head +
           "Usage: wget [-c|--continue] [-s|--spider] [-q|--quiet] [-O|--output-document FILE]\n"
           "\t[--header 'header: value'] [-Y|--proxy on/off] [-P DIR]\n"
           "\t[--no-check-certificate] [-U|--user-agent AGENT] [-T SEC] URL...\n\n"
           "Retrieve files via HTTP or FTP\n\n"
           "\t-s\tSpider mode - only check file existence\n"
           "\t-c\tContinue retrieval of aborted transfer\n"
           "\t-q\tQuiet\n"
           "\t-P DIR\tSave to DIR (default .)\n"
           "\t-T SEC\tNetwork read timeout is SEC seconds\n"
           "\t-O FILE\tSave to FILE ('-' for stdout)\n"
           "\t-U STR\tUse STR for User-Agent header\n"
           "\t-Y\tUse proxy ('on' or 'off')\n";
  }
  if (applet == "tftp") {
    return head +
           "Usage: tftp [OPTIONS] HOST [PORT]\n\n"
           "Transfer a file from/to tftp server\n\n"
           "\t-l FILE\tLocal FILE\n"
           "\t-r FILE\tRemote FILE\n"
           "\t-g\tGet file\n"
           "\t-p\tPut file\n"
           "\t-b SIZE\tTransfer blocks of SIZE octets\n";
  }
  return head + "Usage: " + std::string(applet) + " [OPTIONS]\n";
}

asio::awaitable<EmulatedShell::Result> EmulatedShell::download(const std::string& tool,
                                                               const std::vector<std::string>& argv,
                                                               const FetchFunction& fetch) {
  Result r;
  std::string url_text;
  std::string output_file;  // "-" for stdout
  std::string directory;
  std::string remote;
  std::string host;
  std::string port;
  bool remote_name = false;  // curl -O
  bool quiet = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](std::size_t prefix) -> std::string {
      if (a.size() > prefix) return a.substr(prefix);
      return i + 1 < argv.size() ? argv[++i] : std::string{};
    };
    if (tool == "wget") {
      if (a.rfind("--output-document=", 0) == 0) output_file = a.substr(18);
      else if (a.rfind("-O", 0) == 0) output_file = value(2);
      else if (a.rfind("-P", 0) == 0) directory = value(2);
      else if (a == "-T" || a == "-U" || a == "-Y" || a == "--header" || a == "-t") ++i;
      else if (a == "-q" || a == "--quiet") quiet = true;
      else if (!a.empty() && a[0] == '-') continue;
      else if (url_text.empty()) url_text = a;
    } else if (tool == "curl") {
      if (a == "-o" || a == "--output") output_file = i + 1 < argv.size() ? argv[++i] : "";
      else if (a == "-O" || a == "--remote-name") remote_name = true;
      else if (a == "-A" || a == "-H" || a == "-m" || a == "-e" || a == "-u" || a == "-x" ||
               a == "--user-agent" || a == "--header" || a == "--max-time" || a == "-d") ++i;
      else if (a == "-s" || a == "--silent") quiet = true;
      else if (!a.empty() && a[0] == '-') continue;
      else if (url_text.empty()) url_text = a;
    } else {  // tftp: busybox "-g -r REMOTE -l LOCAL HOST [PORT]" or "HOST -c get REMOTE [LOCAL]"
      if (a.rfind("-r", 0) == 0) remote = value(2);
      else if (a.rfind("-l", 0) == 0) output_file = value(2);
      else if (a.rfind("-b", 0) == 0) (void)value(2);
      else if (a == "-c" && i + 2 < argv.size() && argv[i + 1] == "get") {
        remote = argv[i + 2];
        i += 2;
        if (i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-') output_file = argv[++i];
      } else if (!a.empty() && a[0] == '-') continue;
      else if (host.empty()) host = a;
      else if (port.empty()) port = a;
    }
  }
  if (tool == "tftp" && !host.empty() && !remote.empty()) {
    url_text = "tftp://" + host + (port.empty() ? "" : ":" + port) + "/" + remote;
    if (output_file.empty()) output_file = basename_of(remote);
  }
  if (url_text.empty()) {
    if (tool == "curl") {
      r.err = "curl: try 'curl --help' or 'curl --manual' for more information\n";
      r.status = 2;
    } else {
      r.err = usage(tool);
      r.status = 1;
    }
    co_return r;
  }
  const auto url = parse_url(url_text);
  if (!url) {
    r.err = tool + ": bad address '" + url_text + "'\n";
    r.status = 1;
    co_return r;
  }
  if (tool == "curl") {
    if (remote_name) output_file = basename_of(url->path);
    if (output_file.empty()) output_file = "-";
  } else if (tool == "wget" && output_file.empty()) {
    output_file = basename_of(url->path);
    if (output_file.empty() || output_file == "/") output_file = "index.html";
    if (!directory.empty()) output_file = directory + "/" + output_file;
  }
  const std::string hostport = url->host + ":" + std::to_string(url->port);
  if (tool == "wget" && !quiet) r.err = "Connecting to " + hostport + " (" + hostport + ")\n";
  FetchResult got;
  if (fetch) {
    FetchRequest request{url_text, *url, tool};
    auto pending = fetch(std::move(request));
    got = co_await std::move(pending);
  } else {
    got.error = "Connection refused";
  }
  if (!got.ok) {
    if (tool == "wget") {
      r.err += "wget: can't connect to remote host (" + url->host + "): " + got.error + "\n";
    } else if (tool == "curl") {
      if (!quiet) r.err = "curl: (7) Failed to connect to " + url->host + " port " + std::to_string(url->port) + ": " + got.error + "\n";
    } else {
      r.err = "tftp: timeout\n";
    }
    r.status = 1;
    co_return r;
  }
  if (output_file == "-") {
    r.out = std::move(got.body);
  } else {
    const std::string abs = SessionFs::resolve(cwd_, output_file);
    const std::string error = fs_.write(abs, got.body, false);
    if (!error.empty()) {
      r.err += tool + ": can't open '" + output_file + "': " + error + "\n";
      r.status = 1;
      co_return r;
    }
  }
  if (tool == "wget" && !quiet) {
    r.err += basename_of(url->path) + "          100% |*******************************| " +
             std::to_string(got.body.size() / 1024 + 1) + "k  0:00:00 ETA\n";
  }
  co_return r;
}

asio::awaitable<EmulatedShell::Result> EmulatedShell::run_applet(const std::string& name,
                                                                 std::vector<std::string> argv,
                                                                 std::string input,
                                                                 const FetchFunction& fetch,
                                                                 int depth, bool* exit) {
  Result r;
  const DeviceProfile& p = *profile_;
  auto file_error = [&r](const std::string& applet, const std::string& path, const std::string& why,
                         bool quoted = true) {
    r.err += applet + ": " + (quoted ? "can't open '" + path + "': " : path + ": ") + why + "\n";
    r.status = 1;
  };

  if (name == "busybox") {
    if (argv.size() < 2) {
      r.out = p.busybox_version + " multi-call binary.\nCopyright (C) 1998-2011 Erik Andersen, Rob Landley, "
              "Denys Vlasenko\nand others. Licensed under GPLv2.\nSee source distribution for full notice.\n\n"
              "Usage: busybox [function] [arguments]...\n   or: function [arguments]...\n\n"
              "Currently defined functions:\n\t";
      for (std::size_t i = 0; i < p.applets.size(); ++i) r.out += p.applets[i] + (i + 1 < p.applets.size() ? ", " : "\n");
      co_return r;
    }
    const std::string applet = basename_of(argv[1]);
    if (!p.has_applet(applet)) {
      r.err = argv[1] + ": applet not found\n";
      r.status = 127;
      co_return r;
    }
    argv.erase(argv.begin());
    co_return co_await run_applet(applet, std::move(argv), std::move(input), fetch, depth, exit);
  }
  if (name == "echo") {
    bool newline = true;
    bool escapes = false;
    std::size_t i = 1;
    for (; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() < 2 || a[0] != '-' || a.find_first_not_of("neE", 1) != std::string::npos) break;
      for (std::size_t k = 1; k < a.size(); ++k) {
        if (a[k] == 'n') newline = false;
        if (a[k] == 'e') escapes = true;
        if (a[k] == 'E') escapes = false;
      }
    }
    std::string text;
    for (std::size_t k = i; k < argv.size(); ++k) {
      if (k > i) text.push_back(' ');
      text += argv[k];
    }
    bool stop = false;
    if (escapes) text = expand_echo_escapes(text, &stop);
    if (newline && !stop) text.push_back('\n');
    r.out = std::move(text);
    co_return r;
  }
  if (name == "cat" || name == "head" || name == "dd" || name == "grep" || name == "egrep" ||
      name == "fgrep" || name == "wc") {
    std::vector<std::string> files;
    std::string pattern;
    bool invert = false;
    bool pattern_set = false;
    long head_bytes = -1;
    long head_lines = name == "head" ? 10 : -1;
    long bs = 512;
    long count = -1;
    bool count_lines = false;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      auto number = [](const std::string& s) {
        long v = 0;
        std::from_chars(s.data(), s.data() + s.size(), v);
        return v;
      };
      if (name == "dd") {
        if (a.rfind("if=", 0) == 0) files.push_back(a.substr(3));
        else if (a.rfind("bs=", 0) == 0) bs = number(a.substr(3));
        else if (a.rfind("count=", 0) == 0) count = number(a.substr(6));
        continue;
      }
      if (name == "head" && a == "-c" && i + 1 < argv.size()) { head_bytes = number(argv[++i]); continue; }
      if (name == "head" && a == "-n" && i + 1 < argv.size()) { head_lines = number(argv[++i]); continue; }
      if (name == "wc" && a == "-l") { count_lines = true; continue; }
      if ((name == "grep" || name == "egrep" || name == "fgrep") && a == "-v") { invert = true; continue; }
      if (a.size() > 1 && a[0] == '-') continue;
      if ((name == "grep" || name == "egrep" || name == "fgrep") && !pattern_set) {
        pattern = a;
        pattern_set = true;
        continue;
      }
      files.push_back(a);
    }
    std::string data;
    if (files.empty()) data = std::move(input);
    for (const auto& f : files) {
      const auto node = fs_.stat(SessionFs::resolve(cwd_, f));
      if (!node) {
        file_error(name, f, "No such file or directory");
      } else if (node->kind == FsNode::Kind::Dir) {
        r.err += name + ": read error: Is a directory\n";
        r.status = 1;
      } else {
        data += node->data;
      }
      if (data.size() > limits_.max_output_bytes) break;
    }
    if (name == "dd") {
      if (count >= 0 && bs > 0) data.resize(std::min<std::size_t>(data.size(), static_cast<std::size_t>(bs * count)));
      const long blocks = bs > 0 ? static_cast<long>((data.size() + bs - 1) / bs) : 0;
      r.err += std::to_string(blocks) + "+0 records in\n" + std::to_string(blocks) + "+0 records out\n";
    } else if (name == "head") {
      if (head_bytes >= 0) {
        data.resize(std::min<std::size_t>(data.size(), static_cast<std::size_t>(head_bytes)));
      } else {
        std::size_t pos = 0;
        for (long l = 0; l < head_lines && pos != std::string::npos; ++l) {
          pos = data.find('\n', pos);
          if (pos != std::string::npos) ++pos;
        }
        if (pos != std::string::npos) data.resize(pos);
      }
    } else if (name == "wc") {
      const auto lines = std::count(data.begin(), data.end(), '\n');
      data = count_lines ? std::to_string(lines) + "\n"
                         : std::to_string(lines) + " " + std::to_string(data.size()) + "\n";
    } else if (name != "cat") {  // grep family: substring match per line
      std::string kept;
      std::size_t start = 0;
      while (start < data.size()) {
        auto end = data.find('\n', start);
        if (end == std::string::npos) end = data.size();
        const std::string_view l(data.data() + start, end - start);
        if ((l.find(pattern) != std::string_view::npos) != invert) {
          kept.append(l);
          kept.push_back('\n');
        }
        start = end + 1;
      }
      if (kept.empty() && r.status == 0) r.status = 1;
      data = std::move(kept);
    }
    r.out = std::move(data);
    co_return r;
  }
  if (name == "cp" || name == "mv") {
    std::vector<std::string> args;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].size() > 1 && argv[i][0] == '-') continue;
      args.push_back(argv[i]);
    }
    if (args.size() < 2) {
      r.err = usage(name);
      r.status = 1;
      co_return r;
    }
    const std::string src = SessionFs::resolve(cwd_, args[0]);
    std::string dst = SessionFs::resolve(cwd_, args[1]);
    const auto node = fs_.stat(src);
    if (!node) {
      r.err = name + ": can't stat '" + args[0] + "': No such file or directory\n";
      r.status = 1;
      co_return r;
    }
    if (const auto d = fs_.stat(dst); d && d->kind == FsNode::Kind::Dir) dst = SessionFs::resolve(dst, basename_of(src));
    if (node->kind == FsNode::Kind::Dir) {
      r.err = name + ": omitting directory '" + args[0] + "'\n";
      r.status = 1;
      co_return r;
    }
    if (const std::string e = fs_.write(dst, node->data, false); !e.empty()) {
      r.err = name + ": can't create '" + args[1] + "': " + e + "\n";
      r.status = 1;
      co_return r;
    }
    fs_.set_mode(dst, node->mode);
    if (name == "mv") fs_.remove(src, false);
    co_return r;
  }
  if (name == "rm" || name == "rmdir") {
    bool force = false;
    bool recursive = name == "rmdir";
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() > 1 && a[0] == '-') {
        force = force || a.find('f') != std::string::npos;
        recursive = recursive || a.find('r') != std::string::npos || a.find('R') != std::string::npos;
        continue;
      }
      const std::string e = fs_.remove(SessionFs::resolve(cwd_, a), recursive);
      if (!e.empty() && !(force && e == "No such file or directory")) {
        r.err += name + ": can't remove '" + a + "': " + e + "\n";
        r.status = 1;
      }
    }
    co_return r;
  }
  if (name == "chmod") {
    if (argv.size() < 3) {
      r.err = usage(name);
      r.status = 1;
      co_return r;
    }
    const std::string& mode_text = argv[1];
    for (std::size_t i = 2; i < argv.size(); ++i) {
      const std::string abs = SessionFs::resolve(cwd_, argv[i]);
      const auto node = fs_.stat(abs);
      if (!node) {
        file_error(name, argv[i], "No such file or directory", false);
        continue;
      }
      std::uint32_t mode = node->mode;
      unsigned octal = 0;
      const auto res = std::from_chars(mode_text.data(), mode_text.data() + mode_text.size(), octal, 8);
      if (res.ec == std::errc{} && res.ptr == mode_text.data() + mode_text.size()) {
        mode = octal;
      } else if (mode_text.find('+') != std::string::npos) {
        const auto plus = mode_text.find('+');
        const std::string who = mode_text.substr(0, plus);
        std::uint32_t bits = 0;
        for (char c : mode_text.substr(plus + 1)) bits |= c == 'r' ? 4 : c == 'w' ? 2 : c == 'x' ? 1 : 0;
        if (who.empty() || who.find('a') != std::string::npos) mode |= bits * 0111;
        if (who.find('u') != std::string::npos) mode |= bits << 6;
        if (who.find('g') != std::string::npos) mode |= bits << 3;
        if (who.find('o') != std::string::npos) mode |= bits;
      }
      if (const std::string e = fs_.set_mode(abs, mode); !e.empty()) file_error(name, argv[i], e, false);
    }
    co_return r;
  }
  if (name == "mkdir" || name == "touch") {
    const bool parents = std::find(argv.begin(), argv.end(), "-p") != argv.end();
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].size() > 1 && argv[i][0] == '-') continue;
      const std::string abs = SessionFs::resolve(cwd_, argv[i]);
      std::string e;
      if (name == "touch") {
        if (!fs_.stat(abs)) e = fs_.write(abs, "", true);
      } else {
        e = fs_.make_dir(abs);
        if (parents && e == "File exists") e.clear();
      }
      if (!e.empty()) {
        r.err += name + ": " + argv[i] + ": " + e + "\n";
        r.status = 1;
      }
    }
    co_return r;
  }
  if (name == "ls") {
    bool long_form = false;
    bool all = false;
    std::vector<std::string> paths;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].size() > 1 && argv[i][0] == '-') {
        long_form = long_form || argv[i].find('l') != std::string::npos;
        all = all || argv[i].find('a') != std::string::npos;
      } else {
        paths.push_back(argv[i]);
      }
    }
    if (paths.empty()) paths.push_back(".");
    for (const auto& path : paths) {
      const std::string abs = SessionFs::resolve(cwd_, path);
      const auto node = fs_.stat(abs);
      if (!node) {
        r.err += "ls: " + path + ": No such file or directory\n";
        r.status = 1;
        continue;
      }
      std::vector<std::string> names;
      if (node->kind == FsNode::Kind::Dir) {
        if (all) names = {".", ".."};
        for (auto& n : fs_.list(abs)) names.push_back(std::move(n));
      } else {
        names.push_back(path);
      }
      for (const auto& n : names) {
        if (!long_form) {
          r.out += n + "\n";
          continue;
        }
        const std::string child = node->kind == FsNode::Kind::Dir ? SessionFs::resolve(abs, n) : abs;
        const auto c = fs_.stat(child, false).value_or(FsNode{FsNode::Kind::Dir, "", 0755});
        const std::size_t size = c.kind == FsNode::Kind::Dir ? 0 : c.data.size();
        std::string line = mode_string(c) + "    1 root     root     ";
        const std::string size_text = std::to_string(size);
        line += std::string(size_text.size() < 9 ? 9 - size_text.size() : 0, ' ') + size_text;
        line += " Jan  1 00:00 " + n;
        if (c.kind == FsNode::Kind::Symlink) line += " -> " + c.data;
        r.out += line + "\n";
      }
    }
    co_return r;
  }
  if (name == "sh" || name == "ash") {
    if (argv.size() >= 3 && argv[1] == "-c") {
      if (depth >= limits_.max_script_depth) co_return r;
      const ShellOutput nested = co_await run_line(argv[2], fetch, depth + 1);
      r.out = nested.text;
      r.status = last_status_;
      co_return r;
    }
    if (argv.size() >= 2 && !argv[1].empty() && argv[1][0] != '-') {
      const auto node = fs_.stat(SessionFs::resolve(cwd_, argv[1]));
      if (!node || node->kind != FsNode::Kind::File) {
        r.err = name + ": can't open '" + argv[1] + "'\n";
        r.status = 2;
        co_return r;
      }
      if (is_elf(node->data) || depth >= limits_.max_script_depth) co_return r;
      // A downloaded script is interpreted by this emulation line by line: that is
      // how the rest of a dropper's URLs come to light.
      const std::string script = node->data;
      std::size_t start = 0;
      std::size_t lines = 0;
      while (start < script.size() && lines++ < limits_.max_script_lines && !*exit) {
        auto end = script.find('\n', start);
        if (end == std::string::npos) end = script.size();
        const std::string line = script.substr(start, end - start);
        start = end + 1;
        const ShellOutput nested = co_await run_line(line, fetch, depth + 1);
        r.out += nested.text;
        if (nested.exit || r.out.size() > limits_.max_output_bytes) break;
      }
      co_return r;
    }
    co_return r;  // an interactive sub-shell: the same prompt again
  }
  if (name == "wget" || name == "curl" || name == "tftp") co_return co_await download(name, argv, fetch);
  if (name == "ps") {
    r.out = p.ps_output;
    co_return r;
  }
  if (name == "uname") {
    std::string flags;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].size() > 1 && argv[i][0] == '-') flags += argv[i].substr(1);
    }
    if (flags.empty()) flags = "s";
    if (flags.find('a') != std::string::npos) flags = "snrvmo";
    std::vector<std::string> parts;
    for (char f : std::string("snrvmpo")) {
      if (flags.find(f) == std::string::npos) continue;
      if (f == 's') parts.push_back(p.uname_s);
      if (f == 'n') parts.push_back(p.hostname);
      if (f == 'r') parts.push_back(p.uname_r);
      if (f == 'v') parts.push_back(p.uname_v);
      if (f == 'm') parts.push_back(p.uname_m);
      if (f == 'p') parts.push_back("unknown");
      if (f == 'o') parts.push_back("GNU/Linux");
    }
    for (std::size_t i = 0; i < parts.size(); ++i) r.out += (i ? " " : "") + parts[i];
    r.out += "\n";
    co_return r;
  }
  if (name == "hostname") {
    r.out = p.hostname + "\n";
    co_return r;
  }
  if (name == "pwd") {
    r.out = cwd_ + "\n";
    co_return r;
  }
  if (name == "mount" || name == "df") {
    const auto mounts = fs_.stat("/proc/mounts");
    const std::string text = mounts ? mounts->data : std::string{};
    if (name == "df") r.out = "Filesystem           1K-blocks      Used Available Use% Mounted on\n";
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(start, end - start);
      start = end + 1;
      std::vector<std::string> f;
      std::size_t s = 0;
      while (s < line.size()) {
        auto e = line.find(' ', s);
        if (e == std::string::npos) e = line.size();
        f.push_back(line.substr(s, e - s));
        s = e + 1;
      }
      if (f.size() < 4) continue;
      if (name == "mount") {
        r.out += f[0] + " on " + f[1] + " type " + f[2] + " (" + f[3] + ")\n";
      } else if (f[2] == "tmpfs" || f[2] == "squashfs" || f[2] == "jffs2") {
        r.out += f[0] + std::string(f[0].size() < 21 ? 21 - f[0].size() : 1, ' ') +
                 "    10240       312      9928   3% " + f[1] + "\n";
      }
    }
    co_return r;
  }
  if (name == "free") {
    r.out = "             total         used         free       shared      buffers\n"
            "Mem:         62288        49704        12584            0            0\n"
            "-/+ buffers:              49704        12584\n"
            "Swap:            0            0            0\n";
    co_return r;
  }
  if (name == "uptime") {
    r.out = " 00:14:53 up 12 days,  3:04, load average: 0.08, 0.03, 0.01\n";
    co_return r;
  }
  if (name == "which") {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (p.has_applet(argv[i])) r.out += "/bin/" + argv[i] + "\n";
      else r.status = 1;
    }
    co_return r;
  }
  if (name == "false" || name == "test" || name == "[") {
    r.status = 1;
    co_return r;
  }
  // Everything else (kill, sleep, sync, reboot, ...) does its work silently.
  co_return r;
}

}  // namespace darkscope
