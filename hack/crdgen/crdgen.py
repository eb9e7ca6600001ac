#!/usr/bin/env python3
"""Generate Baton's CustomResourceDefinitions (crds/*.yaml).

The shared spec/status schema is hand-written in tier_schema.yaml; the pod
template schema is generated from a real kube-apiserver's OpenAPI v3 document
(io.k8s.api.core.v1.PodTemplateSpec), so it matches the pods the operator
creates field for field. The output is committed; CI may run with --check.

  hack/crdgen/crdgen.py                       read OpenAPI with kubectl (KUBECONFIG)
  hack/crdgen/crdgen.py --openapi api-v1.json read it from a file
  hack/crdgen/crdgen.py --check               fail if crds/ differs from what would be written
"""

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GROUP = "baton.dev"
VERSION = "v1alpha1"
POD_TEMPLATE = "io.k8s.api.core.v1.PodTemplateSpec"
REF_PREFIX = "#/components/schemas/"

# Pod-template descriptions are cut to their first sentence: the full text
# makes each CRD several hundred KiB bigger, and `kubectl explain pod` has it.
DESCRIPTION_LIMIT = 200

# OpenAPI keys a CRD schema accepts (JSONSchemaProps); anything else in the
# apiserver's document (x-kubernetes-patch-strategy, x-kubernetes-unions, ...)
# would be refused by strict field validation.
KEPT_KEYS = {
    "description", "type", "format", "properties", "additionalProperties", "items",
    "required", "enum", "minimum", "maximum", "minLength", "maxLength", "minItems",
    "maxItems", "pattern", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
}
KEPT_FORMATS = {"int32", "int64", "date-time", "byte"}

KINDS = [
    {
        "kind": "RelayTier",
        "plural": "relaytiers",
        "singular": "relaytier",
        "short": ["rt"],
        "scale": True,
        "what": "a tier of relay servers holding long-lived client sessions",
        "replicas": "Number of relay pods the tier runs when no rollout is in progress. "
                    "Scalable with `kubectl scale` and an HPA; a scale-down drains pods first.",
    },
    {
        "kind": "SessionTier",
        "plural": "sessiontiers",
        "singular": "sessiontier",
        "short": ["st"],
        "scale": False,
        "what": "a sharded session registry whose shards keep stable ordinals across replacements",
        "replicas": "Number of shards. Each shard has a stable ordinal (0..replicas-1) that a "
                    "replacement pod inherits. Modular hashing reshards almost every key when this "
                    "changes, so there is no scale subresource and a change is refused unless "
                    "allowShardCountChange is true.",
    },
    {
        "kind": "BusinessTier",
        "plural": "businesstiers",
        "singular": "businesstier",
        "short": ["bt"],
        "scale": True,
        "what": "a tier of request servers whose drain waits out in-flight requests",
        "replicas": "Number of pods the tier runs when no rollout is in progress. "
                    "Scalable with `kubectl scale` and an HPA; a scale-down drains pods first.",
    },
]


def first_sentence(text):
    text = " ".join(text.split("\n\n")[0].split())
    cut = text.find(". ")
    if cut != -1:
        text = text[: cut + 1]
    if len(text) > DESCRIPTION_LIMIT:
        text = text[: DESCRIPTION_LIMIT - 3].rstrip() + "..."
    return text


class PodTemplateSchema:
    """Inlines $refs from the OpenAPI document into one structural schema."""

    def __init__(self, schemas):
        self.schemas = schemas

    def build(self):
        return self.convert({"$ref": REF_PREFIX + POD_TEMPLATE}, ())

    def convert(self, node, stack):
        # kube-openapi wraps most references as {allOf: [{$ref}], description, default}.
        node = dict(node)
        if "allOf" in node and len(node["allOf"]) == 1 and "$ref" in node["allOf"][0]:
            node.update(node.pop("allOf")[0])
        if "$ref" in node:
            name = node.pop("$ref")[len(REF_PREFIX):]
            outer_description = node.get("description")
            if name in stack:
                # Recursive types cannot be inlined; keep them opaque but stored.
                return {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                        **({"description": first_sentence(outer_description)}
                           if outer_description else {})}
            result = self.named(name, stack + (name,))
            if outer_description:
                result["description"] = first_sentence(outer_description)
            return result
        return self.plain(node, stack)

    def named(self, name, stack):
        if name == "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
            return {"x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}]}
        if name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
            return {"x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                    "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]"
                               r"|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"}
        if name == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":
            # Only what a pod template may usefully set: undeclared fields are
            # pruned, so labels and annotations must be declared here.
            return {
                "type": "object",
                "properties": {
                    "labels": {"type": "object", "maxProperties": 64,
                               "additionalProperties": {"type": "string", "maxLength": 63},
                               "description": "Labels copied to every pod; keys under "
                                              "baton.dev/ are reserved for Baton."},
                    "annotations": {"type": "object",
                                    "additionalProperties": {"type": "string"},
                                    "description": "Annotations copied to every pod."},
                },
            }
        return self.convert(self.schemas[name], stack)

    def plain(self, node, stack):
        out = {}
        for key, value in node.items():
            if key not in KEPT_KEYS:
                continue
            if key == "description":
                out[key] = first_sentence(value)
            elif key == "format":
                if value in KEPT_FORMATS:
                    out[key] = value
            elif key == "properties":
                out[key] = {k: self.convert(v, stack) for k, v in sorted(value.items())}
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out[key] = self.convert(value, stack)
            else:
                out[key] = copy.deepcopy(value)
        # A list-map key that is not required needs its default (protocol: TCP),
        # or the apiserver refuses the schema; every other default is dropped so
        # that the template stays as written (the pod gets defaulted anyway).
        if out.get("x-kubernetes-list-type") == "map":
            item = out.get("items", {})
            raw_item = self.resolve(node.get("items", {}))
            for key in out.get("x-kubernetes-list-map-keys", []):
                if key in item.get("required", []):
                    continue
                default = raw_item.get("properties", {}).get(key, {}).get("default")
                if default is not None:
                    item["properties"][key]["default"] = default
        return out

    def resolve(self, node):
        if "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        if "$ref" in node:
            return self.schemas[node["$ref"][len(REF_PREFIX):]]
        return node


def complete_defaults(node):
    """Turns `default: {}` into the object its children's defaults make.

    The apiserver validates a default against the CEL rules as written, without
    defaulting inside it, so `{}` would fail rules such as maxSurge > 0.
    """
    if isinstance(node, dict):
        for value in node.values():
            complete_defaults(value)
        if node.get("default") == {} and "properties" in node:
            node["default"] = {k: copy.deepcopy(v["default"])
                               for k, v in node["properties"].items() if "default" in v}
    elif isinstance(node, list):
        for value in node:
            complete_defaults(value)
    return node


def replace_marker(node, template):
    if isinstance(node, dict):
        if node.get("x-baton-pod-template"):
            result = copy.deepcopy(template)
            result["description"] = node["description"]
            # A pod needs a spec; requiring it also keeps the CEL rules that
            # read template.spec from failing with "no such key".
            result["required"] = ["spec"]
            return result
        return {k: replace_marker(v, template) for k, v in node.items()}
    if isinstance(node, list):
        return [replace_marker(v, template) for v in node]
    return node


def printer_columns(spec):
    replicas_name = "Shards" if spec["kind"] == "SessionTier" else "Desired"
    return [
        {"name": replicas_name, "type": "integer", "jsonPath": ".spec.replicas",
         "description": "Pods (shards for a SessionTier) the tier should run."},
        {"name": "Ready", "type": "integer", "jsonPath": ".status.readyReplicas",
         "description": "Pods with the Ready condition."},
        {"name": "Updated", "type": "integer", "jsonPath": ".status.updatedReplicas",
         "description": "Pods at the update revision."},
        {"name": "Sessions", "type": "integer", "jsonPath": ".status.totalSessions",
         "description": "Live sessions over all readable pods."},
        {"name": "Draining", "type": "string", "jsonPath": ".status.drainingPods[0].name",
         "description": "The pod draining now (the first one if several drain)."},
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase",
         "description": "Healthy, Progressing, Paused or Degraded."},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1,
         "description": "What the tier is doing, for people."},
    ]


def crd_for(spec, shared, template):
    schema_spec = replace_marker(complete_defaults(copy.deepcopy(shared["spec"])), template)
    schema_status = copy.deepcopy(shared["status"])
    schema_spec["properties"]["replicas"]["description"] = spec["replicas"]
    if spec["kind"] == "SessionTier":
        schema_spec["properties"]["replicas"]["minimum"] = 1
        schema_spec["properties"]["allowShardCountChange"] = {
            "type": "boolean",
            "default": False,
            "description": "Must be true in any update that changes replicas (the shard count): "
                           "modular hashing moves almost every key when the count changes, so "
                           "it is a deliberate operation (docs/crd-reference.md).",
        }
        schema_spec["x-kubernetes-validations"].append({
            "rule": "self.replicas == oldSelf.replicas || self.allowShardCountChange",
            "message": "changing the shard count reshards almost every key; set "
                       "spec.allowShardCountChange: true to do it deliberately",
            "fieldPath": ".replicas",
            "reason": "FieldValueForbidden",
        })
    root = {
        "type": "object",
        "description": f"{spec['kind']} is {spec['what']}, rolled one pod at a time by Baton: "
                       "a new pod is surged, an old pod is asked to drain over HTTP, and it is "
                       "deleted only once its live sessions are gone (or drain.onTimeout says so).",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": "APIVersion of this object."},
            "kind": {"type": "string", "description": "Kind of this object."},
            # Pod names, the Service and the tier label all derive from the
            # tier name: a label value and a Service name must be a DNS-1035
            # label, and pod names append a revision hash and an index.
            "metadata": {"type": "object", "properties": {"name": {
                "type": "string", "maxLength": 40, "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$",
                "description": "A DNS-1035 label of at most 40 characters."}}},
            "spec": schema_spec,
            "status": schema_status,
        },
    }
    subresources = {"status": {}}
    if spec["scale"]:
        subresources["scale"] = {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.replicas",
            "labelSelectorPath": ".status.selector",
        }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{spec['plural']}.{GROUP}",
            "labels": {"app.kubernetes.io/name": "baton", "app.kubernetes.io/component": "crd"},
        },
        "spec": {
            "group": GROUP,
            "names": {
                "kind": spec["kind"],
                "listKind": spec["kind"] + "List",
                "plural": spec["plural"],
                "singular": spec["singular"],
                "shortNames": spec["short"],
                "categories": ["baton"],
            },
            "scope": "Namespaced",
            "versions": [{
                "name": VERSION,
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": root},
                "subresources": subresources,
                "additionalPrinterColumns": printer_columns(spec),
            }],
        },
    }


def field_rows(schema, path, rows, rules):
    """Rows of the field table in docs/crd-reference.md, depth first."""
    for rule in schema.get("x-kubernetes-validations", []):
        where = path + rule.get("fieldPath", "") if rule.get("fieldPath") else path
        rules.append((path or "(root)", " ".join(rule["rule"].split()), rule["message"], where))
    for name, child in schema.get("properties", {}).items():
        here = f"{path}.{name}" if path else name
        kind = child.get("type", "int-or-string" if child.get("x-kubernetes-int-or-string") else "")
        if kind == "array":
            kind = f"[]{child.get('items', {}).get('type', '')}"
        if kind == "object" and "additionalProperties" in child:
            kind = "map[string]string"
        limits = []
        if "minimum" in child or "maximum" in child:
            limits.append(f"{child.get('minimum', '')}..{child.get('maximum', '')}")
        if "enum" in child:
            limits.append(" \\| ".join(str(v) for v in child["enum"]))
        for key, label in (("minLength", "minLength"), ("maxLength", "maxLength"),
                           ("minItems", "minItems"), ("maxItems", "maxItems"),
                           ("maxProperties", "maxProperties")):
            if key in child:
                limits.append(f"{label} {child[key]}")
        if "pattern" in child:
            limits.append(f"pattern `{child['pattern']}`")
        if child.get("format") == "date-time":
            limits.append("RFC 3339")
        if name in schema.get("required", []):
            limits.append("required")
        default = child.get("default")
        default_text = "" if default is None or isinstance(default, dict) else \
            f"`{json.dumps(default)}`"
        description = " ".join(child.get("description", "").split()).replace("|", "\\|")
        if here.endswith(".template") and here.count(".") == 1:
            rows.append((here, "PodTemplateSpec", "", "generated from core/v1", description))
            continue
        rows.append((here, kind, default_text, "; ".join(limits), description))
        if kind == "object" or kind.startswith("[]object"):
            field_rows(child if kind == "object" else child["items"],
                       here + ("[]" if kind.startswith("[]") else ""), rows, rules)


def reference_tables(crds):
    """The generated part of docs/crd-reference.md: the fields and rules of the
    first kind in full, then only what each other kind does differently."""
    out = []
    first_rows, first_rules = None, None
    for crd in crds:
        kind = crd["spec"]["names"]["kind"]
        version = crd["spec"]["versions"][0]
        rows, rules = [], []
        field_rows(version["schema"]["openAPIV3Schema"], "", rows, rules)
        rows = [r for r in rows
                if not r[0].startswith(("apiVersion", "kind", "metadata")) or r[0] == "metadata.name"]
        names = crd["spec"]["names"]
        scale = "yes" if "scale" in version["subresources"] else "no"
        out.append(f"### {kind}\n")
        out.append(f"`{names['plural']}.{GROUP}`, short name `{names['shortNames'][0]}`, "
                   f"category `baton`, status subresource, scale subresource: {scale}.\n")
        if first_rows is None:
            shown_rows, shown_rules = rows, rules
            first_rows, first_rules = rows, rules
        else:
            shown_rows = [r for r in rows if r not in first_rows]
            shown_rules = [r for r in rules if r not in first_rules]
            out.append(f"Same fields and rules as {crds[0]['spec']['names']['kind']}, except:\n")
        if shown_rows:
            out.append("| field | type | default | bounds | description |")
            out.append("|---|---|---|---|---|")
            for row in shown_rows:
                out.append("| `" + row[0] + "` | " + " | ".join(row[1:]) + " |")
            out.append("")
        if shown_rules:
            out.append("Cross-field rules (CEL), with the field the API server names in "
                       "`causes[].field`:\n")
            out.append("| on | rule | message | field named |")
            out.append("|---|---|---|---|")
            for on, rule, message, where in shown_rules:
                escaped = rule.replace("|", "\\|")
                out.append(f"| `{on}` | `{escaped}` | {message} | `{where}` |")
            out.append("")
    return "\n".join(out)


def splice(path, generated):
    begin, end = "<!-- crdgen:begin -->", "<!-- crdgen:end -->"
    with open(path) as f:
        text = f.read()
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + generated + "\n" + end + tail


def kubectl_path():
    """kubectl of the cluster's own release (scripts/cluster env exports it)."""
    return os.environ.get("BATON_KUBECTL") or os.environ.get("KUBECTL") or shutil.which("kubectl")


def read_openapi(path):
    if path:
        with open(path) as f:
            return json.load(f)
    out = subprocess.run([kubectl_path(), "get", "--raw", "/openapi/v3/api/v1"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def render(crd, server_version):
    header = ("# Generated by hack/crdgen/crdgen.py from hack/crdgen/tier_schema.yaml and the\n"
              f"# PodTemplateSpec of kube-apiserver {server_version}. Do not edit.\n"
              "# Install with server-side apply (the schema is too large for the\n"
              "# last-applied annotation): kubectl apply --server-side -f crds/\n")
    return header + yaml.safe_dump(crd, sort_keys=False, width=100, allow_unicode=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--openapi", help="OpenAPI v3 document of /api/v1 (default: ask kubectl)")
    parser.add_argument("--server-version", default=None,
                        help="version recorded in the header (default: from kubectl version)")
    parser.add_argument("--out", default=os.path.join(REPO, "crds"))
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()

    openapi = read_openapi(args.openapi)
    version = args.server_version
    if version is None:
        version = "unknown"
        try:
            info = json.loads(subprocess.run([kubectl_path(), "version", "-o", "json"], check=True,
                                             capture_output=True, text=True).stdout)
            version = info["serverVersion"]["gitVersion"]
        except (OSError, subprocess.CalledProcessError, KeyError, ValueError):
            pass
    with open(os.path.join(HERE, "tier_schema.yaml")) as f:
        shared = yaml.safe_load(f)
    template = PodTemplateSchema(openapi["components"]["schemas"]).build()

    crds = [crd_for(spec, shared, template) for spec in KINDS]
    outputs = [(os.path.join(args.out, f"{GROUP}_{spec['plural']}.yaml"), render(crd, version))
               for spec, crd in zip(KINDS, crds)]
    reference = os.path.join(REPO, "docs", "crd-reference.md")
    outputs.append((reference, splice(reference, reference_tables(crds))))

    stale = []
    for path, text in outputs:
        if args.check:
            try:
                with open(path) as f:
                    if f.read() != text:
                        stale.append(path)
            except FileNotFoundError:
                stale.append(path)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"wrote {os.path.relpath(path, REPO)} ({len(text) // 1024} KiB)")
    if stale:
        print("out of date (run hack/crdgen/crdgen.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
