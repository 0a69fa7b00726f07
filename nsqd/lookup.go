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
// REGISTER/UNREGISTER for every notification, PINGs every 15 s and applies
// changes to the lookupd list.
func (n *NSQD) lookupLoop() {
	var peers []*lookupPeer
	ticker := time.NewTicker(lookupdPingInterval)
	defer ticker.Stop()
	peers = n.syncPeers(peers)
	for {
		var cmd *lookupCommand
		select {
		case <-ticker.C:
			cmd = &lookupCommand{name: "PING"}
		case v := <-n.notifyChan:
			cmd = registrationCommand(v)
		case <-n.optsChanged:
			peers = n.syncPeers(peers)
			continue
		case <-n.exitChan:
			for _, p := range peers {
				p.close()
			}
			return
		}
		for _, p := range peers {
			if _, err := p.Command(cmd); err != nil {
				n.logf(lg.ERROR, "LOOKUPD(%s): %s - %s", p.addr, cmd, err)
			}
		}
	}
}

// syncPeers drops peers no longer configured and connects new ones.
func (n *NSQD) syncPeers(peers []*lookupPeer) []*lookupPeer {
	want := n.getOpts().NSQLookupdTCPAddresses
	kept := peers[:0]
	for _, p := range peers {
		if slices.Contains(want, p.addr) {
			kept = append(kept, p)
		} else {
			n.logf(lg.INFO, "LOOKUP(%s): removing peer", p.addr)
			p.close()
		}
	}
	for _, addr := range want {
		if slices.ContainsFunc(kept, func(p *lookupPeer) bool { return p.addr == addr }) {
			continue
		}
		p := &lookupPeer{addr: addr, maxBodySize: n.getOpts().MaxBodySize, logf: n.logf, onConnect: n.lookupdConnected}
		if _, err := p.Command(nil); err != nil {
			n.logf(lg.ERROR, "LOOKUPD(%s): connect - %s", addr, err)
		}
		kept = append(kept, p)
	}
	n.peersMu.Lock()
	n.lookupPeers = slices.Clone(kept)
	n.peersMu.Unlock()
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
// every topic and channel (spec §8.2).
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
