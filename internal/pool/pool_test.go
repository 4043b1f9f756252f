package pool

import (
	"bytes"
	"sync"
	"testing"
)

func newBufferPool(capacity, prewarm int) *Pool[bytes.Buffer] {
	return New("buffers", capacity, prewarm,
		func() *bytes.Buffer { return new(bytes.Buffer) },
		func(b *bytes.Buffer) { b.Reset() })
}

func TestPrewarmedObjectsAreHits(t *testing.T) {
	p := newBufferPool(4, 3)
	if s := p.Stats(); s.Idle != 3 {
		t.Fatalf("idle after prewarm = %d, want 3", s.Idle)
	}
	var got []*bytes.Buffer
	for range 4 {
		got = append(got, p.Get())
	}
	s := p.Stats()
	if s.Gets != 4 || s.Misses != 1 {
		t.Fatalf("gets, misses = %d, %d; want 4, 1 (three prewarmed, one allocated)", s.Gets, s.Misses)
	}
	for _, b := range got {
		p.Put(b)
	}
	if s := p.Stats(); s.Idle != 4 {
		t.Fatalf("idle after put = %d, want capacity 4", s.Idle)
	}
}

func TestPutResetsAndDropsOverflow(t *testing.T) {
	p := newBufferPool(1, 0)
	a, b := p.Get(), p.Get()
	a.WriteString("secret request body")
	p.Put(a)
	p.Put(b) // no room: dropped, not blocking
	if s := p.Stats(); s.Idle != 1 {
		t.Fatalf("idle = %d, want 1", s.Idle)
	}
	if got := p.Get(); got.Len() != 0 {
		t.Fatalf("reused buffer holds %q; Put must reset", got.String())
	}
	p.Put(nil) // ignored
}

func TestConcurrentUse(t *testing.T) {
	p := newBufferPool(8, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				b := p.Get()
				b.WriteByte('x')
				p.Put(b)
			}
		})
	}
	wg.Wait()
	if s := p.Stats(); s.Gets != 8000 || s.Idle > 8 {
		t.Fatalf("stats after concurrent use = %+v", s)
	}
}

func BenchmarkPoolGetPut(b *testing.B) {
	p := newBufferPool(64, 64)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p.Put(p.Get())
		}
	})
}
