// Package lg is the small leveled logger shared by the daemons. A line reads
// "<prefix><YYYY/MM/DD HH:MM:SS.micro> <LEVEL>: <message>", as the reference
// prints it. Libraries receive a Logger through their options; tests route it
// to t.Log.
package lg

import (
	"fmt"
	"log"
	"os"
	"strings"
)

// Level is a log severity; DEBUG=1 … FATAL=5 as on the wire of /config/log_level.
type Level int

// Levels in increasing severity.
const (
	DEBUG Level = iota + 1
	INFO
	WARN
	ERROR
	FATAL
)

// Logger is what the daemons write to: the standard library's *log.Logger fits.
type Logger interface {
	Output(calldepth int, s string) error
}

// NilLogger discards everything.
type NilLogger struct{}

// Output implements Logger.
func (NilLogger) Output(int, string) error { return nil }

// String returns the name printed in log lines.
func (l Level) String() string {
	switch l {
	case DEBUG:
		return "DEBUG"
	case INFO:
		return "INFO"
	case WARN:
		return "WARNING"
	case ERROR:
		return "ERROR"
	case FATAL:
		return "FATAL"
	}
	return "INVALID"
}

// ParseLevel accepts debug, info, warn, error and fatal in any letter case.
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return DEBUG, nil
	case "info":
		return INFO, nil
	case "warn":
		return WARN, nil
	case "error":
		return ERROR, nil
	case "fatal":
		return FATAL, nil
	}
	return 0, fmt.Errorf("invalid log level '%s' (debug, info, warn, error, fatal)", s)
}

// MarshalText renders the level as the lower-case name ParseLevel accepts
// (TOML, flags): WARN is "warn", not its log-line name "WARNING".
func (l Level) MarshalText() ([]byte, error) {
	if l == WARN {
		return []byte("warn"), nil
	}
	return []byte(strings.ToLower(l.String())), nil
}

// UnmarshalText parses a level name.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Set implements flag.Value.
func (l *Level) Set(s string) error { return l.UnmarshalText([]byte(s)) }

// Get implements flag.Getter.
func (l *Level) Get() any { return *l }

// AppLogFunc is the signature of a daemon's log method.
type AppLogFunc func(lvl Level, f string, args ...any)

// Logf writes one line if msgLevel is at or above cfgLevel.
func Logf(logger Logger, cfgLevel, msgLevel Level, f string, args ...any) {
	if logger == nil || cfgLevel > msgLevel {
		return
	}
	logger.Output(3, fmt.Sprintf(msgLevel.String()+": "+f, args...))
}

// New returns the standard stderr logger with the reference's line layout.
func New(prefix string) Logger {
	return log.New(os.Stderr, prefix, log.Ldate|log.Ltime|log.Lmicroseconds)
}

// StdLogger adapts a Logger to a *log.Logger (for net/http's ErrorLog),
// prefixing each line with "<component>: ".
func StdLogger(l Logger, component string) *log.Logger {
	return log.New(writerFunc(func(p []byte) (int, error) {
		if l != nil {
			l.Output(2, "ERROR: "+component+": "+strings.TrimRight(string(p), "\n"))
		}
		return len(p), nil
	}), "", 0)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
