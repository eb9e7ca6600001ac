//go:build tools

// Keeps github.com/prometheus/prometheus/cmd/prometheus (and so every module
// it needs) in this module's go.mod and go.sum; scripts/build-gotools builds
// that package from here.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
