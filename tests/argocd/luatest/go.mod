// The ArgoCD health-check test runner (tests/argocd/run-lua-tests).
// gopher-lua at the version ArgoCD builds with; sigs.k8s.io/yaml, as ArgoCD's
// own health tests read their YAML.
module baton.dev/argocd-luatest

go 1.22

require (
	github.com/yuin/gopher-lua v1.1.1
	sigs.k8s.io/yaml v1.4.0
)
