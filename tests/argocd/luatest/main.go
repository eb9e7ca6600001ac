// luatest runs the ArgoCD health checks of resource_customizations/<group>/
// <Kind>/health.lua against their health_test.yaml cases (ArgoCD's own
// layout and format) the way ArgoCD runs them (util/lua/lua.go), in
// gopher-lua, ArgoCD's Lua VM:
//
//   - a state made with SkipOpenLibs (useOpenLibs false, the default for a
//     script from argocd-cm), then only the package, base and table libraries
//     opened, and ArgoCD's safe os (time and date, through require("os"));
//   - the resource as the global `obj`, converted value by value as ArgoCD's
//     decodeValue does (objects to tables, arrays to sequences, numbers to Lua
//     numbers);
//   - a 1 s deadline;
//   - the returned table read through JSON into {status, message}; a status
//     ArgoCD does not know becomes Unknown "Lua returned an invalid health
//     status", as in ArgoCD.
//
// Each case runs a second time with every library open (useOpenLibs true, as
// ArgoCD runs its built-in scripts and its own tests). Both runs must return
// the expected status and message exactly.
//
// Also checked: the health.lua files of one API group are byte-identical
// (Baton's three kinds share one script, and ArgoCD wants a file per kind);
// every file under a kind's testdata/ is used by a case; with -require, every
// kind's cases cover each listed status.
//
//	luatest [-require Healthy,Progressing,Suspended,Degraded] RESOURCE_CUSTOMIZATIONS_DIR
//
// Resource actions (<Kind>/actions/: discovery.lua, <name>/action.lua,
// action_test.yaml, testdata/) are run too: actions.go says how.
//
// Prints one line per case and per check, a summary, and exits 1 on any
// mismatch, Lua error or failed check.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

type healthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

func (h healthStatus) String() string { return fmt.Sprintf("%s %q", h.Status, h.Message) }

// health_test.yaml, as ArgoCD's util/lua/health_test.go reads it.
type testCase struct {
	HealthStatus healthStatus `json:"healthStatus"`
	InputPath    string       `json:"inputPath"`
}

type testFile struct {
	Tests []testCase `json:"tests"`
}

// ArgoCD's isValidHealthStatusCode.
var validStatuses = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true,
	"Degraded": true, "Missing": true,
}

const invalidHealthStatus = "Lua returned an invalid health status"

// ArgoCD's safe os library exposes only time and date, its copies of
// gopher-lua's own functions; these are gopher-lua's.
var safeOsFuncs = func() map[string]lua.LGFunction {
	l := lua.NewState()
	defer l.Close()
	osLib := l.GetGlobal(lua.OsLibName).(*lua.LTable)
	funcs := map[string]lua.LGFunction{}
	for _, name := range []string{"time", "date"} {
		funcs[name] = osLib.RawGetString(name).(*lua.LFunction).GFunction
	}
	return funcs
}()

// As ArgoCD's OpenSafeOs, which registers the functions under the table
// library's name; gopher-lua's RegisterModule leaves an existing module as it
// is, so this adds nothing: without open libraries there is no global `os` ...
func openSafeOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.TabLibName, safeOsFuncs))
	return 1
}

// ... and its SafeOsLoader, preloaded so that require("os") works.
func safeOsLoader(l *lua.LState) int {
	l.Push(l.SetFuncs(l.NewTable(), safeOsFuncs))
	return 1
}

// decodeValue converts a decoded JSON/YAML value as ArgoCD's decodeValue does.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(decodeValue(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return t
	}
	return lua.LNil
}

// toJSONValue mirrors the Lua-to-JSON encoding ArgoCD applies to the returned
// table (layeh.com/gopher-json): a table with string keys is an object, one
// with keys 1..n an array, an empty one an empty array.
func toJSONValue(v lua.LValue, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("nested table too deep")
	}
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return float64(v), nil
	case lua.LString:
		return string(v), nil
	case *lua.LTable:
		object := map[string]any{}
		var array []any
		keys, numeric, err := 0, 0, error(nil)
		v.ForEach(func(key, value lua.LValue) {
			if err != nil {
				return
			}
			keys++
			var item any
			if item, err = toJSONValue(value, depth+1); err != nil {
				return
			}
			switch k := key.(type) {
			case lua.LString:
				object[string(k)] = item
			case lua.LNumber:
				numeric++
			default:
				err = fmt.Errorf("cannot encode a table key of type %s to JSON", key.Type())
			}
		})
		if err != nil {
			return nil, err
		}
		if keys == 0 {
			return []any{}, nil
		}
		if numeric == 0 {
			return object, nil
		}
		if numeric != keys || v.MaxN() != keys {
			return nil, errors.New("cannot encode a table with mixed or sparse keys to JSON")
		}
		for i := 1; i <= keys; i++ {
			item, err := toJSONValue(v.RawGetInt(i), depth+1)
			if err != nil {
				return nil, err
			}
			array = append(array, item)
		}
		return array, nil
	}
	return nil, fmt.Errorf("cannot encode a %s to JSON", v.Type())
}

// runLua is ArgoCD's runLua: a state with its libraries, the resource as
// `obj`, the action's parameters (strings, by name) as `actionParams`, a 1 s
// deadline; it returns the script's value as JSON would carry it.
func runLua(script string, obj map[string]any, openLibs bool, params map[string]string) (any, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openSafeOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true},
			lua.LString(lib.name)); err != nil {
			return nil, fmt.Errorf("opening %s: %w", lib.name, err)
		}
	}
	l.PreloadModule(lua.OsLibName, safeOsLoader)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	actionParams := l.NewTable()
	for name, value := range params {
		actionParams.RawSetString(name, lua.LString(value))
	}
	l.SetGlobal("actionParams", actionParams)
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	ret := l.Get(-1)
	table, ok := ret.(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", ret.Type())
	}
	return toJSONValue(table, 0)
}

// runHealth is ArgoCD's runLua followed by ExecuteHealthLua.
func runHealth(script string, obj map[string]any, openLibs bool) (healthStatus, error) {
	value, err := runLua(script, obj, openLibs, nil)
	if err != nil {
		return healthStatus{}, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return healthStatus{}, err
	}
	var hs healthStatus
	if err := json.Unmarshal(raw, &hs); err != nil {
		return healthStatus{}, fmt.Errorf("returned table %s: %w", raw, err)
	}
	if !validStatuses[hs.Status] {
		return healthStatus{Status: "Unknown", Message: invalidHealthStatus}, nil
	}
	return hs, nil
}

type kindResult struct {
	name     string         // <group>/<Kind>
	cases    int            // cases that ran
	statuses map[string]int // expected status -> cases
	failed   bool
}

type runner struct {
	root           string
	require        []string
	passed, failed int
	kinds          []*kindResult
}

func (r *runner) pass(format string, args ...any) {
	r.passed++
	fmt.Printf("ok   "+format+"\n", args...)
}

func (r *runner) fail(k *kindResult, format string, args ...any) {
	r.failed++
	if k != nil {
		k.failed = true
	}
	fmt.Printf("FAIL "+format+"\n", args...)
}

// runKind runs the cases of one <group>/<Kind> directory.
func (r *runner) runKind(dir string) {
	rel, _ := filepath.Rel(r.root, dir)
	k := &kindResult{name: filepath.ToSlash(rel), statuses: map[string]int{}}
	r.kinds = append(r.kinds, k)

	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		r.fail(k, "%s: %v", k.name, err)
		return
	}
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		r.fail(k, "%s: every health.lua needs a health_test.yaml: %v", k.name, err)
		return
	}
	var tests testFile
	if err := yaml.UnmarshalStrict(raw, &tests); err != nil {
		r.fail(k, "%s/health_test.yaml: %v", k.name, err)
		return
	}
	if len(tests.Tests) == 0 {
		r.fail(k, "%s/health_test.yaml: no tests", k.name)
		return
	}

	used := map[string]bool{}
	for _, tc := range tests.Tests {
		name := k.name + " " + tc.InputPath
		used[filepath.Clean(tc.InputPath)] = true
		k.cases++
		k.statuses[tc.HealthStatus.Status]++
		input, err := os.ReadFile(filepath.Join(dir, tc.InputPath))
		if err != nil {
			r.fail(k, "%s: %v", name, err)
			continue
		}
		obj := map[string]any{}
		if err := yaml.Unmarshal(input, &obj); err != nil || len(obj) == 0 {
			r.fail(k, "%s: not a resource: %v", name, err)
			continue
		}
		var problems []string
		var got healthStatus
		for _, openLibs := range []bool{false, true} {
			hs, err := runHealth(string(script), obj, openLibs)
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v: Lua error: %s", openLibs,
					strings.ReplaceAll(err.Error(), "\n", "\n       ")))
			case hs != tc.HealthStatus:
				problems = append(problems, fmt.Sprintf("useOpenLibs=%v:\n       want %s\n       got  %s",
					openLibs, tc.HealthStatus, hs))
			}
			got = hs
		}
		if len(problems) > 0 {
			r.fail(k, "%s: %s", name, strings.Join(problems, "\n     "))
			continue
		}
		r.pass("%s: %s", name, got)
	}

	// Every testdata file is a case: nothing captured or derived is left unchecked.
	unused := unusedTestdata(dir, used)
	if len(unused) > 0 {
		r.fail(k, "%s: testdata used by no case in health_test.yaml: %s", k.name, strings.Join(unused, ", "))
	}

	var missing []string
	for _, s := range r.require {
		if k.statuses[s] == 0 {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		r.fail(k, "%s: no case expects %s", k.name, strings.Join(missing, ", "))
	}
}

// checkIdentical checks that the health.lua files of each API group are
// byte-identical.
func (r *runner) checkIdentical(dirs []string) {
	groups := map[string][]string{}
	var order []string
	for _, dir := range dirs {
		rel, _ := filepath.Rel(r.root, dir)
		group := filepath.ToSlash(filepath.Dir(rel))
		if _, ok := groups[group]; !ok {
			order = append(order, group)
		}
		groups[group] = append(groups[group], dir)
	}
	for _, group := range order {
		members := groups[group]
		if len(members) < 2 {
			continue
		}
		var kinds []string
		var variants []string              // distinct contents, in order of first appearance
		byContent := map[string][]string{} // content -> kinds
		for _, dir := range members {
			kind := filepath.Base(dir)
			kinds = append(kinds, kind)
			content, err := os.ReadFile(filepath.Join(dir, "health.lua"))
			key := string(content)
			if err != nil {
				key = "unreadable: " + err.Error()
			}
			if _, ok := byContent[key]; !ok {
				variants = append(variants, key)
			}
			byContent[key] = append(byContent[key], kind)
		}
		if len(variants) > 1 {
			var sets []string
			for _, v := range variants {
				sets = append(sets, "{"+strings.Join(byContent[v], ", ")+"}")
			}
			r.fail(nil, "%s: health.lua differs between kinds: %s are %d different scripts; "+
				"the kinds share one script: copy the source over the others",
				group, strings.Join(sets, " "), len(variants))
			continue
		}
		r.pass("%s: health.lua byte-identical in %s", group, strings.Join(kinds, ", "))
	}
}

func main() {
	require := flag.String("require", "", "comma-separated statuses each kind's cases must cover")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: luatest [-require S1,S2,...] RESOURCE_CUSTOMIZATIONS_DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	r := &runner{root: filepath.Clean(flag.Arg(0))}
	if *require != "" {
		r.require = strings.Split(*require, ",")
	}

	var dirs []string
	err := filepath.WalkDir(r.root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "health.lua" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if len(dirs) == 0 {
		fmt.Fprintln(os.Stderr, "error: no health.lua under", r.root)
		os.Exit(1)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		r.runKind(dir)
	}
	r.checkIdentical(dirs)
	r.runAllActions()

	fmt.Println("summary (each case run with useOpenLibs false and true):")
	for _, k := range r.kinds {
		var counts []string
		var names []string
		for s := range k.statuses {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			counts = append(counts, fmt.Sprintf("%s %d", s, k.statuses[s]))
		}
		verdict := "ok"
		if k.failed {
			verdict = "FAILED"
		}
		fmt.Printf("  %-24s %2d cases (%s): %s\n", k.name, k.cases, strings.Join(counts, ", "), verdict)
	}
	fmt.Printf("%d passed, %d failed\n", r.passed, r.failed)
	if r.failed > 0 {
		os.Exit(1)
	}
}

// unusedTestdata lists the files under dir/testdata (relative to dir) that no
// case named: every testdata file must be a case, so that nothing captured
// or derived is left unchecked.
func unusedTestdata(dir string, used map[string]bool) []string {
	var unused []string
	_ = filepath.WalkDir(filepath.Join(dir, "testdata"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			p, _ := filepath.Rel(dir, path)
			if !used[filepath.Clean(p)] {
				unused = append(unused, filepath.ToSlash(p))
			}
		}
		return nil
	})
	return unused
}
