package telemetry

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
)

// Behind http.StripPrefix (or any handler that serves a copy of the request)
// the ServeMux that matches the route sets the pattern on its copy, which the
// Handler around it never sees: its spans would be named by the method alone.
// Route, placed inside StripPrefix, hands the route back through the request's
// context, with the stripped prefix put back:
//
//	mux.Handle("/api/", http.StripPrefix("/api", telemetry.Route(apiMux)))
//
// names the span of GET /api/orders/7 "GET /api/orders/{id}".

// routeHolder is the route of one request, shared by the Handler, Route and
// the log handler through the request's context.
type routeHolder struct {
	outerPath string                 // the path the Handler saw
	early     string                 // the route the Handler's ServeMux matched
	found     atomic.Pointer[string] // the route a Route inside found
	req       *http.Request          // the request the Handler passed on
}

type routeHolderKey struct{}

// holderCtx is the context a Handler passes on: the span's context with the
// request's routeHolder, in one allocation instead of a holder and a
// context.WithValue around it.
type holderCtx struct {
	context.Context
	holder routeHolder
}

// Value returns the routeHolder for routeHolderKey and asks the parent for
// every other key.
func (c *holderCtx) Value(key any) any {
	if _, ok := key.(routeHolderKey); ok {
		return &c.holder
	}
	return c.Context.Value(key)
}

// inner is the route a Route inside found, or "".
func (h *routeHolder) inner() string {
	if p := h.found.Load(); p != nil {
		return *p
	}
	return ""
}

// RouteFromContext returns the route (http.route) of the request ctx belongs
// to, as far as it is known yet; "" outside a request served by a Handler.
func RouteFromContext(ctx context.Context) string {
	h, _ := ctx.Value(routeHolderKey{}).(*routeHolder)
	if h == nil {
		return ""
	}
	if r := h.inner(); r != "" {
		return r
	}
	if h.early == "" && h.req != nil && h.req.Pattern != "" {
		// The ServeMux the Handler wraps matched it as it began to serve.
		if _, route := splitPattern(h.req.Pattern); !muxRedirected(h.req, route) {
			return route
		}
	}
	return h.early
}

// Route returns next with its route made known to the Handler around it when
// next is served behind http.StripPrefix: place it inside StripPrefix, around
// the ServeMux whose patterns name the routes. Without a Handler around it,
// Route only calls next.
func Route(next http.Handler) http.Handler {
	mux, isMux := next.(*http.ServeMux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		holder, _ := r.Context().Value(routeHolderKey{}).(*routeHolder)
		if holder == nil {
			next.ServeHTTP(w, r)
			return
		}
		prefix := ""
		if strings.HasSuffix(holder.outerPath, r.URL.Path) {
			prefix = strings.TrimSuffix(holder.outerPath, r.URL.Path)
		}
		if isMux {
			// Known before the handlers run, so their log records carry it.
			if _, pattern := mux.Handler(r); pattern != "" {
				holder.set(r, prefix, pattern)
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
		if r.Pattern != "" {
			holder.set(r, prefix, r.Pattern)
		}
	})
}

// set keeps the route of the pattern that served r behind prefix, unless the
// ServeMux answered r with a redirect (muxRedirected).
func (h *routeHolder) set(r *http.Request, prefix, pattern string) {
	_, route := splitPattern(pattern)
	if muxRedirected(r, route) {
		return
	}
	full := strings.TrimSuffix(prefix, "/") + route
	h.found.Store(&full)
}

// muxRedirected reports whether a ServeMux answered r itself with a redirect
// although it names route (the route of the pattern it gives for r): net/http
// redirects a path that is not clean ("//orders/1", "/orders/./1",
// "/a/../b"; not for CONNECT) to its cleaned form, and a path one trailing
// slash short of a subtree pattern ("/files" for "/files/") to the path with
// the slash, and in both cases reports the pattern the target would match.
// The request reached no route: its span is named by the method and has no
// http.route (semantic conventions v1.45.0, http-spans.md: the matched
// route; a URI path never substitutes it), as in Rust, where axum's router
// matches the path as sent.
func muxRedirected(r *http.Request, route string) bool {
	p := muxPath(r)
	if r.Method != http.MethodConnect && !plainPath(p) && !cleanPath(p) {
		return true
	}
	// A subtree pattern matches paths with at least as many slashes as it
	// has; the trailing-slash redirect is for a path with one less.
	if !strings.HasSuffix(route, "/") {
		return false
	}
	return !strings.HasSuffix(p, "/") && strings.Count(p, "/") < strings.Count(route, "/")
}

// muxPath is the path a ServeMux cleans and matches for r: its escaped
// path (r.URL.EscapedPath), which a handler in front of the mux may have
// changed (http.StripPrefix changes r.URL, never r.RequestURI). The common
// request's path as sent is the same text as r.URL.Path (no
// percent-encoding, nothing stripped) and is taken as it is, with no
// re-encoding; any other request takes EscapedPath. Escaping leaves '/'
// and '.' alone, so either text has the slashes and dots the mux cleans.
func muxPath(r *http.Request) string {
	if u := r.RequestURI; r.URL.RawPath == "" && u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		if u == r.URL.Path {
			return u
		}
	}
	return r.URL.EscapedPath()
}

// plainPath reports whether p is rooted and holds neither "//" nor "/.":
// then it is clean (cleanPath) without a look at its segments. One pass
// over the path, the common request's whole cost.
func plainPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if c := p[i]; (c == '/' || c == '.') && p[i-1] == '/' {
			return false
		}
	}
	return true
}

// cleanPath reports whether p is its own cleaned form as net/http's
// ServeMux cleans it: rooted, and no empty, "." or ".." segment (a
// trailing slash ends the path, it opens no segment: "/a/" is clean,
// "/a//" is not).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' || i+1 == len(p) {
			continue
		}
		seg := p[i+1:]
		if j := strings.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
		}
		if seg == "." || seg == ".." || seg == "" {
			return false
		}
	}
	return true
}
