package deploy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// object is the part of a Kubernetes object (or of the kustomization) that
// the checks read.
type object struct {
	File     string `yaml:"-"`
	Kind     string
	Metadata struct {
		Name   string
		Labels map[string]string
	}
	Spec      objectSpec
	Resources []string // Kustomization
}

type objectSpec struct {
	ClusterIP                string `yaml:"clusterIP"`                // Service
	PublishNotReadyAddresses bool   `yaml:"publishNotReadyAddresses"` // Service
	Ports                    []struct {
		Name       string
		Port       int
		TargetPort string `yaml:"targetPort"`
	} // Service
	Selector             selector
	ServiceName          string `yaml:"serviceName"` // StatefulSet
	Replicas             *int
	VolumeClaimTemplates []struct{ Metadata struct{ Name string } } `yaml:"volumeClaimTemplates"`
	MaxUnavailable       *int                                       `yaml:"maxUnavailable"` // PodDisruptionBudget
	Template             struct {
		Metadata struct{ Labels map[string]string }
		Spec     struct {
			TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
			Containers                    []k8sContainer
		}
	}
}

// selector is a Service's label map or a workload's matchLabels.
type selector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
	Inline      map[string]string `yaml:",inline"`
}

func (s selector) labels() map[string]string {
	if s.MatchLabels != nil {
		return s.MatchLabels
	}
	return s.Inline
}

type k8sContainer struct {
	Name    string
	Command []string
	Args    []string
	Env     []struct {
		Name      string
		Value     string
		ValueFrom *struct {
			FieldRef struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	}
	Ports          []containerPort
	ReadinessProbe *k8sProbe `yaml:"readinessProbe"`
	LivenessProbe  *k8sProbe `yaml:"livenessProbe"`
	Lifecycle      struct {
		PreStop *struct {
			Exec struct{ Command []string }
		} `yaml:"preStop"`
	}
	Resources struct {
		Requests map[string]string
	}
	VolumeMounts []struct {
		Name      string
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type containerPort struct {
	Name          string
	ContainerPort int `yaml:"containerPort"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string
		Port string // a number or the name of a container port
	} `yaml:"httpGet"`
}

// kubernetesObjects decodes every document of every file in kubernetes/.
func kubernetesObjects() ([]object, error) {
	names, err := fs.Glob(files, "kubernetes/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []object
	for _, name := range names {
		f, err := files.Open(name)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(f)
		dec.KnownFields(false)
		for {
			o := object{File: name}
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, o)
		}
		f.Close()
	}
	return out, nil
}

func kubernetesContainers() ([]Container, error) {
	objs, err := kubernetesObjects()
	if err != nil {
		return nil, err
	}
	var out []Container
	for _, o := range objs {
		for _, kc := range o.Spec.Template.Spec.Containers {
			c, err := o.container(kc)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// container reads kc, one container of the workload o.
func (o object) container(kc k8sContainer) (Container, error) {
	c := Container{Where: fmt.Sprintf("%s %s %s", o.File, o.Kind, o.Metadata.Name), AllPorts: true}
	env, err := o.env(kc)
	if err != nil {
		return c, fmt.Errorf("%s: %w", c.Where, err)
	}
	var argv []string
	for _, a := range append(kc.Command, kc.Args...) {
		if a, err = expand(a, env); err != nil {
			return c, fmt.Errorf("%s: %w", c.Where, err)
		}
		argv = append(argv, a)
	}
	c.Binary, c.Args = binaryOf(argv)
	named := make(map[string]int)
	for _, p := range kc.Ports {
		c.Ports = append(c.Ports, p.ContainerPort)
		named[p.Name] = p.ContainerPort
	}
	for _, kp := range []struct {
		kind string
		p    *k8sProbe
	}{{"readinessProbe", kc.ReadinessProbe}, {"livenessProbe", kc.LivenessProbe}} {
		kind, p := kp.kind, kp.p
		if p == nil || p.HTTPGet == nil {
			return c, fmt.Errorf("%s: no HTTP %s", c.Where, kind)
		}
		port, ok := named[p.HTTPGet.Port]
		if n, err := strconv.Atoi(p.HTTPGet.Port); err == nil {
			port, ok = n, true
		}
		if !ok {
			return c, fmt.Errorf("%s: %s names no port of the container: %q", c.Where, kind, p.HTTPGet.Port)
		}
		c.Probes = append(c.Probes, Probe{Kind: kind, Path: p.HTTPGet.Path, Port: port})
	}
	if ps := kc.Lifecycle.PreStop; ps != nil {
		pr, err := urlProbe("preStop", ps.Exec.Command)
		if err != nil {
			return c, fmt.Errorf("%s: %w", c.Where, err)
		}
		c.Probes = append(c.Probes, pr)
	}
	return c, nil
}

// env is the container's environment as the pod's first replica sees it:
// metadata.name of a StatefulSet's pod is "<name>-0"; the namespace is
// "default".
func (o object) env(kc k8sContainer) (map[string]string, error) {
	env := make(map[string]string)
	for _, e := range kc.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.FieldRef.FieldPath == "metadata.name":
			env[e.Name] = o.Metadata.Name + "-0"
		case e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env[e.Name] = "default"
		default:
			return nil, fmt.Errorf("env %s: unexpected source", e.Name)
		}
	}
	return env, nil
}

var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand replaces each $(VAR) of s, as Kubernetes does in command and args;
// a variable that is not defined is an error (Kubernetes would leave the
// reference as it is).
func expand(s string, env map[string]string) (string, error) {
	var missing error
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := varRef.FindStringSubmatch(ref)[1]
		v, ok := env[name]
		if !ok {
			missing = fmt.Errorf("$(%s) in %q is not in the container's env", name, s)
		}
		return v
	})
	return out, missing
}
