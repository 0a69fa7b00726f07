// Package deploy holds the files that run an NSQ cluster with Docker Compose
// (compose.yaml) and on Kubernetes (kubernetes/), and reads them for the
// tests that check them: every container's command line must parse with its
// daemon's own flags, and its ports and health checks must match the
// addresses those flags set. Only _test.go files import this package, so no
// binary carries its YAML parser.
package deploy

import (
	"embed"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

//go:embed compose.yaml kubernetes/*.yaml
var files embed.FS

// Container is one container of the files, as its daemon sees it.
type Container struct {
	Where  string   // file and service or workload, e.g. "kubernetes/nsqd.yaml StatefulSet nsqd"
	Binary string   // the daemon: the base name of the first word of the command line
	Args   []string // the rest of the command line, $(VAR) references expanded
	Ports  []int    // the container ports it declares (Compose: publishes)
	// AllPorts: the file must declare every port the daemon listens on
	// (Kubernetes, where Services and probes name them).
	AllPorts bool
	Probes   []Probe // its HTTP health checks and hooks
}

// Probe is an HTTP request the platform sends to a container.
type Probe struct {
	Kind string // readinessProbe, livenessProbe, preStop (Kubernetes); healthcheck (Compose)
	Path string
	Port int
}

// Containers returns every container of the files that runs binary ("" for
// all of them).
func Containers(binary string) ([]Container, error) {
	k8s, err := kubernetesContainers()
	if err != nil {
		return nil, err
	}
	compose, err := composeContainers()
	if err != nil {
		return nil, err
	}
	all := slices.Concat(k8s, compose)
	if binary == "" {
		return all, nil
	}
	return slices.DeleteFunc(all, func(c Container) bool { return c.Binary != binary }), nil
}

// CheckEach runs listen on every container that runs binary (there must be
// one) and checks the container with CheckAddrs against the addresses it
// returns, HTTP first. listen parses c.Args with the daemon's own flags and
// fails for what the daemon would refuse or the files must not do.
func CheckEach(binary string, listen func(c Container) (addrs []string, err error)) error {
	cs, err := Containers(binary)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return fmt.Errorf("no container runs %s", binary)
	}
	for _, c := range cs {
		addrs, err := listen(c)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Where, err)
		}
		if err := c.CheckAddrs(addrs[0], addrs[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// CheckAddrs checks c against the addresses its daemon listens on, as its
// flags set them: httpAddr (where every health check must go) and the
// others. Every port c declares must be one of them.
func (c Container) CheckAddrs(httpAddr string, otherAddrs ...string) error {
	var listen []int
	for _, a := range append([]string{httpAddr}, otherAddrs...) {
		p, err := portOf(a)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Where, err)
		}
		listen = append(listen, p)
		if c.AllPorts && !slices.Contains(c.Ports, p) {
			return fmt.Errorf("%s: listens on %d (%s), which is not among its ports %v", c.Where, p, a, c.Ports)
		}
	}
	for _, p := range c.Ports {
		if !slices.Contains(listen, p) {
			return fmt.Errorf("%s: declares port %d, but listens on %v", c.Where, p, listen)
		}
	}
	for _, pr := range c.Probes {
		if pr.Port != listen[0] {
			return fmt.Errorf("%s: %s asks port %d, the HTTP port is %d", c.Where, pr.Kind, pr.Port, listen[0])
		}
	}
	return nil
}

func portOf(addr string) (int, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}

// binaryOf splits a command line into the daemon's name and its arguments.
func binaryOf(argv []string) (string, []string) {
	if len(argv) == 0 {
		return "", nil
	}
	return argv[0][strings.LastIndex(argv[0], "/")+1:], argv[1:]
}
