package protocol_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nsqgo/nsq/internal/protocol"
)

func TestClientErrKeepsCause(t *testing.T) {
	cause := fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF)
	var err error = protocol.NewFatalClientErr(cause, protocol.EBadBody, "PUB failed to read body")
	err = fmt.Errorf("command: %w", err)

	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	var ce *protocol.ClientErr
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "E_BAD_BODY PUB failed to read body", string(ce.Wire()))
	assert.Equal(t, "E_BAD_BODY PUB failed to read body - reading body: unexpected EOF", ce.LogText())
}

func TestClientErrLogTextDoesNotRepeatCause(t *testing.T) {
	cause := errors.New("exiting")
	ce := protocol.NewClientErr(cause, protocol.EPubFailed, "PUB failed "+cause.Error())
	assert.Equal(t, "E_PUB_FAILED PUB failed exiting", ce.LogText())
	assert.Equal(t, "E_INVALID bad", protocol.NewClientErr(nil, protocol.EInvalid, "bad").LogText())
}
