#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace baton::examples {

// What a request/response load run (registry lookups, business requests)
// saw. A retry is not a failure: the operation was answered in the end, by
// another pod or after the directory moved on. A failure is an operation that
// never got a right answer.
struct OperationReport {
  std::string mode;                // "registry" or "business"
  std::uint64_t setup = 0;         // registrations made before the run
  std::uint64_t setup_failed = 0;  // ... that never succeeded
  std::uint64_t reads = 0;         // lookups / GETs
  std::uint64_t reads_failed = 0;  // never answered, or a miss for a registered user
  std::uint64_t writes = 0;        // re-registrations / POSTs
  std::uint64_t writes_failed = 0;
  std::uint64_t wrong = 0;      // answered, but not with what was last written
  std::uint64_t retries = 0;    // a 503, a refused connection, ... then tried again
  std::uint64_t fallbacks = 0;  // registry: answered by the shard's previous address
  double seconds = 0;

  void Add(const OperationReport& other);
  std::uint64_t failures() const { return setup_failed + reads_failed + writes_failed + wrong; }
  // Something was done and nothing failed.
  bool LossFree() const { return failures() == 0 && (setup + reads + writes) > 0; }
  nlohmann::json ToJson() const;
  std::string Summary() const;
};

}  // namespace baton::examples
