package nsqd

// msgHeap is a min-heap of messages ordered by Message.pri (a deadline in
// Unix nanoseconds). Each message records its heap index so it can be
// removed in O(log n). A channel keeps one for in-flight and one for
// deferred messages; a message is in at most one of them at a time.
type msgHeap []*Message

func (h msgHeap) Len() int { return len(h) }

func (h *msgHeap) push(m *Message) {
	m.index = int32(len(*h))
	*h = append(*h, m)
	h.up(len(*h) - 1)
}

// remove takes out the message at index i.
func (h *msgHeap) remove(i int) *Message {
	old := *h
	n := len(old) - 1
	m := old[i]
	if i != n {
		h.swap(i, n)
		*h = old[:n]
		if !h.down(i) {
			h.up(i)
		}
	} else {
		*h = old[:n]
	}
	old[n] = nil
	m.index = -1
	return m
}

// popIfDue removes and returns the minimum if its priority is <= max.
func (h *msgHeap) popIfDue(max int64) *Message {
	if len(*h) == 0 || (*h)[0].pri > max {
		return nil
	}
	return h.remove(0)
}

func (h msgHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = int32(i)
	h[j].index = int32(j)
}

func (h msgHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if h[i].pri <= h[j].pri {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h msgHeap) down(i0 int) bool {
	i, n := i0, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h[r].pri < h[l].pri {
			j = r
		}
		if h[i].pri <= h[j].pri {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
