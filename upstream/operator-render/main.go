// operator-render renders ScrapeConfigs, ServiceMonitors and PodMonitors with prometheus-operator's
// own code, as the operator does when it reconciles a Prometheus resource:
//
//	operator-render [--prometheus-version vX.Y.Z] [--shards N] FILE...
//
// Each FILE holds YAML manifests (several documents allowed): ScrapeConfigs, ServiceMonitors,
// PodMonitors and the Secrets and ConfigMaps they reference. Other kinds are ignored, so a whole
// `cdk8s synth` or `helm template` output can be given. A Secret or ConfigMap given again replaces
// the earlier one, as `kubectl apply` does; a monitoring object given twice is an input error.
//
// What happens to them, in the order a cluster does it:
//
//  1. The API server's part, with the object's CRD embedded in the operator module (package
//     example) and apiextensions-apiserver's own algorithms: a field the CRD does not know is refused
//     (as strict field validation does; a lenient apply would silently prune it), the CRD's defaults
//     are filled in (e.g. a relabeling's `action: replace`), and the object is validated against the
//     CRD's OpenAPI schema. CEL rules (x-kubernetes-validations) are not evaluated. A Secret's
//     stringData is merged into its data.
//  2. The operator's selection and acceptance checks (pkg/prometheus/resource_selector.go):
//     ResourceSelector.SelectServiceMonitors, SelectPodMonitors and SelectScrapeConfigs, which
//     validate relabelings, selectors, endpoints, the scrape interval and timeout, and read every
//     referenced Secret and ConfigMap key through the operator's asset store
//     (assets.NewStoreBuilder over a client holding the given objects).
//  3. ConfigGenerator.GenerateServerConfiguration (pkg/prometheus/promcfg.go) on the accepted
//     objects.
//
// It prints the generated prometheus.yml on stdout and exits 0. When the API server's part or the
// operator rejects any object (the operator would then run without it), it prints one line per
// rejection on stderr, `<Kind> <namespace>/<name>: <reason>` (e.g. `ScrapeConfig monitoring/x: ...`,
// `ServiceMonitor monitoring/y: endpoints[0]: ...`), and exits 1. Unreadable input or a bad flag
// exits 2. The operator's warnings (e.g. a field dropped for an older Prometheus) go to stderr in
// either case.
//
// The Prometheus resource it renders for selects every given object: the ScrapeConfig,
// ServiceMonitor and PodMonitor selectors and namespace selectors are all `{}` (everything, in
// every namespace that holds an input object). Otherwise it is the operator's own test fixture
// (defaultPrometheus() in pkg/prometheus/promcfg_test.go), so that the output can be compared with
// the operator's golden files: Prometheus `default/test`, scrapeInterval and evaluationInterval 30s
// (also the CRD's defaults), spec.version from --prometheus-version (default: the operator's default
// Prometheus version), spec.shards from --shards (default: unset, one shard), no
// spec.serviceDiscoveryRole (Endpoints; a ServiceMonitor chooses EndpointSlice with its own
// spec.serviceDiscoveryRole, which the generator reads the same way). The generator is given
// WithEndpointSliceSupport(), as the operator gives it on every Kubernetes from 1.21
// (cmd/operator/main.go); it changes only how ServiceMonitors are rendered.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	crds "github.com/prometheus-operator/prometheus-operator/example"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	"github.com/prometheus-operator/prometheus-operator/pkg/assets"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	prompkg "github.com/prometheus-operator/prometheus-operator/pkg/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

const operatorModule = "github.com/prometheus-operator/prometheus-operator"

func main() {
	// A short-lived process that keeps every input object: collect garbage less often.
	debug.SetGCPercent(400)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is bad input: exit 2.
type usageError struct{ error }

// rejection is an object the API server or the operator refuses: exit 1.
type rejection struct {
	kind   string
	key    string
	reason string
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("operator-render", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: operator-render [--prometheus-version vX.Y.Z] [--shards N] FILE...")
		flags.PrintDefaults()
	}
	promVersion := flags.String("prometheus-version", "", "spec.version of the Prometheus resource (default: the operator's default Prometheus version, "+operator.DefaultPrometheusVersion+")")
	shards := flags.Int("shards", 0, "spec.shards of the Prometheus resource (default: unset, one shard)")
	showVersion := flags.Bool("version", false, "print the prometheus-operator version this program runs and exit")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "operator-render, prometheus-operator %s\n", operatorVersion())
		return 0
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return 2
	}
	if *shards < 0 || *shards > 1<<20 {
		fmt.Fprintf(stderr, "operator-render: --shards must be a positive number, got %d\n", *shards)
		return 2
	}

	logger := slog.New(quietHandler{slog.NewTextHandler(stderr, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})})

	out, rejections, err := render(logger, flags.Args(), *promVersion, int32(*shards))
	if err != nil {
		fmt.Fprintf(stderr, "operator-render: %v\n", err)
		var usage usageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
	if len(rejections) > 0 {
		for _, r := range rejections {
			fmt.Fprintf(stderr, "%s %s: %s\n", r.kind, r.key, r.reason)
		}
		return 1
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "operator-render: %v\n", err)
		return 2
	}
	return 0
}

// quietHandler drops the selector's "skipping object" warning: run prints each rejection itself.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "skipping object" {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

// operatorVersion is the version of the operator module this binary was built with.
func operatorVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	for _, dep := range info.Deps {
		if dep.Path == operatorModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return "(unknown)"
}

// inputs are the objects read from the files.
type inputs struct {
	scrapeConfigs   []*monitoringv1alpha1.ScrapeConfig
	serviceMonitors []*monitoringv1.ServiceMonitor
	podMonitors     []*monitoringv1.PodMonitor
	objects         map[string]runtime.Object // Secrets and ConfigMaps by kind/namespace/name
	namespaces      map[string]bool
	rejections      []rejection
}

// monitoringKinds are the kinds rendered, each with the CRD version it is read in.
var monitoringKinds = map[string]schema.GroupVersionKind{
	monitoringv1alpha1.ScrapeConfigsKind: monitoringv1alpha1.SchemeGroupVersion.WithKind(monitoringv1alpha1.ScrapeConfigsKind),
	monitoringv1.ServiceMonitorsKind:     monitoringv1.SchemeGroupVersion.WithKind(monitoringv1.ServiceMonitorsKind),
	monitoringv1.PodMonitorsKind:         monitoringv1.SchemeGroupVersion.WithKind(monitoringv1.PodMonitorsKind),
}

// listFn is the operator's ListAllByNamespaceFn over the given objects of one kind.
func listFn[T metav1.Object](objects []T) prompkg.ListAllByNamespaceFn {
	return func(namespace string, sel labels.Selector, appendFn cache.AppendFunc) error {
		for _, o := range objects {
			if o.GetNamespace() == namespace && sel.Matches(labels.Set(o.GetLabels())) {
				appendFn(o)
			}
		}
		return nil
	}
}

// refused lists the objects of a selection the operator did not accept, with its reasons.
func refused[T operator.ConfigurationResource](kind string, selected operator.TypedResourcesSelection[T]) []rejection {
	var out []rejection
	for key, res := range selected {
		for _, c := range res.Conditions() {
			if c.Status != monitoringv1.ConditionTrue {
				out = append(out, rejection{kind: kind, key: key, reason: c.Message})
			}
		}
	}
	return out
}

func render(logger *slog.Logger, files []string, promVersion string, shards int32) ([]byte, []rejection, error) {
	crds, err := newCRDSchemas()
	if err != nil {
		return nil, nil, err
	}
	in := &inputs{objects: map[string]runtime.Object{}, namespaces: map[string]bool{}}
	for _, file := range files {
		if err := in.readFile(file, crds); err != nil {
			return nil, nil, usageError{err}
		}
	}

	p := &monitoringv1.Prometheus{
		TypeMeta:   metav1.TypeMeta{APIVersion: monitoringv1.SchemeGroupVersion.String(), Kind: monitoringv1.PrometheusesKind},
		ObjectMeta: metav1.ObjectMeta{Name: "test", Namespace: "default"},
		Spec: monitoringv1.PrometheusSpec{
			CommonPrometheusFields: monitoringv1.CommonPrometheusFields{
				ScrapeConfigSelector:            &metav1.LabelSelector{},
				ScrapeConfigNamespaceSelector:   &metav1.LabelSelector{},
				ServiceMonitorSelector:          &metav1.LabelSelector{},
				ServiceMonitorNamespaceSelector: &metav1.LabelSelector{},
				PodMonitorSelector:              &metav1.LabelSelector{},
				PodMonitorNamespaceSelector:     &metav1.LabelSelector{},
				Version:                         promVersion,
				ScrapeInterval:                  "30s",
			},
			EvaluationInterval: "30s",
		},
	}
	if shards > 0 {
		p.Spec.Shards = ptr.To(shards)
	}

	objects := make([]runtime.Object, 0, len(in.objects))
	for _, o := range in.objects {
		objects = append(objects, o)
	}
	client := fake.NewClientset(objects...)
	store := assets.NewStoreBuilder(client.CoreV1(), client.CoreV1())

	// The namespaces the selector looks in: every namespace of an input object.
	nsInformer := cache.NewSharedIndexInformer(&cache.ListWatch{}, &corev1.Namespace{}, 0, cache.Indexers{})
	for ns := range in.namespaces {
		if err := nsInformer.GetStore().Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return nil, nil, err
		}
	}

	total := len(in.scrapeConfigs) + len(in.serviceMonitors) + len(in.podMonitors)
	selector, err := prompkg.NewResourceSelector(logger, p, store, nsInformer,
		operator.NewMetrics(prometheus.NewPedanticRegistry()), operator.NewFakeRecorder(total+1, p))
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	serviceMonitors, err := selector.SelectServiceMonitors(ctx, listFn(in.serviceMonitors))
	if err != nil {
		return nil, nil, fmt.Errorf("selecting ServiceMonitors failed: %w", err)
	}
	podMonitors, err := selector.SelectPodMonitors(ctx, listFn(in.podMonitors))
	if err != nil {
		return nil, nil, fmt.Errorf("selecting PodMonitors failed: %w", err)
	}
	scrapeConfigs, err := selector.SelectScrapeConfigs(ctx, listFn(in.scrapeConfigs))
	if err != nil {
		return nil, nil, fmt.Errorf("selecting ScrapeConfigs failed: %w", err)
	}
	if picked := len(serviceMonitors) + len(podMonitors) + len(scrapeConfigs); picked != total {
		return nil, nil, fmt.Errorf("the selector picked %d of %d objects", picked, total)
	}

	rejections := append([]rejection{}, in.rejections...)
	rejections = append(rejections, refused(monitoringv1.ServiceMonitorsKind, serviceMonitors)...)
	rejections = append(rejections, refused(monitoringv1.PodMonitorsKind, podMonitors)...)
	rejections = append(rejections, refused(monitoringv1alpha1.ScrapeConfigsKind, scrapeConfigs)...)
	if len(rejections) > 0 {
		sort.Slice(rejections, func(i, j int) bool {
			if rejections[i].kind != rejections[j].kind {
				return rejections[i].kind < rejections[j].kind
			}
			return rejections[i].key < rejections[j].key
		})
		return nil, rejections, nil
	}

	cg, err := prompkg.NewConfigGenerator(logger, p, prompkg.WithEndpointSliceSupport())
	if err != nil {
		return nil, nil, err
	}
	out, err := cg.GenerateServerConfiguration(p, serviceMonitors.ValidResources(), podMonitors.ValidResources(), nil,
		scrapeConfigs.ValidResources(), store, nil, nil, nil, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("generating the configuration failed: %w", err)
	}
	return out, nil, nil
}

func (in *inputs) readFile(file string, crds map[schema.GroupVersionKind]*crdSchema) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", file, doc, err)
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		var obj map[string]any
		if trimmed := bytes.TrimSpace(raw); trimmed[0] == '{' {
			// JSON, which is YAML too, decoded directly: much faster for large inputs.
			err = json.Unmarshal(trimmed, &obj)
		} else {
			err = yaml.Unmarshal(raw, &obj)
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", file, doc, err)
		}
		if obj == nil {
			continue
		}
		if err := in.add(obj, crds); err != nil {
			return fmt.Errorf("%s: document %d: %w", file, doc, err)
		}
	}
}

func (in *inputs) add(obj map[string]any, crds map[schema.GroupVersionKind]*crdSchema) error {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	namespace, _ := meta["namespace"].(string)
	gvk, monitoring := monitoringKinds[kind]
	switch {
	case monitoring && apiVersion == gvk.GroupVersion().String():
	case apiVersion == "v1" && (kind == "Secret" || kind == "ConfigMap"):
	default:
		return nil
	}
	if name == "" || namespace == "" {
		return fmt.Errorf("%s %s has no metadata.name or no metadata.namespace", apiVersion, kind)
	}
	in.namespaces[namespace] = true

	if kind == "Secret" {
		// The API server merges stringData into data.
		if stringData, ok := obj["stringData"].(map[string]any); ok {
			data, _ := obj["data"].(map[string]any)
			if data == nil {
				data = map[string]any{}
			}
			for k, v := range stringData {
				s, ok := v.(string)
				if !ok {
					return fmt.Errorf("Secret %s/%s: stringData.%s is not a string", namespace, name, k)
				}
				data[k] = []byte(s) // marshalled to base64 below, as data holds it
			}
			obj["data"] = data
			delete(obj, "stringData")
		}
		secret := &corev1.Secret{}
		if err := remarshal(obj, secret); err != nil {
			return fmt.Errorf("Secret %s/%s: %w", namespace, name, err)
		}
		in.objects["Secret/"+namespace+"/"+name] = secret
		return nil
	}
	if kind == "ConfigMap" {
		cm := &corev1.ConfigMap{}
		if err := remarshal(obj, cm); err != nil {
			return fmt.Errorf("ConfigMap %s/%s: %w", namespace, name, err)
		}
		in.objects["ConfigMap/"+namespace+"/"+name] = cm
		return nil
	}

	key := namespace + "/" + name
	if reasons := crds[gvk].admit(obj); len(reasons) > 0 {
		in.rejections = append(in.rejections, rejection{kind: kind, key: key, reason: "the API server refuses it: " + strings.Join(reasons, "; ")})
		return nil
	}
	switch kind {
	case monitoringv1alpha1.ScrapeConfigsKind:
		return addTyped(&in.scrapeConfigs, obj, kind, key)
	case monitoringv1.ServiceMonitorsKind:
		return addTyped(&in.serviceMonitors, obj, kind, key)
	default:
		return addTyped(&in.podMonitors, obj, kind, key)
	}
}

// addTyped decodes an admitted object into its type and appends it, refusing one given twice.
func addTyped[T any, PT interface {
	*T
	metav1.Object
}](list *[]PT, obj map[string]any, kind, key string) error {
	typed := PT(new(T))
	if err := remarshal(obj, typed); err != nil {
		return fmt.Errorf("%s %s: %w", kind, key, err)
	}
	for _, other := range *list {
		if other.GetNamespace() == typed.GetNamespace() && other.GetName() == typed.GetName() {
			return fmt.Errorf("%s %s is given twice", kind, key)
		}
	}
	*list = append(*list, typed)
	return nil
}

// remarshal decodes a generic object into a typed one, refusing fields the type does not have.
func remarshal(obj map[string]any, into any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

// crdSchema is one CRD version's schema, as the API server uses it.
type crdSchema struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
}

// newCRDSchemas reads the CRDs of the rendered kinds embedded in the operator module.
func newCRDSchemas() (map[schema.GroupVersionKind]*crdSchema, error) {
	var all bytes.Buffer
	if err := crds.PrintAll(&all); err != nil {
		return nil, fmt.Errorf("reading the operator's CRDs: %w", err)
	}
	wanted := map[schema.GroupVersionKind]bool{}
	for _, gvk := range monitoringKinds {
		wanted[gvk] = true
	}
	out := map[schema.GroupVersionKind]*crdSchema{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(&all))
	for {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(raw, crd); err != nil {
			return nil, err
		}
		for _, v := range crd.Spec.Versions {
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			if !wanted[gvk] || v.Schema == nil {
				continue
			}
			internal := &apiextensions.JSONSchemaProps{}
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, internal, nil); err != nil {
				return nil, err
			}
			structural, err := structuralschema.NewStructural(internal)
			if err != nil {
				return nil, err
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(internal)
			if err != nil {
				return nil, err
			}
			out[gvk] = &crdSchema{structural: structural, validator: validator}
		}
	}
	for gvk := range wanted {
		if out[gvk] == nil {
			return nil, fmt.Errorf("the operator module has no CRD schema for %s", gvk)
		}
	}
	return out, nil
}

// admit does to a custom resource what the API server does on create: refuse unknown fields (strict
// field validation), fill in defaults, validate against the schema. It edits obj in place.
func (c *crdSchema) admit(obj map[string]any) []string {
	var reasons []string
	// metadata is checked by the API server's ObjectMeta validation, not by the CRD schema.
	meta := obj["metadata"]
	delete(obj, "metadata")
	defer func() { obj["metadata"] = meta }()

	unknown := structuralpruning.PruneWithOptions(obj, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, path := range unknown {
		reasons = append(reasons, fmt.Sprintf("unknown field %q", path))
	}
	structuraldefaulting.Default(obj, c.structural)
	for _, e := range apiservervalidation.ValidateCustomResource(nil, obj, c.validator) {
		reasons = append(reasons, e.Error())
	}
	return reasons
}
