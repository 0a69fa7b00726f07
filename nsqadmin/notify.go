package nsqadmin

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/nsqgo/nsq/internal/httpapi"
	"github.com/nsqgo/nsq/internal/lg"
)

// notificationQueueSize bounds the actions waiting for delivery; when it
// is full, further actions are logged and dropped.
const notificationQueueSize = 256

// adminAction is the JSON body POSTed to --notification-http-endpoint.
type adminAction struct {
	Action    string `json:"action"`
	Topic     string `json:"topic"`
	Channel   string `json:"channel,omitempty"`
	Node      string `json:"node,omitempty"`
	Timestamp int64  `json:"timestamp"`
	User      string `json:"user,omitempty"`
	RemoteIP  string `json:"remote_ip"`
	UserAgent string `json:"user_agent"`
	URL       string `json:"url"`
	Via       string `json:"via"`
}

// notifier delivers admin actions one at a time from its own goroutine,
// so a slow or dead endpoint never holds up a request.
type notifier struct {
	endpoint string
	client   *httpapi.Client
	queue    chan *adminAction
	via      string
	logf     lg.AppLogFunc
}

// newNotifier posts with client, nsqadmin's one outbound HTTP client.
func newNotifier(o *Options, client *httpapi.Client, logf lg.AppLogFunc) *notifier {
	hostname, _ := os.Hostname()
	return &notifier{
		endpoint: o.NotificationHTTPEndpoint,
		client:   client,
		queue:    make(chan *adminAction, notificationQueueSize),
		via:      hostname,
		logf:     logf,
	}
}

func (nt *notifier) enabled() bool { return nt.endpoint != "" }

// enqueue never blocks.
func (nt *notifier) enqueue(a *adminAction) {
	select {
	case nt.queue <- a:
	default:
		nt.logf(lg.WARN, "notification queue full, dropping %s of topic(%s)", a.Action, a.Topic)
	}
}

// run delivers queued actions until exit is closed, then delivers what is
// still queued (giving up at the first failure, so a dead endpoint cannot
// hold up shutdown) and returns.
func (nt *notifier) run(exit <-chan struct{}) {
	for {
		select {
		case a := <-nt.queue:
			nt.post(a)
		case <-exit:
			nt.drain()
			return
		}
	}
}

func (nt *notifier) drain() {
	for {
		select {
		case a := <-nt.queue:
			if !nt.post(a) {
				return
			}
		default:
			return
		}
	}
}

// post sends one action and reports whether it got an answer; failures
// are logged, the response status is ignored.
func (nt *notifier) post(a *adminAction) bool {
	body, err := json.Marshal(a)
	if err != nil {
		nt.logf(lg.ERROR, "failed to encode notification - %s", err)
		return true
	}
	_, err = nt.client.Fetch(http.MethodPost, nt.endpoint, body, "application/json")
	var answered *httpapi.StatusError
	if err != nil && !errors.As(err, &answered) {
		nt.logf(lg.ERROR, "failed to send notification %s - %s", a.Action, err)
		return false
	}
	return true
}

// notify queues the notification of an admin action made by req.
func (n *NSQAdmin) notify(req *http.Request, action, topic, channel, node string) {
	if !n.notifier.enabled() {
		return
	}
	scheme := "http"
	if req.TLS != nil || req.Header.Get("X-Scheme") == "https" {
		scheme = "https"
	}
	user, _, _ := req.BasicAuth()
	n.notifier.enqueue(&adminAction{
		Action:    action,
		Topic:     topic,
		Channel:   channel,
		Node:      node,
		Timestamp: time.Now().Unix(),
		User:      user,
		RemoteIP:  req.RemoteAddr,
		UserAgent: req.UserAgent(),
		URL:       scheme + "://" + req.Host + req.URL.RequestURI(),
		Via:       n.notifier.via,
	})
}
