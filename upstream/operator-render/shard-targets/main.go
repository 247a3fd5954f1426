// shard-targets shows which targets each shard of a sharded Prometheus keeps, with Prometheus's own
// code from discovery to relabeling:
//
//	shard-targets --shards N CONFIG CLUSTER
//
// (built from github.com/prometheus/prometheus at the version prometheus-operator's module pins).
//
// CONFIG is a prometheus.yml as prometheus-operator generates it for spec.shards N (operator-render
// --shards N). CLUSTER is a JSON file {"nodes": [...], "pods": [...]} of Kubernetes Node and Pod
// objects.
//
// For each shard s it does what the shard's Prometheus does with that configuration:
//
//   - the config-reloader's substitution of the shard's environment, `$(SHARD)` = s and
//     `$(POD_NAME)` (pkg/operator ShardEnvVar; the StatefulSet's SHARD variable);
//   - config.Load of the result (Prometheus's own parser and defaults);
//   - Kubernetes discovery of every kubernetes_sd_config with the discovery package's own
//     discoverers (kubernetes.NewNode, kubernetes.NewPod) over informers of a client holding the
//     CLUSTER objects, built as discovery/kubernetes/kubernetes.go builds them: the selectors of
//     the config in the list options, one pod informer per namespace, the pods indexed by node and
//     a node informer when attach_metadata.node is set;
//   - scrape.PopulateLabels on every discovered target: the scrape labels, then the relabel_configs
//     (the operator's hashmod and keep included), as the scrape manager does.
//
// It prints JSON: per job, the number of discovered targets and, per shard, the label sets of the
// targets the shard keeps.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/discovery/kubernetes"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// podNodeIndex is the pod informer index discovery/kubernetes/pod.go reads (its nodeIndex).
const podNodeIndex = "node"

type cluster struct {
	Nodes []corev1.Node `json:"nodes"`
	Pods  []corev1.Pod  `json:"pods"`
}

type jobResult struct {
	Discovered int                   `json:"discovered"`
	Shards     [][]map[string]string `json:"shards"`
}

func main() {
	// The fake client's watch holds at most 100 events: list with List, not with a streaming watch.
	_ = os.Setenv("KUBE_FEATURE_WatchListClient", "false")
	flags := flag.NewFlagSet("shard-targets", flag.ExitOnError)
	shards := flags.Int("shards", 0, "spec.shards the configuration was generated for")
	showVersion := flags.Bool("version", false, "print the Prometheus module version this program runs and exit")
	_ = flags.Parse(os.Args[1:])
	if *showVersion {
		fmt.Printf("shard-targets, prometheus %s\n", moduleVersion("github.com/prometheus/prometheus"))
		return
	}
	if *shards < 1 || flags.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: shard-targets --shards N CONFIG CLUSTER")
		os.Exit(2)
	}
	out, err := run(flags.Arg(0), flags.Arg(1), *shards)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shard-targets: %v\n", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]any{"jobs": out}); err != nil {
		os.Exit(1)
	}
}

// moduleVersion is the version of a module this binary was built with.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "(unknown)"
}

func run(configFile, clusterFile string, shards int) (map[string]*jobResult, error) {
	text, err := os.ReadFile(configFile)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(clusterFile)
	if err != nil {
		return nil, err
	}
	var objs cluster
	if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, fmt.Errorf("%s: %w", clusterFile, err)
	}
	var objects []runtime.Object
	for i := range objs.Nodes {
		objects = append(objects, &objs.Nodes[i])
	}
	for i := range objs.Pods {
		objects = append(objects, &objs.Pods[i])
	}
	client := fake.NewClientset(objects...)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	configs := make([]*config.Config, shards)
	for shard := range configs {
		expanded := strings.NewReplacer("$(SHARD)", strconv.Itoa(shard), "$(POD_NAME)", "prometheus-shard-"+strconv.Itoa(shard)).Replace(string(text))
		if configs[shard], err = config.Load(expanded, logger); err != nil {
			return nil, fmt.Errorf("shard %d: loading the configuration: %w", shard, err)
		}
	}

	// Discovery does not depend on the shard: run it once per job, every job at once.
	jobs := configs[0].ScrapeConfigs
	discovered := make([][]*targetgroup.Group, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, sc := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			discovered[i], errs[i] = discover(client, sc)
		}()
	}
	wg.Wait()

	results := map[string]*jobResult{}
	for i, sc := range jobs {
		if errs[i] != nil {
			return nil, fmt.Errorf("job %s: %w", sc.JobName, errs[i])
		}
		res := &jobResult{Shards: make([][]map[string]string, shards)}
		results[sc.JobName] = res
		for _, tg := range discovered[i] {
			res.Discovered += len(tg.Targets)
		}
		for shard, cfg := range configs {
			shardJob := cfg.ScrapeConfigs[i]
			kept := []map[string]string{}
			lb := labels.NewBuilder(labels.EmptyLabels())
			for _, tg := range discovered[i] {
				for _, t := range tg.Targets {
					lset, err := scrape.PopulateLabels(lb, shardJob, t, tg.Labels)
					if err != nil {
						return nil, fmt.Errorf("job %s: target %v: %w", sc.JobName, t, err)
					}
					if !lset.IsEmpty() { // empty: dropped by relabeling (another shard's, or not selected)
						kept = append(kept, lset.Map())
					}
				}
			}
			sort.Slice(kept, func(a, b int) bool {
				return kept[a]["__address__"]+kept[a]["__param_nodeName"] < kept[b]["__address__"]+kept[b]["__param_nodeName"]
			})
			res.Shards[shard] = kept
		}
	}
	return results, nil
}

// discover runs the job's Kubernetes discoverers until they have sent every target group.
func discover(client *fake.Clientset, sc *config.ScrapeConfig) ([]*targetgroup.Group, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eventCount := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "events_total"}, []string{"role", "event"})

	var discoverers []discovery.Discoverer
	for _, c := range sc.ServiceDiscoveryConfigs {
		sd, ok := c.(*kubernetes.SDConfig)
		if !ok {
			return nil, fmt.Errorf("only kubernetes_sd_configs are modelled, got %s", c.Name())
		}
		d, err := newDiscoverer(ctx, client, sd, eventCount)
		if err != nil {
			return nil, err
		}
		discoverers = append(discoverers, d)
	}

	ch := make(chan []*targetgroup.Group)
	bySource := map[string]*targetgroup.Group{}
	for _, d := range discoverers {
		go d.Run(ctx, ch)
	}
	// Every group arrives shortly after the informers sync; stop once none came for a while.
	quiet := time.NewTimer(time.Second)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case groups := <-ch:
			for _, g := range groups {
				bySource[g.Source] = g
			}
			quiet.Reset(500 * time.Millisecond)
		case <-quiet.C:
			sources := make([]string, 0, len(bySource))
			for s := range bySource {
				sources = append(sources, s)
			}
			sort.Strings(sources)
			out := make([]*targetgroup.Group, 0, len(sources))
			for _, s := range sources {
				out = append(out, bySource[s])
			}
			return out, nil
		case <-deadline:
			return nil, fmt.Errorf("discovery did not settle within 30s")
		}
	}
}

func selectorsFor(sd *kubernetes.SDConfig, role kubernetes.Role) (label, field string) {
	for _, s := range sd.Selectors {
		if s.Role == role {
			return s.Label, s.Field
		}
	}
	return "", ""
}

func nodeInformer(ctx context.Context, client *fake.Clientset, sd *kubernetes.SDConfig) cache.SharedInformer {
	label, field := selectorsFor(sd, kubernetes.RoleNode)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
			options.LabelSelector, options.FieldSelector = label, field
			return client.CoreV1().Nodes().List(ctx, options)
		},
		WatchFuncWithContext: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
			options.LabelSelector, options.FieldSelector = label, field
			return client.CoreV1().Nodes().Watch(ctx, options)
		},
	}
	inf := cache.NewSharedInformer(lw, &corev1.Node{}, 0)
	go inf.Run(ctx.Done())
	return inf
}

func newDiscoverer(ctx context.Context, client *fake.Clientset, sd *kubernetes.SDConfig, eventCount *prometheus.CounterVec) (discovery.Discoverer, error) {
	for _, s := range sd.Selectors {
		if s.Field != "" {
			// The fake client does not filter by field; refuse rather than discover too much.
			return nil, fmt.Errorf("field selectors are not modelled, got %q", s.Field)
		}
	}
	switch sd.Role {
	case kubernetes.RoleNode:
		return kubernetes.NewNode(nil, nodeInformer(ctx, client, sd), eventCount), nil
	case kubernetes.RolePod:
		namespaces := sd.NamespaceDiscovery.Names
		if len(namespaces) == 0 {
			namespaces = []string{metav1.NamespaceAll}
		}
		var nodes cache.SharedInformer
		if sd.AttachMetadata.Node {
			nodes = nodeInformer(ctx, client, sd)
		}
		label, field := selectorsFor(sd, kubernetes.RolePod)
		var pods []discovery.Discoverer
		for _, ns := range namespaces {
			lw := &cache.ListWatch{
				ListWithContextFunc: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
					options.LabelSelector, options.FieldSelector = label, field
					return client.CoreV1().Pods(ns).List(ctx, options)
				},
				WatchFuncWithContext: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
					options.LabelSelector, options.FieldSelector = label, field
					return client.CoreV1().Pods(ns).Watch(ctx, options)
				},
			}
			indexers := cache.Indexers{}
			if sd.AttachMetadata.Node {
				indexers[podNodeIndex] = func(obj any) ([]string, error) {
					return []string{obj.(*corev1.Pod).Spec.NodeName}, nil
				}
			}
			inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, indexers)
			pods = append(pods, kubernetes.NewPod(nil, inf, nodes, nil, nil, nil, false, false, false, eventCount))
			go inf.Run(ctx.Done())
		}
		return multi(pods), nil
	default:
		return nil, fmt.Errorf("role %s is not modelled", sd.Role)
	}
}

// multi runs several discoverers onto one channel (one per namespace, as Prometheus does).
type multi []discovery.Discoverer

func (m multi) Run(ctx context.Context, ch chan<- []*targetgroup.Group) {
	for _, d := range m {
		go d.Run(ctx, ch)
	}
	<-ctx.Done()
}
