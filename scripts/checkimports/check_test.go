package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mod = "example.com/nsq"

func pkg(path, name string, imports ...string) Package {
	return Package{ImportPath: mod + "/" + path, Name: name, Imports: prefixed(imports)}
}

func prefixed(paths []string) []string {
	var out []string
	for _, p := range paths {
		if strings.Contains(p, ".") || !strings.Contains(p, "/") && isStd(p) {
			out = append(out, p)
			continue
		}
		out = append(out, mod+"/"+p)
	}
	return out
}

func isStd(p string) bool { return p == "fmt" || p == "net" || p == "os" }

func TestCheckAllowed(t *testing.T) {
	pkgs := []Package{
		pkg("cmd/nsqd", "main", "nsqd", "internal/config", "cmd/nsqd/flags", "fmt"),
		pkg("cmd/nsqd/flags", "flags", "internal/config"),
		pkg("apps/nsq_tail", "main", "internal/clusterinfo", "github.com/nsqio/go-nsq"),
		pkg("bench/bench_writer", "main", "github.com/nsqio/go-nsq"),
		pkg("nsqd", "nsqd", "internal/protocol", "internal/diskqueue", "github.com/golang/snappy", "net"),
		pkg("nsqlookupd", "nsqlookupd", "internal/protocol"),
		pkg("nsqadmin", "nsqadmin", "internal/clusterinfo", "nsqadmin/ui"),
		pkg("nsqadmin/ui", "ui"),
		pkg("internal/clusterinfo", "clusterinfo", "internal/httpapi"),
		pkg("internal/httpapi", "httpapi", "fmt"),
		pkg("scripts/checkimports", "main", "os"),
		pkg("testcluster", "testcluster", "nsqd", "nsqlookupd", "internal/test"),
	}
	// Daemon tests may start the other daemons.
	pkgs[4].XTestImports = prefixed([]string{"nsqlookupd", "nsqd", "internal/test"})
	pkgs[6].TestImports = prefixed([]string{"nsqd", "nsqlookupd"})
	// Any test may use testcluster.
	pkgs[2].TestImports = prefixed([]string{"testcluster"})
	pkgs[8].XTestImports = prefixed([]string{"testcluster"})
	// and the deployment files.
	pkgs[0].TestImports = prefixed([]string{"deploy"})
	require.Empty(t, Check(mod, pkgs))
}

func TestCheckViolations(t *testing.T) {
	cases := []struct {
		name string
		pkg  Package
		to   string // bad edge target, "" for a naming violation
		want string // part of the reason
	}{
		{"daemon imports daemon", pkg("nsqd", "nsqd", "nsqlookupd"),
			"nsqlookupd", "never import each other"},
		{"daemon subpackage imports daemon", pkg("nsqadmin/ui", "ui", "nsqd"),
			"nsqd", "never import each other"},
		{"daemon imports cmd", pkg("nsqd", "nsqd", "cmd/nsqd"),
			"cmd/nsqd", "leaf"},
		{"daemon imports scripts", pkg("nsqd", "nsqd", "scripts/checkimports"),
			"scripts/checkimports", "only internal"},
		{"internal imports daemon", pkg("internal/clusterinfo", "clusterinfo", "nsqd"),
			"nsqd", "never imports a daemon"},
		{"internal imports app", pkg("internal/test", "test", "apps/nsq_tail"),
			"apps/nsq_tail", "leaf"},
		{"app imports other app", pkg("apps/nsq_to_nsq", "main", "apps/nsq_tail"),
			"apps/nsq_tail", "leaf"},
		{"bench imports cmd", pkg("bench/bench_reader", "main", "cmd/nsqd/flags"),
			"cmd/nsqd/flags", "leaf"},
		{"app imports testcluster", pkg("apps/nsq_tail", "main", "testcluster"),
			"testcluster", "only _test.go files"},
		{"internal imports testcluster", pkg("internal/clusterinfo", "clusterinfo", "testcluster"),
			"testcluster", "only _test.go files"},
		{"daemon imports deploy", pkg("nsqd", "nsqd", "deploy"),
			"deploy", "only _test.go files"},
		{"cmd imports deploy", pkg("cmd/nsqd", "main", "deploy"),
			"deploy", "deployment files"},
		{"package named util", pkg("internal/util", "util"), "", `"util"`},
		{"package named common", pkg("nsqd/common", "common"), "", `"common"`},
		{"directory named helpers", pkg("internal/helpers", "help"), "", `"helpers"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := Check(mod, []Package{tc.pkg})
			require.Len(t, vs, 1)
			v := vs[0]
			wantTo := ""
			if tc.to != "" {
				wantTo = mod + "/" + tc.to
			}
			assert.Equal(t, tc.pkg.ImportPath, v.From, "edge")
			assert.Equal(t, wantTo, v.To, "edge")
			assert.Contains(t, v.Reason, tc.want, "reason %q does not mention %q", v.Reason, tc.want)
			assert.Contains(t, v.String(), tc.pkg.ImportPath, "message %q does not name the package", v.String())
		})
	}
}

func TestCheckTestImports(t *testing.T) {
	p := pkg("nsqd", "nsqd")
	p.XTestImports = prefixed([]string{"cmd/nsqd"})
	vs := Check(mod, []Package{p})
	require.Len(t, vs, 1)
	require.Contains(t, vs[0].Reason, "_test.go")

	// Internal test files are not held to the daemon rule.
	q := pkg("internal/clusterinfo", "clusterinfo")
	q.XTestImports = prefixed([]string{"nsqd", "nsqlookupd"})
	require.Empty(t, Check(mod, []Package{q}))
}

func TestCheckIgnoresOtherModules(t *testing.T) {
	p := Package{ImportPath: "example.org/other/util", Name: "util",
		Imports: []string{mod + "/cmd/nsqd"}}
	require.Empty(t, Check(mod, []Package{p}))
}

func TestDecodeFailsOnLoadError(t *testing.T) {
	in := `{"ImportPath": "example.com/nsq/nsqd", "Name": "nsqd", "Imports": ["fmt"]}
{"ImportPath": "example.com/nsq/broken", "Error": {"Err": "syntax error"}}`
	_, err := decode(strings.NewReader(in))
	require.ErrorContains(t, err, "broken")
	pkgs, err := decode(strings.NewReader(in[:strings.Index(in, "\n")]))
	require.NoError(t, err)
	require.Len(t, pkgs, 1)
	require.Equal(t, "nsqd", pkgs[0].Name)
}
