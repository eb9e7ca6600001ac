#include "drain_flags.h"

namespace baton::examples {

void DrainFlags::Register(CLI::App& app) {
  app.add_option("--drain-port", server.port, "drain endpoint port (0: any free port)");
  host_ = app.add_option("--drain-host", server.host, "drain endpoint address (default: --host)");
  app.add_option("--drain-path", server.base_path, "drain endpoint base path");
  DrainAuthFlags& auth = server.auth;
  app.add_option("--drain-token-file", auth.token_file,
                 "require Authorization: Bearer <content of this file>");
  app.add_option("--drain-allowed-identity", auth.allowed_identity,
                 "check bearer tokens with TokenReviews and accept only this identity, e.g. "
                 "system:serviceaccount:baton:baton-operator");
  app.add_option("--token-review-kubeconfig", auth.token_review_kubeconfig,
                 "kubeconfig to post TokenReviews with (default: $KUBECONFIG, else the "
                 "in-cluster ServiceAccount token and KUBERNETES_SERVICE_HOST/PORT)");
  // Baton puts the audience of its tokens in every container of a tier with
  // ServiceAccountToken auth (docs/drain-protocol.md).
  app.add_option("--drain-audience", auth.audience, "audience the callers' tokens must carry")
      ->envname("BATON_DRAIN_AUDIENCE");
  app.add_flag("--drain-allow-unauthenticated", auth.allow_unauthenticated,
               "accept drain calls without a token (tests, trusted networks); without it the "
               "workload refuses to start unless one of the options above authenticates callers");
  app.add_option("--version", version, "version reported on the drain endpoint");
}

void DrainFlags::DefaultHost(const std::string& host) {
  if (host_ == nullptr || host_->count() == 0) server.host = host;
}

}  // namespace baton::examples
