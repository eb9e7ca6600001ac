// Resource actions, run the way ArgoCD's TestLuaResourceActionsScript
// (util/lua/custom_actions_test.go) runs them from <group>/<Kind>/actions/:
//
//   - discoveryTests: discovery.lua on the input, its table read as ArgoCD's
//     ExecuteResourceActionDiscovery reads it (an action name to {} or to
//     {disabled, params, iconClass, displayName}); the actions found must be
//     exactly the expected result (ArgoCD only checks each found one is
//     listed, so a missing action would pass there; not here);
//   - actionTests: <action>/action.lua on the input, with the test's
//     parameters as the global table actionParams (strings, as ArgoCD passes
//     them), the returned object cleaned as ArgoCD's cleanReturnedObj does,
//     and compared with the expected output by value (JSON numbers, so 3 and
//     3.0 are the same, as ArgoCD's diff has it).
//
// As ArgoCD's test normalizer does for restartedAt, spec.rollout.restartAt
// set by an action is compared as a placeholder, after checking that it is
// an RFC 3339 UTC time within a minute of now. Baton's own addition to the
// format: expectedError, a text the action's error must contain (a bad
// parameter is refused, not written).
//
// Each script runs with useOpenLibs false and true. Also checked: every file
// under actions/testdata is used, every action directory has a test, every
// discovered action has a directory, and the action.lua files of one name
// are byte-identical across the kinds of a group.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// ArgoCD's ResourceActionParam and ResourceAction, as JSON.
type resourceActionParam struct {
	Name    string `json:"name,omitempty"`
	Value   string `json:"value,omitempty"`
	Type    string `json:"type,omitempty"`
	Default string `json:"default,omitempty"`
}

type resourceAction struct {
	Name        string                `json:"name,omitempty"`
	Params      []resourceActionParam `json:"params,omitempty"`
	Disabled    bool                  `json:"disabled,omitempty"`
	IconClass   string                `json:"iconClass,omitempty"`
	DisplayName string                `json:"displayName,omitempty"`
}

type discoveryTest struct {
	InputPath string           `json:"inputPath"`
	Result    []resourceAction `json:"result"`
}

type actionTest struct {
	Action             string            `json:"action"`
	InputPath          string            `json:"inputPath"`
	ExpectedOutputPath string            `json:"expectedOutputPath,omitempty"`
	Parameters         map[string]string `json:"parameters,omitempty"`
	ExpectedError      string            `json:"expectedError,omitempty"`
}

type actionTestFile struct {
	DiscoveryTests []discoveryTest `json:"discoveryTests"`
	ActionTests    []actionTest    `json:"actionTests"`
}

const restartAtPlaceholder = "0001-01-01T00:00:00Z"

// discover is ArgoCD's ExecuteResourceActionDiscovery for one script.
func discover(script string, obj map[string]any, openLibs bool) ([]resourceAction, error) {
	value, err := runLua(script, obj, openLibs, nil)
	if err != nil {
		return nil, err
	}
	if list, ok := value.([]any); ok && len(list) == 0 {
		return nil, nil // an empty table: no actions
	}
	byName, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("discovery returned %T, not a table of actions by name", value)
	}
	var actions []resourceAction
	for name, v := range byName {
		action := resourceAction{Name: name}
		if m, ok := v.(map[string]any); ok {
			if d, ok := m["disabled"].(bool); ok {
				action.Disabled = d
			}
			raw, _ := json.Marshal(m)
			if err := json.Unmarshal(raw, &action); err != nil {
				return nil, fmt.Errorf("action %s: %w", name, err)
			}
		}
		actions = append(actions, action)
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
	return actions, nil
}

// act is ArgoCD's ExecuteResourceAction for an old-style action (one that
// returns the changed object).
func act(script string, obj map[string]any, openLibs bool, params map[string]string) (map[string]any, error) {
	value, err := runLua(script, deepCopy(obj), openLibs, params)
	if err != nil {
		return nil, err
	}
	out, ok := value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("action returned %T, not the changed object", value)
	}
	return cleanReturnedObj(out, obj), nil
}

// cleanReturnedObj is ArgoCD's: an empty table comes back from Lua as an
// empty array; where the input had an object, keep the input's.
func cleanReturnedObj(out, in map[string]any) map[string]any {
	for key, old := range in {
		switch v := out[key].(type) {
		case map[string]any:
			if o, ok := old.(map[string]any); ok {
				out[key] = cleanReturnedObj(v, o)
			}
		case []any:
			switch o := old.(type) {
			case map[string]any:
				if len(v) == 0 {
					out[key] = o
				}
			case []any:
				for i := range v {
					if i >= len(o) {
						break
					}
					if vm, ok := v[i].(map[string]any); ok {
						if om, ok := o[i].(map[string]any); ok {
							v[i] = cleanReturnedObj(vm, om)
						}
					}
				}
			}
		}
	}
	return out
}

func deepCopy(obj map[string]any) map[string]any {
	raw, _ := json.Marshal(obj)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return out
}

func readObject(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil || len(obj) == 0 {
		return nil, fmt.Errorf("%s: not a resource: %v", path, err)
	}
	return deepCopy(obj), nil // numbers as JSON has them, like the Lua output
}

func rolloutField(obj map[string]any, name string) (any, bool) {
	spec, _ := obj["spec"].(map[string]any)
	rollout, _ := spec["rollout"].(map[string]any)
	v, ok := rollout[name]
	return v, ok
}

func setRolloutField(obj map[string]any, name string, value any) {
	spec, _ := obj["spec"].(map[string]any)
	if rollout, ok := spec["rollout"].(map[string]any); ok {
		rollout[name] = value
	}
}

// normalizeRestartAt checks a restartAt the action set and replaces it, in
// the output and the expected output, with a placeholder.
func normalizeRestartAt(in, out, expected map[string]any, now time.Time) error {
	got, ok := rolloutField(out, "restartAt")
	before, _ := rolloutField(in, "restartAt")
	if !ok || reflect.DeepEqual(got, before) {
		return nil
	}
	text, _ := got.(string)
	at, err := time.Parse("2006-01-02T15:04:05Z", text)
	if err != nil {
		return fmt.Errorf("spec.rollout.restartAt %v is not an RFC 3339 UTC time: %v", got, err)
	}
	if d := at.Sub(now); d < -time.Minute || d > time.Minute {
		return fmt.Errorf("spec.rollout.restartAt %s is not now (%s)", text, now.Format(time.RFC3339))
	}
	setRolloutField(out, "restartAt", restartAtPlaceholder)
	if _, ok := rolloutField(expected, "restartAt"); ok {
		setRolloutField(expected, "restartAt", restartAtPlaceholder)
	}
	return nil
}

// differences lists the paths where two JSON values differ.
func differences(path string, want, got any) []string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		var out []string
		for _, k := range names {
			out = append(out, differences(path+"."+k, wm[k], gm[k])...)
		}
		return out
	}
	if reflect.DeepEqual(want, got) {
		return nil
	}
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	return []string{fmt.Sprintf("%s: want %s, got %s", path, w, g)}
}

// runActions runs the action tests of one <group>/<Kind>/actions directory.
func (r *runner) runActions(dir string) {
	rel, _ := filepath.Rel(r.root, dir)
	k := &kindResult{name: filepath.ToSlash(rel), statuses: map[string]int{}}
	r.kinds = append(r.kinds, k)

	raw, err := os.ReadFile(filepath.Join(dir, "action_test.yaml"))
	if err != nil {
		r.fail(k, "%s: %v", k.name, err)
		return
	}
	var tests actionTestFile
	if err := yaml.UnmarshalStrict(raw, &tests); err != nil {
		r.fail(k, "%s/action_test.yaml: %v", k.name, err)
		return
	}
	if len(tests.DiscoveryTests) == 0 || len(tests.ActionTests) == 0 {
		r.fail(k, "%s/action_test.yaml: needs discoveryTests and actionTests", k.name)
		return
	}
	discovery, err := os.ReadFile(filepath.Join(dir, "discovery.lua"))
	if err != nil {
		r.fail(k, "%s: %v", k.name, err)
		return
	}

	used := map[string]bool{}
	discovered := map[string]bool{}
	for _, tc := range tests.DiscoveryTests {
		name := k.name + " discovery " + tc.InputPath
		used[filepath.Clean(tc.InputPath)] = true
		k.cases++
		k.statuses["discovery"]++
		obj, err := readObject(filepath.Join(dir, tc.InputPath))
		if err != nil {
			r.fail(k, "%s: %v", name, err)
			continue
		}
		want := append([]resourceAction(nil), tc.Result...)
		sort.Slice(want, func(i, j int) bool { return want[i].Name < want[j].Name })
		var problems []string
		for _, openLibs := range []bool{false, true} {
			got, err := discover(string(discovery), obj, openLibs)
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v: %v", openLibs, err))
			case !reflect.DeepEqual(want, got):
				w, _ := json.Marshal(want)
				g, _ := json.Marshal(got)
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v:\n       want %s\n       got  %s",
					openLibs, w, g))
			}
			for _, a := range got {
				discovered[a.Name] = true
			}
		}
		if len(problems) > 0 {
			r.fail(k, "%s: %s", name, strings.Join(problems, "\n     "))
			continue
		}
		var summary []string
		for _, a := range want {
			state := "enabled"
			if a.Disabled {
				state = "disabled"
			}
			summary = append(summary, a.Name+" "+state)
		}
		r.pass("%s: %s", name, strings.Join(summary, ", "))
	}

	tested := map[string]bool{}
	for _, tc := range tests.ActionTests {
		name := fmt.Sprintf("%s %s %s", k.name, tc.Action, tc.InputPath)
		used[filepath.Clean(tc.InputPath)] = true
		k.cases++
		k.statuses[tc.Action]++
		tested[tc.Action] = true
		script, err := os.ReadFile(filepath.Join(dir, tc.Action, "action.lua"))
		if err != nil {
			r.fail(k, "%s: %v", name, err)
			continue
		}
		in, err := readObject(filepath.Join(dir, tc.InputPath))
		if err != nil {
			r.fail(k, "%s: %v", name, err)
			continue
		}
		if (tc.ExpectedError == "") == (tc.ExpectedOutputPath == "") {
			r.fail(k, "%s: give expectedOutputPath or expectedError, one of them", name)
			continue
		}
		var want map[string]any
		if tc.ExpectedOutputPath != "" {
			used[filepath.Clean(tc.ExpectedOutputPath)] = true
			if want, err = readObject(filepath.Join(dir, tc.ExpectedOutputPath)); err != nil {
				r.fail(k, "%s: %v", name, err)
				continue
			}
		}
		var problems []string
		for _, openLibs := range []bool{false, true} {
			out, err := act(string(script), in, openLibs, tc.Parameters)
			if tc.ExpectedError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.ExpectedError) {
					problems = append(problems, fmt.Sprintf("useOpenLibs=%v: want an error with %q, got %v",
						openLibs, tc.ExpectedError, err))
				}
				continue
			}
			if err != nil {
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v: Lua error: %v", openLibs, err))
				continue
			}
			expected := deepCopy(want)
			if err := normalizeRestartAt(in, out, expected, time.Now().UTC()); err != nil {
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v: %v", openLibs, err))
				continue
			}
			if diff := differences("", expected, out); len(diff) > 0 {
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v: output differs from %s:\n       %s",
					openLibs, tc.ExpectedOutputPath, strings.Join(diff, "\n       ")))
			}
		}
		if len(problems) > 0 {
			r.fail(k, "%s: %s", name, strings.Join(problems, "\n     "))
			continue
		}
		if tc.ExpectedError != "" {
			r.pass("%s: refused (%s)", name, tc.ExpectedError)
		} else {
			r.pass("%s: as %s", name, tc.ExpectedOutputPath)
		}
	}

	// Every action directory is tested, and every discovered action has one.
	entries, _ := os.ReadDir(dir)
	var missing []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "testdata" && !tested[e.Name()] {
			missing = append(missing, e.Name()+" (no action test)")
		}
	}
	var names []string
	for a := range discovered {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		if _, err := os.Stat(filepath.Join(dir, a, "action.lua")); err != nil {
			missing = append(missing, a+" (discovered, no action.lua)")
		}
	}
	if len(missing) > 0 {
		r.fail(k, "%s: %s", k.name, strings.Join(missing, ", "))
	}

	unused := unusedTestdata(dir, used)
	if len(unused) > 0 {
		r.fail(k, "%s: testdata used by no case in action_test.yaml: %s", k.name, strings.Join(unused, ", "))
	}
}

// checkIdenticalActions checks that the action.lua files of one name are
// byte-identical across the kinds of a group, and so are the discovery.lua
// files of kinds that offer the same actions (RelayTier and BusinessTier):
// ArgoCD's layout wants a copy per kind, and copies drift.
func (r *runner) checkIdenticalActions(dirs []string) {
	byKey := map[string]map[string][]string{} // group/file -> content -> kinds
	var order []string
	add := func(key, kind string, content []byte) {
		if byKey[key] == nil {
			byKey[key] = map[string][]string{}
			order = append(order, key)
		}
		byKey[key][string(content)] = append(byKey[key][string(content)], kind)
	}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(r.root, dir)
		kindDir := filepath.Dir(rel)
		group, kind := filepath.ToSlash(filepath.Dir(kindDir)), filepath.Base(kindDir)
		entries, err := os.ReadDir(dir)
		if err != nil {
			r.fail(nil, "%s: %v", dir, err)
			continue
		}
		var actions []string
		for _, e := range entries {
			if !e.IsDir() || e.Name() == "testdata" {
				continue
			}
			content, err := os.ReadFile(filepath.Join(dir, e.Name(), "action.lua"))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				r.fail(nil, "%s: %v", filepath.Join(dir, e.Name(), "action.lua"), err)
				continue
			}
			actions = append(actions, e.Name())
			add(group+" "+e.Name()+"/action.lua", kind, content)
		}
		discovery, err := os.ReadFile(filepath.Join(dir, "discovery.lua"))
		if err != nil {
			r.fail(nil, "%s: %v", filepath.Join(dir, "discovery.lua"), err)
			continue
		}
		sort.Strings(actions)
		add(group+" discovery.lua offering "+strings.Join(actions, ","), kind, discovery)
	}
	for _, key := range order {
		variants := byKey[key]
		var kinds []string
		for _, ks := range variants {
			kinds = append(kinds, ks...)
		}
		sort.Strings(kinds)
		if len(variants) > 1 {
			r.fail(nil, "%s differs between kinds (%d versions among %s): copy one over the others",
				key, len(variants), strings.Join(kinds, ", "))
			continue
		}
		if len(kinds) > 1 {
			r.pass("%s byte-identical in %s", key, strings.Join(kinds, ", "))
		}
	}
}

// runAllActions runs every actions/ directory under the root.
func (r *runner) runAllActions() {
	var dirs []string
	_ = filepath.WalkDir(r.root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "discovery.lua" && filepath.Base(filepath.Dir(path)) == "actions" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return err
	})
	sort.Strings(dirs)
	for _, dir := range dirs {
		r.runActions(dir)
	}
	r.checkIdenticalActions(dirs)
}
