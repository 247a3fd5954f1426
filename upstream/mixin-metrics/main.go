// mixin-metrics reads what kube-prometheus-stack's default rules and dashboards query, with the
// upstream code that reads them in a cluster:
//
//	mixin-metrics render CHART_DIR    renders the chart's rule and dashboard templates
//	mixin-metrics selectors           lists the series selectors of PromQL expressions
//
// render loads the chart directory with Helm's chart loader and renders, with Helm's own template
// engine, the chart's default values and release "kps" in namespace "monitoring" on Kubernetes
// v1.36.3, the templates under templates/prometheus/rules-1.14/ and
// templates/grafana/dashboards-1.14/ (with the chart's _helpers.tpl). The subcharts (Grafana,
// kube-state-metrics, node-exporter) are not rendered: none of these templates reads them. It
// prints JSON {"templates": {PATH: RENDERED}}, empty documents left out (a template whose
// condition is false by default renders nothing).
//
// selectors reads a JSON array of PromQL expressions on stdin and parses each with Prometheus's
// own parser (promql/parser, experimental functions allowed as in the rule files the operator
// loads). For each it prints the vector selectors: metric name, label matchers, and where the
// selector sits under a range: the matrix range and the function that reads it, and the ranges of
// enclosing subqueries. Durations are in milliseconds. A parse error is reported per expression.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

func moduleVersion(module string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == module {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("mixin-metrics, prometheus %s, helm %s\n",
			moduleVersion("github.com/prometheus/prometheus"), moduleVersion("helm.sh/helm/v3"))
		return
	}
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "render":
		err = render(os.Args[2], os.Stdout)
	case len(os.Args) == 2 && os.Args[1] == "selectors":
		err = selectors(os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("usage: mixin-metrics render CHART_DIR | selectors < EXPRESSIONS.json | --version")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mixin-metrics: %v\n", err)
		os.Exit(1)
	}
}

// renderedDirs are the template folders whose output is read.
var renderedDirs = []string{"templates/prometheus/rules-1.14/", "templates/grafana/dashboards-1.14/"}

func render(dir string, out io.Writer) error {
	chrt, err := loader.LoadDir(dir)
	if err != nil {
		return err
	}
	var kept []*chart.File
	for _, t := range chrt.Templates {
		keep := path.Base(t.Name) == "_helpers.tpl" && path.Dir(t.Name) == "templates"
		for _, d := range renderedDirs {
			keep = keep || strings.HasPrefix(t.Name, d)
		}
		if keep {
			kept = append(kept, t)
		}
	}
	chrt.Templates = kept
	chrt.SetDependencies()

	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{Version: "v1.36.3", Major: "1", Minor: "36"}
	values, err := chartutil.ToRenderValues(chrt, map[string]any{},
		chartutil.ReleaseOptions{Name: "kps", Namespace: "monitoring", Revision: 1, IsInstall: true}, caps)
	if err != nil {
		return err
	}
	rendered, err := engine.Render(chrt, values)
	if err != nil {
		return err
	}
	result := map[string]string{}
	for name, text := range rendered {
		if path.Base(name) == "_helpers.tpl" || strings.TrimSpace(text) == "" {
			continue
		}
		// Keys are "<chart>/templates/...": keep the path inside the chart.
		result[strings.TrimPrefix(name, chrt.Name()+"/")] = text
	}
	return writeJSON(out, map[string]any{"templates": result})
}

type matcher struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

type subquery struct {
	RangeMs int64 `json:"rangeMs"`
	StepMs  int64 `json:"stepMs"`
}

type selector struct {
	Name     string    `json:"name"`
	Matchers []matcher `json:"matchers"`
	// RangeMs is the matrix selector's range, 0 for an instant selector.
	RangeMs int64 `json:"rangeMs"`
	// Function reads the range (rate, max_over_time, ...); empty for an instant selector.
	Function   string     `json:"function,omitempty"`
	OffsetMs   int64      `json:"offsetMs,omitempty"`
	Subqueries []subquery `json:"subqueries,omitempty"`
}

type parsed struct {
	Error     string     `json:"error,omitempty"`
	Selectors []selector `json:"selectors"`
}

func selectors(in io.Reader, out io.Writer) error {
	var exprs []string
	if err := json.NewDecoder(in).Decode(&exprs); err != nil {
		return fmt.Errorf("stdin must be a JSON array of strings: %w", err)
	}
	p := parser.NewParser(parser.Options{EnableExperimentalFunctions: true})
	results := make([]parsed, 0, len(exprs))
	for _, text := range exprs {
		expr, err := p.ParseExpr(text)
		if err != nil {
			results = append(results, parsed{Error: err.Error(), Selectors: []selector{}})
			continue
		}
		found := []selector{}
		parser.Inspect(expr, func(node parser.Node, ancestors []parser.Node) error {
			vs, ok := node.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			s := selector{Name: vs.Name, Matchers: []matcher{}, OffsetMs: vs.OriginalOffset.Milliseconds()}
			for _, m := range vs.LabelMatchers {
				if m.Name == "__name__" && m.Type.String() == "=" && m.Value == vs.Name {
					continue
				}
				s.Matchers = append(s.Matchers, matcher{Name: m.Name, Type: m.Type.String(), Value: m.Value})
			}
			sort.Slice(s.Matchers, func(i, j int) bool { return s.Matchers[i].Name < s.Matchers[j].Name })
			// ancestors ends with the selector's parent; a range is the MatrixSelector directly
			// above it, read by the Call above that.
			n := len(ancestors)
			if n > 0 {
				if ms, ok := ancestors[n-1].(*parser.MatrixSelector); ok {
					s.RangeMs = ms.Range.Milliseconds()
					if n > 1 {
						if call, ok := ancestors[n-2].(*parser.Call); ok {
							s.Function = call.Func.Name
						}
					}
				}
			}
			for i := n - 1; i >= 0; i-- {
				if sq, ok := ancestors[i].(*parser.SubqueryExpr); ok {
					s.Subqueries = append(s.Subqueries, subquery{RangeMs: sq.Range.Milliseconds(), StepMs: sq.Step.Milliseconds()})
				}
			}
			found = append(found, s)
			return nil
		})
		results = append(results, parsed{Selectors: found})
	}
	return writeJSON(out, results)
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}
