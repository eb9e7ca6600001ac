// What every example program does first: parse its command line with the
// same exit codes, and take SIGTERM/SIGINT away from all threads so that one
// place (a signalfd or sigwait) reads them.
#pragma once

#include <signal.h>

#include <CLI/CLI.hpp>
#include <optional>

namespace baton::examples {

// Parses argv. nullopt: go on; otherwise the code to exit with (--help 0,
// usage errors 2, as before the switch to CLI11).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, char** argv);

// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread it
// starts afterwards, and ignores SIGPIPE. Returns the blocked set, for
// signalfd() or sigwait().
sigset_t BlockTerminationSignals();

}  // namespace baton::examples
