package main

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestDelayIsAddedToEveryFrame(t *testing.T) {
	d := newDirection(1)
	d.set(Params{DelayMs: 150})
	due, ok := d.admit(1000, t0)
	if !ok || !due.Equal(t0.Add(150*time.Millisecond)) {
		t.Fatalf("got %v %v, want %v", due, ok, t0.Add(150*time.Millisecond))
	}
}

func TestRateSerializesFramesOneAfterAnother(t *testing.T) {
	d := newDirection(1)
	d.set(Params{RateBitsPerSecond: 8000}) // 1000 bytes per second
	first, _ := d.admit(500, t0)
	second, _ := d.admit(250, t0)
	if !first.Equal(t0.Add(500*time.Millisecond)) || !second.Equal(t0.Add(750*time.Millisecond)) {
		t.Fatalf("got %v and %v", first.Sub(t0), second.Sub(t0))
	}
	// A frame arriving after the link went idle starts at once.
	third, _ := d.admit(100, t0.Add(2*time.Second))
	if !third.Equal(t0.Add(2100 * time.Millisecond)) {
		t.Fatalf("got %v", third.Sub(t0))
	}
}

func TestAFullQueueDropsTheTail(t *testing.T) {
	d := newDirection(1)
	d.set(Params{RateBitsPerSecond: 8000, QueueBytes: 1000})
	for i := 0; i < 2; i++ {
		if _, ok := d.admit(500, t0); !ok {
			t.Fatalf("frame %d dropped with room in the queue", i)
		}
	}
	if _, ok := d.admit(1, t0); ok {
		t.Fatal("a frame beyond queueBytes was accepted")
	}
	// Half a second later 500 bytes have left: room again.
	if _, ok := d.admit(500, t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("dropped although the queue had drained")
	}
	if _, _, c := d.snapshot(); c.DroppedQueue != 1 || c.FramesIn != 4 {
		t.Fatalf("counters %+v", c)
	}
}

func TestJitterNeverReorders(t *testing.T) {
	d := newDirection(7)
	d.set(Params{DelayMs: 100, JitterMs: 50})
	var last time.Time
	var total time.Duration
	spread := map[bool]int{}
	for i := 0; i < 10000; i++ {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		due, _ := d.admit(100, now)
		if due.Before(last) {
			t.Fatalf("frame %d leaves at %v, before the one ahead of it (%v)", i, due, last)
		}
		if d := due.Sub(now); d < 50*time.Millisecond || d > 150*time.Millisecond {
			t.Fatalf("frame %d delayed %v, outside 100±50 ms", i, d)
		}
		spread[due.Sub(now) > 100*time.Millisecond]++
		total += due.Sub(now)
		last = due
	}
	if mean := total / 10000; mean < 95*time.Millisecond || mean > 105*time.Millisecond {
		t.Fatalf("mean delay %v, want about 100 ms", mean)
	}
	if spread[true] < 1000 || spread[false] < 1000 {
		t.Fatalf("jitter has no spread: %v", spread)
	}
}

func TestLossDropsTheConfiguredShare(t *testing.T) {
	d := newDirection(3)
	d.set(Params{Loss: 0.01})
	for i := 0; i < 100000; i++ {
		d.admit(100, t0)
	}
	if _, _, c := d.snapshot(); c.DroppedLoss < 850 || c.DroppedLoss > 1150 {
		t.Fatalf("dropped %d of 100000 at 1%%", c.DroppedLoss)
	}
}

func TestCutDropsArrivingAndDepartingFrames(t *testing.T) {
	d := newDirection(1)
	if _, ok := d.admit(100, t0); !ok {
		t.Fatal("dropped before the cut")
	}
	d.setCut(true)
	if _, ok := d.admit(100, t0); ok {
		t.Fatal("accepted while cut")
	}
	if d.leave(100) {
		t.Fatal("a frame in flight left while cut")
	}
	d.setCut(false)
	if !d.leave(100) {
		t.Fatal("not sent after restore")
	}
	if _, _, c := d.snapshot(); c.DroppedCut != 2 || c.FramesOut != 1 || c.BytesOut != 100 || c.BytesIn != 200 {
		t.Fatalf("counters %+v", c)
	}
}

func TestInvalidParametersAreRefused(t *testing.T) {
	for _, p := range []Params{{DelayMs: -1}, {Loss: 1.5}, {RateBitsPerSecond: -8}, {QueueBytes: -1}, {JitterMs: -2}} {
		if p.validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
