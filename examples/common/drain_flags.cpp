#include "drain_flags.h"

namespace baton::examples {

void DrainFlags::Register(CLI::App& app) {
  app.add_option("--drain-port", server.port, "drain endpoint port (0: any free port)");
  host_ = app.add_option("--drain-host", server.host, "drain endpoint address (default: --host)");
  app.add_option("--drain-path", server.base_path, "drain endpoint base path");
  app.add_option("--drain-token-file", server.token_file,
                 "require Authorization: Bearer <content of this file>");
  app.add_option("--token-review-kubeconfig", server.token_review_kubeconfig,
                 "check bearer tokens with TokenReviews, reaching the API server with this "
                 "kubeconfig (needs --drain-audience and --drain-allowed-identity)");
  // Baton puts the audience of its tokens in every container of a tier with
  // ServiceAccountToken auth (docs/drain-protocol.md).
  app.add_option("--drain-audience", server.audience, "audience the callers' tokens must carry")
      ->envname("BATON_DRAIN_AUDIENCE");
  app.add_option("--drain-allowed-identity", server.allowed_identity,
                 "the only identity accepted, e.g. system:serviceaccount:baton:baton-operator");
  app.add_option("--version", version, "version reported on the drain endpoint");
}

void DrainFlags::DefaultHost(const std::string& host) {
  if (host_ == nullptr || host_->count() == 0) server.host = host;
}

}  // namespace baton::examples
