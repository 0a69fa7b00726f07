package nsqd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second IDENTIFY before the pump took the first one's settings replaces
// them instead of being dropped.
func TestNotifyPumpLatestSettingsWin(t *testing.T) {
	c := &clientV2{IdentifyEventChan: make(chan identifyEvent, 1)}
	c.notifyPump(identifyEvent{MsgTimeout: time.Second})
	c.notifyPump(identifyEvent{MsgTimeout: 2 * time.Second, IsZoneLocal: true})
	require.Len(t, c.IdentifyEventChan, 1)
	ev := <-c.IdentifyEventChan
	assert.Equal(t, 2*time.Second, ev.MsgTimeout)
	assert.True(t, ev.IsZoneLocal)
}
