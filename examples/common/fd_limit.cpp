#include "fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace baton::examples {

FdLimitResult RaiseFdLimit(unsigned long needed) {
  FdLimitResult r;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    r.error = std::string("getrlimit: ") + std::strerror(errno);
    return r;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  r.soft = limit.rlim_cur;
  r.hard = limit.rlim_max;
  r.ok = limit.rlim_cur >= needed;
  if (!r.ok) {
    r.error = "RLIMIT_NOFILE allows " + std::to_string(r.soft) + " descriptors (hard " +
              std::to_string(r.hard) + "), need " + std::to_string(needed);
  }
  return r;
}

}  // namespace baton::examples
