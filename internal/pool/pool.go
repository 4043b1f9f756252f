// Package pool provides typed object pools that count their use.
//
// A Pool keeps up to its capacity of idle objects in a free list that the garbage
// collector does not empty, so objects prewarmed at start-up stay available however
// often the GC runs; this is what makes the prewarm size a real, measurable setting.
// When the free list is empty, Get allocates and counts a miss; when it is full, Put
// lets the object go to the garbage collector.
package pool

import "sync/atomic"

// Pool is a bounded free list of *T. It is safe for concurrent use.
type Pool[T any] struct {
	name  string
	free  chan *T
	newT  func() *T
	reset func(*T)

	gets   atomic.Uint64
	misses atomic.Uint64
}

// New returns a pool named name holding up to capacity idle objects, of which prewarm
// are created at once. newT creates an object; reset, if not nil, clears one before it
// returns to the pool.
func New[T any](name string, capacity, prewarm int, newT func() *T, reset func(*T)) *Pool[T] {
	if capacity < 1 {
		capacity = 1
	}
	p := &Pool[T]{name: name, free: make(chan *T, capacity), newT: newT, reset: reset}
	for range min(prewarm, capacity) {
		p.free <- newT()
	}
	return p
}

// Get returns an idle object, or a new one when none is idle.
func (p *Pool[T]) Get() *T {
	p.gets.Add(1)
	select {
	case x := <-p.free:
		return x
	default:
		p.misses.Add(1)
		return p.newT()
	}
}

// Put resets x and keeps it for reuse if there is room. x must not be used afterwards.
func (p *Pool[T]) Put(x *T) {
	if x == nil {
		return
	}
	if p.reset != nil {
		p.reset(x)
	}
	select {
	case p.free <- x:
	default:
	}
}

// Stats is a snapshot of a pool's counters.
type Stats struct {
	Name   string
	Gets   uint64
	Misses uint64
	Idle   int
}

// Stats returns the pool's counters.
func (p *Pool[T]) Stats() Stats {
	return Stats{Name: p.name, Gets: p.gets.Load(), Misses: p.misses.Load(), Idle: len(p.free)}
}
