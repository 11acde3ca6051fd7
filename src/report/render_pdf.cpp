// PDF and PNG through headless Chromium: the browser prints the same HTML a reader sees.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "report/render.hpp"

extern char** environ;

namespace darkscope {
namespace {

// A print of a long report takes seconds; a minute means the browser is stuck.
constexpr auto kBrowserTimeout = std::chrono::seconds(90);

bool executable(const std::filesystem::path& p) { return ::access(p.c_str(), X_OK) == 0; }

// Runs the browser with a throwaway profile and no background network services.
void run_chromium(const std::vector<std::string>& extra, const std::filesystem::path& html) {
  const std::string browser = find_chromium();
  if (browser.empty()) {
    throw std::runtime_error(
        "headless Chromium not found: install the 'chromium' package or set DARKSCOPE_CHROMIUM");
  }
  std::string profile_template =
      (std::filesystem::temp_directory_path() / "darkscope-chromium-XXXXXX").string();
  if (::mkdtemp(profile_template.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary browser profile");
  }
  const std::filesystem::path profile = profile_template;
  std::vector<std::string> args = {browser,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--no-first-run",
                                   "--hide-scrollbars",
                                   "--user-data-dir=" + profile.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("file://" + std::filesystem::absolute(html).string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The browser's chatter on stderr is noise to a report user.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, browser.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::error_code ec;
    std::filesystem::remove_all(profile, ec);
    throw std::runtime_error("cannot start " + browser);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + kBrowserTimeout;
  bool timed_out = false;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  if (timed_out) throw std::runtime_error(browser + " did not finish within 90 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(browser + " failed (status " + std::to_string(status) + ")");
  }
}

}  // namespace

std::string find_chromium() {
  if (const char* env = std::getenv("DARKSCOPE_CHROMIUM"); env && *env) {
    return executable(env) ? std::string(env) : std::string();
  }
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
      if (end > start && executable(candidate)) return candidate.string();
      start = end + 1;
    }
  }
  return {};
}

void html_file_to_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf) {
  std::error_code ec;
  std::filesystem::remove(pdf, ec);
  run_chromium({"--no-pdf-header-footer", "--print-to-pdf-no-header",
                "--print-to-pdf=" + std::filesystem::absolute(pdf).string()},
               html);
  if (!std::filesystem::exists(pdf) || std::filesystem::file_size(pdf) == 0) {
    throw std::runtime_error("Chromium wrote no PDF to " + pdf.string());
  }
}

void html_file_to_png(const std::filesystem::path& html, const std::filesystem::path& png,
                      int width, int height) {
  std::error_code ec;
  std::filesystem::remove(png, ec);
  run_chromium({"--screenshot=" + std::filesystem::absolute(png).string(),
                "--window-size=" + std::to_string(width) + "," + std::to_string(height)},
               html);
  if (!std::filesystem::exists(png) || std::filesystem::file_size(png) == 0) {
    throw std::runtime_error("Chromium wrote no screenshot to " + png.string());
  }
}

}  // namespace darkscope
