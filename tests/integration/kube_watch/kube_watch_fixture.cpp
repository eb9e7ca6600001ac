#include "kube_watch_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "kube/config.h"

extern char** environ;

namespace baton::kube::testing {

std::unique_ptr<RestClient> MakeClient(const std::string& user_agent) {
  RestClientOptions options;
  options.user_agent = user_agent;
  options.request_timeout = std::chrono::seconds(20);
  return std::make_unique<RestClient>(
      LoadKubeconfig(baton::testing::TestCluster::Get().kubeconfig()), options);
}

bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Gate::Pass() {
  std::unique_lock lock(mutex_);
  ++waiters_;
  cond_.wait(lock, [this] { return open_; });
  --waiters_;
}
void Gate::Close() {
  std::lock_guard lock(mutex_);
  open_ = false;
}
void Gate::Open() {
  std::lock_guard lock(mutex_);
  open_ = true;
  cond_.notify_all();
}
bool Gate::HasWaiter() {
  std::lock_guard lock(mutex_);
  return waiters_ > 0;
}

std::string ClusterDir() {
  const char* dir = std::getenv("BATON_CLUSTER_DIR");
  return dir && *dir ? dir : "/tmp/baton-cluster";
}

bool FaultsAllowed() {
  const char* v = std::getenv("BATON_CLUSTER_FAULTS");
  return v && std::string(v) == "1";
}

bool WatchCacheDisabled() {
  std::ifstream in(ClusterDir() + "/kube-apiserver.cmd");
  std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmd.find("--watch-cache=false") != std::string::npos;
}

void ClusterScript(const std::vector<std::string>& args) {
  std::vector<std::string> argv{baton::testing::TestCluster::Get().repo_root() +
                                "/scripts/cluster"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = baton::testing::RunCommand(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::vector<nlohmann::json> AuditEvents(const std::string& user_agent) {
  const char* env = std::getenv("BATON_AUDIT_LOG");
  const std::string path = env && *env ? env : ClusterDir() + "/logs/audit.log";
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  const std::string needle = "\"userAgent\":\"" + user_agent + "\"";
  while (std::getline(in, line)) {
    if (line.find(needle) == std::string::npos) continue;
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_discarded()) out.push_back(std::move(event));
  }
  return out;
}

int CountAuditedRequests(const std::string& user_agent, const std::string& verb,
                         const std::string& resource, const std::string& ns) {
  std::set<std::string> ids;
  for (const auto& e : AuditEvents(user_agent)) {
    if (e.value("verb", "") != verb) continue;
    const auto& ref = e.value("objectRef", nlohmann::json::object());
    if (ref.value("resource", "") != resource || ref.value("namespace", "") != ns) continue;
    ids.insert(e.value("auditID", ""));
  }
  return static_cast<int>(ids.size());
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("spawn " + argv[0] + " failed");
  }
  out_fd_ = fds[0];
  reader_ = std::thread([this] {
    std::string partial;
    char buf[4096];
    for (;;) {
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        std::lock_guard lock(mutex_);
        lines_.emplace_back(std::chrono::steady_clock::now(), partial.substr(0, nl));
        partial.erase(0, nl + 1);
        cond_.notify_all();
      }
    }
  });
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    Kill(SIGKILL);
    Wait(std::chrono::seconds(5));
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
}

void ChildProcess::Kill(int signal) {
  if (!reaped_ && pid_ > 0) kill(pid_, signal);
}

int ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> ChildProcess::Lines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

bool ChildProcess::WaitForLine(const std::string& prefix, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cond_.wait_for(lock, timeout, [&] {
    for (const auto& [t, line] : lines_) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  });
}

}  // namespace baton::kube::testing
