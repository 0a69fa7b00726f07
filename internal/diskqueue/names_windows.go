package diskqueue

// channelSep joins topic and channel in file names (see FileBase).
const channelSep = ";"
