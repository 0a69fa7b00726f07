package nsqd_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/nsqgo/nsq/nsqd"
	"github.com/stretchr/testify/require"
)

// dirNames lists the names in dir, leaving out the temporary file of a
// metadata write in progress.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "nsqd.dat.") || !strings.HasSuffix(e.Name(), ".tmp") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestIdleQueuesWriteNoFiles: topics and channels that hold nothing leave
// only the metadata file in the data directory while nsqd runs. The
// deferred-message journal of a channel appears with its first deferred
// message, and only with --mem-queue-size=0, which journals as it goes.
func TestIdleQueuesWriteNoFiles(t *testing.T) {
	t.Parallel()
	for _, memQueue := range []int64{10000, 0} {
		t.Run(fmt.Sprintf("mem-queue-size=%d", memQueue), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			n := startNSQD(t, func(o *nsqd.Options) { o.DataPath = dir; o.MemQueueSize = memQueue })
			for i := range 3 {
				topic := fmt.Sprintf("idle%d", i)
				mustHTTPPost(t, n, "/topic/create", url.Values{"topic": {topic}})
				for _, ch := range []string{"a", "b"} {
					mustHTTPPost(t, n, "/channel/create", url.Values{"topic": {topic}, "channel": {ch}})
				}
			}
			waitForFile(t, filepath.Join(dir, "nsqd.dat"), `"idle2"`)
			waitForFile(t, filepath.Join(dir, "nsqd.dat"), `"b"`)
			require.Equal(t, []string{"nsqd.dat"}, dirNames(t, dir))

			p := mustConnect(t, n)
			defer p.Close()
			p.CmdBody("DPUB idle0 60000", []byte("later"))
			p.ExpectOK(t)
			mustChannelStatsEventually(t, n, "idle0", "a", func(s channelStatsDoc) bool { return s.DeferredCount == 1 })
			journal := filepath.Join(dir, "idle0:a.deferred.dat")
			if memQueue == 0 {
				test.Eventually(t, 5*time.Second, func() bool { _, err := os.Stat(journal); return err == nil },
					"the channel's journal appears")
			} else {
				require.NoFileExists(t, journal)
			}
			require.NoFileExists(t, filepath.Join(dir, "idle1:a.deferred.dat"))
		})
	}
}
