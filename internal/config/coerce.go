package config

import (
	"errors"
	"flag"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var durationType = reflect.TypeFor[time.Duration]()

// coerce stores the TOML value raw into the field dst:
//
//   - time.Duration: a duration string, or an integer of milliseconds;
//   - []string, []float64: an array, or one comma-separated string;
//   - a type whose pointer is a flag.Value: the string form of raw, via Set;
//   - integers: an integer or a numeric string;
//   - bool: a bool, a bool string (as strconv.ParseBool), or an integer;
//   - float: a number or a numeric string;
//   - string: a string, or the text of a number or bool.
func coerce(dst reflect.Value, raw any) error {
	if dst.Type() == durationType {
		d, err := toDuration(raw)
		if err == nil {
			dst.SetInt(int64(d))
		}
		return err
	}
	if dst.Kind() == reflect.Slice {
		return coerceSlice(dst, raw)
	}
	if v, ok := dst.Addr().Interface().(flag.Value); ok {
		return setString(v, raw)
	}
	return coerceScalar(dst, raw)
}

func coerceScalar(dst reflect.Value, raw any) error {
	switch dst.Kind() {
	case reflect.String:
		s, err := toString(raw)
		if err == nil {
			dst.SetString(s)
		}
		return err
	case reflect.Bool:
		b, err := toBool(raw)
		if err == nil {
			dst.SetBool(b)
		}
		return err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return setInt(dst, raw)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return setUint(dst, raw)
	case reflect.Float32, reflect.Float64:
		f, err := toFloat(raw)
		if err == nil {
			dst.SetFloat(f)
		}
		return err
	}
	return fmt.Errorf("unsupported field type %s", dst.Type())
}

func coerceSlice(dst reflect.Value, raw any) error {
	var (
		out any
		err error
	)
	switch dst.Type().Elem().Kind() {
	case reflect.String:
		out, err = toStrings(raw)
	case reflect.Float64:
		out, err = toFloats(raw)
	default:
		return fmt.Errorf("unsupported field type %s", dst.Type())
	}
	if err == nil {
		dst.Set(reflect.ValueOf(out).Convert(dst.Type()))
	}
	return err
}

func setInt(dst reflect.Value, raw any) error {
	n, err := toInt(raw)
	if err != nil {
		return err
	}
	if dst.OverflowInt(n) {
		return fmt.Errorf("%d out of range for %s", n, dst.Type())
	}
	dst.SetInt(n)
	return nil
}

func setUint(dst reflect.Value, raw any) error {
	n, err := toInt(raw)
	if err != nil {
		return err
	}
	if n < 0 || dst.OverflowUint(uint64(n)) {
		return fmt.Errorf("%d out of range for %s", n, dst.Type())
	}
	dst.SetUint(uint64(n))
	return nil
}

// setString hands the string form of a scalar TOML value to v.Set.
func setString(v flag.Value, raw any) error {
	s, err := toString(raw)
	if err != nil {
		return err
	}
	return v.Set(s)
}

// integer reports the value of raw if it is of any Go integer type.
func integer(raw any) (int64, bool) {
	v := reflect.ValueOf(raw)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := v.Uint(); u <= 1<<63-1 {
			return int64(u), true
		}
	}
	return 0, false
}

func toDuration(raw any) (time.Duration, error) {
	switch v := raw.(type) {
	case time.Duration:
		return v, nil
	case string:
		return time.ParseDuration(strings.TrimSpace(v))
	}
	if n, ok := integer(raw); ok {
		return time.Duration(n) * time.Millisecond, nil
	}
	return 0, errors.New("want a duration string or integer milliseconds")
}

func toInt(raw any) (int64, error) {
	if n, ok := integer(raw); ok {
		return n, nil
	}
	if s, ok := raw.(string); ok {
		return strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	}
	return 0, errors.New("want an integer")
}

func toBool(raw any) (bool, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		return strconv.ParseBool(strings.TrimSpace(v))
	}
	if n, ok := integer(raw); ok {
		return n != 0, nil
	}
	return false, errors.New("want a bool")
}

func toFloat(raw any) (float64, error) {
	switch v := raw.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case string:
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	}
	if n, ok := integer(raw); ok {
		return float64(n), nil
	}
	return 0, errors.New("want a number")
}

// toString accepts a string or the text of a scalar.
func toString(raw any) (string, error) {
	switch v := raw.(type) {
	case string:
		return v, nil
	case bool, float32, float64:
		return fmt.Sprint(v), nil
	}
	if n, ok := integer(raw); ok {
		return strconv.FormatInt(n, 10), nil
	}
	return "", fmt.Errorf("want a string, not %T", raw)
}

// toStrings accepts an array of strings or one comma-separated string.
// Blanks around the parts of a comma-separated string are dropped, and so
// are empty parts.
func toStrings(raw any) ([]string, error) {
	switch v := raw.(type) {
	case string:
		return splitList(v), nil
	case []string:
		return append([]string{}, v...), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, err := toString(e)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want an array of strings or a comma-separated string, not %T", raw)
}

// toFloats accepts an array of numbers or one comma-separated string.
func toFloats(raw any) ([]float64, error) {
	switch v := raw.(type) {
	case string:
		if strings.TrimSpace(v) == "" {
			return []float64{}, nil
		}
		return ParseFloats(v)
	case []float64:
		return append([]float64{}, v...), nil
	case []any:
		out := make([]float64, 0, len(v))
		for _, e := range v {
			f, err := toFloat(e)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want an array of numbers or a comma-separated string, not %T", raw)
}

func splitList(s string) []string {
	out := []string{}
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
