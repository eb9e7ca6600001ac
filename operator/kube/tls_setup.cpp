#include "kube/tls_setup.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/buffer.hpp>
#include <cstdlib>
#include <memory>
#include <string>

namespace baton::kube {

std::function<void(boost::asio::ssl::context&)> MakeTlsSetup(const ClientConfig& config) {
  // Shared, immutable copies: the callback outlives this call and runs on
  // cpprestsdk's threads.
  auto pem = std::make_shared<const ClientConfig>(config);
  return [pem](boost::asio::ssl::context& ctx) {
    // TLS 1.2 is the floor kube-apiserver accepts by default anyway.
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    if (!pem->ca_pem.empty()) {
      // Replace (not extend) the store filled by set_default_verify_paths();
      // SSL_CTX_set_cert_store takes ownership of the new store.
      SSL_CTX_set_cert_store(ctx.native_handle(), X509_STORE_new());
      ctx.add_certificate_authority(boost::asio::buffer(pem->ca_pem));
    }
    if (!pem->client_cert_pem.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(pem->client_cert_pem));
      ctx.use_private_key(boost::asio::buffer(pem->client_key_pem), boost::asio::ssl::context::pem);
    }
  };
}

bool SkipUnusedSystemRoots(const ClientConfig& config) {
  if (config.ca_pem.empty() && !config.insecure_skip_tls_verify) return false;
  // A path that does not exist: OpenSSL ignores a default path it cannot
  // load (X509_STORE_set_default_paths clears the error).
  constexpr const char* kNowhere = "/nonexistent/baton-uses-the-kubeconfig-ca";
  setenv("SSL_CERT_FILE", kNowhere, 1);
  setenv("SSL_CERT_DIR", kNowhere, 1);
  return true;
}

}  // namespace baton::kube
