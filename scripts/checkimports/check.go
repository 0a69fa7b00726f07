package main

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Package is the part of `go list` output the checker needs.
type Package struct {
	ImportPath   string
	Name         string
	Imports      []string // non-test imports
	TestImports  []string // imports of in-package _test.go files
	XTestImports []string // imports of external _test.go files
}

// Violation is one broken rule: a bad import edge, or a bad package name
// (then To is empty).
type Violation struct {
	From, To string
	Reason   string
}

func (v Violation) String() string {
	if v.To == "" {
		return fmt.Sprintf("bad package name: %s: %s", v.From, v.Reason)
	}
	return fmt.Sprintf("bad edge: %s -> %s: %s", v.From, v.To, v.Reason)
}

// kind is the layer a package of the module belongs to.
type kind int

const (
	kindOther       kind = iota
	kindLeaf             // cmd/..., apps/..., bench/...
	kindDaemon           // nsqd/..., nsqlookupd/..., nsqadmin/...
	kindInternal         // internal/...
	kindTestSupport      // testcluster/..., deploy/...
)

var daemons = []string{"nsqd", "nsqlookupd", "nsqadmin"}

var leafRoots = []string{"cmd", "apps", "bench"}

// testSupport are the roots of packages that exist for tests only, with
// what they do: testcluster starts daemons, deploy reads the deployment
// files (and would put a YAML parser in any binary that imported it).
var testSupport = map[string]string{
	"testcluster": "starts daemons for tests",
	"deploy":      "reads the deployment files for tests",
}

// bannedNames are package names that say nothing about what a package does.
var bannedNames = []string{"util", "utils", "common", "helper", "helpers"}

// pos locates an import path inside the module: its layer and its unit, the
// subtree that may import itself freely (e.g. "cmd/nsqd", "nsqadmin",
// "internal/protocol").
type pos struct {
	kind kind
	unit string
}

func locate(module, importPath string) (pos, bool) {
	var rel string
	switch {
	case importPath == module:
		return pos{kindOther, ""}, true
	case strings.HasPrefix(importPath, module+"/"):
		rel = strings.TrimPrefix(importPath, module+"/")
	default:
		return pos{}, false // standard library or another module
	}
	parts := strings.Split(rel, "/")
	top := parts[0]
	switch {
	case slices.Contains(leafRoots, top):
		if len(parts) > 1 {
			return pos{kindLeaf, top + "/" + parts[1]}, true
		}
		return pos{kindLeaf, top}, true
	case slices.Contains(daemons, top):
		return pos{kindDaemon, top}, true
	case top == "internal":
		return pos{kindInternal, "internal"}, true
	case testSupport[top] != "":
		return pos{kindTestSupport, top}, true
	}
	return pos{kindOther, top}, true
}

// Check applies the module's import rules to pkgs, all of which belong
// to module:
//
//   - cmd/..., apps/... and bench/... are leaves: nothing outside a tool's
//     own folder imports it, test files included;
//   - a daemon package (nsqd, nsqlookupd, nsqadmin) imports, from this
//     module, only internal/... and its own folder; its test files may import
//     the other daemons to run a cluster;
//   - internal/... imports, from this module, only internal/...;
//   - testcluster/... may import the daemons and internal/..., and only
//     _test.go files may import it; the same for deploy/...;
//   - no package is called util, common, helpers or the like.
func Check(module string, pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		from, ok := locate(module, p.ImportPath)
		if !ok {
			continue
		}
		out = append(out, checkName(p)...)
		for _, imp := range p.Imports {
			if v, bad := checkEdge(module, p.ImportPath, from, imp, false); bad {
				out = append(out, v)
			}
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if v, bad := checkEdge(module, p.ImportPath, from, imp, true); bad {
				out = append(out, v)
			}
		}
	}
	return dedupe(out)
}

func checkName(p Package) []Violation {
	var out []Violation
	base := path.Base(p.ImportPath)
	if slices.Contains(bannedNames, p.Name) {
		out = append(out, Violation{From: p.ImportPath,
			Reason: fmt.Sprintf("package name %q is not allowed: name it after what it does", p.Name)})
	} else if slices.Contains(bannedNames, base) {
		out = append(out, Violation{From: p.ImportPath,
			Reason: fmt.Sprintf("directory name %q is not allowed: name it after what it does", base)})
	}
	return out
}

// checkEdge judges one import edge. testOnly is set for imports that come
// from _test.go files only.
func checkEdge(module, fromPath string, from pos, imp string, testOnly bool) (Violation, bool) {
	to, ok := locate(module, imp)
	if !ok || to.unit == from.unit {
		return Violation{}, false
	}
	bad := func(reason string) (Violation, bool) {
		if testOnly {
			reason += " (from a _test.go file)"
		}
		return Violation{From: fromPath, To: imp, Reason: reason}, true
	}
	if to.kind == kindLeaf {
		return bad(to.unit + " is a leaf (cmd/, apps/, bench/): nothing may import it")
	}
	if testOnly {
		return Violation{}, false
	}
	if to.kind == kindTestSupport {
		return bad(to.unit + " " + testSupport[to.unit] + ": only _test.go files may import it")
	}
	switch from.kind {
	case kindDaemon:
		if to.kind == kindDaemon {
			return bad("daemon packages never import each other (only their _test.go files may)")
		}
		if to.kind != kindInternal {
			return bad("a daemon package imports only internal/... from this module")
		}
	case kindInternal:
		if to.kind == kindDaemon {
			return bad("internal/... never imports a daemon package")
		}
		if to.kind != kindInternal {
			return bad("internal/... imports only internal/... from this module")
		}
	}
	return Violation{}, false
}

func dedupe(vs []Violation) []Violation {
	seen := make(map[Violation]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
