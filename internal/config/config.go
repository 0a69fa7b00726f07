// Package config binds an options struct to a command line and to a TOML
// config file.
//
// Each exported field tagged `flag:"name"` becomes one command-line flag;
// `flag:"-"` or no tag leaves the field alone. Its TOML key is the `cfg` tag
// when present, otherwise the flag name with '-' replaced by '_'.
//
// The struct holds the defaults before anything is parsed. Flags write into
// it while the command line is parsed; Apply then copies a TOML value into
// every field whose flag was not given explicitly. The result is the
// precedence command-line flag, then TOML key, then default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// Field is one tagged field of an options struct.
type Field struct {
	Flag  string        // command-line flag name, without dashes
	Key   string        // TOML key
	Value reflect.Value // the addressable field itself
}

// Fields lists the tagged fields of opts, a pointer to a struct, in
// declaration order.
func Fields(opts any) ([]Field, error) {
	v := reflect.ValueOf(opts)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("config: want a pointer to a struct, got %T", opts)
	}
	v = v.Elem()
	var fields []Field
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		name := sf.Tag.Get("flag")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		key := sf.Tag.Get("cfg")
		if key == "" {
			key = strings.ReplaceAll(name, "-", "_")
		}
		fields = append(fields, Field{Flag: name, Key: key, Value: v.Field(i)})
	}
	return fields, nil
}

// Binding says how the fields of an options struct meet the command line
// and the config file. Register needs a help text for every flag; beyond
// that, the zero Binding handles every field type listed on Register.
type Binding struct {
	// Usage is the help text of each flag, by flag name.
	Usage map[string]string
	// Flags replaces the default flag.Value of a field, by flag name. The
	// value must write into the same field.
	Flags map[string]flag.Value
	// Keys routes a TOML value through Set, by TOML key: a scalar is turned
	// into its string form first, so a bool true arrives as "true".
	Keys map[string]flag.Value
}

// Register defines one flag on fs for every tagged field of opts, a pointer
// to a struct. Without a replacement in b.Flags the field type picks the
// flag: string, bool, int, int64, uint, uint64, float64 and time.Duration
// behave as the standard library's flags; a field whose pointer is a
// flag.Value is used as is; []string appends one value per use; []float64
// appends the comma-separated values of each use.
func (b Binding) Register(fs *flag.FlagSet, opts any) error {
	fields, err := Fields(opts)
	if err != nil {
		return err
	}
	for _, f := range fields {
		usage, ok := b.Usage[f.Flag]
		if !ok {
			return fmt.Errorf("config: no help text for flag -%s", f.Flag)
		}
		if v, ok := b.Flags[f.Flag]; ok {
			fs.Var(v, f.Flag, usage)
			continue
		}
		if err := define(fs, f, usage); err != nil {
			return err
		}
	}
	return nil
}

// Apply copies the values of cfg, a decoded TOML document, into the fields
// of opts whose flag was not set explicitly on fs (see coerce for what each
// field type accepts). Keys that name no field are ignored. The first bad
// value, in field order, stops it with an error naming the key and value.
func (b Binding) Apply(fs *flag.FlagSet, opts any, cfg map[string]any) error {
	fields, err := Fields(opts)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, f := range fields {
		raw, ok := cfg[f.Key]
		if !ok || given[f.Flag] {
			continue
		}
		if v, ok := b.Keys[f.Key]; ok {
			err = setString(v, raw)
		} else {
			err = coerce(f.Value, raw)
		}
		if err != nil {
			return fmt.Errorf("failed parsing %s %+v - %w", f.Key, raw, err)
		}
	}
	return nil
}

// ReadFile decodes the TOML file at path into a generic key/value map.
func ReadFile(path string) (map[string]any, error) {
	if path == "" {
		return nil, errors.New("no config file named")
	}
	cfg := map[string]any{}
	if _, err := toml.DecodeFile(path, &cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}
