// Command kubelet runs one or more kubelets of Kubernetes v1.36.3 in one process, each with the
// kubelet's own HTTPS server, authentication and authorization, over in-process fakes of what needs
// a real machine: kubemark's hollow kubelet (k8s.io/kubernetes pkg/kubemark NewHollowKubelet) with
// the fake CRI, and a cAdvisor of ours whose containers are the pods the kubelet runs.
//
//	kubelet --config /path/config.json    runs the nodes of the file; prints `ready` once all serve
//	kubelet --version                     prints `Kubernetes v1.36.3`
//
// See config.go for the file's fields. The kubelet's code keeps process-wide state (its metrics in
// component-base's legacy registry, which a second kubelet's Run registers again and panics on,
// pkg/kubelet initializeModules), so with more than one node the program runs itself once per node
// (`--node NAME`) and supervises those processes: one command, one `ready`, one SIGTERM stops all.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"k8s.io/component-base/version"
	"k8s.io/klog/v2"
)

func main() {
	os.Exit(run())
}

func run() int {
	flags := flag.NewFlagSet("kubelet", flag.ContinueOnError)
	configPath := flags.String("config", "", "path of the JSON file that lists the nodes to run (required)")
	printVersion := flags.Bool("version", false, "print the version of the kubelet's code and exit")
	readyTimeout := flags.Duration("ready-timeout", 3*time.Minute, "how long every node may take to register, serve and run its pods")
	only := flags.String("node", "", "run only this node of the config in this process (what the program runs per node when the config lists several)")
	klog.InitFlags(flags)
	if err := flags.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *printVersion {
		fmt.Printf("Kubernetes %s\n", version.Get().GitVersion)
		return 0
	}
	if *configPath == "" {
		fmt.Fprintln(os.Stderr, "kubelet: --config is required: the path of a JSON file with kubeconfig, clientCAFile and nodes (see upstream/kubelet/config.go)")
		return 2
	}
	config, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubelet: %v\n", err)
		return 2
	}

	if *only != "" {
		var kept []Node
		for _, n := range config.Nodes {
			if n.Name == *only {
				kept = append(kept, n)
			}
		}
		if len(kept) == 0 {
			fmt.Fprintf(os.Stderr, "kubelet: --node %q is not a node of %s\n", *only, *configPath)
			return 2
		}
		config.Nodes = kept
	} else if len(config.Nodes) > 1 {
		return supervise(*configPath, config, *readyTimeout, flags)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)

	nodes := make([]*hollowNode, 0, len(config.Nodes))
	defer func() {
		for _, n := range nodes {
			n.cleanup()
		}
	}()
	for i := range config.Nodes {
		n, err := startNode(ctx, config, &config.Nodes[i])
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubelet: node %s: %v\n", config.Nodes[i].Name, err)
			return 1
		}
		nodes = append(nodes, n)
	}

	ready := make(chan error, 1)
	go func() {
		deadline, stop := context.WithTimeout(ctx, *readyTimeout)
		defer stop()
		var wg sync.WaitGroup
		errs := make([]error, len(nodes))
		for i, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = n.waitReady(deadline)
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil {
				ready <- e
				return
			}
		}
		ready <- nil
	}()

	for {
		select {
		case err := <-ready:
			if err != nil {
				fmt.Fprintf(os.Stderr, "kubelet: not ready: %v\n", err)
				return 1
			}
			fmt.Println("ready")
			klog.InfoS("Every node is registered, Ready, serving and running its pods", "nodes", len(nodes))
		case sig := <-signals:
			klog.InfoS("Stopping", "signal", sig.String())
			cancel()
			// The kubelet's goroutines stop with the process; give in-flight requests a moment.
			time.Sleep(200 * time.Millisecond)
			klog.Flush()
			return 0
		}
	}
}
