// The certificate the metrics endpoint is served with, as controller-runtime
// does it: tls.crt and tls.key from a directory (the layout of a
// cert-manager Secret), read again when they change so a renewed
// certificate is served without a restart; or, with no directory, a
// self-signed one made in memory at start (Prometheus then scrapes with
// insecureSkipVerify; the bearer token, not the certificate, is what
// authorizes).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace baton::serve {

class ServingCertificate {
 public:
  // Throws std::runtime_error when the files are missing, not PEM, or the
  // key does not belong to the certificate.
  static std::shared_ptr<ServingCertificate> FromDirectory(std::string dir);
  // A fresh P-256 key and a certificate valid for a year, with `hosts`
  // (DNS names or IP addresses) as its subject alternative names.
  static std::shared_ptr<ServingCertificate> SelfSigned(const std::vector<std::string>& hosts);

  ~ServingCertificate();
  ServingCertificate(const ServingCertificate&) = delete;
  ServingCertificate& operator=(const ServingCertificate&) = delete;

  // Sets up a server context: TLS 1.2 or newer, and the certificate chosen
  // at each handshake (a changed directory is read again first; a pair that
  // cannot be read, e.g. half-written, leaves the previous one in use).
  bool Configure(SSL_CTX& ctx);
  // PEM of the certificate served now (with its chain, if any).
  std::string CertificatePem();

 private:
  struct Identity;  // the parsed certificate, chain and key
  ServingCertificate(std::shared_ptr<const Identity> identity, std::string dir, std::string stamp);
  static std::shared_ptr<const Identity> Parse(const std::string& cert_pem,
                                               const std::string& key_pem);
  std::shared_ptr<const Identity> Current();
  static int OnHandshake(SSL* ssl, void* self);

  const std::string dir_;  // "" for a self-signed certificate
  std::mutex mu_;
  std::shared_ptr<const Identity> identity_;
  std::string stamp_;  // mtimes and sizes of the files identity_ was read from
};

}  // namespace baton::serve
