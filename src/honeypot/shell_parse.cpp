// Parsing of shell lines and echo escapes (no I/O: the fuzz target's surface).
#include <algorithm>
#include <cctype>
#include <optional>

#include "honeypot/shell.hpp"

namespace darkscope {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

ParsedLine parse_shell_line(std::string_view line) {
  ParsedLine out;
  Pipeline pipe;
  SimpleCommand cmd;
  std::string word;
  bool in_word = false;
  bool word_quoted = false;
  std::optional<Redirect> pending;  // waiting for its target word
  std::size_t words = 0;
  Pipeline::RunIf next_run_if = Pipeline::RunIf::Always;

  auto finish_word = [&] {
    if (!in_word) return;
    ++words;
    if (pending) {
      pending->target = std::move(word);
      cmd.redirects.push_back(std::move(*pending));
      pending.reset();
    } else {
      cmd.argv.push_back(std::move(word));
    }
    word.clear();
    in_word = false;
    word_quoted = false;
  };
  auto finish_command = [&]() -> bool {
    finish_word();
    if (pending) return false;
    if (cmd.argv.empty() && cmd.redirects.empty()) return false;
    pipe.commands.push_back(std::move(cmd));
    cmd = SimpleCommand{};
    return true;
  };
  auto finish_pipeline = [&](std::string_view op, Pipeline::RunIf following) {
    if (!finish_command()) {
      if (out.error.empty()) out.error = "syntax error: unexpected \"" + std::string(op) + "\"";
      return;
    }
    pipe.run_if = next_run_if;
    out.pipelines.push_back(std::move(pipe));
    pipe = Pipeline{};
    next_run_if = following;
  };

  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n && out.error.empty()) {
    if (words >= kMaxShellWords) break;
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      finish_word();
      ++i;
    } else if (c == '#' && !in_word) {
      break;
    } else if (c == '\'') {
      const auto close = line.find('\'', i + 1);
      const auto end = close == std::string_view::npos ? n : close;
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      word_quoted = true;
      i = end == n ? n : end + 1;
    } else if (c == '"') {
      ++i;
      while (i < n && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < n &&
            (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`')) {
          word.push_back(line[i + 1]);
          i += 2;
        } else {
          word.push_back(line[i++]);
        }
      }
      if (i < n) ++i;
      in_word = true;
      word_quoted = true;
    } else if (c == '\\') {
      if (i + 1 < n) word.push_back(line[i + 1]);
      in_word = true;
      word_quoted = true;
      i += 2;
    } else if (c == ';' || c == '\n') {
      finish_pipeline(";", Pipeline::RunIf::Always);
      ++i;
    } else if (c == '&') {
      if (i + 1 < n && line[i + 1] == '&') {
        finish_pipeline("&&", Pipeline::RunIf::Success);
        i += 2;
      } else {
        finish_pipeline("&", Pipeline::RunIf::Always);
        ++i;
      }
    } else if (c == '|') {
      if (i + 1 < n && line[i + 1] == '|') {
        finish_pipeline("||", Pipeline::RunIf::Failure);
        i += 2;
      } else {
        if (!finish_command() && out.error.empty()) out.error = "syntax error: unexpected \"|\"";
        ++i;
      }
    } else if (c == '>' || c == '<') {
      Redirect r;
      r.fd = c == '>' ? 1 : 0;
      // "2>" : a word of digits written right before the operator names the fd.
      if (in_word && !word_quoted && !word.empty() && word.size() <= 2 &&
          std::all_of(word.begin(), word.end(), [](char d) { return d >= '0' && d <= '9'; })) {
        r.fd = std::stoi(word);
        word.clear();
        in_word = false;
      } else {
        finish_word();
      }
      if (pending) {
        out.error = std::string("syntax error: unexpected \"") + c + "\"";
        break;
      }
      ++i;
      if (c == '<') {
        r.kind = Redirect::Kind::Read;
      } else if (i < n && line[i] == '>') {
        r.kind = Redirect::Kind::Append;
        ++i;
      } else if (i < n && line[i] == '&') {
        ++i;
        std::string target;
        while (i < n && std::isdigit(static_cast<unsigned char>(line[i]))) target.push_back(line[i++]);
        if (target == "1") {
          r.kind = Redirect::Kind::DupToStdout;
          cmd.redirects.push_back(r);
        } else if (target.empty()) {
          r.kind = Redirect::Kind::Write;  // ">&file": both streams to a file
          pending = r;
        }
        continue;
      }
      pending = r;
    } else {
      word.push_back(c);
      in_word = true;
      ++i;
    }
  }
  if (out.error.empty()) {
    finish_word();
    if (pending) {
      out.error = "syntax error: unexpected newline";
    } else if (!cmd.argv.empty() || !cmd.redirects.empty()) {
      pipe.commands.push_back(std::move(cmd));
    } else if (!pipe.commands.empty() || next_run_if != Pipeline::RunIf::Always) {
      // "a |" or "a &&" at the end of the line
      out.error = "syntax error: unexpected end of file";
    }
    if (out.error.empty() && !pipe.commands.empty()) {
      pipe.run_if = next_run_if;
      out.pipelines.push_back(std::move(pipe));
    }
  }
  if (!out.error.empty()) out.pipelines.clear();
  return out;
}

std::string expand_echo_escapes(std::string_view text, bool* stop) {
  std::string out;
  out.reserve(text.size());
  if (stop) *stop = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out.push_back(c);
      continue;
    }
    const char e = text[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case 'e': out.push_back('\x1b'); break;
      case '\\': out.push_back('\\'); break;
      case 'c':
        if (stop) *stop = true;
        return out;
      case 'x': {
        int value = 0;
        int digits = 0;
        while (digits < 2 && i + 1 < text.size() && hex_value(text[i + 1]) >= 0) {
          value = value * 16 + hex_value(text[++i]);
          ++digits;
        }
        if (digits == 0) {
          out += "\\x";
        } else {
          out.push_back(static_cast<char>(value));
        }
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // busybox: \0NNN and \NNN, at most three octal digits after the optional 0
        int value = 0;
        int digits = 0;
        std::size_t j = i;
        if (e == '0') {
          ++j;
        }
        std::size_t k = e == '0' ? j : i;
        while (digits < 3 && k < text.size() && text[k] >= '0' && text[k] <= '7') {
          value = value * 8 + (text[k] - '0');
          ++k;
          ++digits;
        }
        out.push_back(static_cast<char>(value & 0xff));
        i = k - 1;
        break;
      }
      default:
        out.push_back('\\');
        out.push_back(e);
        break;
    }
  }
  return out;
}

}  // namespace darkscope
