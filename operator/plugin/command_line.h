// `kubectl baton` command line (CLI11): subcommands, global flags, and the
// duration syntax of --timeout. Parsing only; no I/O but CLI11's own help.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace baton::plugin {

struct Invocation {
  // status, get, pause, resume, restart, undo, promote, abort, skip-drain, drain
  std::string command;
  std::string target;  // the tier's name, or the pod's for skip-drain and drain
  std::string kind;    // relaytier|sessiontier|businesstier; empty: find it
  std::string ns;      // empty: the kubeconfig context's namespace
  std::string kubeconfig;
  std::string context;
  bool watch = false;
  bool full = false;                                 // promote --full
  std::optional<std::chrono::milliseconds> timeout;  // status --watch; none: wait for ever
};

// "90", "90s", "5m", "1h30m", "1.5s" -> duration; nullopt when unreadable.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// Returns the invocation, or the exit code to leave with (help printed: 0,
// bad usage: 2 after CLI11 printed why).
std::variant<Invocation, int> ParseCommandLine(int argc, const char* const* argv);

}  // namespace baton::plugin
