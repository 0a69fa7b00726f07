package deploy

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The daemons' own flag sets parse each container's arguments in the tests
// of cmd/nsqd, cmd/nsqlookupd and cmd/nsqadmin; these tests check how the
// files fit together.

var daemons = []string{"nsqd", "nsqlookupd", "nsqadmin"}

// flagValues returns the values of every --name=value in args.
func flagValues(args []string, name string) []string {
	var out []string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestContainers(t *testing.T) {
	all, err := Containers("")
	require.NoError(t, err)
	seen := map[string]int{}
	for _, c := range all {
		require.Contains(t, daemons, c.Binary, c.Where)
		seen[c.Binary]++
		require.NotEmpty(t, c.Probes, c.Where)
		for _, p := range c.Probes {
			want := "/ping"
			switch {
			case p.Kind == "preStop":
				want = "/drain"
			case p.Kind == "livenessProbe" && c.Binary == "nsqd":
				want = "/info" // /ping fails on purpose while nsqd drains
			}
			require.Equal(t, want, p.Path, "%s: %s", c.Where, p.Kind)
		}
	}
	// Each daemon once on Kubernetes; 2 nsqlookupd, 3 nsqd, 1 nsqadmin in Compose.
	require.Equal(t, map[string]int{"nsqlookupd": 3, "nsqd": 4, "nsqadmin": 2}, seen)
}

func TestComposeCluster(t *testing.T) {
	cf, err := readCompose()
	require.NoError(t, err)
	byBinary := map[string][]string{}
	for name, s := range cf.Services {
		require.Equal(t, map[string]any{"context": ".."}, s.Build, name)
		require.Equal(t, "nsq:local", s.Image, name)
		bin, _ := binaryOf(s.Command)
		byBinary[bin] = append(byBinary[bin], name)
	}
	for _, names := range byBinary {
		slices.Sort(names)
	}
	require.Equal(t, []string{"nsqlookupd-1", "nsqlookupd-2"}, byBinary["nsqlookupd"])
	require.Equal(t, []string{"nsqd-1", "nsqd-2", "nsqd-3"}, byBinary["nsqd"])
	require.Equal(t, []string{"nsqadmin"}, byBinary["nsqadmin"])

	lookupdAddrs := func(port string) []string {
		var out []string
		for _, l := range byBinary["nsqlookupd"] {
			out = append(out, l+":"+port)
		}
		return out
	}
	for _, name := range byBinary["nsqlookupd"] {
		require.Equal(t, []string{name}, flagValues(cf.Services[name].Command, "broadcast-address"))
	}
	for _, name := range byBinary["nsqd"] {
		s := cf.Services[name]
		require.Equal(t, []string{name}, flagValues(s.Command, "broadcast-address"), name)
		require.Equal(t, lookupdAddrs("4160"), flagValues(s.Command, "lookupd-tcp-address"), name)
		require.Equal(t, []string{"/data"}, flagValues(s.Command, "data-path"), name)
		require.Equal(t, []string{name + "-data:/data"}, s.Volumes, name)
		require.Contains(t, cf.Volumes, name+"-data")
	}
	admin := cf.Services["nsqadmin"].Command
	require.Equal(t, lookupdAddrs("4161"), flagValues(admin, "lookupd-http-address"))
}

// TestDockerfileHasHealthcheckTool: the health checks and hooks run a tool
// that the image's final stage installs.
func TestDockerfileHasHealthcheckTool(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	stages := strings.Split(string(b), "\nFROM ")
	final := stages[len(stages)-1]
	require.Regexp(t, `apt-get install [^\n]*\bwget\b`, final)
	cf, err := readCompose()
	require.NoError(t, err)
	for name, s := range cf.Services {
		require.Equal(t, "wget", s.Healthcheck.Test[1], name)
	}
}

// objectsOf returns the objects of kind by name.
func objectsOf(objs []object, kind string) map[string]object {
	out := map[string]object{}
	for _, o := range objs {
		if o.Kind == kind {
			out[o.Metadata.Name] = o
		}
	}
	return out
}

func TestKubernetesStatefulSets(t *testing.T) {
	objs, err := kubernetesObjects()
	require.NoError(t, err)
	sets, services := objectsOf(objs, "StatefulSet"), objectsOf(objs, "Service")
	require.Len(t, sets, 2)
	for name, ss := range sets {
		svc, ok := services[ss.Spec.ServiceName]
		require.True(t, ok, "%s: no Service %s", name, ss.Spec.ServiceName)
		require.Equal(t, "None", svc.Spec.ClusterIP, "%s: the Service must be headless", name)
		require.True(t, svc.Spec.PublishNotReadyAddresses, name)
		c := ss.Spec.Template.Spec.Containers[0]
		want := "$(POD_NAME)." + ss.Spec.ServiceName + ".$(POD_NAMESPACE).svc"
		require.Equal(t, []string{want}, flagValues(c.Args, "broadcast-address"), name)
	}
	lookupd := sets["nsqlookupd"]
	require.Equal(t, 3, *lookupd.Spec.Replicas)
	lookupdAddrs := func(port string) []string {
		var out []string
		for i := range *lookupd.Spec.Replicas {
			out = append(out, fmt.Sprintf("nsqlookupd-%d.%s:%s", i, lookupd.Spec.ServiceName, port))
		}
		return out
	}

	nsqd := sets["nsqd"]
	c := nsqd.Spec.Template.Spec.Containers[0]
	require.Equal(t, lookupdAddrs("4160"), flagValues(c.Args, "lookupd-tcp-address"))
	require.Len(t, nsqd.Spec.VolumeClaimTemplates, 1)
	claim := nsqd.Spec.VolumeClaimTemplates[0].Metadata.Name
	require.Len(t, c.VolumeMounts, 1)
	require.Equal(t, claim, c.VolumeMounts[0].Name)
	require.Equal(t, []string{c.VolumeMounts[0].MountPath}, flagValues(c.Args, "data-path"))
	// The drain may take its whole timeout before nsqd exits.
	drain := regexp.MustCompile(`/drain\?timeout=(\d+)m`).FindStringSubmatch(strings.Join(c.Lifecycle.PreStop.Exec.Command, " "))
	require.NotNil(t, drain)
	minutes, err := strconv.Atoi(drain[1])
	require.NoError(t, err)
	require.Greater(t, *nsqd.Spec.Template.Spec.TerminationGracePeriodSeconds, 60*minutes)

	admin := objectsOf(objs, "Deployment")["nsqadmin"]
	require.Equal(t, lookupdAddrs("4161"), flagValues(admin.Spec.Template.Spec.Containers[0].Args, "lookupd-http-address"))
}

// TestKubernetesSelectors: every Service and PodDisruptionBudget selects a
// workload's pods, and a Service targets ports its containers name.
func TestKubernetesSelectors(t *testing.T) {
	objs, err := kubernetesObjects()
	require.NoError(t, err)
	var workloads []object
	for _, o := range objs {
		if o.Kind == "StatefulSet" || o.Kind == "Deployment" {
			require.Equal(t, o.Spec.Selector.labels(), o.Spec.Template.Metadata.Labels, o.Metadata.Name)
			workloads = append(workloads, o)
		}
	}
	selected := func(sel map[string]string) (object, bool) {
		for _, w := range workloads {
			if len(sel) > 0 && mapSubset(sel, w.Spec.Template.Metadata.Labels) {
				return w, true
			}
		}
		return object{}, false
	}
	pdbs := 0
	for _, o := range objs {
		switch o.Kind {
		case "Service":
			w, ok := selected(o.Spec.Selector.labels())
			require.True(t, ok, "Service %s selects no workload", o.Metadata.Name)
			for _, p := range o.Spec.Ports {
				want := containerPort{Name: p.TargetPort, ContainerPort: p.Port}
				require.Contains(t, w.Spec.Template.Spec.Containers[0].Ports, want,
					"Service %s: port %s", o.Metadata.Name, p.Name)
			}
		case "PodDisruptionBudget":
			pdbs++
			w, ok := selected(o.Spec.Selector.labels())
			require.True(t, ok, "PodDisruptionBudget %s selects no workload", o.Metadata.Name)
			require.Equal(t, "StatefulSet", w.Kind)
			require.Equal(t, 1, *o.Spec.MaxUnavailable)
		}
	}
	require.Equal(t, 2, pdbs)
}

func mapSubset(sub, m map[string]string) bool {
	for k, v := range sub {
		if m[k] != v {
			return false
		}
	}
	return true
}

// TestKubernetesResources: every container asks for CPU and memory.
func TestKubernetesResources(t *testing.T) {
	objs, err := kubernetesObjects()
	require.NoError(t, err)
	for _, o := range objs {
		for _, c := range o.Spec.Template.Spec.Containers {
			require.NotEmpty(t, c.Resources.Requests["cpu"], o.Metadata.Name)
			require.NotEmpty(t, c.Resources.Requests["memory"], o.Metadata.Name)
		}
	}
}

// TestKustomization lists every other file of kubernetes/.
func TestKustomization(t *testing.T) {
	objs, err := kubernetesObjects()
	require.NoError(t, err)
	var files, listed []string
	for _, o := range objs {
		if o.Kind == "Kustomization" {
			listed = o.Resources
		} else if !slices.Contains(files, path.Base(o.File)) {
			files = append(files, path.Base(o.File))
		}
	}
	require.ElementsMatch(t, files, listed)
}
