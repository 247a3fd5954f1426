package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"time"

	cadvisorapi "github.com/google/cadvisor/info/v1"
	cadvisorapiv2 "github.com/google/cadvisor/info/v2"
	v1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	apitest "k8s.io/cri-api/pkg/apis/testing"
	kubetypes "k8s.io/kubelet/pkg/types"
	v1qos "k8s.io/kubernetes/pkg/apis/core/v1/helper/qos"
	"k8s.io/kubernetes/pkg/kubelet/cadvisor"
	"k8s.io/kubernetes/pkg/kubelet/cm"
)

// The cgroups of a node that runs its containers with containerd and the systemd cgroup driver on
// cgroup v2, as the kubelet's cAdvisor sees them: the root, the kubelet's and the runtime's own
// services (the kubelet's cgroupRoots, cmd/kubelet/app run()), and under kubepods.slice the QoS
// slices, one slice per pod and one scope per container, the pod's sandbox (pause) included.
const (
	kubeletCgroup   = "/system.slice/kubelet.service"
	runtimeCgroup   = "/system.slice/containerd.service"
	pauseImage      = "registry.k8s.io/pause:3.10.1"
	cgroupV2Period  = 100000
	diskMajor       = 8
	numCores        = 4
	memoryCapacity  = 16 << 30
	rootFsCapacity  = 100 << 30
	rootFsInodes    = 6553600
	containerdKind  = "io.cri-containerd.kind"
	containerdSpace = "containerd"
	cgroupUnlimited = math.MaxUint64
)

// containerSource is a cAdvisor (pkg/kubelet/cadvisor Interface) whose containers are what the
// fake runtime runs, laid out as on a real node, with statistics from a model whose counters
// advance with time. The kubelet's own code turns them into /metrics/cadvisor (cadvisor's
// Prometheus collector with the kubelet's label function and metric set), /stats/summary and
// /metrics/resource.
type containerSource struct {
	node    string
	runtime *apitest.FakeRuntimeService
	pods    corelisters.PodLister
	boot    time.Time
}

var _ cadvisor.Interface = &containerSource{}

func newContainerSource(node string, runtime *apitest.FakeRuntimeService, pods corelisters.PodLister) *containerSource {
	return &containerSource{node: node, runtime: runtime, pods: pods, boot: time.Now().Add(-72 * time.Hour).Truncate(time.Second)}
}

// item is one cgroup cAdvisor reports.
type item struct {
	name    string // the cgroup path, cAdvisor's container name
	id      string // the container's 64-hex id (containers and sandboxes only)
	criID   string // the fake runtime's id of it
	labels  map[string]string
	image   string
	sandbox bool
	leaf    bool
	created time.Time
	// model parameters
	cpuCores  float64 // average usage
	memBytes  float64 // average working set
	netBytes  float64 // bytes per second received (sent: 40 %)
	diskBytes float64 // bytes per second written (read: 25 %)
	processes uint64
	cpuShares uint64
	network   bool
	criName   string
	attempt   uint32
	annots    map[string]string
}

func unit(key string, salt string) float64 {
	h := fnv.New64a()
	h.Write([]byte(salt))
	h.Write([]byte(key))
	return float64(h.Sum64()%1000000) / 1000000
}

func hexID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

func podCgroup(qos v1.PodQOSClass, uid string) string {
	switch qos {
	case v1.PodQOSGuaranteed:
		return cm.CgroupName{"kubepods", "pod" + uid}.ToSystemd()
	case v1.PodQOSBestEffort:
		return cm.CgroupName{"kubepods", "besteffort", "pod" + uid}.ToSystemd()
	default:
		return cm.CgroupName{"kubepods", "burstable", "pod" + uid}.ToSystemd()
	}
}

func withLabel(labels map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[key] = value
	return out
}

// snapshot lists the cgroups now: the fixed ones, and one per ready sandbox and running container
// of the fake runtime.
func (s *containerSource) snapshot() []*item {
	ctx := context.Background()
	sandboxes, _ := s.runtime.ListPodSandbox(ctx, nil)
	containers, _ := s.runtime.ListContainers(ctx, nil)
	items := []*item{
		{name: "/", created: s.boot},
		{name: "/kubepods.slice", created: s.boot.Add(30 * time.Second)},
		{name: cm.CgroupName{"kubepods", "burstable"}.ToSystemd(), created: s.boot.Add(30 * time.Second)},
		{name: cm.CgroupName{"kubepods", "besteffort"}.ToSystemd(), created: s.boot.Add(30 * time.Second)},
		{name: kubeletCgroup, leaf: true, created: s.boot.Add(20 * time.Second), cpuCores: 0.04, memBytes: 90 << 20, processes: 1, cpuShares: 1024, diskBytes: 20000},
		{name: runtimeCgroup, leaf: true, created: s.boot.Add(10 * time.Second), cpuCores: 0.02, memBytes: 60 << 20, processes: 1, cpuShares: 1024, diskBytes: 8000},
	}
	podCgroups := map[string]string{}
	for _, sb := range sandboxes {
		if sb.State != runtimeapi.PodSandboxState_SANDBOX_READY || sb.Metadata == nil {
			continue
		}
		qos := v1.PodQOSBurstable
		if pod, err := s.pods.Pods(sb.Metadata.Namespace).Get(sb.Metadata.Name); err == nil && string(pod.UID) == sb.Metadata.Uid {
			qos = v1qos.GetPodQOS(pod)
		}
		parent := podCgroup(qos, sb.Metadata.Uid)
		podCgroups[sb.Id] = parent
		created := time.Unix(0, sb.CreatedAt)
		items = append(items, &item{name: parent, created: created})
		id := hexID("sandbox/" + sb.Id)
		items = append(items, &item{
			name: parent + "/cri-containerd-" + id + ".scope", id: id, criID: sb.Id, sandbox: true, leaf: true,
			labels: withLabel(sb.Labels, containerdKind, "sandbox"), image: pauseImage, created: created,
			cpuCores: 0.0002, memBytes: 400 << 10, processes: 1, cpuShares: 2, network: true,
			netBytes: 500 + 20000*unit(id, "net"),
		})
	}
	for _, c := range containers {
		parent, ok := podCgroups[c.PodSandboxId]
		if !ok || c.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
			continue
		}
		id := hexID("container/" + c.Id)
		image := ""
		if c.Image != nil {
			image = c.Image.Image
		}
		shares := uint64(2)
		if pod, err := s.pods.Pods(c.Labels[kubetypes.KubernetesPodNamespaceLabel]).Get(c.Labels[kubetypes.KubernetesPodNameLabel]); err == nil {
			for _, spec := range pod.Spec.Containers {
				if spec.Name == c.Labels[kubetypes.KubernetesContainerNameLabel] {
					shares = cm.MilliCPUToShares(spec.Resources.Requests.Cpu().MilliValue())
				}
			}
		}
		var name string
		var attempt uint32
		if c.Metadata != nil {
			name, attempt = c.Metadata.Name, c.Metadata.Attempt
		}
		items = append(items, &item{
			name: parent + "/cri-containerd-" + id + ".scope", id: id, criID: c.Id, leaf: true,
			labels: withLabel(c.Labels, containerdKind, "container"), image: image, created: time.Unix(0, c.CreatedAt),
			cpuCores: 0.002 + 0.05*unit(id, "cpu"), memBytes: float64(8<<20) + float64(120<<20)*unit(id, "mem"),
			processes: 1 + uint64(3*unit(id, "proc")), cpuShares: shares, diskBytes: 200 + 5000*unit(id, "disk"),
			criName: name, attempt: attempt, annots: c.Annotations,
		})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	return items
}

// leafStats is the model: what a container has used since it started, at time t.
func leafStats(it *item, t time.Time) *cadvisorapi.ContainerStats {
	elapsed := t.Sub(it.created).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	wobble := 1 + 0.05*math.Sin(elapsed/97+unit(it.name, "phase")*6)
	cpuNs := uint64(it.cpuCores * elapsed * 1e9)
	ws := uint64(it.memBytes * wobble)
	cache := uint64(it.memBytes * 0.35)
	rss := uint64(float64(ws) * 0.85)
	stats := &cadvisorapi.ContainerStats{Timestamp: t}
	stats.Cpu.Usage = cadvisorapi.CpuUsage{Total: cpuNs, User: cpuNs / 10 * 7, System: cpuNs / 10 * 3}
	periods := uint64(elapsed * 10 * math.Min(1, it.cpuCores*20))
	stats.Cpu.CFS = cadvisorapi.CpuCFS{Periods: periods, ThrottledPeriods: periods / 200, ThrottledTime: periods / 200 * 2_000_000}
	stats.Memory = cadvisorapi.MemoryStats{
		Usage: ws + cache/2, MaxUsage: uint64(it.memBytes * 1.3), Cache: cache, RSS: rss,
		MappedFile: cache / 5, WorkingSet: ws, TotalActiveFile: cache / 3, TotalInactiveFile: cache / 2,
		KernelUsage:   ws / 50,
		ContainerData: cadvisorapi.MemoryStatsMemoryData{Pgfault: uint64(elapsed * (20 + 2000*it.cpuCores)), Pgmajfault: uint64(elapsed / 600)},
	}
	written := uint64(it.diskBytes * elapsed)
	read := written / 4
	stats.DiskIo = cadvisorapi.DiskIoStats{
		IoServiceBytes: []cadvisorapi.PerDiskStats{{Device: "/dev/sda", Major: diskMajor, Minor: 0, Stats: map[string]uint64{"Read": read, "Write": written, "Total": read + written, "Async": 0, "Sync": 0, "Discard": 0}}},
		IoServiced:     []cadvisorapi.PerDiskStats{{Device: "/dev/sda", Major: diskMajor, Minor: 0, Stats: map[string]uint64{"Read": read / 4096, "Write": written / 4096, "Total": (read + written) / 4096, "Async": 0, "Sync": 0, "Discard": 0}}},
	}
	if it.network {
		rx := uint64(it.netBytes * elapsed)
		tx := rx / 10 * 4
		eth0 := cadvisorapi.InterfaceStats{Name: "eth0", RxBytes: rx, RxPackets: rx / 600, TxBytes: tx, TxPackets: tx / 400}
		stats.Network = cadvisorapi.NetworkStats{InterfaceStats: eth0, Interfaces: []cadvisorapi.InterfaceStats{eth0}}
	}
	stats.Processes = cadvisorapi.ProcessStats{
		ProcessCount: it.processes, FdCount: 6 + it.processes*9, SocketCount: it.processes * 2,
		ThreadsCurrent: it.processes * 6, ThreadsMax: 4915,
		Ulimits: []cadvisorapi.UlimitSpec{{Name: "max_open_files", SoftLimit: 1048576, HardLimit: 1048576}},
	}
	return stats
}

func addStats(into, from *cadvisorapi.ContainerStats) {
	into.Cpu.Usage.Total += from.Cpu.Usage.Total
	into.Cpu.Usage.User += from.Cpu.Usage.User
	into.Cpu.Usage.System += from.Cpu.Usage.System
	into.Cpu.CFS.Periods += from.Cpu.CFS.Periods
	into.Cpu.CFS.ThrottledPeriods += from.Cpu.CFS.ThrottledPeriods
	into.Cpu.CFS.ThrottledTime += from.Cpu.CFS.ThrottledTime
	m, f := &into.Memory, &from.Memory
	m.Usage += f.Usage
	m.MaxUsage += f.MaxUsage
	m.Cache += f.Cache
	m.RSS += f.RSS
	m.MappedFile += f.MappedFile
	m.WorkingSet += f.WorkingSet
	m.TotalActiveFile += f.TotalActiveFile
	m.TotalInactiveFile += f.TotalInactiveFile
	m.KernelUsage += f.KernelUsage
	m.ContainerData.Pgfault += f.ContainerData.Pgfault
	m.ContainerData.Pgmajfault += f.ContainerData.Pgmajfault
	for i := range from.DiskIo.IoServiceBytes {
		for k, v := range from.DiskIo.IoServiceBytes[i].Stats {
			into.DiskIo.IoServiceBytes[0].Stats[k] += v
		}
		for k, v := range from.DiskIo.IoServiced[i].Stats {
			into.DiskIo.IoServiced[0].Stats[k] += v
		}
	}
	into.Processes.ProcessCount += from.Processes.ProcessCount
	into.Processes.FdCount += from.Processes.FdCount
	into.Processes.SocketCount += from.Processes.SocketCount
	into.Processes.ThreadsCurrent += from.Processes.ThreadsCurrent
}

func emptyStats(t time.Time) *cadvisorapi.ContainerStats {
	return &cadvisorapi.ContainerStats{
		Timestamp: t,
		DiskIo: cadvisorapi.DiskIoStats{
			IoServiceBytes: []cadvisorapi.PerDiskStats{{Device: "/dev/sda", Major: diskMajor, Minor: 0, Stats: map[string]uint64{}}},
			IoServiced:     []cadvisorapi.PerDiskStats{{Device: "/dev/sda", Major: diskMajor, Minor: 0, Stats: map[string]uint64{}}},
		},
		Processes: cadvisorapi.ProcessStats{ThreadsMax: 4915},
	}
}

// statsAt computes every cgroup's statistics at time t: the leaves from the model, every other
// cgroup the sum of the leaves under it (the root with the rest of the machine on top).
func statsAt(items []*item, t time.Time, boot time.Time) map[string]*cadvisorapi.ContainerStats {
	out := make(map[string]*cadvisorapi.ContainerStats, len(items))
	leaves := map[string]*cadvisorapi.ContainerStats{}
	for _, it := range items {
		if it.leaf {
			leaves[it.name] = leafStats(it, t)
		}
	}
	for _, it := range items {
		if it.leaf {
			out[it.name] = leaves[it.name]
			continue
		}
		sum := emptyStats(t)
		prefix := strings.TrimSuffix(it.name, "/") + "/"
		for name, leaf := range leaves {
			if strings.HasPrefix(name, prefix) {
				addStats(sum, leaf)
			}
		}
		if it.name == "/" {
			host := leafStats(&item{name: "host", created: boot, cpuCores: 0.25, memBytes: 1.2 * (1 << 30), processes: 180, diskBytes: 60000, network: true, netBytes: 80000}, t)
			addStats(sum, host)
			sum.Network = host.Network
			sum.Cpu.LoadAverage = 0
			used := uint64(rootFsCapacity*0.31) + uint64(t.Sub(boot).Seconds())*1024
			sum.Filesystem = []cadvisorapi.FsStats{{
				Device: "/dev/sda1", Type: "vfs", Limit: rootFsCapacity, Usage: used, BaseUsage: used, Available: rootFsCapacity - used,
				HasInodes: true, Inodes: rootFsInodes, InodesFree: rootFsInodes - 412000,
				ReadsCompleted: uint64(t.Sub(boot).Seconds() * 3), WritesCompleted: uint64(t.Sub(boot).Seconds() * 12),
				SectorsRead: uint64(t.Sub(boot).Seconds() * 48), SectorsWritten: uint64(t.Sub(boot).Seconds() * 300),
				ReadTime: uint64(t.Sub(boot).Seconds() * 2), WriteTime: uint64(t.Sub(boot).Seconds() * 9), IoTime: uint64(t.Sub(boot).Seconds() * 8),
				WeightedIoTime: uint64(t.Sub(boot).Seconds() * 11),
			}}
		}
		out[it.name] = sum
	}
	return out
}

func (s *containerSource) spec(it *item) cadvisorapi.ContainerSpec {
	spec := cadvisorapi.ContainerSpec{
		CreationTime: it.created,
		Labels:       it.labels,
		HasCpu:       true,
		Cpu:          cadvisorapi.CpuSpec{Limit: it.cpuShares, Mask: fmt.Sprintf("0-%d", numCores-1), Period: cgroupV2Period},
		HasMemory:    true,
		Memory:       cadvisorapi.MemorySpec{Limit: cgroupUnlimited, Reservation: cgroupUnlimited, SwapLimit: cgroupUnlimited},
		HasNetwork:   it.network || it.name == "/",
		HasProcesses: true,
		Processes:    cadvisorapi.ProcessSpec{Limit: 4915},
		// containerd's cAdvisor handler reports no filesystem usage for containers, only the root.
		HasFilesystem: it.name == "/",
		HasDiskIo:     true,
		Image:         it.image,
	}
	if spec.Cpu.Limit == 0 {
		spec.Cpu.Limit = 1024
	}
	if it.name == "/" {
		spec.Memory = cadvisorapi.MemorySpec{Limit: memoryCapacity, Reservation: cgroupUnlimited, SwapLimit: 0}
	}
	return spec
}

func (s *containerSource) reference(it *item) cadvisorapi.ContainerReference {
	if it.id == "" {
		return cadvisorapi.ContainerReference{Name: it.name}
	}
	// As containerd's handler in cAdvisor: the id first among the aliases, then the cgroup name.
	return cadvisorapi.ContainerReference{Id: it.id, Name: it.name, Aliases: []string{it.id, it.name}, Namespace: containerdSpace}
}

// selected returns the items a request for `name` covers (the container itself and, recursively,
// the cgroups under it), or an error for an unknown container, as cAdvisor does.
func selected(items []*item, name string, recursive bool) ([]*item, error) {
	var out []*item
	prefix := strings.TrimSuffix(name, "/") + "/"
	found := false
	for _, it := range items {
		if it.name == name {
			found = true
			out = append(out, it)
		} else if recursive && strings.HasPrefix(it.name, prefix) {
			out = append(out, it)
		}
	}
	if !found {
		return nil, fmt.Errorf("unknown container %q", name)
	}
	return out, nil
}

// samples are the timestamps of `count` samples ending now, 10 s apart (cAdvisor's housekeeping
// interval), oldest first.
func samples(count int) []time.Time {
	if count < 1 {
		count = 1
	}
	now := time.Now()
	out := make([]time.Time, count)
	for i := range out {
		out[i] = now.Add(-time.Duration(count-1-i) * 10 * time.Second)
	}
	return out
}

func (s *containerSource) infos(name string, options cadvisorapiv2.RequestOptions) ([]*item, [][]*cadvisorapi.ContainerStats, error) {
	items := s.snapshot()
	chosen, err := selected(items, name, options.Recursive)
	if err != nil {
		return nil, nil, err
	}
	times := samples(options.Count)
	perTime := make([]map[string]*cadvisorapi.ContainerStats, len(times))
	for i, t := range times {
		perTime[i] = statsAt(items, t, s.boot)
	}
	stats := make([][]*cadvisorapi.ContainerStats, len(chosen))
	for i, it := range chosen {
		for j := range times {
			if !times[j].Before(it.created) {
				stats[i] = append(stats[i], perTime[j][it.name])
			}
		}
	}
	return chosen, stats, nil
}

// Start implements cadvisor.Interface.
func (s *containerSource) Start() error { return nil }

// GetRequestedContainersInfo implements cadvisor.Interface: what /metrics/cadvisor renders.
func (s *containerSource) GetRequestedContainersInfo(name string, options cadvisorapiv2.RequestOptions) (map[string]*cadvisorapi.ContainerInfo, error) {
	chosen, stats, err := s.infos(name, options)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*cadvisorapi.ContainerInfo, len(chosen))
	for i, it := range chosen {
		out[it.name] = &cadvisorapi.ContainerInfo{ContainerReference: s.reference(it), Spec: s.spec(it), Stats: stats[i]}
	}
	return out, nil
}

// ContainerInfoV2 implements cadvisor.Interface: what the kubelet's stats providers read.
func (s *containerSource) ContainerInfoV2(name string, options cadvisorapiv2.RequestOptions) (map[string]cadvisorapiv2.ContainerInfo, error) {
	chosen, stats, err := s.infos(name, options)
	if err != nil {
		return nil, err
	}
	out := make(map[string]cadvisorapiv2.ContainerInfo, len(chosen))
	for i, it := range chosen {
		spec := s.spec(it)
		ref := s.reference(it)
		out[it.name] = cadvisorapiv2.ContainerInfo{
			Spec:  cadvisorapiv2.ContainerSpecFromV1(&spec, ref.Aliases, ref.Namespace),
			Stats: cadvisorapiv2.ContainerStatsFromV1(it.name, &spec, stats[i]),
		}
	}
	return out, nil
}

// MachineInfo implements cadvisor.Interface: a 4-core, 16 GiB machine with one disk and one NIC.
func (s *containerSource) MachineInfo() (*cadvisorapi.MachineInfo, error) {
	cores := make([]cadvisorapi.Core, numCores)
	for i := range cores {
		cores[i] = cadvisorapi.Core{Id: i, Threads: []int{i}, SocketID: 0}
	}
	inodes := uint64(rootFsInodes)
	return &cadvisorapi.MachineInfo{
		Timestamp:        time.Now(),
		NumCores:         numCores,
		NumPhysicalCores: numCores,
		NumSockets:       1,
		CpuFrequency:     2_900_000,
		MemoryCapacity:   memoryCapacity,
		MachineID:        hexID("machine/" + s.node)[:32],
		SystemUUID:       strings.ToUpper(hexID("uuid/" + s.node)[:32]),
		BootID:           hexID("boot/" + s.node)[:32],
		Filesystems:      []cadvisorapi.FsInfo{{Device: "/dev/sda1", DeviceMajor: diskMajor, DeviceMinor: 1, Capacity: rootFsCapacity, Type: "vfs", Inodes: inodes, HasInodes: true}},
		DiskMap:          map[string]cadvisorapi.DiskInfo{"8:0": {Name: "sda", Major: diskMajor, Minor: 0, Size: rootFsCapacity, Scheduler: "mq-deadline"}},
		NetworkDevices:   []cadvisorapi.NetInfo{{Name: "eth0", MacAddress: "02:42:ac:11:00:02", Speed: 10000, Mtu: 1500}},
		Topology:         []cadvisorapi.Node{{Id: 0, Memory: memoryCapacity, Cores: cores}},
		CloudProvider:    cadvisorapi.UnknownProvider,
		InstanceType:     cadvisorapi.UnknownInstance,
		InstanceID:       cadvisorapi.InstanceID(s.node),
	}, nil
}

// VersionInfo implements cadvisor.Interface.
func (s *containerSource) VersionInfo() (*cadvisorapi.VersionInfo, error) {
	return &cadvisorapi.VersionInfo{
		KernelVersion:      "6.12.57+deb13-amd64",
		ContainerOsVersion: "Debian GNU/Linux 13 (trixie)",
		CadvisorVersion:    "v0.56.2",
	}, nil
}

func (s *containerSource) fsInfo() cadvisorapiv2.FsInfo {
	used := uint64(rootFsCapacity*0.31) + uint64(time.Since(s.boot).Seconds())*1024
	inodes := uint64(rootFsInodes)
	free := uint64(rootFsInodes - 412000)
	return cadvisorapiv2.FsInfo{
		Timestamp: time.Now(), Device: "/dev/sda1", Mountpoint: "/", Capacity: rootFsCapacity,
		Available: rootFsCapacity - used, Usage: used, Labels: []string{"root"}, Inodes: &inodes, InodesFree: &free,
	}
}

// ImagesFsInfo implements cadvisor.Interface (images and containers share the root filesystem).
func (s *containerSource) ImagesFsInfo(context.Context) (cadvisorapiv2.FsInfo, error) {
	return s.fsInfo(), nil
}

// RootFsInfo implements cadvisor.Interface.
func (s *containerSource) RootFsInfo() (cadvisorapiv2.FsInfo, error) { return s.fsInfo(), nil }

// ContainerFsInfo implements cadvisor.Interface.
func (s *containerSource) ContainerFsInfo(context.Context) (cadvisorapiv2.FsInfo, error) {
	return s.fsInfo(), nil
}

// GetDirFsInfo implements cadvisor.Interface.
func (s *containerSource) GetDirFsInfo(string) (cadvisorapiv2.FsInfo, error) { return s.fsInfo(), nil }

// criContainerStats are the CRI statistics (ListContainerStats) of the running containers, from the
// same model: what containerd reports to the kubelet's CRI stats provider.
func (s *containerSource) criContainerStats(t time.Time) []*runtimeapi.ContainerStats {
	var out []*runtimeapi.ContainerStats
	for _, it := range s.snapshot() {
		if it.id == "" || it.sandbox {
			continue
		}
		stats := leafStats(it, t)
		ts := t.UnixNano()
		out = append(out, &runtimeapi.ContainerStats{
			Attributes: &runtimeapi.ContainerAttributes{
				Id: it.criID, Metadata: &runtimeapi.ContainerMetadata{Name: it.criName, Attempt: it.attempt},
				Labels: it.labels, Annotations: it.annots,
			},
			Cpu: &runtimeapi.CpuUsage{
				Timestamp:            ts,
				UsageCoreNanoSeconds: &runtimeapi.UInt64Value{Value: stats.Cpu.Usage.Total},
				UsageNanoCores:       &runtimeapi.UInt64Value{Value: uint64(it.cpuCores * 1e9)},
			},
			Memory: &runtimeapi.MemoryUsage{
				Timestamp:       ts,
				WorkingSetBytes: &runtimeapi.UInt64Value{Value: stats.Memory.WorkingSet},
				AvailableBytes:  &runtimeapi.UInt64Value{Value: memoryCapacity - stats.Memory.WorkingSet},
				UsageBytes:      &runtimeapi.UInt64Value{Value: stats.Memory.Usage},
				RssBytes:        &runtimeapi.UInt64Value{Value: stats.Memory.RSS},
				PageFaults:      &runtimeapi.UInt64Value{Value: stats.Memory.ContainerData.Pgfault},
				MajorPageFaults: &runtimeapi.UInt64Value{Value: stats.Memory.ContainerData.Pgmajfault},
			},
			WritableLayer: &runtimeapi.FilesystemUsage{
				Timestamp:  ts,
				FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"},
				UsedBytes:  &runtimeapi.UInt64Value{Value: 48 << 10},
				InodesUsed: &runtimeapi.UInt64Value{Value: 14},
			},
		})
	}
	return out
}
