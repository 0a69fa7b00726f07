package diskqueue

import "strings"

// FileBase is the start of the names of the files that hold the queue (or
// its sidecars) called name. A channel's queue is called "<topic>:<channel>";
// Windows forbids ':' in file names, so there, as in NSQ, the files say
// "<topic>;<channel>" instead. Elsewhere FileBase returns name unchanged.
func FileBase(name string) string { return fileBase(name, channelSep) }

// fileBase puts sep where name has ':'. Topic and channel names cannot hold
// ':' or ';', so the mapping is one to one.
func fileBase(name, sep string) string {
	if sep == ":" {
		return name
	}
	return strings.ReplaceAll(name, ":", sep)
}
