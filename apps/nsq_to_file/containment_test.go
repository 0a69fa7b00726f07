package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFilenameOutsideOutputDirRefused archives the topics ".." and "good"
// with <TOPIC> as a directory of the file name: ".." would put its file
// beside --output-dir, so that topic is refused with an error while "good"
// is archived as usual.
func TestFilenameOutsideOutputDirRefused(t *testing.T) {
	d := startDaemons(t, false)
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	require.NoError(t, os.Mkdir(out, 0o755))
	p := startProgram(t, "--nsqd-tcp-address="+d.nsqdTCP, "--topic=..", "--topic=good", "--output-dir="+out,
		"--filename-format=<TOPIC>/escaped.<HOST>.<DATETIME>.log", "--host-identifier=h", "--datetime-format=%Y",
		"--sync-interval=20ms")
	d.publish(t, "..", "secret")
	d.publish(t, "good", "fine")
	test.Eventually(t, waitFor, func() bool { return d.drained(t, "good", "nsq_to_file", 1) }, "good archived")
	test.Eventually(t, waitFor, func() bool {
		return strings.Contains(p.stderr.String(), `file name "../escaped.h.`+year()+`.log" from --filename-format is outside --output-dir`)
	}, "topic .. refused with an error")
	assert.Equal(t, []string{"out/good/escaped.h." + year() + ".log"}, files(t, parent))
	assert.Equal(t, "fine\n", content(t, filepath.Join(out, "good", "escaped.h."+year()+".log")))
	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM))
}

func TestCheckContained(t *testing.T) {
	for name, ok := range map[string]bool{
		"a.log": true, "t/a.log": true, "/abs/a.log": true, "t/../a.log": true,
		"../a.log": false, "t/../../a.log": false, "..": false, "/../a.log": false,
	} {
		err := checkContained(name)
		assert.Equal(t, ok, err == nil, "%s: %v", name, err)
	}
	opts := &Options{FilenameFormat: "<TOPIC>/<HOST>.log", DatetimeFormat: "%Y"}
	_, err := filenameFormat(opts, "..", "h", 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `topic "..": file name "../h.log"`)
	got, err := filenameFormat(opts, "x..", "h", 1)
	require.NoError(t, err)
	assert.Equal(t, "x../h.log", got)
}
