#include "kube/bearer_token_source.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace baton::kube {
namespace {

// client-go re-reads token files at least once a minute even without a
// visible change; do the same in case a rewrite kept size and mtime.
constexpr auto kMaxTokenAge = std::chrono::minutes(1);

std::string TrimmedFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string s = buf.str();
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

BearerTokenSource::BearerTokenSource(std::string static_token, std::filesystem::path file)
    : static_token_(std::move(static_token)), file_(std::move(file)) {}

std::string BearerTokenSource::Token() {
  if (file_.empty()) return static_token_;
  std::lock_guard<std::mutex> lock(mu_);
  ReloadIfChanged();
  return file_token_.empty() ? static_token_ : file_token_;
}

void BearerTokenSource::ReloadIfChanged() {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) {
    spdlog::warn("token file {}: {}; keeping the previous token", file_.string(),
                 std::strerror(errno));
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const bool changed = st.st_ino != inode_ || st.st_size != size_ ||
                       st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec;
  if (!changed && !file_token_.empty() && now - last_read_ < kMaxTokenAge) return;
  std::string token = TrimmedFile(file_);
  if (token.empty()) {
    spdlog::warn("token file {} is empty or unreadable; keeping the previous token",
                 file_.string());
    return;
  }
  if (!file_token_.empty() && token != file_token_) {
    spdlog::info("token file {} changed; using the new token", file_.string());
  }
  file_token_ = std::move(token);
  inode_ = st.st_ino;
  size_ = st.st_size;
  mtime_ = st.st_mtim;
  last_read_ = now;
}

}  // namespace baton::kube
