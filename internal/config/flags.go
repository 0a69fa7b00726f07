package config

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// define registers the standard flag for field f.
func define(fs *flag.FlagSet, f Field, usage string) error {
	switch p := f.Value.Addr().Interface().(type) {
	case *string:
		fs.StringVar(p, f.Flag, *p, usage)
	case *bool:
		fs.BoolVar(p, f.Flag, *p, usage)
	case *int:
		fs.IntVar(p, f.Flag, *p, usage)
	case *int64:
		fs.Int64Var(p, f.Flag, *p, usage)
	case *uint:
		fs.UintVar(p, f.Flag, *p, usage)
	case *uint64:
		fs.Uint64Var(p, f.Flag, *p, usage)
	case *float64:
		fs.Float64Var(p, f.Flag, *p, usage)
	case *time.Duration:
		fs.DurationVar(p, f.Flag, *p, usage)
	case *[]string:
		fs.Var((*StringList)(p), f.Flag, usage)
	case *[]float64:
		fs.Var((*FloatList)(p), f.Flag, usage)
	case flag.Value:
		fs.Var(p, f.Flag, usage)
	default:
		return fmt.Errorf("config: flag -%s: unsupported field type %s", f.Flag, f.Value.Type())
	}
	return nil
}

// StringList is a repeatable flag: each use appends its whole value.
type StringList []string

// String joins the values with commas.
func (l *StringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Set appends s.
func (l *StringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// Get implements flag.Getter.
func (l *StringList) Get() any { return []string(*l) }

// FloatList is a repeatable flag: each use appends its comma-separated
// numbers.
type FloatList []float64

// String joins the values with commas.
func (l *FloatList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, f := range *l {
		parts[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Set appends the numbers of s; on a bad number nothing is appended.
func (l *FloatList) Set(s string) error {
	fs, err := ParseFloats(s)
	if err != nil {
		return err
	}
	*l = append(*l, fs...)
	return nil
}

// Get implements flag.Getter.
func (l *FloatList) Get() any { return []float64(*l) }

// ParseFloats parses comma-separated numbers; blanks around each are
// allowed. The error of a bad number is a *strconv.NumError.
func ParseFloats(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	out := make([]float64, 0, len(parts))
	for _, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
