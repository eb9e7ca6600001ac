#include "kube/pem_check.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace baton::kube {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PKeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, PKeyFree>;

BioPtr MemoryBio(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

X509Ptr FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  if (!bio) return nullptr;
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();  // leave no stale errors for the TLS code that runs later
  return cert;
}

PKeyPtr FirstPrivateKey(const std::string& pem) {
  auto bio = MemoryBio(pem);
  if (!bio) return nullptr;
  PKeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return key;
}

}  // namespace

std::optional<std::string> CheckCertificatesPem(const std::string& pem) {
  if (!FirstCertificate(pem)) return "no PEM certificate found";
  return std::nullopt;
}

std::optional<std::string> CheckPrivateKeyPem(const std::string& pem) {
  if (!FirstPrivateKey(pem)) return "no PEM private key found";
  return std::nullopt;
}

std::optional<std::string> CheckKeyMatchesCertificate(const std::string& cert_pem,
                                                      const std::string& key_pem) {
  auto cert = FirstCertificate(cert_pem);
  auto key = FirstPrivateKey(key_pem);
  if (!cert || !key) return "cannot parse certificate or key";
  const bool match = X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  if (!match) return "private key does not match the client certificate";
  return std::nullopt;
}

}  // namespace baton::kube
