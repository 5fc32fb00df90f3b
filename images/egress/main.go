// isolab's egress proxy for graded builds that may reach package registries: a forward HTTP
// proxy (absolute-form requests and CONNECT) that lets through only the registries the
// assignment names, on ports 80 and 443, and never to a loopback, link-local or private
// address. It runs in its own container, the one thing on the build's internal network with
// a way out. Each decision is one line on stdout: the grade reads them to say why a build failed.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

var allowed []string

// allow says whether host is one of the registries: an exact name, or a name under ".suffix".
func allow(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, a := range allowed {
		if host == a || (strings.HasPrefix(a, ".") && strings.HasSuffix(host, a)) {
			return true
		}
	}
	return false
}

var logMu sync.Mutex

func say(format string, args ...interface{}) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Printf(format+"\n", args...)
}

// dial connects to host:port after checking the address the name resolved to.
func dial(ctx context.Context, host, port string) (net.Conn, error) {
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if ip.IP.IsLoopback() || ip.IP.IsLinkLocalUnicast() || ip.IP.IsPrivate() || ip.IP.IsUnspecified() || ip.IP.IsMulticast() {
			return nil, fmt.Errorf("%s resolves to %s, an address of this machine's own networks", host, ip.IP)
		}
	}
	d := net.Dialer{Timeout: 15 * time.Second}
	return d.DialContext(ctx, "tcp", net.JoinHostPort(ips[0].IP.String(), port))
}

func target(r *http.Request) (host, port string, ok bool) {
	hp := r.Host
	if r.Method != http.MethodConnect && r.URL.Host != "" {
		hp = r.URL.Host
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		host, port = hp, "80"
		if r.URL.Scheme == "https" {
			port = "443"
		}
	}
	return host, port, port == "80" || port == "443"
}

func handle(w http.ResponseWriter, r *http.Request) {
	host, port, portOK := target(r)
	if !portOK || !allow(host) {
		say("refused %s %s:%s (not a registry the assignment allows)", r.Method, host, port)
		http.Error(w, fmt.Sprintf("isolab: %s:%s is not a registry this assignment allows", host, port), http.StatusForbidden)
		return
	}
	if r.Method == http.MethodConnect {
		up, err := dial(r.Context(), host, port)
		if err != nil {
			say("unreachable %s:%s: %v", host, port, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			up.Close()
			http.Error(w, "no hijacking", http.StatusInternalServerError)
			return
		}
		down, buf, err := hj.Hijack()
		if err != nil {
			up.Close()
			return
		}
		say("allowed CONNECT %s:%s", host, port)
		down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() {
			if buf.Reader.Buffered() > 0 {
				io.CopyN(up, buf, int64(buf.Reader.Buffered()))
			}
			io.Copy(up, down)
			up.Close()
		}()
		io.Copy(down, up)
		down.Close()
		return
	}
	if r.URL.Scheme != "http" || r.URL.Host == "" {
		http.Error(w, "isolab: a proxy request names its URL whole (http://host/path)", http.StatusBadRequest)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range []string{"Proxy-Connection", "Proxy-Authorization", "Connection", "Keep-Alive", "Te", "Trailer", "Upgrade"} {
		out.Header.Del(h)
	}
	res, err := transport.RoundTrip(out)
	if err != nil {
		say("unreachable %s:%s: %v", host, port, err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	say("allowed %s %s:%s", r.Method, host, port)
	for k, vs := range res.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(res.StatusCode)
	io.Copy(w, res.Body)
}

var transport = &http.Transport{
	Proxy: nil,
	DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		return dial(ctx, host, port)
	},
	TLSHandshakeTimeout:   15 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
	MaxIdleConnsPerHost:   4,
}

func main() {
	for _, a := range strings.Split(os.Getenv("EGRESS_ALLOW"), ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			allowed = append(allowed, a)
		}
	}
	say("listening on :3128; registries: %s", strings.Join(allowed, ", "))
	srv := &http.Server{Addr: ":3128", Handler: http.HandlerFunc(handle), ReadHeaderTimeout: 30 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		say("stopped: %v", err)
		os.Exit(1)
	}
}
