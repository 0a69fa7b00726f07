package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// absentDocument matches a citation of a document that is not part of the
// repository: formats and rules are explained where they are used, or in a
// file under docs/.
var absentDocument = regexp.MustCompile(`§|DESIGN\.md|spec\.md|nsqd\.md|lookupd-admin-apps\.md`)

// citationExts are the kinds of files whose text is checked.
var citationExts = map[string]bool{".go": true, ".sh": true, ".js": true, ".md": true, ".html": true}

func TestNoCitationOfAbsentDocuments(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "build", ".run":
				return filepath.SkipDir
			}
			return nil
		}
		if !citationExts[filepath.Ext(path)] || strings.HasSuffix(path, "citations_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if absentDocument.MatchString(line) {
				rel, _ := filepath.Rel(root, path)
				found = append(found, fmt.Sprintf("%s:%d: %s", rel, i+1, strings.TrimSpace(line)))
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, found, "citations of documents that are not in the repository")
}
