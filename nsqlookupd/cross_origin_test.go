package nsqlookupd_test

import (
	"net/http"
	"testing"

	"github.com/nsqgo/nsq/internal/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHTTPRefusesCrossOriginWrites: a page of another site cannot create,
// delete or tombstone anything through a browser; curl-like clients and
// same-origin requests still can.
func TestHTTPRefusesCrossOriginWrites(t *testing.T) {
	t.Parallel()
	l := start(t)
	l.post(t, "/channel/create?topic=kept&channel=c")
	for _, path := range []string{
		"/topic/create?topic=new", "/channel/create?topic=new&channel=x",
		"/channel/delete?topic=kept&channel=c", "/topic/delete?topic=kept",
		"/topic/tombstone?topic=kept&node=h:1",
	} {
		r := test.HTTPSend(t, "POST", l.url+path, []byte(`{"x":1}`), test.CrossSite())
		assert.Equal(t, http.StatusForbidden, r.Code, path)
		assert.JSONEq(t, `{"message":"CROSS_ORIGIN_REQUEST"}`, string(r.Body), path)
	}
	// Every refusal has been answered: nothing changed.
	require.EqualValues(t, `{"topics":["kept"]}`, l.get(t, "/topics"))
	require.EqualValues(t, `{"channels":["c"]}`, l.get(t, "/channels?topic=kept"))

	r := test.HTTPSend(t, "POST", l.url+"/topic/create?topic=curl", nil)
	assert.Equal(t, http.StatusOK, r.Code, r.String())
	r = test.HTTPSend(t, "POST", l.url+"/topic/create?topic=page", []byte("x"), test.SameOrigin())
	assert.Equal(t, http.StatusOK, r.Code, r.String())
	require.EqualValues(t, `{"topics":["curl","kept","page"]}`, l.get(t, "/topics"))
}
