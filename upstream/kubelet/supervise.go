package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/klog/v2"
)

// supervise runs every node of the config in a process of its own (this program with --node),
// prints `ready` once each of them has, and stops them all on SIGTERM. A node's process that exits
// on its own stops the others and the program fails.
func supervise(configPath string, config *Config, readyTimeout time.Duration, flags *flag.FlagSet) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubelet: cannot find its own executable: %v\n", err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	verbosity := "0"
	if v := flags.Lookup("v"); v != nil {
		verbosity = v.Value.String()
	}

	type exit struct {
		node string
		err  error
	}
	ready := make(chan string, len(config.Nodes))
	exited := make(chan exit, len(config.Nodes))
	var children []*exec.Cmd
	stopAll := func() {
		for _, c := range children {
			_ = c.Process.Signal(syscall.SIGTERM)
		}
		deadline := time.After(10 * time.Second)
		for range children {
			select {
			case <-exited:
			case <-deadline:
				for _, c := range children {
					_ = c.Process.Kill()
				}
				return
			}
		}
	}
	for _, n := range config.Nodes {
		cmd := exec.Command(self, "--config", configPath, "--node", n.Name, "--ready-timeout", readyTimeout.String(), "--v", verbosity)
		cmd.Stderr = os.Stderr
		// A node's process does not outlive the program.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubelet: %v\n", err)
			return 1
		}
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "kubelet: starting node %s: %v\n", n.Name, err)
			stopAll()
			return 1
		}
		children = append(children, cmd)
		name := n.Name
		go func() {
			scanner := bufio.NewScanner(stdout)
			for scanner.Scan() {
				if scanner.Text() == "ready" {
					ready <- name
				} else {
					fmt.Fprintf(os.Stderr, "[%s] %s\n", name, scanner.Text())
				}
			}
			exited <- exit{name, cmd.Wait()}
		}()
	}

	waiting := len(config.Nodes)
	for {
		select {
		case <-ready:
			waiting--
			if waiting == 0 {
				fmt.Println("ready")
				klog.InfoS("Every node's process is ready", "nodes", len(config.Nodes))
			}
		case e := <-exited:
			fmt.Fprintf(os.Stderr, "kubelet: node %s exited (%v); stopping the others\n", e.node, e.err)
			children = without(children, e.node, config)
			stopAll()
			return 1
		case sig := <-signals:
			klog.InfoS("Stopping every node", "signal", sig.String())
			stopAll()
			klog.Flush()
			return 0
		}
	}
}

// without drops the exited node's process from the ones still to stop.
func without(children []*exec.Cmd, node string, config *Config) []*exec.Cmd {
	out := children[:0]
	for i, c := range children {
		if config.Nodes[i].Name != node {
			out = append(out, c)
		}
	}
	return out
}
