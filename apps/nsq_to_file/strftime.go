package main

import (
	"strings"
	"time"
)

// strftimeLayouts maps each supported conversion to its Go layout.
var strftimeLayouts = map[byte]string{
	'B': "January", 'b': "Jan", 'm': "01",
	'A': "Monday", 'a': "Mon", 'd': "02",
	'H': "15", 'I': "03", 'M': "04", 'S': "05",
	'Y': "2006", 'y': "06", 'p': "PM",
	'Z': "MST", 'z': "-0700",
}

// strftime formats t per format: %B %b %m %A %a %d %H %I %M %S %Y %y %p %Z
// %z and %% are converted; every other character, and an unknown %x, is
// copied as is. (The reference copies literal text into a Go layout, so
// text such as "Jan" or "15" in the format gets reformatted; here literal
// text stays literal.)
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		switch layout, ok := strftimeLayouts[format[i]]; {
		case format[i] == '%':
			b.WriteByte('%')
		case ok:
			b.WriteString(t.Format(layout))
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}
