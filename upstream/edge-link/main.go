// Command edge-link emulates an edge site's uplink for the upstream suite: it bridges two TAP
// devices frame by frame (layer 2, so ARP and IPv4 cross it unchanged) and applies to each
// direction a one-way delay, jitter, random loss and a rate with a bounded queue, counting the
// Ethernet frames and bytes that cross. The kernel this suite runs on has no sch_netem, so the
// link is emulated here, in user space.
//
//	edge-link --version
//	edge-link --tap-a NAME --tap-b NAME --control SOCKET [--config FILE]
//
// Both TAP devices are created by this process in its own network namespace (TUNSETIFF, not
// persistent: they disappear when it exits); either may then be moved into another namespace
// (`ip link set NAME netns NS`), the open descriptor keeps working. It prints "ready" once both
// are attached and the control socket listens. Direction "ab" is what tap A receives from its
// namespace and tap B sends into its namespace; "ba" the reverse.
//
// Control, HTTP on the Unix socket:
//
//	GET  /link              both directions' parameters
//	PUT  /link              {"ab": {...}, "ba": {...}}: replaces the parameters of the directions given
//	POST /cut, /restore     drops every frame of both directions (frames in flight too) / stops doing so
//	GET  /counters          frames and bytes per direction: received, sent, dropped by cause
//
// The model, per direction, in the order a frame meets it:
//  1. cut: the frame is dropped;
//  2. loss: dropped with probability `loss` (0..1), independently of every other frame;
//  3. rate: at `rateBitsPerSecond` (0: unlimited) each frame is serialized after the one before it
//     (the frame's bytes as on the wire of the TAP: Ethernet header and payload, no preamble, FCS or
//     gap); the backlog waiting for serialization is at most `queueBytes`, a frame that does not fit
//     is dropped (tail drop);
//  4. delay: the frame leaves `delayMs` plus a jitter offset (never less than 0 in all) after its
//     serialization ends. The offset moves in straight lines between values drawn uniformly in
//     [-jitterMs, +jitterMs], each line lasting as many milliseconds as it rises or falls (at
//     least 10): it never falls faster than time passes, so frames keep their order, as on a real
//     uplink (netem reorders frames when its jitter says so, which TCP takes for loss), and none is
//     held behind a slower one, so the mean delay stays `delayMs`. Consecutive frames see about the
//     same delay, as on a radio link whose delay comes from scheduling and queues.
//
// SIGTERM or SIGINT: the devices are closed (and so removed) and the process exits 0.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const version = "v0.1.0"

// Params are one direction's link parameters.
type Params struct {
	DelayMs           float64 `json:"delayMs"`
	JitterMs          float64 `json:"jitterMs"`
	Loss              float64 `json:"loss"`
	RateBitsPerSecond float64 `json:"rateBitsPerSecond"`
	QueueBytes        int     `json:"queueBytes"`
}

// DefaultQueueBytes is the backlog a rate-limited direction holds when none is configured: about
// one second at 2 Mbit/s.
const DefaultQueueBytes = 256 * 1024

func (p Params) validate() error {
	switch {
	case p.DelayMs < 0 || p.DelayMs > 60_000:
		return fmt.Errorf("delayMs must be between 0 and 60000, got %v", p.DelayMs)
	case p.JitterMs < 0 || p.JitterMs > 60_000:
		return fmt.Errorf("jitterMs must be between 0 and 60000, got %v", p.JitterMs)
	case p.Loss < 0 || p.Loss > 1:
		return fmt.Errorf("loss is a probability between 0 and 1, got %v", p.Loss)
	case p.RateBitsPerSecond < 0:
		return fmt.Errorf("rateBitsPerSecond must be 0 (unlimited) or positive, got %v", p.RateBitsPerSecond)
	case p.QueueBytes < 0:
		return fmt.Errorf("queueBytes must be 0 (the default, %d) or positive, got %d", DefaultQueueBytes, p.QueueBytes)
	}
	return nil
}

// Counters are one direction's counts since start.
type Counters struct {
	FramesIn        uint64 `json:"framesIn"`
	BytesIn         uint64 `json:"bytesIn"`
	FramesOut       uint64 `json:"framesOut"`
	BytesOut        uint64 `json:"bytesOut"`
	DroppedCut      uint64 `json:"droppedCut"`
	DroppedLoss     uint64 `json:"droppedLoss"`
	DroppedQueue    uint64 `json:"droppedQueue"`
	DroppedWriteErr uint64 `json:"droppedWriteError"`
}

// jitterLine is the jitter offset: a line from one random value to the next.
type jitterLine struct {
	from, to float64 // ms
	start    time.Time
	length   time.Duration
}

// at is the offset at `now`, in ms; a new line starts where the last one ended.
func (j *jitterLine) at(now time.Time, jitterMs float64, random func() float64) float64 {
	if j.start.IsZero() || now.Before(j.start) || now.Sub(j.start) >= j.length {
		if j.start.IsZero() {
			j.to = (random()*2 - 1) * jitterMs
		}
		j.from = math.Max(-jitterMs, math.Min(jitterMs, j.to))
		j.to = (random()*2 - 1) * jitterMs
		j.start = now
		j.length = time.Duration(math.Max(10, math.Abs(j.to-j.from)) * float64(time.Millisecond))
	}
	return j.from + (j.to-j.from)*float64(now.Sub(j.start))/float64(j.length)
}

// frame is a frame on its way, with the time it leaves.
type frame struct {
	data []byte
	due  time.Time
}

// Direction is the scheduler of one direction: it decides, for each frame received, whether it is
// dropped and when it leaves. It is safe for concurrent use.
type Direction struct {
	mu        sync.Mutex
	params    Params
	cut       bool
	serialEnd time.Time // when the last accepted frame's serialization ends
	lastDue   time.Time // when the last accepted frame leaves
	jitter    jitterLine
	counters  Counters
	random    func() float64
}

func newDirection(seed uint64) *Direction {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &Direction{random: r.Float64}
}

// admit decides the fate of a frame of `size` bytes received at `now`: its departure time, or false
// when it is dropped.
func (d *Direction) admit(size int, now time.Time) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counters.FramesIn++
	d.counters.BytesIn += uint64(size)
	p := d.params
	if d.cut {
		d.counters.DroppedCut++
		return time.Time{}, false
	}
	if p.Loss > 0 && d.random() < p.Loss {
		d.counters.DroppedLoss++
		return time.Time{}, false
	}
	start := now
	if d.serialEnd.After(now) {
		start = d.serialEnd
	}
	end := start
	if p.RateBitsPerSecond > 0 {
		limit := p.QueueBytes
		if limit == 0 {
			limit = DefaultQueueBytes
		}
		backlog := start.Sub(now).Seconds() * p.RateBitsPerSecond / 8
		if backlog+float64(size) > float64(limit) {
			d.counters.DroppedQueue++
			return time.Time{}, false
		}
		end = start.Add(time.Duration(float64(size) * 8 / p.RateBitsPerSecond * float64(time.Second)))
		d.serialEnd = end
	}
	delay := p.DelayMs
	if p.JitterMs > 0 {
		delay += d.jitter.at(now, p.JitterMs, d.random)
	}
	if delay < 0 {
		delay = 0
	}
	due := end.Add(time.Duration(delay * float64(time.Millisecond)))
	if due.Before(d.lastDue) {
		due = d.lastDue
	}
	d.lastDue = due
	return due, true
}

// leave counts a frame at its departure: sent, or dropped when the link was cut meanwhile.
func (d *Direction) leave(size int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		d.counters.DroppedCut++
		return false
	}
	d.counters.FramesOut++
	d.counters.BytesOut += uint64(size)
	return true
}

func (d *Direction) writeFailed() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counters.FramesOut--
	d.counters.DroppedWriteErr++
}

func (d *Direction) set(p Params) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.params = p
}

func (d *Direction) setCut(cut bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = cut
}

func (d *Direction) snapshot() (Params, bool, Counters) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.params, d.cut, d.counters
}

// openTap creates a TAP device (no packet information header) and returns it as a pollable file.
func openTap(name string) (*os.File, error) {
	if len(name) == 0 || len(name) >= unix.IFNAMSIZ {
		return nil, fmt.Errorf("tap name must have 1 to %d characters, got %q", unix.IFNAMSIZ-1, name)
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("TUNSETIFF %s: %w", name, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun:"+name), nil
}

// forward carries frames from one tap to the other through a direction's scheduler.
// Frames still on their way when `done` closes are dropped: the process exits at once.
func forward(from, to *os.File, d *Direction, done <-chan struct{}, wg *sync.WaitGroup) {
	queue := make(chan frame, 1<<16)
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(queue)
		buf := make([]byte, 1<<16)
		for {
			n, err := from.Read(buf)
			if err != nil {
				if !errors.Is(err, os.ErrClosed) {
					log.Printf("read %s: %v", from.Name(), err)
				}
				return
			}
			due, ok := d.admit(n, time.Now())
			if !ok {
				continue
			}
			select {
			case queue <- frame{data: append([]byte(nil), buf[:n]...), due: due}:
			default:
				d.mu.Lock()
				d.counters.DroppedQueue++
				d.mu.Unlock()
			}
		}
	}()
	go func() {
		defer wg.Done()
		timer := time.NewTimer(0)
		<-timer.C
		for f := range queue {
			if wait := time.Until(f.due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-done:
					// Drain without waiting, so that the reader, closing the queue, ends too.
					for range queue {
					}
					return
				}
			}
			if !d.leave(len(f.data)) {
				continue
			}
			// A device that is down (being moved between namespaces) refuses the frame: it is lost.
			if _, err := to.Write(f.data); err != nil {
				d.writeFailed()
			}
		}
	}()
}

type link struct {
	ab, ba *Direction
}

type linkState struct {
	AB  Params `json:"ab"`
	BA  Params `json:"ba"`
	Cut bool   `json:"cut"`
}

type linkUpdate struct {
	AB *Params `json:"ab"`
	BA *Params `json:"ba"`
}

func (l *link) state() linkState {
	ab, cut, _ := l.ab.snapshot()
	ba, _, _ := l.ba.snapshot()
	return linkState{AB: ab, BA: ba, Cut: cut}
}

func (l *link) apply(u linkUpdate) error {
	for _, p := range []*Params{u.AB, u.BA} {
		if p != nil {
			if err := p.validate(); err != nil {
				return err
			}
		}
	}
	if u.AB != nil {
		l.ab.set(*u.AB)
	}
	if u.BA != nil {
		l.ba.set(*u.BA)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (l *link) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /link", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, l.state()) })
	mux.HandleFunc("PUT /link", func(w http.ResponseWriter, r *http.Request) {
		var u linkUpdate
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			http.Error(w, "edge-link: the body must be {\"ab\": {...}, \"ba\": {...}} with delayMs, jitterMs, loss, rateBitsPerSecond, queueBytes: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := l.apply(u); err != nil {
			http.Error(w, "edge-link: "+err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, l.state())
	})
	mux.HandleFunc("POST /cut", func(w http.ResponseWriter, _ *http.Request) {
		l.ab.setCut(true)
		l.ba.setCut(true)
		writeJSON(w, l.state())
	})
	mux.HandleFunc("POST /restore", func(w http.ResponseWriter, _ *http.Request) {
		l.ab.setCut(false)
		l.ba.setCut(false)
		writeJSON(w, l.state())
	})
	mux.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) {
		_, _, ab := l.ab.snapshot()
		_, _, ba := l.ba.snapshot()
		writeJSON(w, map[string]Counters{"ab": ab, "ba": ba})
	})
	return mux
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	showVersion := flag.Bool("version", false, "print the version and exit")
	tapA := flag.String("tap-a", "", "name of the TAP device to create on side A")
	tapB := flag.String("tap-b", "", "name of the TAP device to create on side B")
	control := flag.String("control", "", "path of the Unix socket serving the control API")
	configFile := flag.String("config", "", `optional JSON file {"ab": {...}, "ba": {...}}: the initial parameters`)
	flag.Parse()
	if *showVersion {
		fmt.Printf("edge-link %s\n", version)
		return
	}
	if *tapA == "" || *tapB == "" || *control == "" || *tapA == *tapB {
		fmt.Fprintln(os.Stderr, "usage: edge-link --tap-a NAME --tap-b NAME --control SOCKET [--config FILE] (two different tap names)")
		os.Exit(2)
	}
	l := &link{ab: newDirection(uint64(time.Now().UnixNano())), ba: newDirection(uint64(time.Now().UnixNano()) + 1)}
	if *configFile != "" {
		raw, err := os.ReadFile(*configFile)
		if err != nil {
			log.Fatal(err)
		}
		var u linkUpdate
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			log.Fatalf("%s: %v (allowed: {\"ab\": {...}, \"ba\": {...}} with delayMs, jitterMs, loss, rateBitsPerSecond, queueBytes)", *configFile, err)
		}
		if err := l.apply(u); err != nil {
			log.Fatalf("%s: %v", *configFile, err)
		}
	}
	a, err := openTap(*tapA)
	if err != nil {
		log.Fatal(err)
	}
	b, err := openTap(*tapB)
	if err != nil {
		log.Fatal(err)
	}
	_ = os.Remove(*control)
	listener, err := net.Listen("unix", *control)
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{Handler: l.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()

	var wg sync.WaitGroup
	done := make(chan struct{})
	forward(a, b, l.ab, done, &wg)
	forward(b, a, l.ba, done, &wg)
	fmt.Println("ready")

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	close(done)
	_ = server.Close()
	_ = a.Close()
	_ = b.Close()
	wg.Wait()
	_ = os.Remove(*control)
	state := l.state()
	_, _, ab := l.ab.snapshot()
	_, _, ba := l.ba.snapshot()
	out, _ := json.Marshal(map[string]any{"link": state, "counters": map[string]Counters{"ab": ab, "ba": ba}})
	log.Printf("stopped: %s", out)
}
