package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Config is the file given with --config.
type Config struct {
	// Kubeconfig is the kubelets' credential to the API server. The same identity registers the
	// Nodes, updates their status and leases, sends TokenReviews and SubjectAccessReviews, and
	// creates the pods listed below (so it needs more than a node's rights: the lab uses an admin).
	Kubeconfig string `json:"kubeconfig"`
	// ClientCAFile is the kubelet's --client-ca-file: client certificates it authenticates.
	ClientCAFile string `json:"clientCAFile"`
	// PodNamespace is where each node's pods are created (default "default"; it must exist).
	PodNamespace string `json:"podNamespace,omitempty"`
	Nodes        []Node `json:"nodes"`
}

// Node is one hollow kubelet.
type Node struct {
	Name              string            `json:"name"`
	Address           string            `json:"address"`
	Port              int               `json:"port"`
	TLSCertFile       string            `json:"tlsCertFile"`
	TLSPrivateKeyFile string            `json:"tlsPrivateKeyFile"`
	InternalIP        string            `json:"internalIP"`
	Labels            map[string]string `json:"labels,omitempty"`
	// Pods is how many pods the program creates on this node (named <node>-app-<i>); each runs in
	// the fake runtime and is seen by the cAdvisor of ours as a pod of containersPerPod containers
	// plus its sandbox.
	Pods             int `json:"pods"`
	ContainersPerPod int `json:"containersPerPod"`
	// RootDir is the kubelet's --root-dir (default: a new folder under the system's temp dir,
	// removed on exit).
	RootDir string `json:"rootDir,omitempty"`
}

func loadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var c Config
	if err := decoder.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s is not a valid config: %w (fields: kubeconfig, clientCAFile, podNamespace, nodes[name, address, port, tlsCertFile, tlsPrivateKeyFile, internalIP, labels, pods, containersPerPod, rootDir])", path, err)
	}
	if c.PodNamespace == "" {
		c.PodNamespace = "default"
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	for _, f := range []struct{ name, value string }{{"kubeconfig", c.Kubeconfig}, {"clientCAFile", c.ClientCAFile}} {
		if f.value == "" {
			return fmt.Errorf("'%s' is required: the path of a file", f.name)
		}
		if _, err := os.Stat(f.value); err != nil {
			return fmt.Errorf("'%s' %q cannot be read: %v", f.name, f.value, err)
		}
	}
	if errs := validation.IsDNS1123Label(c.PodNamespace); len(errs) > 0 {
		return fmt.Errorf("'podNamespace' must be a namespace name, got %q: %v", c.PodNamespace, errs)
	}
	if len(c.Nodes) == 0 {
		return fmt.Errorf("'nodes' must list at least one node")
	}
	names := map[string]bool{}
	endpoints := map[string]bool{}
	for i, n := range c.Nodes {
		where := fmt.Sprintf("nodes[%d]", i)
		if errs := validation.IsDNS1123Subdomain(n.Name); len(errs) > 0 {
			return fmt.Errorf("%s: 'name' must be a node name (a DNS subdomain), got %q: %v", where, n.Name, errs)
		}
		if names[n.Name] {
			return fmt.Errorf("%s: node %q is listed twice; every node needs its own name", where, n.Name)
		}
		names[n.Name] = true
		if net.ParseIP(n.Address) == nil {
			return fmt.Errorf("%s: 'address' must be an IP address to listen on, got %q", where, n.Address)
		}
		if n.Port < 1 || n.Port > 65535 {
			return fmt.Errorf("%s: 'port' must be an integer between 1 and 65535, got %d", where, n.Port)
		}
		endpoint := net.JoinHostPort(n.Address, fmt.Sprint(n.Port))
		if endpoints[endpoint] {
			return fmt.Errorf("%s: %s is already used by another node; give every node its own address or port", where, endpoint)
		}
		endpoints[endpoint] = true
		internalIP := net.ParseIP(n.InternalIP)
		if internalIP == nil {
			return fmt.Errorf("%s: 'internalIP' must be an IP address (the Node's InternalIP), got %q", where, n.InternalIP)
		}
		if internalIP.IsLoopback() || internalIP.IsLinkLocalUnicast() || internalIP.IsUnspecified() {
			return fmt.Errorf("%s: 'internalIP' %s is refused by the kubelet (a node IP cannot be loopback, link-local or unspecified: pkg/kubelet/nodestatus validateNodeIP); "+
				"use an address such as 192.168.50.1, assigned to an interface where the program runs (e.g. the namespace's lo)", where, n.InternalIP)
		}
		for _, f := range []struct{ name, value string }{{"tlsCertFile", n.TLSCertFile}, {"tlsPrivateKeyFile", n.TLSPrivateKeyFile}} {
			if f.value == "" {
				return fmt.Errorf("%s: '%s' is required (the kubelet's serving certificate)", where, f.name)
			}
			if _, err := os.Stat(f.value); err != nil {
				return fmt.Errorf("%s: '%s' %q cannot be read: %v", where, f.name, f.value, err)
			}
		}
		for k, v := range n.Labels {
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				return fmt.Errorf("%s: label key %q is not valid: %v", where, k, errs)
			}
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return fmt.Errorf("%s: label %q has an invalid value %q: %v", where, k, v, errs)
			}
		}
		if n.Pods < 0 || n.Pods > 100 {
			return fmt.Errorf("%s: 'pods' must be an integer between 0 and 100 (the node's 110 pod slots, less room for others), got %d", where, n.Pods)
		}
		if n.Pods > 0 && (n.ContainersPerPod < 1 || n.ContainersPerPod > 20) {
			return fmt.Errorf("%s: 'containersPerPod' must be an integer between 1 and 20, got %d", where, n.ContainersPerPod)
		}
		if len(n.Name)+len("-app-00") > 63 {
			return fmt.Errorf("%s: 'name' %q is too long for its pods' names (<name>-app-NN must fit 63 characters)", where, n.Name)
		}
	}
	return nil
}
