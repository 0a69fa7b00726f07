package nsqd

import (
	"errors"
	"fmt"
	"os"
)

// errLowDisk refuses publishes while the data path's filesystem has less
// free space than --min-free-disk.
var errLowDisk = errors.New("free disk space below --min-free-disk")

// checkFreeDisk probes the data path's free space against --min-free-disk
// and records the outcome for publishes and /ping. A failed probe is
// logged by the caller and leaves the last outcome.
func (n *NSQD) checkFreeDisk() error {
	opts := n.getOpts()
	if opts.MinFreeDisk <= 0 {
		n.policies.lowDisk.Store(nil)
		return nil
	}
	probe := opts.FreeDiskProbe
	if probe == nil {
		probe = statfsFree
	}
	path := opts.DataPath
	if path == "" {
		path, _ = os.Getwd()
	}
	free, err := probe(path)
	if err != nil {
		return err
	}
	if free >= opts.MinFreeDisk {
		n.policies.lowDisk.Store(nil)
		return nil
	}
	msg := fmt.Sprintf("%s: %d bytes free on %s, --min-free-disk is %d", errLowDisk, free, path, opts.MinFreeDisk)
	n.policies.lowDisk.Store(&msg)
	return nil
}
