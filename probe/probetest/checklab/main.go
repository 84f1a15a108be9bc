// Command checklab runs a loopback Citrix Cloud for trying 'ccproxy check' by hand and for
// the benchmark script: HTTPS upstreams with certificates from a test CA, a fake proxy, and
// a catalog naming N hosts on the upstream's port. It writes catalog.json and roots.pem to
// -dir, prints "proxy HOST:PORT" and "upstream PORT" on stdout, and runs until stdin closes.
//
//	go run ./probe/probetest/checklab -dir /tmp/lab -endpoints 40 -delay 200ms
//	ccproxy check --catalog /tmp/lab/catalog.json --ca-file /tmp/lab/roots.pem --proxy 127.0.0.1:PORT
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ccproxy/probe/probetest"
)

func main() {
	dir := flag.String("dir", ".", "folder for catalog.json and roots.pem")
	n := flag.Int("endpoints", 40, "hosts in the catalog")
	delay := flag.Duration("delay", 200*time.Millisecond, "what the proxy adds before answering each request")
	mode := flag.String("mode", "tunnel", "proxy behaviour: tunnel, resign, auth, silent, refuse-ip")
	expired := flag.Bool("expired", false, "serve expired certificates")
	flag.Parse()
	if err := run(*dir, *n, *delay, *mode, *expired); err != nil {
		fmt.Fprintln(os.Stderr, "checklab:", err)
		os.Exit(1)
	}
}

func run(dir string, n int, delay time.Duration, mode string, expired bool) error {
	ca, err := probetest.NewCA("ccproxy Test Root CA", "ccproxy Test")
	if err != nil {
		return err
	}
	up, err := probetest.NewTLSUpstream(ca, probetest.UpstreamOptions{Expired: expired})
	if err != nil {
		return err
	}
	defer up.Close()
	o := probetest.ProxyOptions{Delay: delay}
	switch mode {
	case "tunnel":
	case "resign":
		o.Mode = probetest.Resign
		if o.ResignCA, err = probetest.NewCA("Zscaler Intermediate Root CA", "Zscaler Inc."); err != nil {
			return err
		}
	case "auth":
		o.Mode = probetest.AuthRequired
	case "silent":
		o.Mode = probetest.Silent
	case "refuse-ip":
		o.RefuseIPLiterals = true
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}
	p, err := probetest.NewProxy(o)
	if err != nil {
		return err
	}
	defer p.Close()

	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = "host" + strconv.Itoa(i) + ".citrixworkspacesapi.net"
	}
	cat := map[string]any{"schema": "ccproxy/catalog@1", "regions": map[string]any{"commercial": []any{map[string]any{
		"pattern": "*.citrixworkspacesapi.net", "probeHosts": hosts, "ports": []int{up.Port}, "purpose": "checklab hosts",
		"source": "checklab", "kind": "https", "expectedIssuers": []string{"ccproxy Test"}, "required": true,
	}}}}
	b, err := json.MarshalIndent(cat, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "catalog.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "roots.pem"), ca.PEM(), 0o644); err != nil {
		return err
	}
	fmt.Printf("proxy %s\nupstream %d\n", p.Addr, up.Port)
	io.Copy(io.Discard, os.Stdin)
	return nil
}
