#include "kube/request_options.h"

#include <gtest/gtest.h>

namespace baton::kube {
namespace {

TEST(RequestOptionsTest, ListOptionsQuery) {
  EXPECT_EQ(EncodeQuery(ListOptions{}.ToQuery()), "");
  ListOptions o;
  o.label_selector = "app=relay,tier in (a,b)";
  o.field_selector = "status.phase!=Failed";
  o.limit = 50;
  o.continue_token = "eyJ2Ijo=";
  o.resource_version = "0";
  o.resource_version_match = "NotOlderThan";
  o.timeout_seconds = 30;
  EXPECT_EQ(EncodeQuery(o.ToQuery()),
            "?labelSelector=app%3Drelay%2Ctier%20in%20%28a%2Cb%29"
            "&fieldSelector=status.phase%21%3DFailed&limit=50&continue=eyJ2Ijo%3D"
            "&resourceVersion=0&resourceVersionMatch=NotOlderThan&timeoutSeconds=30");
}

TEST(RequestOptionsTest, WriteOptionsQuery) {
  WriteOptions w;
  w.dry_run = true;
  w.field_manager = "baton";
  w.field_validation = "Strict";
  EXPECT_EQ(EncodeQuery(w.ToQuery()), "?dryRun=All&fieldManager=baton&fieldValidation=Strict");
}

TEST(RequestOptionsTest, DeleteOptionsBody) {
  EXPECT_TRUE(DeleteOptions{}.ToBody().is_null());  // no body at all by default
  DeleteOptions d;
  d.precondition_uid = "u-1";
  d.precondition_resource_version = "42";
  d.propagation_policy = PropagationPolicy::Foreground;
  d.grace_period_seconds = 0;
  d.dry_run = true;
  EXPECT_EQ(d.ToBody(), nlohmann::json::parse(R"({
    "apiVersion": "v1", "kind": "DeleteOptions",
    "preconditions": {"uid": "u-1", "resourceVersion": "42"},
    "propagationPolicy": "Foreground", "gracePeriodSeconds": 0, "dryRun": ["All"]})"));
}

TEST(RequestOptionsTest, PatchTypesAndForce) {
  EXPECT_EQ(PatchContentType(PatchType::Merge), "application/merge-patch+json");
  EXPECT_EQ(PatchContentType(PatchType::Json), "application/json-patch+json");
  EXPECT_EQ(PatchContentType(PatchType::StrategicMerge), "application/strategic-merge-patch+json");
  EXPECT_EQ(PatchContentType(PatchType::Apply), "application/apply-patch+yaml");
  PatchOptions p;
  p.field_manager = "baton";
  p.force = true;
  EXPECT_EQ(EncodeQuery(p.ToQuery(PatchType::Apply)), "?fieldManager=baton&force=true");
  // force is refused by the apiserver on non-apply patches: never sent.
  EXPECT_EQ(EncodeQuery(p.ToQuery(PatchType::Merge)), "?fieldManager=baton");
}

}  // namespace
}  // namespace baton::kube
