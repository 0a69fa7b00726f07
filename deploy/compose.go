package deploy

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of compose.yaml the checks read.
type composeFile struct {
	Services map[string]composeService
	Volumes  map[string]any
}

type composeService struct {
	Image       string
	Build       any
	Command     []string
	Ports       []string
	Volumes     []string
	Healthcheck struct{ Test []string }
}

func readCompose() (composeFile, error) {
	var cf composeFile
	b, err := files.ReadFile("compose.yaml")
	if err == nil {
		err = yaml.Unmarshal(b, &cf)
	}
	if err != nil {
		return cf, fmt.Errorf("compose.yaml: %w", err)
	}
	return cf, nil
}

func composeContainers() ([]Container, error) {
	cf, err := readCompose()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(cf.Services))
	for name := range cf.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Container
	for _, name := range names {
		s := cf.Services[name]
		c := Container{Where: "compose.yaml " + name}
		c.Binary, c.Args = binaryOf(s.Command)
		for _, p := range s.Ports {
			// [[ip:]host:]container[/protocol]
			p, _, _ = strings.Cut(p, "/")
			n, err := strconv.Atoi(p[strings.LastIndex(p, ":")+1:])
			if err != nil {
				return nil, fmt.Errorf("%s: port %q: %w", c.Where, p, err)
			}
			c.Ports = append(c.Ports, n)
		}
		if len(s.Healthcheck.Test) == 0 || s.Healthcheck.Test[0] != "CMD" {
			return nil, fmt.Errorf("%s: the healthcheck is not a CMD list", c.Where)
		}
		pr, err := urlProbe("healthcheck", s.Healthcheck.Test[1:])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Where, err)
		}
		c.Probes = append(c.Probes, pr)
		out = append(out, c)
	}
	return out, nil
}

var localURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/[^"' ]*`)

// urlProbe finds the one http://127.0.0.1:<port>/... URL in a command line.
func urlProbe(kind string, argv []string) (Probe, error) {
	urls := localURL.FindAllString(strings.Join(argv, " "), -1)
	if len(urls) != 1 {
		return Probe{}, fmt.Errorf("%s: want one http://127.0.0.1 URL in %q", kind, argv)
	}
	u, err := url.Parse(urls[0])
	if err != nil {
		return Probe{}, err
	}
	port, err := strconv.Atoi(u.Port())
	return Probe{Kind: kind, Path: u.Path, Port: port}, err
}
