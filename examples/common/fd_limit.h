#pragma once

#include <string>

namespace baton::examples {

struct FdLimitResult {
  bool ok = false;
  unsigned long soft = 0;  // after the attempt
  unsigned long hard = 0;
  std::string error;  // why `needed` cannot be had
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit and reports whether at
// least `needed` descriptors are now allowed. Callers fail loudly when not:
// a server that silently caps its sessions looks like a drain bug.
FdLimitResult RaiseFdLimit(unsigned long needed);

}  // namespace baton::examples
