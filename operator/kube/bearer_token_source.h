// The bearer token to send, re-read from its file when the file changes:
// projected service-account tokens are rotated by the kubelet (about hourly)
// and a long-running operator must follow. Thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

namespace baton::kube {

class BearerTokenSource {
 public:
  // With an empty `file`, the static token is always returned. With a file,
  // its content wins over the static token.
  BearerTokenSource(std::string static_token, std::filesystem::path file);

  // The current token ("" when none is configured). A file that vanishes or
  // reads empty keeps the last good token (with a warning): the kubelet
  // swaps token files through symlinks, so a read can race a rotation.
  std::string Token();

  bool has_token() const { return !static_token_.empty() || !file_.empty(); }

 private:
  void ReloadIfChanged();

  const std::string static_token_;
  const std::filesystem::path file_;
  std::mutex mu_;
  std::string file_token_;
  // What the file looked like at the last read; any change triggers a re-read.
  ino_t inode_ = 0;
  off_t size_ = -1;
  struct timespec mtime_ {};
  std::chrono::steady_clock::time_point last_read_{};
};

}  // namespace baton::kube
