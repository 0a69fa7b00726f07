package protocol

import "strings"

// ClientErr is an error whose Code and Desc go on the wire as
// "<Code> <Desc>". Fatal ones close the connection after the frame is sent.
type ClientErr struct {
	Err   error // internal cause, for the log only
	Code  string
	Desc  string
	Fatal bool
}

// Error implements error.
func (e *ClientErr) Error() string {
	if e.Desc == "" {
		return e.Code
	}
	return e.Code + " " + e.Desc
}

// Unwrap exposes the internal cause, so errors.Is and errors.As see
// through a ClientErr to what caused it.
func (e *ClientErr) Unwrap() error { return e.Err }

// LogText is the wire text followed by " - <cause>", unless there is no
// cause or the wire text already carries it.
func (e *ClientErr) LogText() string {
	msg := e.Error()
	if e.Err != nil && !strings.Contains(msg, e.Err.Error()) {
		msg += " - " + e.Err.Error()
	}
	return msg
}

// Wire returns the bytes of the error frame's data.
func (e *ClientErr) Wire() []byte { return []byte(e.Error()) }

// NewFatalClientErr builds an error that closes the connection.
func NewFatalClientErr(err error, code, desc string) *ClientErr {
	return &ClientErr{Err: err, Code: code, Desc: desc, Fatal: true}
}

// NewClientErr builds an error after which the connection continues.
func NewClientErr(err error, code, desc string) *ClientErr {
	return &ClientErr{Err: err, Code: code, Desc: desc}
}

// Wire error codes.
const (
	EBadProtocol    = "E_BAD_PROTOCOL"
	EInvalid        = "E_INVALID"
	EBadBody        = "E_BAD_BODY"
	EBadTopic       = "E_BAD_TOPIC"
	EBadChannel     = "E_BAD_CHANNEL"
	EBadMessage     = "E_BAD_MESSAGE"
	EPubFailed      = "E_PUB_FAILED"
	EMPubFailed     = "E_MPUB_FAILED"
	EDPubFailed     = "E_DPUB_FAILED"
	EFinFailed      = "E_FIN_FAILED"
	EReqFailed      = "E_REQ_FAILED"
	ETouchFailed    = "E_TOUCH_FAILED"
	ESubFailed      = "E_SUB_FAILED"
	EIdentifyFailed = "E_IDENTIFY_FAILED"
	EAuthDisabled   = "E_AUTH_DISABLED"
	EAuthFailed     = "E_AUTH_FAILED"
	EAuthFirst      = "E_AUTH_FIRST"
	EAuthError      = "E_AUTH_ERROR"
	EUnauthorized   = "E_UNAUTHORIZED"
)
