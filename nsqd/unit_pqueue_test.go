package nsqd

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkHeap verifies the min-heap property and that every message knows
// its own index.
func checkHeap(t *testing.T, h msgHeap) {
	t.Helper()
	for i, m := range h {
		require.EqualValues(t, i, m.index, "message at")
		if i > 0 {
			p := (i - 1) / 2
			require.LessOrEqual(t, h[p].pri, m.pri, "parent %d above child %d", p, i)
		}
	}
}

func TestMsgHeapPushKeepsOrder(t *testing.T) {
	var h msgHeap
	pris := []int64{50, 10, 40, 10, 0, 99, -5, 30, 30, 20}
	for _, p := range pris {
		h.push(&Message{pri: p})
		checkHeap(t, h)
	}
	require.Equal(t, len(pris), h.Len(), "Len")
	sorted := slices.Clone(pris)
	slices.Sort(sorted)
	for _, want := range sorted {
		m := h.popIfDue(want)
		require.NotNil(t, m, "popIfDue")
		require.Equal(t, want, m.pri, "popIfDue")
		require.EqualValues(t, -1, m.index, "popped message keeps index")
		checkHeap(t, h)
	}
	require.EqualValues(t, 0, h.Len(), "Len")
}

func TestMsgHeapPopIfDue(t *testing.T) {
	var h msgHeap
	require.Nil(t, h.popIfDue(1<<62), "popIfDue on empty heap returned a message")
	a, b := &Message{pri: 100}, &Message{pri: 200}
	h.push(b)
	h.push(a)
	require.Nil(t, h.popIfDue(99), "popIfDue(99)")
	require.EqualValues(t, 2, h.Len(), "a not-due popIfDue removed something")
	require.Same(t, a, h.popIfDue(100), "popIfDue(100): due exactly at the deadline")
	require.Nil(t, h.popIfDue(150), "popIfDue(150)")
	require.Equal(t, b, h.popIfDue(1000), "popIfDue(1000)")
}

func TestMsgHeapRemove(t *testing.T) {
	var h msgHeap
	ms := make([]*Message, 20)
	for i := range ms {
		ms[i] = &Message{pri: int64((i * 7) % 20)}
		h.push(ms[i])
	}
	// Remove from the middle, the root and the last slot.
	for _, m := range []*Message{ms[5], ms[0], ms[13]} {
		got := h.remove(int(m.index))
		require.Equal(t, m, got, "remove returned")
		require.EqualValues(t, -1, m.index, "remove returned")
		checkHeap(t, h)
	}
	last := h[len(h)-1]
	require.Equal(t, last, h.remove(int(last.index)), "remove of last slot")
	checkHeap(t, h)
	require.EqualValues(t, 16, h.Len(), "Len")
	// The backing array no longer references removed messages.
	full := h[:cap(h)]
	for i := h.Len(); i < len(full); i++ {
		require.Nil(t, full[i], "slot %d past the end still references a message", i)
	}
}

// TestMsgHeapRemoveNeedsUp removes a node whose replacement (the last
// element) is smaller than the removed node's parent, so it must move up.
func TestMsgHeapRemoveNeedsUp(t *testing.T) {
	var h msgHeap
	//        0
	//     10    1
	//   11  12 2  3
	for _, p := range []int64{0, 10, 1, 11, 12, 2, 3} {
		h.push(&Message{pri: p})
	}
	checkHeap(t, h)
	victim := h[3] // pri 11, under 10; the last element (3) replaces it
	h.remove(int(victim.index))
	checkHeap(t, h)
	require.EqualValues(t, 3, h[1].pri, "replacement did not move up: h[1]")
}

// TestMsgHeapRandomOps runs random pushes, removals and pops against a
// sorted slice of priorities.
func TestMsgHeapRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		var h msgHeap
		var ref []int64 // sorted priorities of live messages
		live := map[*Message]bool{}
		for op := 0; op < 2000; op++ {
			switch r := rng.IntN(10); {
			case r < 5:
				m := &Message{pri: rng.Int64N(500)}
				h.push(m)
				live[m] = true
				i, _ := slices.BinarySearch(ref, m.pri)
				ref = slices.Insert(ref, i, m.pri)
			case r < 7 && h.Len() > 0:
				m := h[rng.IntN(h.Len())]
				require.Equal(t, m, h.remove(int(m.index)), "remove returned another message")
				delete(live, m)
				i, ok := slices.BinarySearch(ref, m.pri)
				require.True(t, ok, "removed pri %d not in reference", m.pri)
				ref = slices.Delete(ref, i, i+1)
			default:
				max := rng.Int64N(520) - 10
				m := h.popIfDue(max)
				due := len(ref) > 0 && ref[0] <= max
				require.Equal(t, due, (m != nil), "popIfDue(%d) = %v, reference min %v", max, m, ref)
				if m != nil {
					require.Equal(t, ref[0], m.pri, "popIfDue(%d)", max)
					require.True(t, live[m], "popIfDue(%d) returned a message not in the heap", max)
					delete(live, m)
					ref = ref[1:]
				}
			}
			require.Equal(t, len(ref), h.Len(), "sizes: heap")
			require.Len(t, live, len(ref), "sizes: heap")
			if len(ref) > 0 {
				require.Equal(t, ref[0], h[0].pri, "heap min")
			}
		}
		checkHeap(t, h)
		for m := range live {
			require.Equal(t, m, h[m.index], "live message index %d points elsewhere", m.index)
		}
	}
}
