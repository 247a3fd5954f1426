// prometheus-rules renders PrometheusRules into the rule files a Prometheus loads, with
// prometheus-operator's own code, as the operator does when it reconciles a Prometheus resource:
//
//	prometheus-rules [--prometheus-version vX.Y.Z] FILE...
//
// Each FILE holds YAML manifests (several documents allowed); documents of other kinds are ignored.
// A PrometheusRule is read strictly (a field the type does not know is an error, as strict field
// validation refuses it), given a fixed UID, and put in an informer of its namespace. The operator's
// PrometheusRuleSelector (pkg/operator/rules.go) then selects every rule, as a Prometheus whose
// ruleSelector and ruleNamespaceSelector are `{}` does, without enforcedNamespaceLabel: it
// sanitizes each spec for the Prometheus version, marshals it, and validates it with Prometheus's
// own rule parser (rulefmt), refusing a rule that does not parse.
//
// It prints JSON on stdout, {"files": {"<namespace>-<name>-<uid>.yaml": "<rule file>"}}, and exits
// 0; when the operator refuses a PrometheusRule it prints its warnings on stderr and exits 1.
// Unreadable input or a bad flag exits 2.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus-operator/prometheus-operator/pkg/informers"
	"github.com/prometheus-operator/prometheus-operator/pkg/namespacelabeler"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	"github.com/prometheus/prometheus/promql/parser"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// namespaceInformers is an informers.FactoriesForNamespaces over in-memory stores, one per namespace.
type namespaceInformers map[string]cache.SharedIndexInformer

type informLister struct{ informer cache.SharedIndexInformer }

func (l informLister) Informer() cache.SharedIndexInformer { return l.informer }
func (l informLister) Lister() cache.GenericLister {
	return cache.NewGenericLister(l.informer.GetIndexer(), monitoringv1.SchemeGroupVersion.WithResource(monitoringv1.PrometheusRuleName).GroupResource())
}

func (n namespaceInformers) ForResource(namespace string, _ schema.GroupVersionResource) (informers.InformLister, error) {
	return informLister{n[namespace]}, nil
}

func (n namespaceInformers) Namespaces() sets.Set[string] {
	out := sets.New[string]()
	for ns := range n {
		out.Insert(ns)
	}
	return out
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("prometheus-rules", flag.ContinueOnError)
	flags.SetOutput(stderr)
	promVersion := flags.String("prometheus-version", operator.DefaultPrometheusVersion, "spec.version of the Prometheus resource")
	showVersion := flags.Bool("version", false, "print the prometheus-operator version this program runs and exit")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "prometheus-rules, prometheus-operator %s\n", operatorVersion())
		return 0
	}
	if flags.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: prometheus-rules [--prometheus-version vX.Y.Z] FILE...")
		return 2
	}

	stores := namespaceInformers{}
	count := 0
	for _, file := range flags.Args() {
		rules, err := readRules(file)
		if err != nil {
			fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
			return 2
		}
		for _, rule := range rules {
			if stores[rule.Namespace] == nil {
				stores[rule.Namespace] = cache.NewSharedIndexInformer(&cache.ListWatch{}, &monitoringv1.PrometheusRule{}, 0,
					cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
			}
			if err := stores[rule.Namespace].GetStore().Add(rule); err != nil {
				fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
				return 2
			}
			count++
		}
	}

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ruleInformer, err := informers.NewInformersForResource(stores, monitoringv1.SchemeGroupVersion.WithResource(monitoringv1.PrometheusRuleName))
	if err != nil {
		fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
		return 2
	}
	p := &monitoringv1.Prometheus{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.PrometheusesKind},
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "default"},
	}
	selector, err := operator.NewPrometheusRuleSelector(operator.PrometheusFormat, *promVersion, &metav1.LabelSelector{},
		namespacelabeler.New("", nil, false), ruleInformer, operator.NewFakeRecorder(count+1, p), logger, parser.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
		return 2
	}
	namespaces := sets.List(stores.Namespaces())
	selection, err := selector.Select(namespaces)
	if err != nil {
		fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
		return 1
	}
	out, err := json.Marshal(map[string]any{"files": selection.RuleFiles()})
	if err != nil {
		fmt.Fprintf(stderr, "prometheus-rules: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, string(out))
	if selection.RejectedLen() > 0 {
		fmt.Fprintf(stderr, "prometheus-rules: the operator refused %d of %d PrometheusRules\n", selection.RejectedLen(), count)
		return 1
	}
	return 0
}

// readRules reads the PrometheusRules of a YAML file, strictly.
func readRules(file string) ([]*monitoringv1.PrometheusRule, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []*monitoringv1.PrometheusRule
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if meta.Kind != monitoringv1.PrometheusRuleKind || meta.APIVersion != monitoringv1.SchemeGroupVersion.String() {
			continue
		}
		rule := &monitoringv1.PrometheusRule{}
		if err := yaml.UnmarshalStrict(bytes.TrimSpace(doc), rule); err != nil {
			return nil, fmt.Errorf("%s: PrometheusRule: %w", file, err)
		}
		rule.UID = types.UID("uid")
		out = append(out, rule)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name })
	return out, nil
}

// operatorVersion is the version of the operator module this binary was built with.
func operatorVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/prometheus-operator/prometheus-operator" {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "(unknown)"
}
