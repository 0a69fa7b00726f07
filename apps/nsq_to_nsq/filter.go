package main

import (
	"encoding/json"
	"errors"
	"log"
	"strconv"
)

// errMissingField makes go-nsq requeue (with backoff) a message that lacks
// the field whose value is required.
var errMissingField = errors.New("filter backoff")

// jsonFilter passes only JSON objects that have a required field (with a
// required value), and trims them to whitelisted top-level fields.
type jsonFilter struct {
	field       string
	value       string
	valueNumber float64
	valueIsNum  bool
	whitelist   []string
	logger      *log.Logger
}

// newJSONFilter returns nil when neither a required field nor a whitelist
// was given (messages then pass untouched, JSON or not).
func newJSONFilter(o *options, logger *log.Logger) *jsonFilter {
	if o.requireJSONField == "" && len(o.whitelistFields) == 0 {
		return nil
	}
	f := &jsonFilter{field: o.requireJSONField, value: o.requireJSONValue,
		whitelist: o.whitelistFields, logger: logger}
	n, err := strconv.ParseFloat(f.value, 64)
	f.valueNumber, f.valueIsNum = n, err == nil
	return f
}

// apply returns the body to publish and whether to publish at all. Bodies
// that are not JSON objects, or fail the check, are dropped (FINished); an
// error requeues the message.
func (f *jsonFilter) apply(body []byte) ([]byte, bool, error) {
	var js map[string]any
	if err := json.Unmarshal(body, &js); err != nil {
		f.logger.Printf("ERROR: Unable to decode json: %s", body)
		return nil, false, nil
	}
	if pass, err := f.check(js); !pass || err != nil {
		return nil, false, err
	}
	if len(f.whitelist) == 0 {
		return body, true, nil
	}
	out, err := json.Marshal(f.trim(js))
	if err != nil {
		f.logger.Printf("ERROR: filterMessage() failed: %s", err)
		return nil, false, err
	}
	return out, true, nil
}

// check applies the required field and value.
func (f *jsonFilter) check(js map[string]any) (bool, error) {
	if f.field == "" {
		return true, nil
	}
	v, ok := js[f.field]
	switch {
	case !ok && f.value != "":
		f.logger.Printf("ERROR: missing field to check required value")
		return false, errMissingField
	case !ok:
		return false, nil
	case f.value == "":
		return true, nil
	}
	if s, isString := v.(string); isString {
		return s == f.value, nil
	}
	n, isNumber := v.(float64)
	return f.valueIsNum && isNumber && n == f.valueNumber, nil
}

// trim keeps the whitelisted fields that are present.
func (f *jsonFilter) trim(js map[string]any) map[string]any {
	out := make(map[string]any, len(f.whitelist))
	for _, k := range f.whitelist {
		if v, ok := js[k]; ok {
			out[k] = v
		}
	}
	return out
}
