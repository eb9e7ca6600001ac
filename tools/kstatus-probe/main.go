// kstatus-probe reads Kubernetes objects as JSON, one per line on stdin, and
// prints for each one line of JSON with the status that kstatus
// (sigs.k8s.io/cli-utils/pkg/kstatus/status.Compute) gives it:
//
//	{"status":"InProgress","message":"..."}
//
// kstatus is what Flux's health checks, Helm 4's --wait, kpt and Config Sync
// use to judge a custom resource, so this is the verdict those tools reach on
// a Baton tier. The end-to-end test tests/e2e/test_kstatus.py keeps one probe
// open and feeds it the tier as read from the API during a rollout.
//
// A line that is not an object, or that kstatus cannot judge, prints
// {"error":"..."} and the probe goes on; it exits 0 at the end of stdin.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type verdict struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

func judge(line []byte) verdict {
	// As client-go decodes it: whole numbers as int64, which kstatus expects.
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(line); err != nil {
		return verdict{Error: "not a Kubernetes object: " + err.Error()}
	}
	result, err := status.Compute(obj)
	if err != nil {
		return verdict{Error: err.Error()}
	}
	return verdict{Status: result.Status.String(), Message: result.Message}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20) // a tier with a full pod template is large
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		if len(in.Bytes()) == 0 {
			continue
		}
		if err := out.Encode(judge(in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, "kstatus-probe:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "kstatus-probe:", err)
		os.Exit(1)
	}
}
