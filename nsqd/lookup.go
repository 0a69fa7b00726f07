package nsqd

import (
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/nsqgo/nsq/internal/lg"
	"github.com/nsqgo/nsq/internal/version"
)

// lookupdPingInterval is how often every lookupd gets a PING.
const lookupdPingInterval = 15 * time.Second

// Notify tells the lookup loop that a topic or channel appeared or went
// away; when persist is set (durable ones) nsqd.dat is rewritten after.
// Nothing is sent while nsqd.dat is being loaded.
func (n *NSQD) Notify(v any, persist bool) {
	if _, ok := v.(*Channel); ok {
		n.channelsChanged.Store(true)
	}
	if n.isLoading.Load() {
		return
	}
	n.spawn(func() {
		select {
		case <-n.exitChan:
		case n.notifyChan <- v:
			if persist {
				n.requestPersist()
			}
		}
	})
}

// optionsChanged is called after /config changed the options.
func (n *NSQD) optionsChanged() {
	select {
	case n.optsChanged <- struct{}{}:
	default:
	}
}

// lookupLoop owns the lookupd peers: it connects them, forwards
// REGISTER/UNREGISTER for every notification, PINGs every 15 s, applies
// changes to the lookupd list, and reconnects a lost peer with
// exponential backoff (1 s doubling up to the ping interval).
func (n *NSQD) lookupLoop() {
	ticker := time.NewTicker(lookupdPingInterval)
	defer ticker.Stop()
	r := newRetrier()
	defer r.timer.Stop()
	peers := n.syncPeers(nil)
	for {
		r.arm(peers)
		var cmd *lookupCommand
		select {
		case <-ticker.C:
			cmd = &lookupCommand{name: "PING"}
		case v := <-n.notifyChan:
			cmd = registrationCommand(v)
		case <-n.optsChanged:
			peers = n.syncPeers(peers)
			continue
		case <-r.timer.C:
			r.armed = false
			n.reconnect(peers)
			continue
		case <-n.peerDown:
			for _, p := range peers {
				if p.connected && p.isDead() {
					n.logf(lg.WARN, "LOOKUPD(%s): connection lost", p.addr)
					p.close()
				}
			}
			continue
		case <-n.exitChan:
			for _, p := range peers {
				p.close()
			}
			return
		}
		n.sendAll(peers, cmd)
	}
}

func (n *NSQD) sendAll(peers []*lookupPeer, cmd *lookupCommand) {
	for _, p := range peers {
		if _, err := p.Command(cmd); err != nil {
			n.logf(lg.ERROR, "LOOKUPD(%s): %s - %s", p.addr, cmd, err)
		}
	}
}

// reconnect dials every disconnected peer (which then re-registers all).
func (n *NSQD) reconnect(peers []*lookupPeer) {
	for _, p := range peers {
		if p.connected {
			continue
		}
		if _, err := p.Command(nil); err != nil {
			n.logf(lg.ERROR, "LOOKUPD(%s): reconnect - %s", p.addr, err)
		}
	}
}

// Reconnect backoff bounds.
const lookupdRetryMin = time.Second

// retrier schedules reconnects while some peer is disconnected.
type retrier struct {
	timer   *time.Timer
	armed   bool
	backoff time.Duration
}

func newRetrier() *retrier {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &retrier{timer: t}
}

func (r *retrier) arm(peers []*lookupPeer) {
	down := slices.ContainsFunc(peers, func(p *lookupPeer) bool { return !p.connected })
	if !down {
		r.backoff = 0
		return
	}
	if r.armed {
		return
	}
	r.backoff = min(max(2*r.backoff, lookupdRetryMin), lookupdPingInterval)
	r.timer.Reset(r.backoff)
	r.armed = true
}

// syncPeers drops peers no longer configured and connects new ones.
func (n *NSQD) syncPeers(peers []*lookupPeer) []*lookupPeer {
	want := n.lookupdAddrs()
	kept := peers[:0]
	for _, p := range peers {
		if slices.Contains(want, p.addr) {
			kept = append(kept, p)
		} else {
			n.logf(lg.INFO, "LOOKUP(%s): removing peer", p.addr)
			p.close()
		}
	}
	var added []*lookupPeer
	for _, addr := range want {
		if slices.ContainsFunc(kept, func(p *lookupPeer) bool { return p.addr == addr }) {
			continue
		}
		p := &lookupPeer{addr: addr, maxBodySize: n.getOpts().MaxBodySize, logf: n.logf,
			onConnect: n.lookupdConnected, down: n.peerDown}
		kept = append(kept, p)
		added = append(added, p)
	}
	// Publish the list before connecting, so a lookupd's HTTP address is
	// known for channel pre-creation as soon as its IDENTIFY is answered.
	n.peersMu.Lock()
	n.lookupPeers = slices.Clone(kept)
	n.peersMu.Unlock()
	for _, p := range added {
		if _, err := p.Command(nil); err != nil {
			n.logf(lg.ERROR, "LOOKUPD(%s): connect - %s", p.addr, err)
		}
	}
	return kept
}

func registrationCommand(v any) *lookupCommand {
	switch x := v.(type) {
	case *Channel:
		name := "REGISTER"
		if x.Exiting() {
			name = "UNREGISTER"
		}
		return &lookupCommand{name: name, params: []string{x.topicName, x.name}}
	case *Topic:
		name := "REGISTER"
		if x.Exiting() {
			name = "UNREGISTER"
		}
		return &lookupCommand{name: name, params: []string{x.name}}
	}
	return nil
}

// lookupdConnected identifies to a freshly connected lookupd and registers
// every topic and channel.
func (n *NSQD) lookupdConnected(p *lookupPeer) {
	opts := n.getOpts()
	body, _ := json.Marshal(map[string]any{
		"version": version.Binary, "tcp_port": opts.BroadcastTCPPort,
		"http_port": opts.BroadcastHTTPPort, "hostname": hostname(),
		"broadcast_address": opts.BroadcastAddress,
		"topology_region":   opts.TopologyRegion, "topology_zone": opts.TopologyZone,
	})
	resp, err := p.Command(&lookupCommand{name: "IDENTIFY", body: body})
	if err != nil {
		n.logf(lg.ERROR, "LOOKUPD(%s): IDENTIFY - %s", p.addr, err)
		return
	}
	if string(resp) == "E_INVALID" {
		n.logf(lg.INFO, "LOOKUPD(%s): lookupd returned %s", p.addr, resp)
		p.close()
		return
	}
	var info peerInfo
	if err := json.Unmarshal(resp, &info); err != nil {
		n.logf(lg.ERROR, "LOOKUPD(%s): parsing response - %s", p.addr, resp)
		p.close()
		return
	}
	if info.BroadcastAddress == "" {
		n.logf(lg.ERROR, "LOOKUPD(%s): no broadcast address", p.addr)
	}
	n.peersMu.Lock()
	p.info = info
	n.peersMu.Unlock()
	n.registerAll(p)
}

func (n *NSQD) registerAll(p *lookupPeer) {
	for _, t := range n.topics() {
		chans := t.channels()
		cmds := []*lookupCommand{{name: "REGISTER", params: []string{t.name}}}
		if len(chans) > 0 {
			cmds = cmds[:0]
		}
		for _, c := range chans {
			cmds = append(cmds, &lookupCommand{name: "REGISTER", params: []string{t.name, c.name}})
		}
		for _, cmd := range cmds {
			if _, err := p.Command(cmd); err != nil {
				n.logf(lg.ERROR, "LOOKUPD(%s): %s - %s", p.addr, cmd, err)
				return
			}
		}
	}
}

// lookupdHTTPAddrs lists the HTTP addresses of the connected lookupds.
func (n *NSQD) lookupdHTTPAddrs() []string {
	n.peersMu.Lock()
	defer n.peersMu.Unlock()
	var out []string
	for _, p := range n.lookupPeers {
		if p.info.BroadcastAddress == "" || p.info.HTTPPort == 0 {
			continue
		}
		out = append(out, net.JoinHostPort(p.info.BroadcastAddress, strconv.Itoa(p.info.HTTPPort)))
	}
	return out
}
