#include "operation_report.h"

#include <cstdio>

namespace baton::examples {

void OperationReport::Add(const OperationReport& o) {
  setup += o.setup;
  setup_failed += o.setup_failed;
  reads += o.reads;
  reads_failed += o.reads_failed;
  writes += o.writes;
  writes_failed += o.writes_failed;
  wrong += o.wrong;
  retries += o.retries;
  fallbacks += o.fallbacks;
}

nlohmann::json OperationReport::ToJson() const {
  return {{"mode", mode},
          {"setup", setup},
          {"setupFailed", setup_failed},
          {"reads", reads},
          {"readsFailed", reads_failed},
          {"writes", writes},
          {"writesFailed", writes_failed},
          {"wrong", wrong},
          {"retries", retries},
          {"fallbacks", fallbacks},
          {"failures", failures()},
          {"seconds", seconds},
          {"lossFree", LossFree()}};
}

std::string OperationReport::Summary() const {
  char buf[512];
  std::snprintf(
      buf, sizeof(buf),
      "%s: setup=%llu (failed %llu) reads=%llu (failed %llu) writes=%llu (failed %llu) "
      "wrong=%llu retries=%llu fallbacks=%llu in %.1f s: %s",
      mode.c_str(), static_cast<unsigned long long>(setup),
      static_cast<unsigned long long>(setup_failed), static_cast<unsigned long long>(reads),
      static_cast<unsigned long long>(reads_failed), static_cast<unsigned long long>(writes),
      static_cast<unsigned long long>(writes_failed), static_cast<unsigned long long>(wrong),
      static_cast<unsigned long long>(retries), static_cast<unsigned long long>(fallbacks), seconds,
      LossFree() ? "nothing failed" : "FAILURES");
  return buf;
}

}  // namespace baton::examples
