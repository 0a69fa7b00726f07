package config

import (
	"reflect"

	"github.com/nsqgo/nsq/internal/lg"
)

// Value returns the option of opts (a pointer to a struct) whose config
// file key is key, as the daemons' GET /config/<key> shows it: a log level
// as its number, a list as a JSON array even when empty (never null), and
// everything else, strings included, as it is.
func Value(opts any, key string) (any, bool) {
	fields, err := Fields(opts)
	if err != nil {
		return nil, false
	}
	for _, f := range fields {
		if f.Key == key {
			return shown(f.Value), true
		}
	}
	return nil, false
}

func shown(v reflect.Value) any {
	if level, ok := v.Interface().(lg.Level); ok {
		return int(level)
	}
	if v.Kind() == reflect.Slice && v.IsNil() {
		return reflect.MakeSlice(v.Type(), 0, 0).Interface()
	}
	return v.Interface()
}
