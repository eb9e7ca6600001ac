// ClusterWriter over kube::RestClient: every write the controller makes, as
// one API request each, under Baton's field manager.
#pragma once

#include "controller/cluster_writer.h"

namespace baton::kube {
class RestClient;
}

namespace baton::controller {

class RestClusterWriter final : public ClusterWriter {
 public:
  explicit RestClusterWriter(kube::RestClient& client) : client_(client) {}

  void CreatePod(const std::string& ns, const nlohmann::json& pod) override;
  void PatchPod(const std::string& ns, const std::string& name,
                const nlohmann::json& merge_patch) override;
  bool DeletePod(const std::string& ns, const std::string& name, const std::string& uid) override;
  void PatchTierStatus(const api::Tier& tier, const nlohmann::json& status) override;
  void ApplyTierFinalizer(const api::Tier& tier, bool present) override;
  void ApplyOwned(const std::string& plural, const std::string& ns,
                  const nlohmann::json& object) override;
  void DeleteOwned(const std::string& plural, const std::string& ns,
                   const std::string& name) override;

 private:
  kube::RestClient& client_;
};

}  // namespace baton::controller
