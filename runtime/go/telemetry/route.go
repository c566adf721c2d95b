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
		_, route := splitPattern(h.req.Pattern)
		return route
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
				holder.set(prefix, pattern)
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
		if r.Pattern != "" {
			holder.set(prefix, r.Pattern)
		}
	})
}

func (h *routeHolder) set(prefix, pattern string) {
	_, route := splitPattern(pattern)
	full := strings.TrimSuffix(prefix, "/") + route
	h.found.Store(&full)
}
