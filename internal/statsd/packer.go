package statsd

// Packer is an io.Writer that packs what is written into datagrams of at
// most packetSize bytes. Each Write (one statsd line) is kept whole: it
// starts a new datagram when it does not fit in the current one, and a
// single write longer than packetSize becomes an oversized datagram of its
// own.
type Packer struct {
	size int
	buf  []byte // every write so far, back to back
	ends []int  // end offset in buf of each closed datagram
}

// NewPacker returns a Packer for datagrams of at most packetSize bytes; a
// packetSize below 1 puts every write in its own datagram.
func NewPacker(packetSize int) *Packer {
	return &Packer{size: max(packetSize, 1)}
}

// Write appends line to the current datagram, closing that first if line
// would not fit. It never fails.
func (p *Packer) Write(line []byte) (int, error) {
	if len(line) == 0 {
		return 0, nil
	}
	if cur := len(p.buf) - p.start(); cur > 0 && cur+len(line) > p.size {
		p.ends = append(p.ends, len(p.buf))
	}
	p.buf = append(p.buf, line...)
	return len(line), nil
}

func (p *Packer) start() int {
	if len(p.ends) == 0 {
		return 0
	}
	return p.ends[len(p.ends)-1]
}

// Packets closes the current datagram and returns all datagrams in write
// order. They alias the Packer's buffer: call Reset only once they are sent.
func (p *Packer) Packets() [][]byte {
	if len(p.buf) > p.start() {
		p.ends = append(p.ends, len(p.buf))
	}
	packets := make([][]byte, len(p.ends))
	from := 0
	for i, end := range p.ends {
		packets[i] = p.buf[from:end:end]
		from = end
	}
	return packets
}

// Reset empties the Packer, keeping its storage for the next push.
func (p *Packer) Reset() {
	p.buf, p.ends = p.buf[:0], p.ends[:0]
}
