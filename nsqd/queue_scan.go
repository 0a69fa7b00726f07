package nsqd

import (
	"math/rand/v2"
	"sync"
	"time"
)

// queueScanLoop expires in-flight and deferred messages: every
// scan interval it picks up to --queue-scan-selection-count random
// channels and processes them with a worker pool sized
// clamp(channels/4, 1, --queue-scan-worker-pool-max); if more than the
// dirty share had work, it scans again at once.
func (n *NSQD) queueScanLoop() {
	opts := n.getOpts()
	work := make(chan *Channel, opts.QueueScanSelectionCount)
	results := make(chan bool, opts.QueueScanSelectionCount)
	pool := &scanPool{work: work, results: results, done: make(chan struct{})}
	defer pool.resize(0)
	scanTicker := time.NewTicker(opts.QueueScanInterval)
	defer scanTicker.Stop()
	refreshTicker := time.NewTicker(opts.QueueScanRefreshInterval)
	defer refreshTicker.Stop()
	channels := n.allChannels()
	var picks []int // a permutation of channel indices, reshuffled in part per scan
	pool.resize(workersFor(len(channels), opts.QueueScanWorkerPoolMax))
	for {
		select {
		case <-scanTicker.C:
			if n.channelsChanged.Swap(false) {
				channels = n.allChannels()
				pool.resize(workersFor(len(channels), n.getOpts().QueueScanWorkerPoolMax))
			}
		case <-refreshTicker.C:
			channels = n.allChannels()
			pool.resize(workersFor(len(channels), n.getOpts().QueueScanWorkerPoolMax))
			continue
		case <-n.exitChan:
			return
		}
		if len(channels) == 0 {
			continue
		}
		for n.scanOnce(channels, &picks, work, results) {
		}
	}
}

// scanOnce processes one random selection; it reports whether to repeat.
func (n *NSQD) scanOnce(channels []*Channel, picks *[]int, work chan<- *Channel, results <-chan bool) bool {
	opts := n.getOpts()
	num := min(opts.QueueScanSelectionCount, len(channels))
	for _, i := range pickRandom(picks, len(channels), num) {
		work <- channels[i]
	}
	dirty := 0
	for i := 0; i < num; i++ {
		if <-results {
			dirty++
		}
	}
	return float64(dirty)/float64(num) > opts.QueueScanDirtyPercent
}

func workersFor(channels, limit int) int {
	return min(limit, max(1, channels/4))
}

// scanPool is the resizable set of queue-scan workers.
type scanPool struct {
	work    chan *Channel
	results chan bool
	done    chan struct{}
	size    int
	wg      sync.WaitGroup
	stops   []chan struct{}
}

func (p *scanPool) resize(size int) {
	for p.size < size {
		stop := make(chan struct{})
		p.stops = append(p.stops, stop)
		p.size++
		p.wg.Go(func() { p.worker(stop) })
	}
	for p.size > size {
		p.size--
		close(p.stops[p.size])
		p.stops = p.stops[:p.size]
	}
	if size == 0 {
		p.wg.Wait()
	}
}

func (p *scanPool) worker(stop chan struct{}) {
	for {
		select {
		case c := <-p.work:
			now := time.Now().UnixNano()
			dirty := c.processInFlightQueue(now)
			if c.processDeferredQueue(now) {
				dirty = true
			}
			p.results <- dirty
		case <-stop:
			return
		}
	}
}

// pickRandom returns num distinct indices below n, chosen at random. perm
// is kept between calls as a permutation of 0..n-1 (rebuilt when n
// changes); only its first num places are shuffled, so a scan of a few
// channels out of thousands costs a few swaps and no allocation.
func pickRandom(perm *[]int, n, num int) []int {
	if len(*perm) != n {
		*perm = make([]int, n)
		for i := range *perm {
			(*perm)[i] = i
		}
	}
	p := *perm
	for i := 0; i < num; i++ {
		j := i + rand.IntN(n-i)
		p[i], p[j] = p[j], p[i]
	}
	return p[:num]
}
