package sluice

import (
	"bytes"
	"context"
	"testing"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// benchClient returns a client whose OpenAI provider answers from memory.
func benchClient(b *testing.B, concurrency int) *Client {
	acct := newAccount()
	acct.add(schemas.OpenAI, "", concurrency, 4096)
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet, InitialPoolSize: 1024},
		nopConstructor)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Cleanup)
	return c
}

// BenchmarkDispatch measures the engine alone: admission, queueing, key choice, a
// worker's hand-off and the result's way back, with an adapter that answers at once.
func BenchmarkDispatch(b *testing.B) {
	ctx := context.Background()
	req := chatReq(schemas.OpenAI, "hi")
	b.Run("serial", func(b *testing.B) {
		c := benchClient(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ChatCompletion(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		c := benchClient(b, 64)
		b.ReportAllocs()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.ChatCompletion(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("traced", func(b *testing.B) {
		c := benchClient(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			var tr Trace
			if _, err := c.ChatCompletion(WithTrace(ctx, &tr), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sink keeps allocations from being optimized away.
var sink any

// BenchmarkEnvelope compares reusing envelopes, whose result channel comes with them,
// with making a new one per request.
func BenchmarkEnvelope(b *testing.B) {
	b.Run("pool", func(b *testing.B) {
		p := pool.New("envelopes", 256, 128, newEnvelope, resetEnvelope)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e := p.Get()
				e.done <- result{}
				p.Put(e)
			}
		})
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e := newEnvelope()
				e.done <- result{}
				sink = e
			}
		})
	})
}

// BenchmarkBuffer compares lending body buffers from the pool with growing a new one
// for each body of a typical chat request's size.
func BenchmarkBuffer(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 4<<10)
	b.Run("pool", func(b *testing.B) {
		p := pool.New("body_buffers", 256, 128, newBuffer, resetBuffer)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				buf := p.Get()
				buf.Write(body)
				p.Put(buf)
			}
		})
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				buf := newBuffer()
				buf.Write(body)
				sink = buf
			}
		})
	})
}
