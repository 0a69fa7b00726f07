package nsqd

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
	n.wg.Go(func() {
		select {
		case <-n.exitChan:
		case n.notifyChan <- v:
			if persist {
				n.persistOrLog()
			}
		}
	})
}

// lookupLoop consumes notifications. Registration with nsqlookupd hangs
// off this loop.
func (n *NSQD) lookupLoop() {
	for {
		select {
		case <-n.notifyChan:
		case <-n.exitChan:
			return
		}
	}
}

// precreateChannels asks the known lookupds for a new topic's channels.
func (n *NSQD) precreateChannels(t *Topic) {}

// optionsChanged is called after /config changed the options.
func (n *NSQD) optionsChanged() {}
