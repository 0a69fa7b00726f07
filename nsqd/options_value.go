package nsqd

import (
	"reflect"
	"strings"

	"github.com/nsqgo/nsq/internal/lg"
)

// optionKey is the config-file key of a field: its cfg tag, else its flag
// name with '-' turned into '_'. Fields without a flag have no key.
func optionKey(f reflect.StructField) string {
	if k := f.Tag.Get("cfg"); k != "" {
		return k
	}
	flag := f.Tag.Get("flag")
	if flag == "" || flag == "-" {
		return ""
	}
	return strings.ReplaceAll(flag, "-", "_")
}

// optionValue returns the value /config/:opt shows for key: strings raw,
// log_level as its number, empty lists as [], everything else as is.
func optionValue(opts *Options, key string) (any, bool) {
	v := reflect.ValueOf(opts).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if optionKey(t.Field(i)) != key {
			continue
		}
		val := v.Field(i).Interface()
		switch x := val.(type) {
		case lg.Level:
			return int(x), true
		case []string:
			if x == nil {
				x = []string{}
			}
			return x, true
		case []float64:
			if x == nil {
				x = []float64{}
			}
			return x, true
		case string:
			return x, true
		}
		return val, true
	}
	return nil, false
}
