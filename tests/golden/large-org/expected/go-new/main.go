// Command payments is a net/http service instrumented by its internal/otelconv package.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"example.com/acme/payments/internal/otelconv"
)

func main() {
	logger := slog.New(otelconv.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil)))
	slog.SetDefault(logger)
	if err := run(); err != nil {
		slog.Error("service stopped", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Telemetry configuration never stops the service unless the conventions
	// ask for strict start-up: Setup then returns what was wrong.
	shutdownTelemetry, err := otelconv.Setup(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err := shutdownTelemetry(context.Background()); err != nil {
			slog.Warn("telemetry shutdown", slog.String("error", err.Error()))
		}
	}()

	ln, err := net.Listen("tcp", envOr("LISTEN_ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	a := &app{
		client:     otelconv.NewClient(),
		downstream: strings.TrimRight(envOr("DOWNSTREAM_URL", "http://127.0.0.1:8081"), "/"),
	}
	a.routes(mux)
	srv := &http.Server{
		Handler:           otelconv.NewHandler(mux),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	slog.Info("listening", slog.String("addr", ln.Addr().String()))

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
