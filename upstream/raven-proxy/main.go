// Command raven-proxy is the upstream suite's Raven L7 proxy: the request path of raven-agent's
// proxy server (github.com/openyurtio/raven v0.4.4, pkg/proxyengine/proxyserver), which cannot be
// built here because neither raven's module nor its apiserver-network-proxy fork is served by the
// Go module proxy. Every behaviour below names the raven function it follows; what raven does and
// this program does not is said where it would apply.
//
//	raven-proxy --version
//	raven-proxy --config config.json     prints "ready" once every listener is up
//
// What is not reproduced: the tunnel between the cloud gateway and an edge gateway
// (apiserver-network-proxy over gRPC, servers.go agent/proxies): a request for a node that is not a
// member of the proxy's own Gateway ("Remote" forward mode) is dialled directly, at the address
// the configuration's "tunnel" map gives for the node's InternalIP, instead of by a CONNECT through
// that tunnel. The bytes of the request and the response are the same; the tunnel's own framing
// (4 KiB gRPC data packets) is not added. Requests from the API server (exec, attach, port-forward,
// logs: isAPIServerRequest) are refused: Prometheus never sends them.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/httpstream"
)

// The names raven uses (pkg/utils/constants.go).
const (
	ravenProxyHostHeaderKey     = "X-Tunnel-Proxy-Host"
	ravenProxyDestHeaderKey     = "X-Tunnel-Proxy-Dest"
	forwardModeHeaderKey        = "Forward-Mode"
	forwardLocalMode            = "Local"
	forwardRemoteMode           = "Remote"
	labelCurrentGateway         = "raven.openyurt.io/gateway"
	gatewayEndpointTypeProxy    = "proxy"
	versionLine                 = "raven-proxy, the request path of raven v0.4.4's proxy server"
	frontReadTimeout            = 10 * time.Second
	apiRequestTimeout           = 10 * time.Second
	controlPathRoutes           = "/lab/raven-proxy/routes"
	apiServerRequestPathMinimum = 5
)

// Config is the proxy's configuration file.
type Config struct {
	// APIServer is where Nodes and Gateways are read, with raven-agent's credential.
	APIServer struct {
		URL      string `json:"url"`
		CAFile   string `json:"caFile"`
		CertFile string `json:"certFile"`
		KeyFile  string `json:"keyFile"`
	} `json:"apiServer"`
	// GatewayName is the Gateway the proxy serves (the cloud gateway).
	GatewayName string `json:"gatewayName"`
	// RootCAFile is the cluster CA (raven: utils.RavenCAFile, the ServiceAccount's ca.crt).
	RootCAFile string `json:"rootCaFile"`
	// ServerCertFile/ServerKeyFile: the proxy's serving certificate (raven-proxy-server).
	ServerCertFile string `json:"serverCertFile"`
	ServerKeyFile  string `json:"serverKeyFile"`
	// ClientCertFile/ClientKeyFile: the certificate presented to kubelets (raven-proxy-user, CN tunnel-proxy-client).
	ClientCertFile string `json:"clientCertFile"`
	ClientKeyFile  string `json:"clientKeyFile"`
	// HTTPS and HTTP are the addresses served (raven: InternalSecureAddress and InternalInsecureAddress,
	// reached through the x-raven-proxy-internal-svc Service's https-<port> and http-<port> ports).
	HTTPS []string `json:"https"`
	HTTP  []string `json:"http"`
	// Tunnel maps a node's InternalIP to where the lab reaches that node's network.
	Tunnel map[string]string `json:"tunnel"`
	// Control is where the lab reads what the proxy did.
	Control string `json:"control"`
}

// Route is one request the proxy handled, for the lab to inspect.
type Route struct {
	Node string `json:"node"`
	// From says where the node name came from: "nodeName", "host" or "header".
	From   string `json:"from"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	// Mode is the forward mode (Local or Remote); empty when refused before it was known.
	Mode string `json:"mode,omitempty"`
	// Upstream is the request line and Host written to the node, as written.
	Upstream string `json:"upstream,omitempty"`
	// TLS says whether the node was dialled over TLS (requests that arrived over TLS).
	TLS bool `json:"tls"`
	// ResponseBytes counts the response body bytes copied back.
	ResponseBytes int64 `json:"responseBytes"`
}

type routes struct {
	mu   sync.Mutex
	list []Route
}

func (r *routes) add(route Route) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, route)
}

func (r *routes) snapshot() []Route {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Route{}, r.list...)
}

// api reads Nodes and Gateways (raven reads them with a controller-runtime client).
type api struct {
	base   string
	client *http.Client
}

var errNotFound = errors.New("not found")

func (a *api) get(path string, into any) error {
	resp, err := a.client.Get(a.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %w", path, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, into)
}

type node struct {
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Status struct {
		Addresses []struct {
			Type    string `json:"type"`
			Address string `json:"address"`
		} `json:"addresses"`
	} `json:"status"`
}

type gateway struct {
	Status struct {
		Nodes []struct {
			NodeName string `json:"nodeName"`
		} `json:"nodes"`
		ActiveEndpoints []struct {
			NodeName string `json:"nodeName"`
			Type     string `json:"type"`
		} `json:"activeEndpoints"`
	} `json:"status"`
}

// getNodeIP follows manageheader.go getNodeIP: the node's first InternalIP.
func getNodeIP(n *node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == "InternalIP" {
			return a.Address
		}
	}
	return ""
}

type proxy struct {
	cfg       Config
	api       *api
	clientTLS *tls.Config
	routes    *routes
}

// getGatewayNodeName follows manageheader.go getGatewayNodeName: the node itself unless it names a
// Gateway that exists, then one of that Gateway's active proxy endpoints, at random.
func (p *proxy) getGatewayNodeName(n *node) (string, error) {
	gwName, ok := n.Metadata.Labels[labelCurrentGateway]
	if !ok {
		return n.Metadata.Name, nil
	}
	var gw gateway
	if err := p.api.get("/apis/raven.openyurt.io/v1beta1/gateways/"+gwName, &gw); err != nil {
		if errors.Is(err, errNotFound) {
			return n.Metadata.Name, nil
		}
		return "", err
	}
	if gw.Status.ActiveEndpoints == nil {
		return "", fmt.Errorf("no active endpoints for gw %s", gwName)
	}
	var names []string
	for _, ep := range gw.Status.ActiveEndpoints {
		if ep.Type == gatewayEndpointTypeProxy {
			names = append(names, ep.NodeName)
		}
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no active endpoints for gw %s", gwName)
	}
	return names[rand.Intn(len(names))], nil
}

// getNormalRequestDestAddress follows manageheader.go getNormalRequestDestAddress: the raven
// headers first; else the Host header, which must carry a port, overridden by a non-empty
// ?nodeName= that is then deleted from the query; an IP literal is no destination.
func (p *proxy) getNormalRequestDestAddress(r *http.Request, route *Route) (name, ip, port string, err error) {
	nodeName := r.Header.Get(ravenProxyHostHeaderKey)
	_, port, _ = net.SplitHostPort(r.Header.Get(ravenProxyDestHeaderKey))
	route.From = "header"
	if nodeName == "" || port == "" {
		route.From = "host"
		nodeName, port, err = net.SplitHostPort(r.Host)
		if err != nil {
			return "", "", "", err
		}
		query := r.URL.Query()
		if fromQuery := query.Get("nodeName"); fromQuery != "" {
			nodeName = fromQuery
			route.From = "nodeName"
			query.Del("nodeName")
			r.URL.RawQuery = query.Encode()
		}
	}
	route.Node = nodeName
	if net.ParseIP(nodeName) != nil {
		return "", "", "", nil
	}
	var n node
	if err = p.api.get("/api/v1/nodes/"+nodeName, &n); err != nil {
		return "", "", "", err
	}
	name, err = p.getGatewayNodeName(&n)
	if err != nil {
		return "", "", "", fmt.Errorf("can not find gateway node for node %s, error %s", n.Metadata.Name, err.Error())
	}
	ip = getNodeIP(&n)
	if ip == "" {
		return "", "", "", fmt.Errorf("node %s ip is empty", n.Metadata.Name)
	}
	return name, ip, port, nil
}

// getProxyMode follows manageheader.go getProxyMode: Local for a node of the proxy's own Gateway.
func (p *proxy) getProxyMode(nodeName string) (string, error) {
	var gw gateway
	if err := p.api.get("/apis/raven.openyurt.io/v1beta1/gateways/"+p.cfg.GatewayName, &gw); err != nil {
		return "", err
	}
	for _, n := range gw.Status.Nodes {
		if n.NodeName == nodeName {
			return forwardLocalMode, nil
		}
	}
	return forwardRemoteMode, nil
}

// isAPIServerRequest follows manageheader.go isAPIServerRequest.
func isAPIServerRequest(r *http.Request) bool {
	parts := strings.Split(r.URL.Path, "/")
	if len(parts) < apiServerRequestPathMinimum {
		return false
	}
	switch parts[1] {
	case "exec", "attach", "portForward", "containerLogs":
		return true
	}
	return false
}

// logAndHTTPError follows interceptor.go logAndHTTPError.
func logAndHTTPError(w http.ResponseWriter, code int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	log.Print(msg)
	http.Error(w, msg, code)
}

// ServeHTTP is manageheader.go headerManger.Handler wrapped around interceptor.go Interceptor.ServeHTTP.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := Route{Path: r.URL.Path, TLS: r.TLS != nil}
	recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		route.Status = recorder.status
		route.ResponseBytes = recorder.bytes
		p.routes.add(route)
	}()
	w = recorder

	if isAPIServerRequest(r) {
		logAndHTTPError(w, http.StatusBadRequest, "request host %s and url %s is invalid, requests from the API server are not served here", r.Host, r.URL.String())
		return
	}
	host, ip, port, err := p.getNormalRequestDestAddress(r, &route)
	if err != nil {
		logAndHTTPError(w, http.StatusBadRequest, "request host %s and url %s is invalid, %s", r.Host, r.URL.String(), err.Error())
		return
	}
	if host == "" || ip == "" || port == "" {
		logAndHTTPError(w, http.StatusBadRequest, "request host %s and url %s is invalid", r.Host, r.URL.String())
		return
	}
	if r.TLS == nil {
		r.URL.Scheme = "http"
	} else {
		r.URL.Scheme = "https"
	}
	proxyDest := net.JoinHostPort(ip, port)
	proxyHost := net.JoinHostPort(host, port)
	mode, err := p.getProxyMode(host)
	if err != nil {
		logAndHTTPError(w, http.StatusServiceUnavailable, "request host %s and url %s can not get proxy mode, error %s", r.Host, r.URL.String(), err.Error())
		return
	}
	route.Mode = mode
	r.Host = proxyDest
	r.Header.Set("Host", proxyDest)
	r.URL.Host = proxyDest
	r.Header.Set(ravenProxyHostHeaderKey, proxyHost)
	r.Header.Set(ravenProxyDestHeaderKey, proxyDest)
	r.Header.Set(forwardModeHeaderKey, mode)
	route.Upstream = fmt.Sprintf("%s %s Host: %s", r.Method, r.URL.RequestURI(), r.Host)
	p.intercept(w, r)
}

// dial follows interceptor.go NewInterceptor's dial: a new connection for every request, TLS to the
// node (its certificate not verified) when the request came over TLS.
func (p *proxy) dial(address string, isTLS bool) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	target := address
	if reach, ok := p.cfg.Tunnel[host]; ok {
		target = net.JoinHostPort(reach, port)
	}
	conn, err := net.DialTimeout("tcp", target, 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("failed to dial server %s, error %s", address, err.Error())
	}
	if !isTLS {
		return conn, nil
	}
	tlsConn := tls.Client(conn, p.clientTLS)
	if err := tlsConn.Handshake(); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("fail to setup TLS handshake to %s: error %s", address, err.Error())
	}
	return tlsConn, nil
}

// intercept follows interceptor.go Interceptor.ServeHTTP and serveRequest: the request written
// as received, the response read with http.ReadResponse, its headers copied, its body io.Copy'd,
// the connection closed afterwards.
func (p *proxy) intercept(w http.ResponseWriter, r *http.Request) {
	conn, err := p.dial(r.Host, r.TLS != nil)
	if err != nil {
		logAndHTTPError(w, http.StatusServiceUnavailable, "failed to setup the proxy for %s, error %s", r.Host, err)
		return
	}
	defer conn.Close()
	if err := r.Write(conn); err != nil {
		logAndHTTPError(w, http.StatusServiceUnavailable, "failed to write request to conn, err %s", err.Error())
		return
	}
	if httpstream.IsUpgradeRequest(r) {
		logAndHTTPError(w, http.StatusServiceUnavailable, "upgrade requests are not served here")
		return
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, r)
	if err != nil {
		logAndHTTPError(w, http.StatusServiceUnavailable, "fail to read response from the conn: %s", err.Error())
		return
	}
	defer resp.Body.Close()
	for key, values := range resp.Header {
		for _, v := range values {
			w.Header().Add(key, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	writer := io.Writer(w)
	if isChunked(resp) {
		if flusher, ok := w.(http.Flusher); ok {
			flusher.Flush()
		}
		writer = flushWriter{w}
	}
	if _, err := io.Copy(writer, resp.Body); err != nil && !strings.Contains(strings.ToLower(err.Error()), "use of closed network connection") {
		log.Printf("failed to copy response from proxy server to the frontend: %v", err)
	}
}

// isChunked follows interceptor.go isChunked.
func isChunked(resp *http.Response) bool {
	for _, h := range resp.Header["Transfer-Encoding"] {
		if strings.Contains(strings.ToLower(h), "chunked") {
			return true
		}
	}
	for _, te := range resp.TransferEncoding {
		if strings.Contains(strings.ToLower(te), "chunked") {
			return true
		}
	}
	return false
}

// flushWriter flushes after every write, as k8s.io/apiserver's flushwriter does for raven.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if flusher, ok := f.w.(http.Flusher); ok {
		flusher.Flush()
	}
	return n, err
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func mustPool(file string) *x509.CertPool {
	pem, err := os.ReadFile(file)
	if err != nil {
		log.Fatalf("read %s: %v", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		log.Fatalf("%s holds no PEM certificate", file)
	}
	return pool
}

func mustKeyPair(cert, key string) tls.Certificate {
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		log.Fatalf("load %s: %v", cert, err)
	}
	return pair
}

func main() {
	version := flag.Bool("version", false, "print the version and exit")
	configFile := flag.String("config", "", "the configuration file (JSON)")
	flag.Parse()
	if *version {
		fmt.Println(versionLine)
		return
	}
	raw, err := os.ReadFile(*configFile)
	if err != nil {
		log.Fatalf("--config: %v", err)
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		log.Fatalf("%s: %v", *configFile, err)
	}
	root := mustPool(cfg.RootCAFile)
	apiPair := mustKeyPair(cfg.APIServer.CertFile, cfg.APIServer.KeyFile)
	p := &proxy{
		cfg: cfg,
		api: &api{base: strings.TrimSuffix(cfg.APIServer.URL, "/"), client: &http.Client{
			Timeout: apiRequestTimeout,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{
				RootCAs: mustPool(cfg.APIServer.CAFile), Certificates: []tls.Certificate{apiPair}, MinVersion: tls.VersionTLS12,
			}},
		}},
		routes: &routes{},
	}
	// pkg/utils/certmanager/pki.go GenTLSConfigUseCurrentCertAndCertPool, mode "client"; interceptor.go
	// sets InsecureSkipVerify before dialling the node.
	clientPair := mustKeyPair(cfg.ClientCertFile, cfg.ClientKeyFile)
	p.clientTLS = &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            root,
		InsecureSkipVerify: true, //nolint:gosec // raven does not verify the kubelet's certificate
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &clientPair, nil
		},
	}
	// pki.go GenTLSConfigUseCurrentCertAndCertPool, mode "server".
	serverPair := mustKeyPair(cfg.ServerCertFile, cfg.ServerKeyFile)
	serverTLS := &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientCAs:  root,
		ClientAuth: tls.VerifyClientCertIfGiven,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &serverPair, nil
		},
	}

	var servers []*http.Server
	listen := func(addr string, secure bool) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			log.Fatalf("listen %s: %v", addr, err)
		}
		// servers.go master.Run: ReadTimeout 10 s, no idle or write timeout, HTTP/2 off (empty TLSNextProto).
		srv := &http.Server{
			Handler:      p,
			ReadTimeout:  frontReadTimeout,
			TLSNextProto: make(map[string]func(*http.Server, *tls.Conn, http.Handler)),
			ErrorLog:     log.New(os.Stderr, "", log.LstdFlags),
		}
		servers = append(servers, srv)
		if secure {
			srv.TLSConfig = serverTLS
			ln = tls.NewListener(ln, serverTLS)
		}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Fatalf("serve %s: %v", addr, err)
			}
		}()
	}
	for _, addr := range cfg.HTTPS {
		listen(addr, true)
	}
	for _, addr := range cfg.HTTP {
		listen(addr, false)
	}
	if cfg.Control != "" {
		mux := http.NewServeMux()
		mux.HandleFunc(controlPathRoutes, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(p.routes.snapshot())
		})
		ln, err := net.Listen("tcp", cfg.Control)
		if err != nil {
			log.Fatalf("listen %s: %v", cfg.Control, err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: frontReadTimeout}
		servers = append(servers, srv)
		go func() { _ = srv.Serve(ln) }()
	}
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	for _, srv := range servers {
		_ = srv.Close()
	}
}
