#include "plugin/command_line.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>

namespace baton::plugin {

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (start == i) return std::nullopt;
    double value = 0;
    try {
      value = std::stod(text.substr(start, i - start));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    double factor = 0;
    if (unit.empty() || unit == "s")
      factor = 1000;
    else if (unit == "ms")
      factor = 1;
    else if (unit == "m")
      factor = 60'000;
    else if (unit == "h")
      factor = 3'600'000;
    else
      return std::nullopt;
    // A bare number is seconds, and only on its own.
    if (unit.empty() && (start != 0 || i != text.size())) return std::nullopt;
    total_ms += value * factor;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(total_ms));
}

std::variant<Invocation, int> ParseCommandLine(int argc, const char* const* argv) {
  CLI::App app{"kubectl baton: watch and steer Baton's drain-gated rollouts"};
  app.name("kubectl baton");
  app.require_subcommand(1);
  // Global flags work after the subcommand too (kubectl baton status x -n ns).
  app.fallthrough();
  Invocation inv;
  app.add_option("--kubeconfig", inv.kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)");
  app.add_option("--context", inv.context, "kubeconfig context");
  app.add_option("-n,--namespace", inv.ns, "namespace (default: the context's)");
  std::string timeout_text;

  auto add_tier = [&](CLI::App* sub) {
    sub->add_option("TIER", inv.target, "the tier's name")->required();
    sub->add_option("--kind", inv.kind, "the tier's kind, when names collide")
        ->check(CLI::IsMember({"relaytier", "sessiontier", "businesstier"}, CLI::ignore_case));
  };
  auto* status = app.add_subcommand(
      "status", "rollout progress; exit 0 when complete, 1 when Degraded or on --timeout");
  add_tier(status);
  status->add_flag("-w,--watch", inv.watch, "print a line whenever progress changes, until done");
  status->add_option("-t,--timeout", timeout_text,
                     "give up (exit 1) after this long, e.g. 90s, 5m");
  add_tier(
      app.add_subcommand("get", "the tier's pods as a tree: revision, readiness, role, sessions"));
  add_tier(app.add_subcommand("pause", "set spec.rollout.paused"));
  add_tier(app.add_subcommand("resume", "clear spec.rollout.paused"));
  add_tier(app.add_subcommand("restart", "set spec.rollout.restartAt to now: replace every pod"));
  add_tier(app.add_subcommand("undo", "go back to the previous revision's pod template"));
  auto* promote = app.add_subcommand(
      "promote", "pass the canary's current step (its bake or its promotion gate)");
  add_tier(promote);
  promote->add_flag("--full", inv.full, "pass every canary step left");
  add_tier(app.add_subcommand("abort",
                              "roll the canary back through the drain, as if a signal had failed"));
  auto* skip =
      app.add_subcommand("skip-drain", "end one pod's drain now (the operator deletes it)");
  skip->add_option("POD", inv.target, "the draining pod")->required();
  auto* drain = app.add_subcommand(
      "drain",
      "move one pod through the drain: replacement first, then drain, then delete "
      "(instead of kubectl delete pod, which cuts its sessions)");
  drain->add_option("POD", inv.target, "the pod")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (auto* sub : app.get_subcommands()) inv.command = sub->get_name();
  for (auto& c : inv.kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!timeout_text.empty()) {
    inv.timeout = ParseDuration(timeout_text);
    if (!inv.timeout) {
      std::fprintf(stderr, "--timeout: cannot read %s (want e.g. 90s, 5m, 1h)\n",
                   timeout_text.c_str());
      return 2;
    }
  }
  return inv;
}

}  // namespace baton::plugin
