// Command checkimports enforces the module's import direction (the rules
// are listed on Check) over every package of the module in the current
// directory. It prints each bad edge
// and exits 1 if there is any.
//
// Usage (from the repository root):
//
//	go run ./scripts/checkimports
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

type listed struct {
	Package
	Error *struct{ Err string }
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "check-imports:", err)
		os.Exit(1)
	}
}

func run() error {
	module, err := goCmd("list", "-m")
	if err != nil {
		return err
	}
	module = strings.TrimSpace(module)
	out, err := goCmd("list", "-e",
		"-json=ImportPath,Name,Imports,TestImports,XTestImports,Error", "./...")
	if err != nil {
		return err
	}
	pkgs, err := decode(strings.NewReader(out))
	if err != nil {
		return err
	}
	violations := Check(module, pkgs)
	for _, v := range violations {
		fmt.Fprintln(os.Stderr, "check-imports:", v)
	}
	if len(violations) > 0 {
		return fmt.Errorf("%d violation(s) of the import rules", len(violations))
	}
	fmt.Printf("check-imports: %d packages, no bad edges\n", len(pkgs))
	return nil
}

// decode reads the stream of JSON objects `go list -json` prints. A package
// that failed to load makes the whole check fail: its imports are unknown.
func decode(r io.Reader) ([]Package, error) {
	var pkgs []Package
	var loadErrs []string
	dec := json.NewDecoder(r)
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go list output: %w", err)
		}
		if p.Error != nil {
			loadErrs = append(loadErrs, fmt.Sprintf("%s: %s", p.ImportPath, p.Error.Err))
			continue
		}
		pkgs = append(pkgs, p.Package)
	}
	if len(loadErrs) > 0 {
		return nil, fmt.Errorf("cannot check packages that do not load:\n  %s",
			strings.Join(loadErrs, "\n  "))
	}
	return pkgs, nil
}

func goCmd(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
