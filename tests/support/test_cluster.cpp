#include "test_cluster.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

extern char** environ;

namespace baton::testing {
namespace {

// Reads both pipes until each closes; poll() keeps a chatty stderr from
// blocking the child while we wait on stdout.
void DrainPipes(int out_fd, int err_fd, std::string& out, std::string& err) {
  std::array<pollfd, 2> fds{{{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}}};
  std::array<char, 8192> buf{};
  int open_fds = 2;
  while (open_fds > 0) {
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n > 0) {
        (i == 0 ? out : err).append(buf.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
}

std::string FindRepoRoot() {
  if (const char* env = std::getenv("BATON_REPO_ROOT")) return env;
  // Walk up from the working directory (ctest runs in the build tree, which
  // lives inside the repo) until scripts/cluster is found.
  for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "scripts" / "cluster")) return dir.string();
    if (dir == dir.parent_path()) break;
  }
  return BATON_SOURCE_DIR;
}

std::string RandomSuffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 6; ++i) s += kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("RunCommand: empty argv");
  std::array<int, 2> out_pipe{}, err_pipe{};
  if (pipe2(out_pipe.data(), O_CLOEXEC) != 0 || pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandResult result;
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = "spawn " + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  DrainPipes(out_pipe[0], err_pipe[0], result.out, result.err);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

TestCluster& TestCluster::Get() {
  static TestCluster cluster;
  return cluster;
}

TestCluster::TestCluster() : repo_root_(FindRepoRoot()) {
  const char* kubectl = std::getenv("BATON_KUBECTL");
  // kubectl of the cluster's own release: scripts/cluster env exports it.
  kubectl_ = kubectl ? kubectl : "kubectl";
  // Use the cluster named by KUBECONFIG when it answers.
  if (const char* kc = std::getenv("KUBECONFIG"); kc && *kc) {
    auto probe = RunCommand(
        {kubectl_, "--kubeconfig", kc, "--request-timeout=5s", "get", "--raw", "/readyz"});
    if (probe.exit_code == 0) {
      kubeconfig_ = kc;
      return;
    }
  }
  // Otherwise start one of our own, in a state directory of this process,
  // and stop it when the test binary exits.
  state_dir_ =
      (std::filesystem::temp_directory_path() / ("baton-test-cluster-" + std::to_string(getpid())))
          .string();
  setenv("BATON_CLUSTER_DIR", state_dir_.c_str(), 1);
  auto up = RunCommand({repo_root_ + "/scripts/cluster", "up"});
  if (up.exit_code != 0) {
    throw std::runtime_error("scripts/cluster up failed:\n" + up.err);
  }
  started_here_ = true;
  kubeconfig_ = state_dir_ + "/admin.kubeconfig";
  setenv("KUBECONFIG", kubeconfig_.c_str(), 1);
}

TestCluster::~TestCluster() {
  if (started_here_) {
    RunCommand({repo_root_ + "/scripts/cluster", "down"});
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
  }
}

CommandResult TestCluster::Kubectl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{kubectl_, "--kubeconfig", kubeconfig_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

std::string TestCluster::KubectlOrFail(const std::vector<std::string>& args) const {
  auto r = Kubectl(args);
  if (r.exit_code != 0) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    ADD_FAILURE() << "kubectl " << joined << "exited " << r.exit_code << ": " << r.err;
  }
  return r.out;
}

void ClusterTest::SetUp() {
  // Namespace names must be DNS labels: lower-case test name, then a suffix
  // that keeps reruns from colliding with a namespace still terminating.
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string clean;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) clean += static_cast<char>(std::tolower(c));
    if (clean.size() >= 40) break;
  }
  namespace_ = "t-" + clean + "-" + RandomSuffix();
  auto r = cluster().Kubectl({"create", "namespace", namespace_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Pods are refused until the namespace's default ServiceAccount exists.
  for (int i = 0; i < 300; ++i) {
    if (cluster().Kubectl({"get", "serviceaccount", "default", "-n", namespace_}).exit_code == 0)
      return;
    usleep(100 * 1000);
  }
  FAIL() << "namespace " << namespace_ << " got no default ServiceAccount in 30 s";
}

void ClusterTest::TearDown() {
  if (!namespace_.empty() && std::getenv("BATON_KEEP_NAMESPACES") == nullptr) {
    cluster().Kubectl({"delete", "namespace", namespace_, "--wait=false"});
  }
}

}  // namespace baton::testing
