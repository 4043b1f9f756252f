// Command refproxy is a bare reverse proxy for the load harness: no routing, parsing
// or flow control, only one HTTP stack's server and client forwarding to one upstream.
// It shows what the stack alone costs, so that the gateway's overhead can be split
// into the stack's part and its own.
//
//	refproxy -stack nethttp -listen 127.0.0.1:9001 -upstream 127.0.0.1:9000
//
// The fasthttp proxy reads each upstream response whole before answering, so it is a
// reference for whole responses only, not for streams.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"

	"github.com/valyala/fasthttp"
)

func main() {
	stack := flag.String("stack", "nethttp", "HTTP stack: nethttp or fasthttp")
	listen := flag.String("listen", "127.0.0.1:9001", "address to serve on")
	upstream := flag.String("upstream", "127.0.0.1:9000", "host:port to forward to")
	conns := flag.Int("conns", 10000, "most connections to the upstream")
	flag.Parse()

	var err error
	switch *stack {
	case "nethttp":
		err = serveNetHTTP(*listen, *upstream, *conns)
	case "fasthttp":
		err = serveFastHTTP(*listen, *upstream, *conns)
	default:
		err = fmt.Errorf("unknown -stack %q; use nethttp or fasthttp", *stack)
	}
	fmt.Fprintln(os.Stderr, "refproxy:", err)
	os.Exit(1)
}

// serveNetHTTP proxies with the standard library's server, ReverseProxy and Transport.
func serveNetHTTP(listen, upstream string, conns int) error {
	target := &url.URL{Scheme: "http", Host: upstream}
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		FlushInterval: -1, // pass streams through as they arrive
		Transport: &http.Transport{
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
	srv := &http.Server{Addr: listen, Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// serveFastHTTP proxies with fasthttp's server and HostClient.
func serveFastHTTP(listen, upstream string, conns int) error {
	client := &fasthttp.HostClient{
		Addr:                          upstream,
		MaxConns:                      conns,
		ReadTimeout:                   30 * time.Second,
		WriteTimeout:                  30 * time.Second,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
	}
	handler := func(ctx *fasthttp.RequestCtx) {
		req := &ctx.Request
		req.SetHost(upstream)
		if err := client.Do(req, &ctx.Response); err != nil {
			ctx.Error("upstream: "+err.Error(), fasthttp.StatusBadGateway)
		}
	}
	srv := &fasthttp.Server{Handler: handler, ReadTimeout: 30 * time.Second,
		NoDefaultServerHeader: true, Concurrency: 100_000}
	return srv.ListenAndServe(listen)
}
