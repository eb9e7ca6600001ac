{{/* The release's full name, at most 63 characters (a DNS label). */}}
{{- define "baton.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "baton.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "baton.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "baton.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "baton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "baton.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "baton.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The rules the operator needs in every namespace it watches: exactly the
requests it sends (see docs/install-helm.md, "RBAC"). No secrets, no
deployments or statefulsets, no delete on anything but its own pods and
ControllerRevisions. Server-side apply of an object that does not exist yet
needs create as well as patch.
*/}}
{{- define "baton.watchRules" -}}
# Tiers: list+watch (informers); patch (server-side apply of the finalizer).
- apiGroups: ["baton.dev"]
  resources: ["relaytiers", "sessiontiers", "businesstiers"]
  verbs: ["list", "watch", "patch"]
# Status is written through the status subresource only.
- apiGroups: ["baton.dev"]
  resources: ["relaytiers/status", "sessiontiers/status", "businesstiers/status"]
  verbs: ["patch"]
# The tiers' pods: informers, create (surge), patch (draining label and
# annotations), delete (after the drain).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch", "create", "patch", "delete"]
# Owned objects: read first (one that another controller owns is never
# adopted or overwritten), created when absent, then server-side applied.
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "patch"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "patch"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "create", "patch"]
# Revision history for undo: listed (not watched), written like the owned
# objects above, old ones beyond revisionHistoryLimit deleted.
- apiGroups: ["apps"]
  resources: ["controllerrevisions"]
  verbs: ["get", "list", "create", "patch", "delete"]
# Events on the tiers (core/v1 Events: the recorder creates, then patches
# the count of a repeated one).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

{{/* Rules in the release namespace only: the leader Lease and the drain token. */}}
{{- define "baton.releaseRules" -}}
{{- if .Values.leaderElection.enabled }}
# A Lease cannot be created by name (resourceNames do not apply to create).
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["create"]
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  resourceNames: [{{ .Values.leaderElection.leaseName | quote }}]
  verbs: ["get", "update"]
{{- end }}
# Audience-bound tokens of its own ServiceAccount, for drain endpoints with
# spec.drain.auth.type ServiceAccountToken (docs/api-contract.md).
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  resourceNames: [{{ include "baton.serviceAccountName" . | quote }}]
  verbs: ["create"]
{{- end -}}

{{/* Secure /metrics (metrics.secure): review each scrape's token and user. */}}
{{- define "baton.metricsAuthRules" -}}
- apiGroups: ["authentication.k8s.io"]
  resources: ["tokenreviews"]
  verbs: ["create"]
- apiGroups: ["authorization.k8s.io"]
  resources: ["subjectaccessreviews"]
  verbs: ["create"]
{{- end -}}
