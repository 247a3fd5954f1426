package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	remote "k8s.io/cri-client/pkg"
	fakeremote "k8s.io/cri-client/pkg/fake"
	"k8s.io/klog/v2"
	kubetypes "k8s.io/kubelet/pkg/types"
	kubeletapp "k8s.io/kubernetes/cmd/kubelet/app"
	"k8s.io/kubernetes/cmd/kubelet/app/options"
	kubeletconfig "k8s.io/kubernetes/pkg/kubelet/apis/config"
	"k8s.io/kubernetes/pkg/kubelet/cm"
	"k8s.io/kubernetes/pkg/kubemark"
)

// hollowNode is one kubelet of the process: the kubelet's own code (kubemark's hollow kubelet,
// started by cmd/kubelet/app RunKubelet) with the kubelet's TLS options and auth, over the fake
// CRI and our cAdvisor.
type hollowNode struct {
	node      *Node
	namespace string
	client    clientset.Interface
	runtime   *fakeremote.RemoteRuntime
	cadvisor  *containerSource
	pods      corelisters.PodLister
	tempDirs  []string
}

func startNode(ctx context.Context, config *Config, n *Node) (*hollowNode, error) {
	logger := klog.FromContext(ctx).WithValues("node", n.Name)
	ctx = klog.NewContext(ctx, logger)

	restConfig, err := clientcmd.BuildConfigFromFlags("", config.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", config.Kubeconfig, err)
	}
	restConfig.UserAgent = "kubelet/v1.36.3 (hollow) " + n.Name
	restConfig.ContentType = "application/vnd.kubernetes.protobuf"
	restConfig.QPS = 50
	restConfig.Burst = 100
	client, err := clientset.NewForConfig(restConfig)
	if err != nil {
		return nil, err
	}

	// kubemark's configuration of a hollow kubelet (the usual defaults, fake-friendly choices),
	// then what makes it a kubelet as cmd/kubelet/app configures one on a node: its own address
	// and serving certificate, the client CA, webhook authentication and authorization.
	f, c := kubemark.GetHollowKubeletConfig(&kubemark.HollowKubeletOptions{
		NodeName:    n.Name,
		KubeletPort: n.Port,
		MaxPods:     110,
		NodeLabels:  n.Labels,
	})
	h := &hollowNode{node: n, namespace: config.PodNamespace, client: client, tempDirs: []string{f.RootDirectory}}
	if n.RootDir != "" {
		// GetHollowKubeletConfig made a root folder in the temp dir; this node uses its own instead.
		_ = os.RemoveAll(f.RootDirectory)
		h.tempDirs = nil
		if err := os.MkdirAll(n.RootDir, 0o750); err != nil {
			return nil, err
		}
		f.RootDirectory = n.RootDir
		c.StaticPodPath = filepath.Join(n.RootDir, "static-pods")
		c.PodLogsDir = filepath.Join(n.RootDir, "pod-logs")
		for _, d := range []string{c.StaticPodPath, c.PodLogsDir} {
			if err := os.MkdirAll(d, 0o750); err != nil {
				return nil, err
			}
		}
	}
	f.NodeIP = n.InternalIP
	c.Address = n.Address
	c.Port = int32(n.Port)
	c.ReadOnlyPort = 0
	c.TLSCertFile = n.TLSCertFile
	c.TLSPrivateKeyFile = n.TLSPrivateKeyFile
	// The kubelet's defaults on a node (kubeadm's too): x509 client certificates, bearer tokens by
	// TokenReview, every request authorized by a SubjectAccessReview, anonymous requests refused.
	c.Authentication = kubeletconfig.KubeletAuthentication{
		X509:      kubeletconfig.KubeletX509Authentication{ClientCAFile: config.ClientCAFile},
		Webhook:   kubeletconfig.KubeletWebhookAuthentication{Enabled: true, CacheTTL: metav1.Duration{Duration: 2 * time.Minute}},
		Anonymous: kubeletconfig.KubeletAnonymousAuthentication{Enabled: false},
	}
	c.Authorization = kubeletconfig.KubeletAuthorization{
		Mode: kubeletconfig.KubeletAuthorizationModeWebhook,
		Webhook: kubeletconfig.KubeletWebhookAuthorization{
			CacheAuthorizedTTL:   metav1.Duration{Duration: 5 * time.Minute},
			CacheUnauthorizedTTL: metav1.Duration{Duration: 30 * time.Second},
		},
	}
	// kubemark lowers the process's open-file limit to 1024; keep what the process may have.
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err == nil {
		c.MaxOpenFiles = int64(limit.Max)
	}
	c.KubeletCgroups = kubeletCgroup
	f.RuntimeCgroups = runtimeCgroup

	// The fake CRI, in process, on a socket in the kubelet's root folder (as cmd/kubemark does).
	endpoint := "unix://" + filepath.Join(f.RootDirectory, "cri.sock")
	c.ContainerRuntimeEndpoint = endpoint
	c.ImageServiceEndpoint = endpoint
	h.runtime = fakeremote.NewFakeRemoteRuntime()
	if err := h.runtime.Start(endpoint); err != nil {
		return nil, fmt.Errorf("starting the fake runtime: %w", err)
	}
	runtimeService, err := remote.NewRemoteRuntimeService(ctx, endpoint, 15*time.Second, noop.NewTracerProvider(), false)
	if err != nil {
		return nil, fmt.Errorf("connecting to the fake runtime: %w", err)
	}

	// The node's pods, for their QoS classes (the cgroup layout) and names.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", n.Name).String()
	}))
	pods := factory.Core().V1().Pods()
	lister := pods.Lister()
	pods.Informer()
	factory.Start(ctx.Done())
	h.pods = lister
	h.cadvisor = newContainerSource(n.Name, h.runtime.RuntimeService, lister)

	containerManager := podCgroupContainerManager{cm.NewStubContainerManager()}
	hollow := kubemark.NewHollowKubelet(f, c, client, client, h.cadvisor, h.runtime.ImageService, runtimeService, containerManager)

	// What cmd/kubelet/app run() does before RunKubelet and kubemark leaves out.
	tlsOptions, err := kubeletapp.InitializeTLS(ctx, f, c)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	hollow.KubeletDeps.TLSOptions = tlsOptions
	auth, runAuthenticatorCAReload, err := kubeletapp.BuildAuth(types.NodeName(n.Name), client, *c)
	if err != nil {
		return nil, fmt.Errorf("authentication and authorization: %w", err)
	}
	hollow.KubeletDeps.Auth = auth
	runAuthenticatorCAReload(ctx.Done())

	if err := kubeletapp.RunKubelet(ctx, &options.KubeletServer{KubeletFlags: *f, KubeletConfiguration: *c}, hollow.KubeletDeps); err != nil {
		return nil, fmt.Errorf("running the kubelet: %w", err)
	}
	if !cache.WaitForCacheSync(ctx.Done(), pods.Informer().HasSynced) {
		return nil, fmt.Errorf("the pod informer did not sync")
	}
	if err := h.createPods(ctx); err != nil {
		return nil, err
	}
	go h.feedRuntimeStats(ctx)
	return h, nil
}

var images = []string{
	"docker.io/library/nginx:1.27.3",
	"quay.io/prometheus/node-exporter:v1.9.1",
	"docker.io/library/busybox:1.37.0",
	"registry.k8s.io/coredns/coredns:v1.12.1",
}

func podName(node string, i int) string {
	return fmt.Sprintf("%s-app-%02d", node, i)
}

func containerName(j int) string {
	if j == 0 {
		return "app"
	}
	return fmt.Sprintf("sidecar-%d", j)
}

// createPods creates the node's pods in the API server (bound to it, as the scheduler would); the
// kubelet then runs them in the fake runtime. Pods that exist already are kept.
func (h *hollowNode) createPods(ctx context.Context) error {
	for i := 0; i < h.node.Pods; i++ {
		containers := make([]v1.Container, h.node.ContainersPerPod)
		for j := range containers {
			containers[j] = v1.Container{
				Name:  containerName(j),
				Image: images[(i+j)%len(images)],
				Resources: v1.ResourceRequirements{Requests: v1.ResourceList{
					v1.ResourceCPU:    resource.MustParse("10m"),
					v1.ResourceMemory: resource.MustParse("32Mi"),
				}},
			}
		}
		pod := &v1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name:      podName(h.node.Name, i),
				Namespace: h.namespace,
				Labels:    map[string]string{"app.kubernetes.io/name": "hollow-app", "app.kubernetes.io/instance": h.node.Name},
			},
			Spec: v1.PodSpec{
				NodeName:                     h.node.Name,
				Containers:                   containers,
				EnableServiceLinks:           new(false),
				AutomountServiceAccountToken: new(false),
			},
		}
		if _, err := h.client.CoreV1().Pods(h.namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating pod %s/%s: %w", h.namespace, pod.Name, err)
		}
	}
	return nil
}

// feedRuntimeStats gives the fake runtime the CRI container stats (CPU, memory) a runtime reports,
// from the same model as the cAdvisor's, so that the kubelet's CRI stats provider (/stats/summary,
// /metrics/resource) has them.
func (h *hollowNode) feedRuntimeStats(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		h.runtime.RuntimeService.SetFakeContainerStats(h.cadvisor.criContainerStats(time.Now()))
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// waitReady returns once the Node is registered and Ready, the HTTPS server answers (with the
// kubelet's 401 to a request without credentials), and the node's pods run in the fake runtime and
// are Running in the API server.
func (h *hollowNode) waitReady(ctx context.Context) error {
	address := net.JoinHostPort(h.node.Address, fmt.Sprint(h.node.Port))
	httpClient := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var last string
	for {
		last = h.notReadyReason(ctx, httpClient, address)
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node %s: %s", h.node.Name, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (h *hollowNode) notReadyReason(ctx context.Context, httpClient *http.Client, address string) string {
	node, err := h.client.CoreV1().Nodes().Get(ctx, h.node.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Sprintf("Node not registered: %v", err)
	}
	ready := false
	for _, c := range node.Status.Conditions {
		if c.Type == v1.NodeReady && c.Status == v1.ConditionTrue {
			ready = true
		}
	}
	if !ready {
		return "Node not Ready"
	}
	response, err := httpClient.Get("https://" + address + "/healthz")
	if err != nil {
		return fmt.Sprintf("HTTPS server not answering: %v", err)
	}
	response.Body.Close()
	if response.StatusCode != http.StatusUnauthorized {
		return fmt.Sprintf("HTTPS server answered %d to a request without credentials, not 401", response.StatusCode)
	}
	sandboxes, containers := h.cadvisor.runningOwnPods(h.namespace, h.node.Name)
	if sandboxes < h.node.Pods || containers < h.node.Pods*h.node.ContainersPerPod {
		return fmt.Sprintf("%d of %d pod sandboxes and %d of %d containers running", sandboxes, h.node.Pods, containers, h.node.Pods*h.node.ContainersPerPod)
	}
	running := 0
	for i := 0; i < h.node.Pods; i++ {
		pod, err := h.pods.Pods(h.namespace).Get(podName(h.node.Name, i))
		if err == nil && pod.Status.Phase == v1.PodRunning && len(pod.Status.ContainerStatuses) == h.node.ContainersPerPod {
			running++
		}
	}
	if running < h.node.Pods {
		return fmt.Sprintf("%d of %d pods Running in the API server", running, h.node.Pods)
	}
	return ""
}

func (h *hollowNode) cleanup() {
	if h.runtime != nil {
		h.runtime.Stop()
	}
	// The folders kubemark's GetHollowKubeletConfig made (a rootDir of the config is kept).
	for _, d := range h.tempDirs {
		_ = os.RemoveAll(d)
	}
}

// podCgroupContainerManager is kubemark's stub container manager, except that it recognises the
// pod cgroups our cAdvisor lays out as the kubelet's systemd driver does (pkg/kubelet/cm
// podContainerManagerImpl.IsPodCgroup), so that the kubelet's container-label function names the
// pod of a pod-level cgroup (Kubelet.GetPodByCgroupfs), as on a real node.
type podCgroupContainerManager struct{ cm.ContainerManager }

func (m podCgroupContainerManager) NewPodContainerManager() cm.PodContainerManager {
	return podCgroups{m.ContainerManager.NewPodContainerManager()}
}

type podCgroups struct{ cm.PodContainerManager }

func (podCgroups) IsPodCgroup(cgroupfs string) (bool, types.UID) {
	if !cm.IsSystemdStyleName(cgroupfs) {
		return false, ""
	}
	name := cm.ParseSystemdToCgroupName(cgroupfs)
	// {kubepods, pod<uid>} (Guaranteed) or {kubepods, burstable|besteffort, pod<uid>}.
	if len(name) < 2 || len(name) > 3 || name[0] != "kubepods" {
		return false, ""
	}
	last := name[len(name)-1]
	if !strings.HasPrefix(last, "pod") {
		return false, ""
	}
	return true, types.UID(strings.TrimPrefix(last, "pod"))
}

// runningOwnPods counts the ready sandboxes and running containers of the pods this program created.
func (s *containerSource) runningOwnPods(namespace, node string) (sandboxes, containers int) {
	items := s.snapshot()
	prefix := node + "-app-"
	for _, item := range items {
		if item.labels[kubetypes.KubernetesPodNamespaceLabel] != namespace || !strings.HasPrefix(item.labels[kubetypes.KubernetesPodNameLabel], prefix) {
			continue
		}
		if item.sandbox {
			sandboxes++
		} else {
			containers++
		}
	}
	return sandboxes, containers
}
