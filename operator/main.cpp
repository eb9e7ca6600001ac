// baton-operator: flags, wiring, signals — nothing else.
#include <malloc.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <fstream>
#include <memory>
#include <stop_token>
#include <thread>

#include "analysis/prometheus_query.h"
#include "analysis/query_template.h"
#include "api/tier_types.h"
#include "controller/crash_point.h"
#include "controller/tier_controller.h"
#include "drain/drain_client.h"
#include "kube/config.h"
#include "kube/event_recorder.h"
#include "kube/leader_elector.h"
#include "kube/lease_lock.h"
#include "kube/rest_client.h"
#include "kube/service_account_token_source.h"
#include "kube/tls_setup.h"
#include "logging/json_log_formatter.h"
#include "metrics/cache_metrics.h"
#include "metrics/controller_metrics.h"
#include "metrics/leader_metrics.h"
#include "metrics/rest_client_metrics.h"
#include "metrics/rollout_metrics.h"
#include "metrics/work_queue_metrics.h"
#include "serve/http_endpoints.h"
#include "serve/request_authorizer.h"
#include "serve/serving_certificate.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) {
  g_stop = true;
}

std::pair<std::string, int> SplitHostPort(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) throw CLI::ValidationError("address", s + ": want HOST:PORT");
  return {colon == 0 ? "0.0.0.0" : s.substr(0, colon), std::stoi(s.substr(colon + 1))};
}

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string Hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// Who the operator is, for drain tokens: --service-account, else the subject
// of its own service-account token (in-cluster). "" when neither says.
std::string OwnServiceAccount(const std::string& flag, const baton::kube::ClientConfig& config) {
  if (!flag.empty()) return flag;
  std::string token = config.bearer_token;
  if (!config.bearer_token_file.empty()) {
    std::ifstream in(config.bearer_token_file);
    std::getline(in, token);
  }
  return baton::kube::ServiceAccountOfToken(token).value_or("");
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each thread that allocates an arena of its own (up to 8 per
  // core), each keeping freed pages: with some 20 threads that was 3-15 MiB
  // of RSS (bench/RESULTS.md). This process's threads mostly wait; two
  // arenas serve them. MALLOC_ARENA_MAX, when set, still decides.
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
  CLI::App app{"baton-operator: one-pod-at-a-time rollouts gated on live session drain"};
  std::string kubeconfig, context;
  std::vector<std::string> namespaces;
  bool leader_elect = true;
  std::string lease_namespace = EnvOr("POD_NAMESPACE", "default");
  std::string lease_name = "baton-operator";
  std::string identity = EnvOr("POD_NAME", Hostname());
  int lease_seconds = 15, renew_ms = 10000, retry_ms = 2000;
  std::string metrics_address = "0.0.0.0:8080", health_address = "0.0.0.0:8081";
  bool metrics_secure = true;
  std::string metrics_cert_dir;
  int workers = 2;
  int resync_seconds = 60, relist_seconds = 300, watch_idle_seconds = 90;
  int worker_stuck_seconds = 300, watch_stuck_seconds = 180;
  std::string log_format = "json";
  std::string log_level = "info";
  bool insecure = false;
  std::string service_account;
  int http_threads = 2;
  int serving_read_seconds = 30;
  app.add_option("--kubeconfig", kubeconfig,
                 "kubeconfig file (default: $KUBECONFIG, "
                 "~/.kube/config, then in-cluster)");
  app.add_option("--context", context, "kubeconfig context");
  app.add_option("--namespaces", namespaces, "namespaces to watch (default: all)")->delimiter(',');
  app.add_option("--leader-elect", leader_elect, "elect a leader among replicas on a Lease");
  app.add_option("--leader-election-namespace", lease_namespace);
  app.add_option("--leader-election-id", lease_name, "the Lease's name");
  app.add_option("--leader-election-identity", identity, "this replica's stable identity");
  app.add_option("--lease-duration-seconds", lease_seconds);
  app.add_option("--renew-deadline-ms", renew_ms);
  app.add_option("--retry-period-ms", retry_ms);
  app.add_option("--metrics-bind-address", metrics_address);
  app.add_option("--metrics-secure", metrics_secure,
                 "serve /metrics over HTTPS, only to callers whose bearer token the API server "
                 "authenticates (TokenReview) and authorizes for get on /metrics "
                 "(SubjectAccessReview); false: plain HTTP to anyone");
  app.add_option("--metrics-cert-dir", metrics_cert_dir,
                 "directory with tls.crt and tls.key for /metrics, read again when they change "
                 "(default: a self-signed certificate made at start)");
  app.add_option("--health-probe-bind-address", health_address);
  app.add_option("--workers", workers)->check(CLI::Range(1, 64));
  app.add_option("--resync-period-seconds", resync_seconds,
                 "plan every tier again this often, whatever the events")
      ->check(CLI::Range(1, 86400));
  app.add_option("--relist-period-seconds", relist_seconds,
                 "compare each cache with the server this often (0: never)")
      ->check(CLI::Range(0, 86400));
  app.add_option("--watch-idle-timeout-seconds", watch_idle_seconds,
                 "cut a watch that delivers nothing for this long")
      ->check(CLI::Range(5, 3600));
  app.add_option("--worker-stuck-seconds", worker_stuck_seconds,
                 "/healthz fails when one reconcile runs longer")
      ->check(CLI::Range(1, 86400));
  app.add_option("--watch-stuck-seconds", watch_stuck_seconds,
                 "/healthz fails when a cache waits on one request longer")
      ->check(CLI::Range(1, 86400));
  bool evacuate_leaving_nodes = true;
  std::vector<std::string> departure_taints;
  app.add_option("--evacuate-leaving-nodes", evacuate_leaving_nodes,
                 "move pods off cordoned nodes and nodes tainted for removal through a drain "
                 "(needs get/list/watch on nodes)");
  app.add_option("--departure-taints", departure_taints,
                 "more taint keys that announce a node's removal, besides "
                 "node.kubernetes.io/unschedulable, ToBeDeletedByClusterAutoscaler and "
                 "karpenter.sh/disrupted")
      ->delimiter(',');
  app.add_option("--log-format", log_format)->check(CLI::IsMember({"json", "text"}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--insecure-skip-tls-verify", insecure,
               "DANGEROUS: do not verify the API server's certificate");
  app.add_option("--service-account", service_account,
                 "NS/NAME of the ServiceAccount whose audience-bound tokens authenticate Baton to "
                 "drain endpoints (default: the in-cluster one)");
  app.add_option("--http-threads", http_threads,
                 "threads of the Kubernetes client's I/O pool (its requests are asynchronous; "
                 "cpprestsdk's default is 40)")
      ->check(CLI::Range(1, 64));
  std::string prometheus_url;
  app.add_option("--prometheus-url", prometheus_url,
                 "the Prometheus canary bakes query, http://host:port[/prefix] (docs/canary.md); "
                 "tiers cannot name their own");
  app.add_option("--serving-read-seconds", serving_read_seconds,
                 "a serving pod whose session count sits still is read every this many seconds "
                 "to twice that (jittered); while it moves, every drain.pollIntervalSeconds")
      ->check(CLI::Range(1, 3600));
  CLI11_PARSE(app, argc, argv);
  // Before the first request: the pool is made on first use.
  baton::kube::RestClient::SizePool(static_cast<std::size_t>(http_threads));

  if (log_format == "json") baton::logging::UseJsonLogs();
  spdlog::set_level(spdlog::level::from_str(log_level));
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);

  try {
    auto config = kubeconfig.empty() ? baton::kube::LoadDefault(context)
                                     : baton::kube::LoadKubeconfig(kubeconfig, context);
    if (insecure) {
      spdlog::warn("TLS verification of the API server is OFF (--insecure-skip-tls-verify)");
      config.insecure_skip_tls_verify = true;
    }
    baton::kube::SkipUnusedSystemRoots(config);
    // /metrics: controller-runtime's and client-go's names, and baton_*.
    auto registry = std::make_shared<prometheus::Registry>();
    baton::kube::RestClientOptions client_options;
    client_options.observer = std::make_shared<baton::metrics::RestClientMetrics>(
        *registry, baton::metrics::HostOf(config.server));
    baton::kube::RestClient client(config, client_options);
    baton::kube::EventRecorder recorder(client);
    auto drain_client = baton::drain::MakeHttpDrainClient();
    baton::controller::TierControllerOptions options;
    options.namespaces = namespaces;
    options.workers = workers;
    options.evacuate_leaving_nodes = evacuate_leaving_nodes;
    options.departure_taints = departure_taints;
    options.resync = std::chrono::seconds(resync_seconds);
    options.monitor.rest_interval = std::chrono::seconds(serving_read_seconds);
    options.relist_period = std::chrono::seconds(relist_seconds);
    options.watch_idle_timeout = std::chrono::seconds(watch_idle_seconds);
    options.worker_stuck_after = std::chrono::seconds(worker_stuck_seconds);
    options.watch_stuck_after = std::chrono::seconds(watch_stuck_seconds);
    auto cache_metrics = std::make_shared<baton::metrics::CacheMetrics>(*registry);
    options.on_relist_compared = [cache_metrics](std::string_view resource, std::size_t n) {
      cache_metrics->OnRelistCompared(resource, n);
    };
    options.queue_observer = std::make_shared<baton::metrics::WorkQueueMetrics>(*registry, "tier");
    options.reconcile_observer =
        std::make_shared<baton::metrics::ControllerMetrics>(*registry, "tier");
    options.rollout_observer = std::make_shared<baton::metrics::RolloutMetrics>(*registry);
    baton::metrics::LeaderMetrics leader_metrics(*registry, lease_name);
    // Test-only (BATON_CRASH_AFTER): SIGKILL right after a named write.
    auto crash_point = baton::controller::CrashPoint::FromEnvironment();
    options.after_write = [&crash_point](std::string_view write) { crash_point.After(write); };
    // Drain auth: tokens from the TokenRequest API for our own ServiceAccount
    // (no Secret reads); with no ServiceAccount known, tiers that want auth
    // get no token, so their pods answer 401 and read as unknown.
    std::unique_ptr<baton::kube::ServiceAccountTokenSource> drain_tokens;
    const std::string own_sa = OwnServiceAccount(service_account, config);
    if (auto slash = own_sa.find('/'); slash != std::string::npos) {
      drain_tokens = std::make_unique<baton::kube::ServiceAccountTokenSource>(
          baton::kube::TokenRequestRequester(client, own_sa.substr(0, slash),
                                             own_sa.substr(slash + 1)),
          [] { return std::chrono::system_clock::now(); });
      spdlog::info("drain auth: tokens for ServiceAccount {}", own_sa);
    } else if (!own_sa.empty() || !service_account.empty()) {
      throw CLI::ValidationError("--service-account", own_sa + ": want NS/NAME");
    } else {
      spdlog::warn(
          "drain auth: no ServiceAccount known (--service-account); tiers with "
          "spec.drain.auth get no token");
    }
    options.drain_token = [&drain_tokens](const baton::api::Tier& tier) -> std::string {
      const auto& auth = tier.spec.drain.auth;
      if (auth.type != baton::api::DrainAuthType::ServiceAccountToken) return "";
      return drain_tokens ? drain_tokens->Token(baton::api::DrainAudienceOf(tier)) : "";
    };
    // Canary analysis: one Prometheus, the platform's; a tier gives only
    // its query (docs/canary.md).
    std::unique_ptr<baton::analysis::PrometheusQuery> prometheus;
    if (!prometheus_url.empty()) {
      std::string error;
      if (!baton::analysis::ParsePrometheusUrl(prometheus_url, error)) {
        throw CLI::ValidationError("--prometheus-url", error);
      }
      prometheus = std::make_unique<baton::analysis::PrometheusQuery>(
          baton::analysis::PrometheusQuery::Options{prometheus_url});
      options.canary_metric = [&prometheus](const baton::api::Tier& tier,
                                            const std::string& revision,
                                            const std::string& stable) {
        const auto& canary = tier.spec.rollout.canary;
        if (!canary || !canary->analysis.prometheus) {
          return baton::analysis::MetricSample{false, 0, "no query"};
        }
        const auto& check = canary->analysis.prometheus;
        auto expanded = baton::analysis::ExpandQuery(
            check->query, {tier.Namespace(), tier.Name(), revision, stable});
        if (!expanded.query) {
          return baton::analysis::MetricSample{false, 0, "query refused: " + expanded.error};
        }
        return prometheus->Query(*expanded.query);
      };
    }
    baton::controller::TierController controller(client, recorder, *drain_client, options);

    auto [maddr, mport] = SplitHostPort(metrics_address);
    auto [haddr, hport] = SplitHostPort(health_address);
    // Secure metrics as controller-runtime serves them: HTTPS, and each
    // scrape's token reviewed by the API server (answers cached briefly).
    // The reviews get their own client: a scrape must not wait 30 s.
    std::shared_ptr<baton::serve::ServingCertificate> certificate;
    std::shared_ptr<baton::serve::RequestAuthorizer> authorizer;
    std::unique_ptr<baton::kube::RestClient> review_client;
    if (metrics_secure) {
      certificate =
          metrics_cert_dir.empty()
              ? baton::serve::ServingCertificate::SelfSigned({"localhost", "127.0.0.1", Hostname()})
              : baton::serve::ServingCertificate::FromDirectory(metrics_cert_dir);
      baton::kube::RestClientOptions review_options;
      review_options.request_timeout = std::chrono::seconds(5);
      review_options.observer = client_options.observer;
      review_client = std::make_unique<baton::kube::RestClient>(config, review_options);
      auto create = [&review_client](const baton::kube::Resource& resource) {
        return [&review_client, resource](const nlohmann::json& review) {
          return review_client->Create(resource, "", review);
        };
      };
      authorizer = std::make_shared<baton::serve::DelegatedAuthorizer>(
          create(baton::kube::resources::kTokenReviews),
          create(baton::kube::resources::kSubjectAccessReviews),
          [] { return std::chrono::steady_clock::now(); });
    } else if (!metrics_cert_dir.empty()) {
      throw CLI::ValidationError("--metrics-cert-dir", "needs --metrics-secure=true");
    } else {
      spdlog::warn("/metrics is plain HTTP without authentication (--metrics-secure=false)");
    }
    baton::serve::HttpEndpoints metrics({maddr, mport, certificate});
    metrics.ServeMetrics(registry, authorizer);
    // Liveness fails only on a hang in this process (a stuck worker or
    // cache); an unreachable API server is no reason to restart.
    baton::serve::HttpEndpoints health({haddr, hport, nullptr});
    health.ServeProbes(
        [&] {
          auto why = controller.Stuck(std::chrono::steady_clock::now());
          if (why) spdlog::error("/healthz failing: {}", *why);
          return why;
        },
        [&]() -> std::optional<std::string> {
          if (controller.CachesSynced()) return std::nullopt;
          return "caches not synced";
        });
    metrics.Start();
    health.Start();
    // Tests and the demo bind port 0 and read the ports from these lines.
    spdlog::info(
        "serving /metrics on {}:{} over {}", maddr, metrics.port(),
        metrics_secure ? "https, authenticated and authorized by the API server" : "plain http");
    spdlog::info("serving /healthz and /readyz on {}:{}", haddr, health.port());
    controller.StartCaches();
    spdlog::info(
        "baton-operator started: identity {}, watching {}", identity,
        namespaces.empty() ? "all namespaces" : fmt::format("{}", fmt::join(namespaces, ",")));

    std::atomic<bool> lost{false};
    std::jthread elector_thread;
    std::unique_ptr<baton::kube::LeaderElector> elector;
    std::unique_ptr<baton::kube::RestClient> lease_client;
    if (leader_elect) {
      // A request must never outlive the renew deadline: its own client.
      baton::kube::RestClientOptions lease_options;
      lease_options.request_timeout = std::chrono::milliseconds(renew_ms / 2);
      lease_options.observer = client_options.observer;
      lease_client = std::make_unique<baton::kube::RestClient>(config, lease_options);
      baton::kube::LeaderElectionConfig le;
      le.lease_duration = std::chrono::seconds(lease_seconds);
      le.renew_deadline = std::chrono::milliseconds(renew_ms);
      le.retry_period = std::chrono::milliseconds(retry_ms);
      le.on_started_leading = [&] {
        spdlog::info("leading as {}", identity);
        controller.StartWorkers();
        leader_metrics.SetLeading(true);
      };
      le.on_stopped_leading = [&] {
        // Stop all work at once; if this was not our own shutdown, exit so
        // that the replica restarts as a follower with a clean slate.
        controller.StopWorkers();
        leader_metrics.SetLeading(false);
        if (!g_stop) {
          spdlog::error("lost the lease; exiting");
          lost = true;
          g_stop = true;
        }
      };
      elector = std::make_unique<baton::kube::LeaderElector>(
          baton::kube::LeaseLock(*lease_client, lease_namespace, lease_name, identity), le);
      elector_thread = std::jthread([&](std::stop_token stop) { elector->Run(stop); });
    } else {
      controller.StartWorkers();
      leader_metrics.SetLeading(true);  // no election: this process does the work
    }

    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    spdlog::info("stopping");
    controller.StopWorkers();
    if (elector_thread.joinable()) {
      elector_thread.request_stop();
      elector_thread.join();  // releases the lease on a clean stop
    }
    health.Stop();
    metrics.Stop();
    return lost ? 1 : 0;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
}
