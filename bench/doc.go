// Package bench is sluice's load harness. In one run it builds cmd/mockllm and
// cmd/sluice, starts the mock with a fixed latency, the gateway in front of it with
// its default configuration, and nginx proxy_pass in front of it as a reference floor
// when nginx is installed; then it drives each target in turn at each rate, round
// after round (direct, gateway, nginx, direct, gateway, nginx, …), and reports
// latency, overhead against the direct round, success, achieved rate, memory and CPU.
//
// Every process listens on 127.0.0.1 only, every round is bounded by its rate and
// duration, and every request by a timeout, so a run stops by itself. The attacker
// runs inside the harness process and shares the machine with the targets, so only
// ratios and differences taken within one run are meaningful.
//
// The command bench/cmd/loadtest wires the flags; [Run] and [Sweep] do the work.
package bench
